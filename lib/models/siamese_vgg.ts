/**
 * Siamese-VGG (thesis 003, Sec. 3.2.1, Sec. 4.2 and appendix 6.1): two unshared VGG16 branches
 * (ground, aerial), then a shared aggregation module; descriptors are L2-normalised. The thesis
 * describes that module twice, differently (a reading, lib/papers/thesis/readings.ts):
 *   - head 'fc' (default), Sec. 3.2.1 / 4.2: "global average pooling plus a shared fully-connected
 *     layer", "The output dimension of the representation is 4096": GAP → Linear(512, 4096);
 *   - head 'mlp', appendix 6.1's listing (the same lines as the MoCo projection head of Sec. 3.1.2):
 *     GAP → Linear(512, 512) → ReLU → Linear(512, 128).
 * Parameters: 2 x 14,714,688 (VGG16 features) + the head: 'fc' 2,101,248 (31,530,624 in all),
 * 'mlp' 262,656 + 65,664 (29,757,696); the two branches alone are the 29.42M of MGTL (000)
 * Table 2, first row.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { rng as globalRng, type Rng } from '../engine/rng.js';
import { dense, denseLayer } from '../nn/dense.js';
import { TORCH_DEFAULT } from '../nn/init.js';
import { l2NormalizeRows } from '../nn/l2.js';
import { Vgg16, vgg16ConvMacs, vgg16Layers, vgg16ParamCount } from './vgg16.js';
import { NamedVariableModel, type CrossViewModel } from './model.js';
import type { ModelRecord } from './record.js';

/** The two aggregation modules the thesis describes (see the file comment). */
export const SIAMESE_VGG_HEADS = ['fc', 'mlp'] as const;
export type SiameseVggHead = (typeof SIAMESE_VGG_HEADS)[number];

export interface SiameseVggOptions {
  rng?: Rng;
  /** 'fc' (default): Sec. 4.2's GAP + one shared FC layer; 'mlp': appendix 6.1's 512-512-128 MLP. */
  head?: SiameseVggHead;
  /** Descriptor length (default: 'fc' 4096 ÷ widthDivisor, as SAFA's C·D scales; 'mlp' 128). */
  dim?: number;
  /** Divides every VGG16 width and the head's 512 (default 1: the thesis' model); see `vgg16Cfg`. */
  widthDivisor?: number;
}

function checkHead(head: unknown): SiameseVggHead {
  if (!(SIAMESE_VGG_HEADS as readonly unknown[]).includes(head)) {
    throw new CvglError(`a Siamese-VGG head: ${SIAMESE_VGG_HEADS.join(' or ')}`, JSON.stringify(head), "'fc' (thesis Sec. 4.2: GAP + one FC, 4096-d) or 'mlp' (appendix 6.1: 512-512-128)");
  }
  return head as SiameseVggHead;
}

/** The descriptor length of a head when `dim` is not given. */
export function siameseVggDefaultDim(head: SiameseVggHead = 'fc', widthDivisor = 1): number {
  return head === 'fc' ? Math.max(1, Math.floor(4096 / widthDivisor)) : 128;
}

/** Parameters of the shared head on f = 512 / widthDivisor channels. */
function headParams(head: SiameseVggHead, f: number, dim: number): number {
  return head === 'fc' ? f * dim + dim : f * f + f + (f * dim + dim);
}

/** Multiply-accumulates of the head, per image. */
function headMacs(head: SiameseVggHead, f: number, dim: number): number {
  return head === 'fc' ? f * dim : f * f + f * dim;
}

/** Parameters of Siamese-VGG: two VGG16 `features` blocks and the shared head. */
export function siameseVggParamCount(widthDivisor = 1, dim?: number, head: SiameseVggHead = 'fc'): number {
  let vgg = 0;
  for (const l of vgg16Layers('pool5', widthDivisor)) if (l.kind === 'conv') vgg += 9 * l.cin * l.cout + l.cout;
  return 2 * vgg + headParams(head, 512 / widthDivisor, dim ?? siameseVggDefaultDim(head, widthDivisor));
}

/** Forward multiply-accumulates per (ground, aerial) pair: both branches' convolutions + the head twice. */
export function siameseVggForwardMacs(groundHW: [number, number], aerialHW: [number, number], widthDivisor = 1, dim?: number, head: SiameseVggHead = 'fc'): number {
  const conv = ([h, w]: [number, number]) => vgg16ConvMacs(h, w, 'pool5', widthDivisor).reduce((n, l) => n + l.macs, 0);
  return conv(groundHW) + conv(aerialHW) + 2 * headMacs(head, 512 / widthDivisor, dim ?? siameseVggDefaultDim(head, widthDivisor));
}

export class SiameseVgg extends NamedVariableModel implements CrossViewModel {
  readonly name = 'siamese-vgg';
  readonly ground: Vgg16;
  readonly aerial: Vgg16;
  readonly headKind: SiameseVggHead;
  /** 'fc': the one layer Linear(512, dim); 'mlp': Linear(512, 512). */
  readonly fc1: { w: tf.Variable; b: tf.Variable };
  /** 'mlp': Linear(512, dim) after the ReLU; 'fc': null. */
  readonly fc2: { w: tf.Variable; b: tf.Variable } | null;
  readonly dim: number;
  readonly widthDivisor: number;

