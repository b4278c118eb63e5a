/**
 * GeoCapsNet (paper 001, "GeoCapsNet: aerial to ground view image geo-localization using capsule
 * network"), Sec. 3.2 and Fig. 2: per branch (ground, satellite)
 *
 *   image [B,224,224,3] → ResNetX (Table 1, lib/models/resnetx.ts) → F [B,7,7,2048]
 *     → PrimaryCaps: 32 capsules x eight 3x3x2048 convolutions, stride 1, valid → [B,5,5,8,32]
 *       → 5·5·32 = 800 input capsules u_i ∈ R⁸, squashed
 *     → GeoCaps: 32 capsules v_j ∈ R⁶⁴, û_j|i = w_ij u_i (a learned 8x64 matrix per (i, j)),
 *       s_j = Σ_i c_ij û_j|i, v_j = squash(s_j) (Sec. 3.2 equation; Sabour's form by default, the
 *       printed s/‖s‖² with `squash: 'paper-literal'`), c_ij by dynamic routing
 *       (Sabour et al. 2017, Procedure 1; Sec. 5.1: 4 iterations)
 *     → [B, 32·64 = 2048], L2-normalised (Sec. 5.1; Table 4 "code length 2048").
 *
 * The ResNetX of the two branches never share weights (Sec. 3.2). Variants: 'I' (capsule layers
 * unshared, GeoCapsNet-I), 'II' (shared, GeoCapsNet-II), and Fig. 5's ablations 'resnetx-fc-I' /
 * 'resnetx-fc-II', where one fully connected layer replaces both capsule layers. The paper does
 * not say what the FC layer sees; here it maps the flattened ResNetX map (7·7·2048) to the same
 * 2048-long descriptor (with bias, no activation), then L2-normalises.
 *
 * Input size: Table 1's output sizes (Conv1 112x112 … Conv6_x 7x7) and Sec. 3.2's "7x7x2048"
 * imply 224x224 images for both branches (the default). The GeoCaps weights depend on the
 * number of input capsules, so the model is built for its input sizes (`groundHW`, `aerialHW`).
 *
 * Choices the paper leaves open: PrimaryCaps channel c of the 8·32 = 256 convolution outputs is
 * (capsule dim d, capsule k) = (⌊c/32⌋, c mod 32), i.e. the paper's 5x5x8x32 reshape; squash
 * v = ‖s‖²/(1+‖s‖²)·s/√(‖s‖²+1e-9); routing logits b_ij start at 0, c_ij = softmax_j(b_ij),
 * b_ij += û_j|i·v_j after every iteration but the last; gradients flow through every routing
 * iteration (Sabour et al. describe no stop-gradient); the PrimaryCaps convolution has a bias
 * (Keras Conv2D default), the w_ij have none; w_ij ~ N(0, 0.01²) (Sabour et al.'s code), the
 * PrimaryCaps filters He normal; ResNetX's residual branches end with γ = 0 (`zeroInitResidual`,
 * lib/models/resnetx.ts: with Keras' γ = 1 the untrained ResNetX is chaotic and the model does not
 * learn at small sizes).
 *
 * BatchNorm: `training` (batch statistics, moving averages updated with `batchNormMomentum`,
 * Keras' 0.99) or inference (moving statistics). After a short run the moving averages still
 * hold much of their initial values: recompute them with PreciseBN before evaluating
 * (lib/train/batchnorm_stats.ts; a config's `preciseBatchNorm`).
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { rng as globalRng, type Rng } from '../engine/rng.js';
import { NamedVariableModel, type CrossViewModel, type Embeddings } from './model.js';
import { dense, denseLayer } from '../nn/dense.js';
import { GLOROT_UNIFORM } from '../nn/init.js';
import { l2NormalizeRows } from '../nn/l2.js';
import { param } from '../nn/param.js';
import { BN_MOMENTUM, ResNetX, resnetxMacs, resnetxOutput, resnetxParamCount } from './resnetx.js';
import type { ModelRecord } from './record.js';

export type GeoCapsNetVariant = 'I' | 'II' | 'resnetx-fc-I' | 'resnetx-fc-II';

/** The input size Table 1 implies (Conv1 output 112x112, Conv6_x 7x7). */
export const GEOCAPSNET_INPUT_HW: [number, number] = [224, 224];

