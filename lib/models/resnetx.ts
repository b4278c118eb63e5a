/**
 * ResNetX, the backbone of GeoCapsNet (paper 001, Sec. 3.2 and Table 1), one per branch:
 *
 *   Conv1    7x7, 64, stride 2                       224 → 112
 *   Conv2    3x3, 64, stride 2                       112 → 56
 *   Conv3_x  [1x1, 64;  3x3, 64;  1x1, 256 ] x 3     56
 *   Conv4_x  [1x1, 128; 3x3, 128; 1x1, 256 ] x 4     28   (Table 1 lists 256, not ResNet-50's 512)
 *   Conv5_x  [1x1, 256; 3x3, 256; 1x1, 1024] x 6     14
 *   Conv6_x  [1x1, 512; 3x3, 512; 1x1, 2048] x 3     7
 *
 * "ResNetX uses Batch Normalization at every layer. The max-pooling layer is not used." The
 * output sizes of Table 1 fix the input at 224x224 (Conv1 gives 112x112) and the downsampling:
 * Conv1 and Conv2 halve, Conv3_x keeps 56x56, and the first block of Conv4_x … Conv6_x halves.
 *
 * Choices the paper leaves open, taken as Keras' ResNet50 (the paper is implemented in
 * TensorFlow): every convolution has a bias (Keras `Conv2D` default) and is followed by
 * BatchNorm then ReLU; a bottleneck's stride sits on its first 1x1 convolution and on its
 * projection shortcut; the first block of every stage has a 1x1 projection shortcut with its own
 * BatchNorm (its input width or stride always differs from its output), the others the identity;
 * the last ReLU follows the addition. Conv1 and Conv2 use 'same' padding.
 *
 * BatchNorm follows Keras `BatchNormalization` defaults: ε = 1e-3, momentum 0.99. In training
 * mode it normalises with the batch's mean and biased variance over N, H, W and updates
 *   moving ← 0.99·moving + 0.01·batch
 * (Keras' non-fused update, biased variance); in inference mode it uses the moving statistics.
 * γ (scale) and β (offset) are trainable; the moving statistics are non-trainable variables,
 * listed by `namedVariables()` (checkpoints need them) but not by `variables()`.
 *
 * Initialisation (the paper gives none): He normal convolutions (std √(2/fan_in)), zero
 * biases, β = 0, moving mean 0, moving variance 1, γ = 1 — except the last BatchNorm of every
 * bottleneck's residual branch (`c.bn.gamma`), whose γ starts at 0 (`zeroInitResidual`, default
 * true; Goyal et al. 2017, "Accurate, large minibatch SGD", Sec. 5.1; torchvision's
 * `zero_init_residual`), so that every block starts as the identity of its shortcut. Why: with
 * γ = 1 and batch statistics, the 16 blocks each add a unit-variance branch and the network is
 * chaotic at initialisation — a small perturbation of an input moves its output most of the way
 * to another image's (measurements in docs/papers/geocapsnet.md); a metric loss then finds no
 * cross-view signal and the descriptors collapse.
 * `zeroInitResidual: false` gives Keras' γ = 1 everywhere.
 */
import { tf } from '../engine/tf.js';
import { rng as globalRng, type Rng } from '../engine/rng.js';
import { batchMoments, batchNormGrad, scaleShift } from '../engine/kernels/batch_norm.js';
import { param } from '../nn/param.js';

/** Keras `BatchNormalization` defaults. */
export const BN_EPSILON = 1e-3;
export const BN_MOMENTUM = 0.99;

/**
 * Momentum of the k-th (0-based) batch when the moving statistics should become the plain mean of
 * the batch statistics seen since, as PreciseBN recomputes them (lib/train/batchnorm_stats.ts):
 * moving ← k/(k+1)·moving + 1/(k+1)·batch.
 */
export function cumulativeMomentum(k: number): number {
  return k / (k + 1);
}

/** One stage of Table 1: bottleneck width, output width, repeats, stride of its first block. */
export interface ResNetXStage {
  name: string;
  mid: number;
  out: number;
  blocks: number;
  stride: number;
}

/** Table 1's stages Conv3_x … Conv6_x, widths divided by `widthDivisor` (at least 1). */
export function resnetxStages(widthDivisor = 1): ResNetXStage[] {
  const w = (c: number) => Math.max(1, Math.floor(c / widthDivisor));
  return [
    { name: 'conv3', mid: w(64), out: w(256), blocks: 3, stride: 1 },
    { name: 'conv4', mid: w(128), out: w(256), blocks: 4, stride: 2 },
    { name: 'conv5', mid: w(256), out: w(1024), blocks: 6, stride: 2 },
    { name: 'conv6', mid: w(512), out: w(2048), blocks: 3, stride: 2 },
  ];
}

