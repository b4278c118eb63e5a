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
import { Mgtl, mgtlForwardMacs, mgtlLoss, mgtlParamCount } from './mgtl.js';
import { MGTL_PUBLISHED } from '../papers/mgtl/published.js';
import { GEOCAPSNET_PUBLISHED } from '../papers/geocapsnet/published.js';
import { GEOCAPSNET_INPUT_HW, GeoCapsNet, geoCapsNetForwardMacs, geoCapsNetParamCount, type GeoCapsNetVariant } from './geocapsnet.js';
import { resnetxParamCount } from './resnetx.js';
import { vgg16Layers } from './vgg16.js';
import { UnifiedMoCo } from './unified_moco.js';

export const MODEL_NAMES = ['siamese-vgg', 'safa', 'cvft', 'mgtl', 'geocapsnet-i', 'geocapsnet-ii', 'unified-moco'] as const;
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
    case 'mgtl': {
      // 128x640 inputs give the paper's 20 positions (pool5 width 640/32); L = 6 steps, 6 heads
      const hw: [number, number] = [128, 640];
      const full = mgtlParamCount('full', 6), wo = mgtlParamCount('wo-cmi', 6), vgg = 2 * vggFeatures('pool5');
      const explain = MGTL_PUBLISHED.explanation.join(' ');
      return {
        model: name, params: full, descriptorLength: 384 * 20, input: { ground: hw, aerial: hw },
        forwardGflops: (2 * mgtlForwardMacs(hw, hw, 'full', 6)) / 1e9,
        breakdown: { vgg16x2: vgg, mife_pe_gkst: wo - vgg, cmi_generators: full - wo },
        published: [
          { what: 'VGG16 only', value: MGTL_PUBLISHED.params.vgg16Only.value, source: `MGTL (000) ${MGTL_PUBLISHED.params.vgg16Only.ref}`, note: `ours ${vgg.toLocaleString('en-US')}` },
          { what: 'w/o CMI', value: MGTL_PUBLISHED.params.woCmi.value, source: `MGTL (000) ${MGTL_PUBLISHED.params.woCmi.ref}`, note: `ours ${wo.toLocaleString('en-US')} (equations only; ${mgtlParamCount('wo-cmi', 6, { ffn: true }).toLocaleString('en-US')} with a feed-forward per GKST block). ${explain}` },
          { what: 'full', value: MGTL_PUBLISHED.params.full.value, source: `MGTL (000) ${MGTL_PUBLISHED.params.full.ref}`, note: `ours ${full.toLocaleString('en-US')} (equations only; ${mgtlParamCount('full', 6, { ffn: true }).toLocaleString('en-US')} with the feed-forward)` },
          { what: 'full (Table 3)', value: MGTL_PUBLISHED.params.fullTable3.value, source: `MGTL (000) ${MGTL_PUBLISHED.params.fullTable3.ref}`, note: 'the same model as Table 2 row 3, 6.98M fewer: unexplained' },
        ],
      };
    }
    case 'geocapsnet-i':
    case 'geocapsnet-ii': {
      const variant: GeoCapsNetVariant = name === 'geocapsnet-i' ? 'I' : 'II';
      const hw = GEOCAPSNET_INPUT_HW;
      // counted as Keras does (BatchNorm moving statistics included), like the paper's TensorFlow code
      const p = geoCapsNetParamCount(variant, { keras: true });
      const backbone = 2 * resnetxParamCount(1, true);
      const E = GEOCAPSNET_PUBLISHED.explanation;
      return {
        model: name, params: p, descriptorLength: GEOCAPSNET_PUBLISHED.codeLength, input: { ground: hw, aerial: hw },
        forwardGflops: (2 * geoCapsNetForwardMacs(variant, hw, hw)) / 1e9,
        breakdown: { resnetx_x2_keras: backbone, capsule_layers: p - backbone },
        published: [
          { what: `GeoCapsNet-${variant} parameters`, value: GEOCAPSNET_PUBLISHED.params[variant], source: GEOCAPSNET_PUBLISHED.source, note: `ours ${p.toLocaleString('en-US')}: ${E.total}` },
          { what: 'I − II (one set of capsule layers)', value: GEOCAPSNET_PUBLISHED.capsuleLayerParams, source: GEOCAPSNET_PUBLISHED.source, note: `ours ${(geoCapsNetParamCount('I', { keras: true }) - geoCapsNetParamCount('II', { keras: true })).toLocaleString('en-US')}: ${E.difference}` },
          { what: 'code length', value: GEOCAPSNET_PUBLISHED.codeLength, source: GEOCAPSNET_PUBLISHED.source, note: 'the same (32 capsules x 64)' },
        ],
      };
    }
    case 'unified-moco': {
      // the query encoders are a Siamese-VGG; the two key encoders are non-trainable copies of them
      const g: [number, number] = [224, 448], a: [number, number] = [224, 224];
      const sv = siameseVggParamCount();
      return {
        model: name, params: sv, descriptorLength: 128, input: { ground: g, aerial: a },
        forwardGflops: (2 * siameseVggForwardMacs(g, a)) / 1e9,
        breakdown: { vgg16x2: 2 * vggFeatures('pool5'), head: sv - 2 * vggFeatures('pool5') },
        published: [{ ...MGTL_TWO_VGG, note: `${MGTL_TWO_VGG.note}; the trained query encoders are a Siamese-VGG, the two momentum key encoders (${(sv).toLocaleString('en-US')} values, not trained) and the two queues (2 x 16384 x 128) are state` }],
      };
    }
    default:
      throw new CvglError(`a model name: ${MODEL_NAMES.join(', ')}`, `'${name}'`, 'e.g. cvgl params cvft');
  }
}