/** Capsule sizes of Sec. 3.2 / Sec. 5.1 divided by `widthDivisor` (counts ≥ 2, GeoCaps dims ≥ 4; PrimaryCaps dims stay 8). */
export function capsuleDims(widthDivisor = 1): { nPrimary: number; primaryDim: number; nGeo: number; geoDim: number } {
  return {
    nPrimary: Math.max(2, Math.floor(32 / widthDivisor)),
    primaryDim: 8,
    nGeo: Math.max(2, Math.floor(32 / widthDivisor)),
    geoDim: Math.max(4, Math.floor(64 / widthDivisor)),
  };
}

/**
 * The squash of v_j (Sec. 3.2 equation). The paper prints v = ‖s‖²/(1+‖s‖²) · s/‖s‖², i.e.
 * s/(1+‖s‖²), whose length ‖s‖/(1+‖s‖²) peaks at 1/2 and falls back to 0 for long s; it cites
 * Sabour et al. (Eq. 1), whose squash divides by ‖s‖ (lengths in [0, 1), growing with ‖s‖), which
 * Sec. 3.1's "its length represents the probability" needs. 'sabour' (default) is Sabour's;
 * 'paper-literal' is the equation as printed (reading geocapsnet.squash).
 */
export type SquashForm = 'sabour' | 'paper-literal';
export const SQUASH_FORMS: readonly SquashForm[] = ['sabour', 'paper-literal'];

/**
 * squash(s) along the last axis. 'sabour': ‖s‖²/(1+‖s‖²) · s/‖s‖ (Sabour et al. Eq. 1), with
 * √(‖s‖² + 1e-9) for ‖s‖ so that s = 0 maps to 0 with finite gradients; 'paper-literal':
 * ‖s‖²/(1+‖s‖²) · s/‖s‖² = s/(1+‖s‖²), the Sec. 3.2 equation as printed.
 */
export function squash(s: tf.Tensor, form: SquashForm = 'sabour'): tf.Tensor {
  if (!SQUASH_FORMS.includes(form)) throw new CvglError(`a squash form: ${SQUASH_FORMS.join(', ')}`, String(form), "'sabour' (default) or 'paper-literal' (Sec. 3.2 as printed)");
  return tf.tidy(() => {
    const n2 = tf.sum(tf.square(s), -1, true);
    if (form === 'paper-literal') return tf.div(s, tf.add(1, n2));
    return tf.mul(s, tf.div(n2, tf.mul(tf.add(1, n2), tf.sqrt(tf.add(n2, 1e-9)))));
  });
}

/**
 * The GeoCaps layer (Sec. 3.2): û_j|i = w_ij u_i, then `iterations` rounds of dynamic routing
 * (Sabour et al. 2017, Procedure 1): c = softmax_j(b), s_j = Σ_i c_ij û_j|i, v_j = squash(s_j) (`form`),
 * b_ij += û_j|i·v_j (not after the last round). u [B,N,din], w [N,J,din,dout] → v [B,J,dout].
 * û is one batched matMul over the N input capsules (equal batch dims; no einsum gradient in tfjs).
 */
export function dynamicRouting(u: tf.Tensor3D, w: tf.Tensor, iterations: number, form: SquashForm = 'sabour'): tf.Tensor3D {
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new CvglError('a positive integer number of routing iterations (the paper uses 4)', String(iterations), 'pass routingIterations >= 1');
  }
  return tf.tidy(() => {
    const [B, N, din] = u.shape;
    const [wn, J, wdin, dout] = w.shape as [number, number, number, number];
    if (wn !== N || wdin !== din) {
      throw new CvglError(`routing weights [${N}, J, ${din}, dout] for ${N} input capsules of ${din} dims`, `[${w.shape.join(', ')}]`, 'build the layer for this input size');
    }
    const uT = tf.transpose(u, [1, 0, 2]) as tf.Tensor3D; // [N,B,din]
    const w3 = tf.reshape(tf.transpose(w, [0, 2, 1, 3]), [N, din, J * dout]) as tf.Tensor3D; // [N, din, J·dout]
    const uhat = tf.reshape(tf.transpose(tf.matMul(uT, w3), [1, 0, 2]), [B, N, J, dout]); // [B,N,J,dout]
    let b: tf.Tensor = tf.zeros([B, N, J]);
    let v: tf.Tensor = tf.zeros([B, J, dout]);
    for (let r = 0; r < iterations; r++) {
      const c = tf.softmax(b, -1); // over the output capsules j
      const s = tf.sum(tf.mul(tf.expandDims(c, 3), uhat), 1); // [B,J,dout]
      v = squash(s, form);
      if (r < iterations - 1) b = tf.add(b, tf.sum(tf.mul(uhat, tf.expandDims(v, 1)), 3));
    }
    return v as tf.Tensor3D;
  });
}