/** Width of Conv1 and Conv2 (Table 1: 64). */
export function resnetxStemWidth(widthDivisor = 1): number {
  return Math.max(1, Math.floor(64 / widthDivisor));
}

/** Every convolution of ResNetX, in order: kernel k, stride, widths, and its output size for an h x w input. */
export interface ConvSpec {
  name: string;
  k: number;
  stride: number;
  cin: number;
  cout: number;
  outHW: [number, number];
}

const down = (n: number, s: number) => Math.ceil(n / s); // 'same' padding

export function resnetxConvs(hw: [number, number] = [224, 224], widthDivisor = 1): ConvSpec[] {
  const stem = resnetxStemWidth(widthDivisor);
  let [h, w] = [down(hw[0], 2), down(hw[1], 2)];
  const out: ConvSpec[] = [{ name: 'conv1', k: 7, stride: 2, cin: 3, cout: stem, outHW: [h, w] }];
  [h, w] = [down(h, 2), down(w, 2)];
  out.push({ name: 'conv2', k: 3, stride: 2, cin: stem, cout: stem, outHW: [h, w] });
  let cin = stem;
  for (const st of resnetxStages(widthDivisor)) {
    for (let b = 0; b < st.blocks; b++) {
      const s = b === 0 ? st.stride : 1;
      [h, w] = [down(h, s), down(w, s)];
      const p = `${st.name}_${b + 1}`;
      out.push({ name: `${p}.a`, k: 1, stride: s, cin, cout: st.mid, outHW: [h, w] });
      out.push({ name: `${p}.b`, k: 3, stride: 1, cin: st.mid, cout: st.mid, outHW: [h, w] });
      out.push({ name: `${p}.c`, k: 1, stride: 1, cin: st.mid, cout: st.out, outHW: [h, w] });
      if (b === 0) out.push({ name: `${p}.proj`, k: 1, stride: s, cin, cout: st.out, outHW: [h, w] });
      cin = st.out;
    }
  }
  return out;
}

/** Output map size and width of ResNetX for an h x w input (7x7x2048 for 224x224, Sec. 3.2). */
export function resnetxOutput(hw: [number, number] = [224, 224], widthDivisor = 1): { hw: [number, number]; channels: number } {
  const last = resnetxConvs(hw, widthDivisor).at(-1)!;
  return { hw: last.outHW, channels: last.cout };
}

/**
 * Parameters of one ResNetX: per convolution k²·cin·cout + cout (bias) + 2·cout (γ, β), plus
 * 2·cout moving statistics when `keras` (Keras' `count_params` includes non-trainable weights).
 */
export function resnetxParamCount(widthDivisor = 1, keras = false): number {
  return resnetxConvs([224, 224], widthDivisor).reduce((n, c) => n + c.k * c.k * c.cin * c.cout + c.cout * (keras ? 5 : 3), 0);
}

/** Multiply-accumulates of ResNetX's convolutions for one h x w image. */
export function resnetxMacs(hw: [number, number], widthDivisor = 1): number {
  return resnetxConvs(hw, widthDivisor).reduce((n, c) => n + c.outHW[0] * c.outHW[1] * c.k * c.k * c.cin * c.cout, 0);
}

export interface BatchNormVars {
  gamma: tf.Variable;
  beta: tf.Variable;
  movingMean: tf.Variable;
  movingVariance: tf.Variable;
}

/**
 * Training-mode BatchNorm with its gradient written out (the textbook one, Ioffe & Szegedy 2015
 * Sec. 3): with x̂ = (x − μ_B)·r, r = 1/√(σ²_B + ε) and N values per channel,
 *   ∂β = Σ dy,  ∂γ = Σ dy·x̂,  ∂x = γ·r·(dy − ∂β/N − x̂·∂γ/N).
 * Autodiff through the written-out moments takes ~80 kernels per layer (ResNetX has 53 per
 * branch); this takes ~10, and on the native backend the moments, the value and the gradient
 * are one kernel each (lib/engine/kernels/batch_norm.ts, same numbers). The moving statistics are
 * updated as a side effect of the forward pass, outside the gradient.
 */