  constructor(opts: SiameseVggOptions = {}) {
    super();
    const r = opts.rng ?? globalRng;
    this.headKind = checkHead(opts.head ?? 'fc');
    this.widthDivisor = opts.widthDivisor ?? 1;
    this.dim = opts.dim ?? siameseVggDefaultDim(this.headKind, this.widthDivisor);
    if (!(Number.isInteger(this.dim) && this.dim >= 1)) throw new CvglError('Siamese-VGG dim: a positive integer', String(opts.dim), 'e.g. 4096 (Sec. 4.2) or 128 (appendix 6.1), or leave it out');
    this.ground = new Vgg16({ name: 'ground', rng: r, widthDivisor: this.widthDivisor });
    this.aerial = new Vgg16({ name: 'aerial', rng: r, widthDivisor: this.widthDivisor });
    const f = this.ground.outChannels; // 512 for VGG16
    // PyTorch's nn.Linear default initialisation
    if (this.headKind === 'fc') {
      this.fc1 = denseLayer(r, 'head/fc', f, this.dim, TORCH_DEFAULT);
      this.fc2 = null;
    } else {
      this.fc1 = denseLayer(r, 'head/classifier.0', f, f, TORCH_DEFAULT);
      this.fc2 = denseLayer(r, 'head/classifier.2', f, this.dim, TORCH_DEFAULT);
    }
  }

  private head(f: tf.Tensor4D): tf.Tensor2D {
    const pooled = tf.mean(f, [1, 2]) as tf.Tensor2D;
    const z = this.fc2 ? dense(tf.relu(dense(pooled, this.fc1)), this.fc2) : dense(pooled, this.fc1);
    return l2NormalizeRows(z);
  }

  /** L2-normalised descriptors of ground [B,Hg,Wg,3] and aerial [B,Ha,Wa,3] images. */
  embed(ground: tf.Tensor4D, aerial: tf.Tensor4D): { g: tf.Tensor2D; s: tf.Tensor2D } {
    return tf.tidy(() => ({ g: this.head(this.ground.apply(ground)), s: this.head(this.aerial.apply(aerial)) }));
  }

  /** One view's descriptors (equal to that part of `embed`). */
  embedView(view: 'ground' | 'aerial', x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.head(this[view].apply(x)));
  }

  /**
   * Variables by name, in the order of `variables()`: `ground.features.N.{weight,bias}` and
   * `aerial.features.N.{weight,bias}` (torchvision's VGG16 `features` names under the branch;
   * filters HWIO), then the shared head: 'mlp' `head.classifier.{0,2}.{weight,bias}` (the thesis'
   * appendix 6.1 `classifier`), 'fc' `head.fc.{weight,bias}`; weights [in, out], the transpose of
   * torch's Linear.weight.
   */
  namedVariables(): Map<string, tf.Variable> {
    const m = new Map<string, tf.Variable>();
    for (const [branch, vgg] of [['ground', this.ground], ['aerial', this.aerial]] as const) {
      for (const [k, v] of vgg.namedVariables()) m.set(`${branch}.${k}`, v);
    }
    if (this.fc2) {
      m.set('head.classifier.0.weight', this.fc1.w);
      m.set('head.classifier.0.bias', this.fc1.b);
      m.set('head.classifier.2.weight', this.fc2.w);
      m.set('head.classifier.2.bias', this.fc2.b);
    } else {
      m.set('head.fc.weight', this.fc1.w);
      m.set('head.fc.bias', this.fc1.b);
    }
    return m;
  }

  /** Length of each descriptor (`dim`: 4096 with Sec. 4.2's head, 128 with appendix 6.1's). */
  descriptorLength(): number {
    return this.dim;
  }

  /** Forward multiply-accumulates per pair of images (convolutions + head). */
  forwardMacs(groundHW: [number, number], aerialHW: [number, number]): number {
    return siameseVggForwardMacs(groundHW, aerialHW, this.widthDivisor, this.dim, this.headKind);
  }

  /** Forward FLOPs of one (ground, aerial) pair: 2 x `forwardMacs`. */
  flops(groundHW: [number, number], aerialHW: [number, number]): number {
    return 2 * this.forwardMacs(groundHW, aerialHW);
  }
}

/**
 * Registered as 'siamese-vgg'. Facts at the thesis' CVACT sizes (Sec. 4.2: 112x616 panoramas,
 * 256x256 aerials) with the default head ('fc', Sec. 4.2); the quick size trains with the thesis'
 * soft triplet (Eq. 3.3, γ = 10).
 */
export const SIAMESE_VGG_MODEL: ModelRecord<'siamese-vgg'> = {
  name: 'siamese-vgg',
  paper: 'thesis (003) Sec. 3.2.1, Sec. 4.2 (head fc, default) and appendix 6.1 (head mlp)',
  options: ['head', 'dim', 'widthDivisor'],
  build: (options, rng) => new SiameseVgg({ ...options, rng }),
  paperSize: { ground: [112, 616], aerial: [256, 256] },
  quick: { options: { widthDivisor: 8 }, ground: { height: 32, width: 128 }, aerial: { size: 64, polar: null }, loss: { kind: 'soft-triplet-thesis', gamma: 10 }, lr: 1e-3, epochs: 3, batchSize: 16 },
  facts: ({ ground, aerial }) => {
    const params = siameseVggParamCount(), vgg = 2 * vgg16ParamCount('pool5');
    // Sec. 4.2: "The output dimension of the representation is 4096"
    return { params, descriptorLength: siameseVggDefaultDim('fc'), forwardGflops: (2 * siameseVggForwardMacs(ground, aerial)) / 1e9, breakdown: { vgg16x2: vgg, head: params - vgg } };
  },
};