/** PrimaryCaps + GeoCaps of one branch (or of both, in variant II). */
export class CapsuleLayers {
  readonly primaryW: tf.Variable;
  readonly primaryB: tf.Variable;
  readonly routeW: tf.Variable;
  readonly dims: ReturnType<typeof capsuleDims>;
  readonly featureHW: [number, number];

  constructor(opts: { channels: number; featureHW: [number, number]; widthDivisor: number; name: string; rng: Rng }) {
    const d = (this.dims = capsuleDims(opts.widthDivisor));
    this.featureHW = opts.featureHW;
    const nIn = capsuleInputs(opts.featureHW, opts.widthDivisor);
    const C = opts.channels;
    const r = opts.rng;
    this.primaryW = param(() => r.normalTensor([3, 3, C, d.primaryDim * d.nPrimary], 0, Math.sqrt(2 / (9 * C))), `${opts.name}.primarycaps.weight`);
    this.primaryB = param(() => tf.zeros([d.primaryDim * d.nPrimary]), `${opts.name}.primarycaps.bias`);
    this.routeW = param(() => r.normalTensor([nIn, d.nGeo, d.primaryDim, d.geoDim], 0, 0.01), `${opts.name}.geocaps.weight`);
  }

  /** F [B,H',W',C] → v [B, nGeo·geoDim] (not normalised). */
  apply(f: tf.Tensor4D, iterations: number, form: SquashForm = 'sabour'): tf.Tensor2D {
    return tf.tidy(() => {
      const [B, h, w] = f.shape;
      if (h !== this.featureHW[0] || w !== this.featureHW[1]) {
        throw new CvglError(
          `a ${this.featureHW.join('x')} ResNetX map (the size these capsule layers were built for)`,
          `${h}x${w}`,
          'feed images of the size the model was built for (default 224x224), or build it with groundHW/aerialHW set',
        );
      }
      const { nPrimary, primaryDim, nGeo, geoDim } = this.dims;
      const p = tf.add(tf.conv2d(f, this.primaryW as tf.Tensor4D, 1, 'valid'), this.primaryB) as tf.Tensor4D;
      const [, ph, pw] = p.shape;
      // [B,h,w,8,32] (the paper's 5x5x8x32) → [B,h,w,32,8] → [B, h·w·32, 8]
      const caps = tf.reshape(tf.transpose(tf.reshape(p, [B, ph, pw, primaryDim, nPrimary]), [0, 1, 2, 4, 3]), [B, ph * pw * nPrimary, primaryDim]);
      const v = dynamicRouting(squash(caps, form) as tf.Tensor3D, this.routeW, iterations, form);
      return tf.reshape(v, [B, nGeo * geoDim]) as tf.Tensor2D;
    });
  }

  namedVariables(): Map<string, tf.Variable> {
    return new Map([
      ['primarycaps.weight', this.primaryW],
      ['primarycaps.bias', this.primaryB],
      ['geocaps.weight', this.routeW],
    ]);
  }
}

/** Fig. 5's replacement of the capsule layers: one FC layer on the flattened ResNetX map. */
export class FcHead {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  constructor(readonly inputs: number, outputs: number, name: string, r: Rng) {
    const fc = denseLayer(r, `${name}.fc`, inputs, outputs, GLOROT_UNIFORM); // Keras Dense's default
    this.w = fc.w;
    this.b = fc.b;
  }
  apply(f: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const [B, h, w, c] = f.shape;
      if (h * w * c !== this.inputs) {
        throw new CvglError(`a ResNetX map of ${this.inputs} values per image (the size this FC layer was built for)`, `${h}x${w}x${c}`, 'feed images of the size the model was built for');
      }
      return dense(tf.reshape(f, [B, h * w * c]) as tf.Tensor2D, this);
    });
  }
  namedVariables(): Map<string, tf.Variable> {
    return new Map([
      ['fc.weight', this.w],
      ['fc.bias', this.b],
    ]);
  }
}