function batchNormTraining(x: tf.Tensor4D, bn: BatchNormVars, momentum: number): tf.Tensor4D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, gamma, beta] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const { mean, variance } = batchMoments(xx);
    const r = tf.rsqrt(tf.add(variance, BN_EPSILON));
    const scale = tf.mul(r, gamma);
    const value = scaleShift(xx, scale as tf.Tensor1D, tf.sub(beta, tf.mul(mean, scale)) as tf.Tensor1D);
    if (momentum !== 1) {
      bn.movingMean.assign(tf.add(tf.mul(bn.movingMean, momentum), tf.mul(mean, 1 - momentum)));
      bn.movingVariance.assign(tf.add(tf.mul(bn.movingVariance, momentum), tf.mul(variance, 1 - momentum)));
    }
    save([xx, mean, r, gamma]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sm, sr, sg] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        return batchNormGrad(dy as tf.Tensor4D, sx, sm, sr, sg);
      },
    };
  });
  return f(x, bn.gamma, bn.beta) as tf.Tensor4D;
}

/**
 * BatchNorm of an NHWC map (Table 1: "Batch Normalization at every layer"), Keras semantics.
 * Training: y = (x − μ_B)/√(σ²_B + ε)·γ + β with the batch's mean and biased variance, and the
 * moving statistics updated as a side effect, moving ← m·moving + (1 − m)·batch (Keras: m = 0.99;
 * m = 1 leaves them alone). Inference: the moving statistics. Written with tfjs ops and an explicit
 * gradient (not `tf.batchNorm`), so that every path is differentiable on every backend.
 */
export function batchNorm(x: tf.Tensor4D, bn: BatchNormVars, training: boolean, momentum = BN_MOMENTUM): tf.Tensor4D {
  return tf.tidy(() => {
    if (training) return batchNormTraining(x, bn, momentum);
    const inv = tf.mul(tf.rsqrt(tf.add(bn.movingVariance, BN_EPSILON)), bn.gamma);
    return tf.add(tf.mul(tf.sub(x, bn.movingMean), inv), bn.beta) as tf.Tensor4D;
  });
}

/** A convolution with bias followed by BatchNorm. */
export class ConvBn {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  readonly bn: BatchNormVars;
  constructor(
    readonly spec: { k: number; stride: number; cin: number; cout: number },
    name: string,
    r: Rng,
    /** Initial BatchNorm γ (1; 0 for the last layer of a residual branch, see the file comment). */
    gamma0 = 1,
  ) {
    const { k, cin, cout } = spec;
    this.w = param(() => r.normalTensor([k, k, cin, cout], 0, Math.sqrt(2 / (k * k * cin))), `${name}.weight`);
    this.b = param(() => tf.zeros([cout]), `${name}.bias`);
    this.bn = {
      gamma: param(() => tf.fill([cout], gamma0), `${name}.bn.gamma`),
      beta: param(() => tf.zeros([cout]), `${name}.bn.beta`),
      movingMean: param(() => tf.zeros([cout]), `${name}.bn.moving_mean`, false),
      movingVariance: param(() => tf.ones([cout]), `${name}.bn.moving_variance`, false),
    };
  }

  apply(x: tf.Tensor4D, training: boolean, momentum = BN_MOMENTUM): tf.Tensor4D {
    return tf.tidy(() => {
      const y = tf.add(tf.conv2d(x, this.w as tf.Tensor4D, this.spec.stride, 'same'), this.b) as tf.Tensor4D;
      return batchNorm(y, this.bn, training, momentum);
    });
  }

  /** `weight` (HWIO), `bias`, `bn.gamma`, `bn.beta`, `bn.moving_mean`, `bn.moving_variance`. */
  namedVariables(): Map<string, tf.Variable> {
    return new Map([
      ['weight', this.w],
      ['bias', this.b],
      ['bn.gamma', this.bn.gamma],
      ['bn.beta', this.bn.beta],
      ['bn.moving_mean', this.bn.movingMean],
      ['bn.moving_variance', this.bn.movingVariance],
    ]);
  }
}