const embedded = (m: CrossViewModel, loss: (g: tf.Tensor2D, s: tf.Tensor2D) => tf.Scalar) => (ground: tf.Tensor4D, aerial: tf.Tensor4D) => {
  const e = m.embed(ground, aerial);
  return loss(e.g, e.s);
};

/** A narrow model for quick runs on a CPU, its input sizes and the loss its paper trains it with. */
export function quickModel(name: string, seed = 1): {
  model: CrossViewModel;
  objective: (ground: tf.Tensor4D, aerial: tf.Tensor4D) => tf.Scalar;
  /** Adam's learning rate for the quick run. */
  learningRate: number;
  /** PreciseBN batches before each evaluation (models with BatchNorm). */
  preciseBatchNorm?: number;
  ground: { height: number; width: number };
  aerial: { size: number; polar: { height: number; width: number } | null };
} {
  const rng = new Rng(seed);
  switch (name) {
    case 'siamese-vgg': {
      const model = new SiameseVgg({ widthDivisor: 8, rng });
      return { model, learningRate: 1e-3, objective: embedded(model, (g, s) => softTripletThesis(g, s, 10)), ground: { height: 32, width: 128 }, aerial: { size: 64, polar: null } };
    }
    case 'safa': {
      // SAFA matches a polar-transformed aerial (32x128) with the panorama (32x128)
      const model = new Safa({ widthDivisor: 8, groundHW: [32, 128], aerialHW: [32, 128], rng });
      return { model, learningRate: 1e-3, objective: embedded(model, (g, s) => softTripletThesis(g, s, 10)), ground: { height: 32, width: 128 }, aerial: { size: 64, polar: { height: 32, width: 128 } } };
    }
    case 'cvft': {
      const model = new Cvft({ widthDivisor: 8, rng });
      return { model, learningRate: 1e-3, objective: embedded(model, (g, s) => softMarginTripletExhaustive(g, s, 10)), ground: { height: 32, width: 128 }, aerial: { size: 64, polar: null } };
    }
    case 'geocapsnet-i':
    case 'geocapsnet-ii': {
      // presets.quick['geocapsnet-i'] (README, "GeoCapsNet at quick size"): ResNetX ends at 1/32
      // of the input and PrimaryCaps needs at least 3x3: 72x288 panoramas and polar-transformed
      // aerials (3x9 maps), widths / 8, the paper's "Triplet" loss (Table 3; Soft-TriHard collapses
      // from random weights at this size), PreciseBN before evaluating
      const model = new GeoCapsNet({ variant: name === 'geocapsnet-i' ? 'I' : 'II', widthDivisor: 8, groundHW: [72, 288], aerialHW: [72, 288], rng });
      return {
        model, learningRate: 1e-3, preciseBatchNorm: 10,
        objective: embedded(model, (g, s) => softMarginTripletExhaustive(g, s, 10)),
        ground: { height: 72, width: 288 }, aerial: { size: 144, polar: { height: 72, width: 288 } },
      };
    }
    case 'mgtl': {
      // polar aerial and panorama of the same width, so both branches have the same positions
      const model = new Mgtl({ widthDivisor: 8, steps: 2, groundHW: [32, 128], aerialHW: [32, 128], rng });
      return { model, learningRate: 1e-3, objective: (ground, aerial) => mgtlLoss(model.forwardWithAux(ground, aerial), 10, 0.05), ground: { height: 32, width: 128 }, aerial: { size: 64, polar: { height: 32, width: 128 } } };
    }
    case 'unified-moco': {
      const model = new UnifiedMoCo({ widthDivisor: 8, queueSize: 256, rng });
      return { model, learningRate: 1e-3, objective: (ground, aerial) => model.loss(ground, aerial), ground: { height: 32, width: 128 }, aerial: { size: 64, polar: null } };
    }
    default:
      throw new CvglError(`a model name: ${MODEL_NAMES.join(', ')}`, `'${name}'`, 'e.g. --model cvft');
  }
}