/** Number of PrimaryCaps capsules (GeoCaps inputs) for a ResNetX map of this size: (h−2)(w−2)·32. */
export function capsuleInputs(featureHW: [number, number], widthDivisor = 1): number {
  const [h, w] = featureHW;
  if (h < 3 || w < 3) {
    throw new CvglError(
      'a ResNetX map of at least 3x3 for the 3x3 valid PrimaryCaps convolution',
      `${h}x${w}`,
      'use images of at least 65x65 pixels (ResNetX divides each side by 32, rounding up)',
    );
  }
  return (h - 2) * (w - 2) * capsuleDims(widthDivisor).nPrimary;
}

export interface GeoCapsNetSizeOptions {
  /** Count as Keras' `count_params` does: BatchNorm moving mean/variance included. */
  keras: boolean;
  widthDivisor?: number;
  groundHW?: [number, number];
  aerialHW?: [number, number];
}

function headParams(variant: GeoCapsNetVariant, hw: [number, number], div: number): number {
  const out = resnetxOutput(hw, div);
  const d = capsuleDims(div);
  if (variant === 'I' || variant === 'II') {
    const conv = 9 * out.channels * d.primaryDim * d.nPrimary + d.primaryDim * d.nPrimary;
    return conv + capsuleInputs(out.hw, div) * d.nGeo * d.primaryDim * d.geoDim;
  }
  const fin = out.hw[0] * out.hw[1] * out.channels;
  const fout = d.nGeo * d.geoDim;
  return fin * fout + fout;
}

/**
 * Parameters of GeoCapsNet, analytically (no weights built): two ResNetX + one (shared: 'II',
 * 'resnetx-fc-II') or two sets of head layers. Full width, 224x224: one set of capsule layers is
 * 9·2048·256 + 256 (PrimaryCaps) + 800·32·8·64 (GeoCaps) = 17,826,048, exactly Table 4's I − II.
 */
export function geoCapsNetParamCount(variant: GeoCapsNetVariant, opts: GeoCapsNetSizeOptions): number {
  const div = opts.widthDivisor ?? 1;
  const g = opts.groundHW ?? GEOCAPSNET_INPUT_HW;
  const a = opts.aerialHW ?? GEOCAPSNET_INPUT_HW;
  const backbone = 2 * resnetxParamCount(div, opts.keras);
  const shared = variant === 'II' || variant === 'resnetx-fc-II';
  return backbone + (shared ? headParams(variant, g, div) : headParams(variant, g, div) + headParams(variant, a, div));
}

/** Forward MACs of one branch's head (PrimaryCaps conv, û, routing sums; or the FC layer). */
function headMacs(variant: GeoCapsNetVariant, hw: [number, number], div: number, iterations: number): number {
  const out = resnetxOutput(hw, div);
  const d = capsuleDims(div);
  if (variant === 'I' || variant === 'II') {
    const [h, w] = out.hw;
    const n = capsuleInputs(out.hw, div);
    const primary = (h - 2) * (w - 2) * 9 * out.channels * d.primaryDim * d.nPrimary;
    const uhat = n * d.nGeo * d.primaryDim * d.geoDim;
    const routing = (2 * iterations - 1) * n * d.nGeo * d.geoDim; // Σ_i c_ij û each round, û·v all but the last
    return primary + uhat + routing;
  }
  return out.hw[0] * out.hw[1] * out.channels * d.nGeo * d.geoDim;
}

/** Forward MACs of one (ground, aerial) pair: both ResNetX and both heads (see `GeoCapsNet.flops`). */
export function geoCapsNetForwardMacs(variant: GeoCapsNetVariant, groundHW: [number, number], aerialHW: [number, number], widthDivisor = 1, iterations = 4): number {
  const branch = (hw: [number, number]) => resnetxMacs(hw, widthDivisor) + headMacs(variant, hw, widthDivisor, iterations);
  return branch(groundHW) + branch(aerialHW);
}