/** A bottleneck block of Table 1: relu(bn(1x1) → relu(bn(3x3)) → bn(1x1) + shortcut). */
export class Bottleneck {
  readonly a: ConvBn;
  readonly b: ConvBn;
  readonly c: ConvBn;
  readonly proj: ConvBn | null;
  constructor(opts: { cin: number; mid: number; out: number; stride: number; projection: boolean; name: string; rng?: Rng; zeroInitResidual?: boolean }) {
    const r = opts.rng ?? globalRng;
    const { cin, mid, out, stride, name } = opts;
    this.a = new ConvBn({ k: 1, stride, cin, cout: mid }, `${name}.a`, r);
    this.b = new ConvBn({ k: 3, stride: 1, cin: mid, cout: mid }, `${name}.b`, r);
    this.c = new ConvBn({ k: 1, stride: 1, cin: mid, cout: out }, `${name}.c`, r, opts.zeroInitResidual ? 0 : 1);
    this.proj = opts.projection ? new ConvBn({ k: 1, stride, cin, cout: out }, `${name}.proj`, r) : null;
  }

  apply(x: tf.Tensor4D, training: boolean, momentum = BN_MOMENTUM): tf.Tensor4D {
    return tf.tidy(() => {
      let h = tf.relu(this.a.apply(x, training, momentum)) as tf.Tensor4D;
      h = tf.relu(this.b.apply(h, training, momentum)) as tf.Tensor4D;
      h = this.c.apply(h, training, momentum);
      const sc = this.proj ? this.proj.apply(x, training, momentum) : x;
      return tf.relu(tf.add(h, sc)) as tf.Tensor4D;
    });
  }

  /** `a.weight`, `a.bias`, `a.bn.gamma`, …, then `b.`, `c.` and `proj.` (if any). */
  namedVariables(): Map<string, tf.Variable> {
    const m = new Map<string, tf.Variable>();
    for (const [k, l] of [['a', this.a], ['b', this.b], ['c', this.c], ['proj', this.proj]] as const) {
      if (l) for (const [n, v] of l.namedVariables()) m.set(`${k}.${n}`, v);
    }
    return m;
  }

  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}

/** ResNetX of Table 1 (see the file comment); NHWC [B,H,W,3] → [B,H/32,W/32,2048/widthDivisor]. */
export class ResNetX {
  readonly conv1: ConvBn;
  readonly conv2: ConvBn;
  readonly blocks: { name: string; block: Bottleneck }[] = [];
  readonly outChannels: number;

  constructor(opts: { name: string; widthDivisor?: number; rng?: Rng; /** γ = 0 at the end of each residual branch (default true; see the file comment). */ zeroInitResidual?: boolean }) {
    const r = opts.rng ?? globalRng;
    const div = opts.widthDivisor ?? 1;
    const zeroInitResidual = opts.zeroInitResidual ?? true;
    const stem = resnetxStemWidth(div);
    this.conv1 = new ConvBn({ k: 7, stride: 2, cin: 3, cout: stem }, `${opts.name}.conv1`, r);
    this.conv2 = new ConvBn({ k: 3, stride: 2, cin: stem, cout: stem }, `${opts.name}.conv2`, r);
    let cin = stem;
    for (const st of resnetxStages(div)) {
      for (let b = 0; b < st.blocks; b++) {
        const name = `${st.name}_${b + 1}`;
        this.blocks.push({
          name,
          block: new Bottleneck({ cin, mid: st.mid, out: st.out, stride: b === 0 ? st.stride : 1, projection: b === 0, name: `${opts.name}.${name}`, rng: r, zeroInitResidual }),
        });
        cin = st.out;
      }
    }
    this.outChannels = cin;
  }

  /** `momentum`: of the moving-statistics update in training mode (Keras 0.99). */
  apply(x: tf.Tensor4D, training: boolean, momentum = BN_MOMENTUM): tf.Tensor4D {
    return tf.tidy(() => {
      let h = tf.relu(this.conv1.apply(x, training, momentum)) as tf.Tensor4D;
      h = tf.relu(this.conv2.apply(h, training, momentum)) as tf.Tensor4D;
      for (const { block } of this.blocks) h = block.apply(h, training, momentum);
      return h;
    });
  }

  /** `conv1.weight`, `conv1.bn.gamma`, …, `conv3_1.a.weight`, …, `conv6_3.c.bn.moving_variance`. */
  namedVariables(): Map<string, tf.Variable> {
    const m = new Map<string, tf.Variable>();
    for (const [k, v] of this.conv1.namedVariables()) m.set(`conv1.${k}`, v);
    for (const [k, v] of this.conv2.namedVariables()) m.set(`conv2.${k}`, v);
    for (const { name, block } of this.blocks) for (const [k, v] of block.namedVariables()) m.set(`${name}.${k}`, v);
    return m;
  }

  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}
