/**
 * The architectures by name, for `cvgl params` and the quick training run: size facts computed
 * analytically (no weights are built), the published figure they are compared with, and a
 * factory for small (quick-size) models.
 */
import { CvglError } from '../engine/errors.js';
import { Rng } from '../engine/rng.js';
import { softMarginTripletExhaustive, softTripletThesis } from '../losses/triplet.js';
import type { tf } from '../engine/tf.js';
import { CVFT_RELEASED_INPUT_HW, Cvft, cvftDescriptorLength, cvftForwardFlops, cvftParamBreakdown } from './cvft.js';
import type { CrossViewModel } from './model.js';
import { SAFA_DEFAULT_HW, Safa, safaForwardMacs, safaParamCount } from './safa.js';
import { SiameseVgg, siameseVggForwardMacs, siameseVggParamCount } from './siamese_vgg.js';
import { vgg16Layers } from './vgg16.js';

export const MODEL_NAMES = ['siamese-vgg', 'safa', 'cvft'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface ModelFacts {
  model: ModelName;
  params: number;
  descriptorLength: number;
  /** Input sizes the figures are for (ground, aerial). */
  input: { ground: [number, number]; aerial: [number, number] };
  forwardGflops: number;
  breakdown: Record<string, number>;
  /** Published figures to compare with, each with where it comes from and why ours may differ. */
  published: { what: string; value: number; source: string; note: string }[];
}

const vggFeatures = (cut: 'pool5' | 'conv5_3') => {
  let n = 0;
  for (const l of vgg16Layers(cut)) if (l.kind === 'conv') n += 9 * l.cin * l.cout + l.cout;
  return n;
};

const MGTL_TWO_VGG = {
  what: 'two VGG16 branches',
  value: 29.42e6,
  source: 'MGTL (000) Table 2, first row',
  note: 'the convolutional part of two unshared VGG16s (2 x 14,714,688 = 29,429,376); heads come on top',
};

export function modelFacts(name: string): ModelFacts {
  switch (name) {
    case 'siamese-vgg': {
      const g: [number, number] = [112, 616], a: [number, number] = [256, 256];
      return {
        model: name, params: siameseVggParamCount(), descriptorLength: 128, input: { ground: g, aerial: a },
        forwardGflops: (2 * siameseVggForwardMacs(g, a)) / 1e9,
        breakdown: { vgg16x2: 2 * vggFeatures('pool5'), head: siameseVggParamCount() - 2 * vggFeatures('pool5') },
        published: [MGTL_TWO_VGG],
      };
    }
    case 'safa': {
      const hw = SAFA_DEFAULT_HW;
      const p = safaParamCount(hw, hw);
      return {
        model: name, params: p, descriptorLength: 512 * 8, input: { ground: hw, aerial: hw },
        forwardGflops: (2 * safaForwardMacs(hw, hw)) / 1e9,
        breakdown: { vgg16x2: 2 * vggFeatures('pool5'), spe: p - 2 * vggFeatures('pool5') },
        published: [
          MGTL_TWO_VGG,
          { what: 'descriptor length', value: 4096, source: 'thesis (003) appendix 6.1, SPE output C x D = 512 x 8', note: 'the same' },
        ],
      };
    }
    case 'cvft': {
      const { ground, aerial } = CVFT_RELEASED_INPUT_HW;
      const b = cvftParamBreakdown();
      return {
        model: name, params: b.total, descriptorLength: cvftDescriptorLength(), input: { ground, aerial },
        forwardGflops: cvftForwardFlops(ground, aerial) / 1e9,
        breakdown: { vgg16x2_to_conv5_3: b.vgg, reduce_1x1: b.reduce, cost_generation: b.regression },
        published: [
          MGTL_TWO_VGG,
          { what: 'descriptor length', value: 4096, source: 'CVFT (002) Sec. 4.1 / Table 4 (8 x 8 x 64)', note: 'the same; Table 4 variants 2048, 1536, 512 via `dim`' },
        ],
      };
    }
    default:
      throw new CvglError(`a model name: ${MODEL_NAMES.join(', ')}`, `'${name}'`, 'e.g. cvgl params cvft');
  }
}

/** A narrow model for quick runs on a CPU, its input sizes and the loss its paper trains it with. */
export function quickModel(name: string, seed = 1): {
  model: CrossViewModel;
  loss: (g: tf.Tensor2D, s: tf.Tensor2D) => tf.Scalar;
  ground: { height: number; width: number };
  aerial: { size: number; polar: { height: number; width: number } | null };
} {
  const rng = new Rng(seed);
  switch (name) {
    case 'siamese-vgg':
      return { model: new SiameseVgg({ widthDivisor: 8, rng }), loss: (g, s) => softTripletThesis(g, s, 10), ground: { height: 32, width: 128 }, aerial: { size: 64, polar: null } };
    case 'safa':
      // SAFA matches a polar-transformed aerial (32x128) with the panorama (32x128)
      return { model: new Safa({ widthDivisor: 8, groundHW: [32, 128], aerialHW: [32, 128], rng }), loss: (g, s) => softTripletThesis(g, s, 10), ground: { height: 32, width: 128 }, aerial: { size: 64, polar: { height: 32, width: 128 } } };
    case 'cvft':
      return { model: new Cvft({ widthDivisor: 8, rng }), loss: (g, s) => softMarginTripletExhaustive(g, s, 10), ground: { height: 32, width: 128 }, aerial: { size: 64, polar: null } };
    default:
      throw new CvglError(`a model name: ${MODEL_NAMES.join(', ')}`, `'${name}'`, 'e.g. --model cvft');
  }
}