export interface GeoCapsNetOptions {
  /** 'I' (default), 'II', 'resnetx-fc-I', 'resnetx-fc-II'. */
  variant?: GeoCapsNetVariant;
  /** Dynamic-routing iterations (Sec. 5.1: 4). */
  routingIterations?: number;
  /** Divides ResNetX widths and the capsule sizes (`capsuleDims`); 1 is the paper's model. */
  widthDivisor?: number;
  /** Input sizes the head is built for (default 224x224 both, Table 1). */
  groundHW?: [number, number];
  aerialHW?: [number, number];
  rng?: Rng;
  /** Prefix of the tfjs variable names (default 'geocapsnet'). */
  name?: string;
  /** ResNetX: γ = 0 at the end of every residual branch (default true; lib/models/resnetx.ts). */
  zeroInitResidual?: boolean;
  /** The squash of both capsule layers: 'sabour' (default) or 'paper-literal' (Sec. 3.2 as printed; `SquashForm`). */
  squash?: SquashForm;
}

const NAMES: Record<GeoCapsNetVariant, string> = {
  I: 'geocapsnet-i',
  II: 'geocapsnet-ii',
  'resnetx-fc-I': 'resnetx-fc-i',
  'resnetx-fc-II': 'resnetx-fc-ii',
};

export class GeoCapsNet extends NamedVariableModel implements CrossViewModel {
  readonly name: string;
  readonly variant: GeoCapsNetVariant;
  readonly routingIterations: number;
  readonly squash: SquashForm;
  readonly widthDivisor: number;
  readonly groundHW: [number, number];
  readonly aerialHW: [number, number];
  readonly ground: ResNetX;
  readonly aerial: ResNetX;
  /** Head of each branch; the same object twice in the shared variants. */
  readonly groundHead: CapsuleLayers | FcHead;
  readonly aerialHead: CapsuleLayers | FcHead;
  /**
   * BatchNorm mode: true (default, as Keras during `fit`) normalises with batch statistics and
   * updates the moving statistics on every `embed`; set false to evaluate with the moving statistics.
   */
  training = true;
  /**
   * Momentum of the moving-statistics update in training mode: Keras' 0.99 (default). PreciseBN
   * (lib/train/batchnorm_stats.ts) sets it batch by batch to average the batch statistics.
   */
  batchNormMomentum = BN_MOMENTUM;

  constructor(opts: GeoCapsNetOptions = {}) {
    super();
    const variant = opts.variant ?? 'I';
    if (!(variant in NAMES)) throw new CvglError(`a variant among ${Object.keys(NAMES).join(', ')}`, String(variant), 'pick one of those');
    this.variant = variant;
    this.name = NAMES[variant];
    this.routingIterations = opts.routingIterations ?? 4;
    if (!Number.isInteger(this.routingIterations) || this.routingIterations < 1) {
      throw new CvglError('a positive integer number of routing iterations (the paper uses 4)', String(opts.routingIterations), 'pass routingIterations >= 1');
    }
    this.squash = opts.squash ?? 'sabour';
    if (!SQUASH_FORMS.includes(this.squash)) throw new CvglError(`a squash form: ${SQUASH_FORMS.join(', ')}`, String(opts.squash), "'sabour' (default) or 'paper-literal' (Sec. 3.2 as printed)");
    this.widthDivisor = opts.widthDivisor ?? 1;
    this.groundHW = opts.groundHW ?? GEOCAPSNET_INPUT_HW;
    this.aerialHW = opts.aerialHW ?? GEOCAPSNET_INPUT_HW;
    const gOut = resnetxOutput(this.groundHW, this.widthDivisor);
    const aOut = resnetxOutput(this.aerialHW, this.widthDivisor);
    const shared = variant === 'II' || variant === 'resnetx-fc-II';
    const caps = variant === 'I' || variant === 'II';
    // size checks before any variable exists, so that a bad option leaks nothing
    if (caps) {
      capsuleInputs(gOut.hw, this.widthDivisor);
      capsuleInputs(aOut.hw, this.widthDivisor);
    }
    if (shared && (gOut.hw[0] !== aOut.hw[0] || gOut.hw[1] !== aOut.hw[1])) {
      throw new CvglError('ground and aerial inputs giving equal ResNetX maps (the shared head is built for one size)', `${gOut.hw.join('x')} and ${aOut.hw.join('x')}`, 'use equal input sizes for variant II');
    }
    const r = opts.rng ?? globalRng;
    const prefix = opts.name ?? 'geocapsnet';
    const zeroInitResidual = opts.zeroInitResidual ?? true;
    this.ground = new ResNetX({ name: `${prefix}/ground`, widthDivisor: this.widthDivisor, rng: r, zeroInitResidual });
    this.aerial = new ResNetX({ name: `${prefix}/aerial`, widthDivisor: this.widthDivisor, rng: r, zeroInitResidual });
    const d = capsuleDims(this.widthDivisor);
    const head = (hw: [number, number], name: string) =>
      caps
        ? new CapsuleLayers({ channels: gOut.channels, featureHW: hw, widthDivisor: this.widthDivisor, name, rng: r })
        : new FcHead(hw[0] * hw[1] * gOut.channels, d.nGeo * d.geoDim, name, r);
    if (shared) {
      this.groundHead = this.aerialHead = head(gOut.hw, `${prefix}/shared`);
    } else {
      this.groundHead = head(gOut.hw, `${prefix}/ground`);
      this.aerialHead = head(aOut.hw, `${prefix}/aerial`);
    }
  }