/** Constructor options a config may set, per model (a misspelt option is an error, not ignored). */
const MODEL_OPTIONS: Record<ModelName, string[]> = {
  'siamese-vgg': ['dim', 'widthDivisor'],
  safa: ['D', 'widthDivisor', 'groundHW', 'aerialHW', 'name'],
  cvft: ['variant', 'dim', 'featureHW', 'lambda', 'iterations', 'reduction', 'tpsGrid', 'widthDivisor', 'name'],
  mgtl: ['variant', 'steps', 'widthDivisor', 'heads', 'ffn', 'groundHW', 'aerialHW', 'name'],
  'geocapsnet-i': ['variant', 'routingIterations', 'widthDivisor', 'groundHW', 'aerialHW', 'name', 'zeroInitResidual'],
  'geocapsnet-ii': ['variant', 'routingIterations', 'widthDivisor', 'groundHW', 'aerialHW', 'name', 'zeroInitResidual'],
  'unified-moco': ['dim', 'widthDivisor', 'queueSize', 'tau', 'momentum'],
};

/**
 * A model by name with its constructor options (a training config's `model`), initialised from
 * `seed`. Options are the architecture's own (widthDivisor, variant, steps, dim, groundHW, …);
 * the constructors check them.
 */
export function buildModel(name: string, options: Record<string, unknown> = {}, seed = 1): CrossViewModel {
  const known = MODEL_OPTIONS[name as ModelName];
  if (known) {
    const unknown = Object.keys(options).filter((k) => !known.includes(k));
    if (unknown.length) throw new CvglError(`options of ${name}: ${known.join(', ')}`, unknown.map((k) => `'${k}'`).join(', '), 'check the spelling in model.options');
  }
  const o = { ...options, rng: new Rng(seed) };
  switch (name) {
    case 'siamese-vgg':
      return new SiameseVgg(o);
    case 'safa':
      return new Safa(o);
    case 'cvft':
      return new Cvft(o);
    case 'mgtl':
      return new Mgtl(o);
    case 'geocapsnet-i':
    case 'geocapsnet-ii':
      return new GeoCapsNet({ variant: name === 'geocapsnet-i' ? 'I' : 'II', ...o });
    case 'unified-moco':
      return new UnifiedMoCo(o);
    default:
      throw new CvglError(`a model name: ${MODEL_NAMES.join(', ')}`, `'${name}'`, 'e.g. "model": {"name": "cvft"}');
  }
}
