/**
 * Siamese-VGG (thesis 003, Sec. 3.2.1 and appendix 6.1): two unshared VGG16 branches (ground,
 * aerial), then a shared aggregation module: global average pooling and
 * Linear(512,512) → ReLU → Linear(512,128); descriptors are L2-normalised.
 * Parameters: 2 x 14,714,688 (VGG16 features) + 262,656 + 65,664 (head) = 29,757,696; the two
 * branches alone are the 29.42M of MGTL (000) Table 2, first row.
 */
import { tf } from '../engine/tf.js';
import { rng as globalRng, type Rng } from '../engine/rng.js';
import { dense, denseLayer } from '../nn/dense.js';
import { TORCH_DEFAULT } from '../nn/init.js';
import { l2NormalizeRows } from '../nn/l2.js';
import { Vgg16, vgg16ConvMacs, vgg16Layers, vgg16ParamCount } from './vgg16.js';
import { NamedVariableModel, type CrossViewModel } from './model.js';
import type { ModelRecord } from './record.js';

export interface SiameseVggOptions {
  rng?: Rng;
  /** Descriptor length (thesis: 128). */
  dim?: number;
  /** Divides every VGG16 width and the head's 512 (default 1: the thesis' model); see `vgg16Cfg`. */
  widthDivisor?: number;
}

/** Parameters of Siamese-VGG: two VGG16 `features` blocks and the shared two-layer head. */
export function siameseVggParamCount(widthDivisor = 1, dim = 128): number {
  let vgg = 0;
  for (const l of vgg16Layers('pool5', widthDivisor)) if (l.kind === 'conv') vgg += 9 * l.cin * l.cout + l.cout;
  const f = 512 / widthDivisor;
  return 2 * vgg + (f * f + f) + (f * dim + dim);
}

/** Forward multiply-accumulates per (ground, aerial) pair: both branches' convolutions + the head twice. */
export function siameseVggForwardMacs(groundHW: [number, number], aerialHW: [number, number], widthDivisor = 1, dim = 128): number {
  const conv = ([h, w]: [number, number]) => vgg16ConvMacs(h, w, 'pool5', widthDivisor).reduce((n, l) => n + l.macs, 0);
  const f = 512 / widthDivisor;
  return conv(groundHW) + conv(aerialHW) + 2 * (f * f + f * dim);
}

export class SiameseVgg extends NamedVariableModel implements CrossViewModel {
  readonly name = 'siamese-vgg';
  readonly ground: Vgg16;
  readonly aerial: Vgg16;
  readonly fc1: { w: tf.Variable; b: tf.Variable };
  readonly fc2: { w: tf.Variable; b: tf.Variable };
  readonly dim: number;
  readonly widthDivisor: number;

  constructor(opts: SiameseVggOptions = {}) {
    super();
    const r = opts.rng ?? globalRng;
    this.dim = opts.dim ?? 128;
    this.widthDivisor = opts.widthDivisor ?? 1;
    this.ground = new Vgg16({ name: 'ground', rng: r, widthDivisor: this.widthDivisor });
    this.aerial = new Vgg16({ name: 'aerial', rng: r, widthDivisor: this.widthDivisor });
    const f = this.ground.outChannels; // 512 for VGG16
    // PyTorch's nn.Linear default initialisation
    this.fc1 = denseLayer(r, 'head/classifier.0', f, f, TORCH_DEFAULT);
    this.fc2 = denseLayer(r, 'head/classifier.2', f, this.dim, TORCH_DEFAULT);
  }

  private head(f: tf.Tensor4D): tf.Tensor2D {
    const pooled = tf.mean(f, [1, 2]) as tf.Tensor2D;
    return l2NormalizeRows(dense(tf.relu(dense(pooled, this.fc1)), this.fc2));
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
   * filters HWIO), then the shared head `head.classifier.{0,2}.{weight,bias}` (the thesis'
   * appendix 6.1 `classifier`; weights [in, out], the transpose of torch's Linear.weight).
   */
  namedVariables(): Map<string, tf.Variable> {
    const m = new Map<string, tf.Variable>();
    for (const [branch, vgg] of [['ground', this.ground], ['aerial', this.aerial]] as const) {
      for (const [k, v] of vgg.namedVariables()) m.set(`${branch}.${k}`, v);
    }
    m.set('head.classifier.0.weight', this.fc1.w);
    m.set('head.classifier.0.bias', this.fc1.b);
    m.set('head.classifier.2.weight', this.fc2.w);
    m.set('head.classifier.2.bias', this.fc2.b);
    return m;
  }

  /** Length of each descriptor (`dim`, 128 in the thesis). */
  descriptorLength(): number {
    return this.dim;
  }

  /** Forward multiply-accumulates per pair of images (convolutions + head). */
  forwardMacs(groundHW: [number, number], aerialHW: [number, number]): number {
    return siameseVggForwardMacs(groundHW, aerialHW, this.widthDivisor, this.dim);
  }

  /** Forward FLOPs of one (ground, aerial) pair: 2 x `forwardMacs`. */
  flops(groundHW: [number, number], aerialHW: [number, number]): number {
    return 2 * this.forwardMacs(groundHW, aerialHW);
  }
}

/**
 * Registered as 'siamese-vgg'. Facts at the thesis' CVACT sizes (Sec. 4.2: 112x616 panoramas,
 * 256x256 aerials); the quick size trains with the thesis' soft triplet (Eq. 3.3, γ = 10).
 */
export const SIAMESE_VGG_MODEL: ModelRecord<'siamese-vgg'> = {
  name: 'siamese-vgg',
  paper: 'thesis (003) Sec. 3.2.1 and appendix 6.1',
  options: ['dim', 'widthDivisor'],
  build: (options, rng) => new SiameseVgg({ ...options, rng }),
  paperSize: { ground: [112, 616], aerial: [256, 256] },
  quick: { options: { widthDivisor: 8 }, ground: { height: 32, width: 128 }, aerial: { size: 64, polar: null }, loss: { kind: 'soft-triplet-thesis', gamma: 10 }, lr: 1e-3, epochs: 3, batchSize: 16 },
  facts: ({ ground, aerial }) => {
    const params = siameseVggParamCount(), vgg = 2 * vgg16ParamCount('pool5');
    // appendix 6.1: Linear(512, 128) gives 128-d descriptors
    return { params, descriptorLength: 128, forwardGflops: (2 * siameseVggForwardMacs(ground, aerial)) / 1e9, breakdown: { vgg16x2: vgg, head: params - vgg } };
  },
};