  private headApply(h: CapsuleLayers | FcHead, f: tf.Tensor4D): tf.Tensor2D {
    return h instanceof CapsuleLayers ? h.apply(f, this.routingIterations, this.squash) : h.apply(f);
  }

  embed(ground: tf.Tensor4D, aerial: tf.Tensor4D): Embeddings {
    if (ground.shape[0] !== aerial.shape[0]) {
      throw new CvglError('ground and aerial batches of equal size', `${ground.shape[0]} ground, ${aerial.shape[0]} aerial images`, 'pair every ground image with one aerial image');
    }
    return tf.tidy(() => ({
      g: l2NormalizeRows(this.headApply(this.groundHead, this.ground.apply(ground, this.training, this.batchNormMomentum))),
      s: l2NormalizeRows(this.headApply(this.aerialHead, this.aerial.apply(aerial, this.training, this.batchNormMomentum))),
    }));
  }

  /**
   * `ground.<resnetx name>`, `aerial.<resnetx name>` (see `ResNetX.namedVariables`; BatchNorm
   * moving statistics included), then the heads: `ground.primarycaps.weight`, … for 'I',
   * `caps.primarycaps.weight`, … for 'II', `ground.fc.weight` / `fc.weight` for the FC ablations.
   */
  namedVariables(): Map<string, tf.Variable> {
    const m = new Map<string, tf.Variable>();
    for (const [k, v] of this.ground.namedVariables()) m.set(`ground.${k}`, v);
    for (const [k, v] of this.aerial.namedVariables()) m.set(`aerial.${k}`, v);
    if (this.groundHead === this.aerialHead) {
      const p = this.groundHead instanceof CapsuleLayers ? 'caps.' : '';
      for (const [k, v] of this.groundHead.namedVariables()) m.set(`${p}${k}`, v);
    } else {
      for (const [k, v] of this.groundHead.namedVariables()) m.set(`ground.${k}`, v);
      for (const [k, v] of this.aerialHead.namedVariables()) m.set(`aerial.${k}`, v);
    }
    return m;
  }

  /** nGeo·geoDim: 32·64 = 2048 at full width (Table 4 "code length"). */
  descriptorLength(): number {
    const d = capsuleDims(this.widthDivisor);
    return d.nGeo * d.geoDim;
  }

  /**
   * Forward FLOPs of one pair: 2 x MACs of ResNetX's convolutions and of the head (PrimaryCaps
   * convolution, û_j|i, the routing sums; or the FC layer). BatchNorm, ReLU, squash and softmax
   * are not counted. Sizes must give the maps the heads were built for.
   */
  flops(groundHW: [number, number], aerialHW: [number, number]): number {
    const same = (a: [number, number], b: [number, number]) => {
      const x = resnetxOutput(a, this.widthDivisor).hw;
      const y = resnetxOutput(b, this.widthDivisor).hw;
      return x[0] === y[0] && x[1] === y[1];
    };
    if (!same(groundHW, this.groundHW) || !same(aerialHW, this.aerialHW)) {
      throw new CvglError(
        `input sizes giving the ResNetX maps this model was built for (ground ${this.groundHW.join('x')}, aerial ${this.aerialHW.join('x')})`,
        `ground ${groundHW.join('x')}, aerial ${aerialHW.join('x')}`,
        'build a model for those sizes',
      );
    }
    return 2 * geoCapsNetForwardMacs(this.variant, groundHW, aerialHW, this.widthDivisor, this.routingIterations);
  }
}

/**
 * The registered GeoCapsNet-I and -II. Facts at 224x224 (Table 1), counted as Keras does
 * (BatchNorm moving statistics included), like the paper's TensorFlow code.
 *
 * Quick size (README, "GeoCapsNet at quick size"): widths ÷ 8; ResNetX ends at 1/32 of the input
 * and PrimaryCaps needs at least 3x3, so the panorama is 72x288 and the aerial is polar-transformed
 * to 72x288 (as SAFA's and MGTL's quick runs see it): ResNetX ends at 3x9 and PrimaryCaps has a 1x7
 * grid; PreciseBN before evaluating; CVFT's exhaustive weighted soft-margin triplet (γ = 10, both
 * anchor directions), since Soft-TriHard collapses from random weights at this size (Table 3's
 * rows keep their own loss: Eq. 2 with or without the mining). 100 steps (2 epochs of 16): R@1 10%, R@5 34% on the
 * 190 validation pairs (chance 0.5%, 2.6%).
 */
function geoCapsNetRecord<N extends 'geocapsnet-i' | 'geocapsnet-ii'>(name: N, variant: 'I' | 'II'): ModelRecord<N> {
  return {
    name,
    paper: `GeoCapsNet (001) Sec. 3.2, Fig. 2 (GeoCapsNet-${variant})`,
    options: ['variant', 'routingIterations', 'widthDivisor', 'groundHW', 'aerialHW', 'name', 'zeroInitResidual', 'squash'],
    build: (options, rng) => new GeoCapsNet({ variant, ...options, rng }),
    paperSize: { ground: GEOCAPSNET_INPUT_HW, aerial: GEOCAPSNET_INPUT_HW },
    quick: {
      options: { widthDivisor: 8, groundHW: [72, 288], aerialHW: [72, 288] },
      ground: { height: 72, width: 288 }, aerial: { size: 144, polar: { height: 72, width: 288 } },
      loss: { kind: 'soft-margin-exhaustive', gamma: 10 }, lr: 1e-3, epochs: 2, batchSize: 16, preciseBatchNorm: 10,
      source: 'quick size: ResNetX widths ÷ 8, 72x288 panoramas and polar-transformed aerials, the synthetic set; the exhaustive weighted soft-margin triplet (γ = 10), Adam 0.001, PreciseBN before evaluating',
      assumptions: [
        'quick size: ResNetX widths ÷ 8 (capsules 4 x 8-d primary, 4 x 8-d GeoCaps: a 32-d code), 72x288 panoramas and 144x144 aerials polar-transformed to 72x288 (the paper: 224x224 raw views; with raw 96x96 views the training loss falls but validation recall stays at chance after 100 steps)',
        'the weighted soft-margin triplet over every negative of the batch, both anchor directions, γ = 10 (CVFT\'s loss, after CVM-Net): Soft-TriHard (Eq. 2) collapses both branches to one descriptor from random weights at this size (hardest-negative mining, cf. FaceNet Sec. 3.2); the per-row presets keep their own loss (Table 3\'s "Triplet": Eq. 2 without the mining)',
        'PreciseBN before each evaluation (10 training batches): Keras\' moving averages (momentum 0.99) have not converged after 100 steps',
      ],
    },
    facts: ({ ground, aerial }) => {
      const params = geoCapsNetParamCount(variant, { keras: true, groundHW: ground, aerialHW: aerial });
      const backbone = 2 * resnetxParamCount(1, true);
      const d = capsuleDims();
      // 32 GeoCaps x 64 (Sec. 5.1; Table 4 "code length")
      return {
        params, descriptorLength: d.nGeo * d.geoDim, forwardGflops: (2 * geoCapsNetForwardMacs(variant, ground, aerial)) / 1e9,
        breakdown: { resnetx_x2_keras: backbone, capsule_layers: params - backbone },
      };
    },
  };
}
export const GEOCAPSNET_I_MODEL = geoCapsNetRecord('geocapsnet-i', 'I');
export const GEOCAPSNET_II_MODEL = geoCapsNetRecord('geocapsnet-ii', 'II');
