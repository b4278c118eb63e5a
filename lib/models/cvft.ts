/**
 * CVFT, cross-view feature transport (Shi et al., AAAI 2020; paper 002):
 *
 *   ground [B,Hg,Wg,3] → VGG16 conv5_3 → reduce conv (→ 64 ch) + ReLU → resize to h x w ─┐
 *        cost generation (1x1 conv → 1 ch + ReLU → FC h·w → (h·w)²) → C [B,N,N]        │
 *        Sinkhorn P = S^m(exp(−λC))  (Eq. 1–3, lib/models/sinkhorn.ts)                  │
 *        f(a) = n_a P* f(g)  (Eq. 5)  → flatten → L2-normalise → [B, h·w·64]  ◄─────────┘
 *   aerial [B,Ha,Wa,3] → VGG16 conv5_3 → reduce conv (→ 64 ch) + ReLU → resize to h x w
 *        → flatten → L2-normalise → [B, h·w·64]
 *
 * Two unshared VGG16s cut at conv5_3 (Sec. 5, "Implementation Details"); a convolution that
 * reduces the channels, not the spatial size, to 64, "8x8x64 = 4096" (Sec. 4.1); ground and
 * aerial maps resized to one size before the transport module (footnote 1); a regression block
 * on the ground features alone generates the cost matrix (Sec. 4.2, "Cost Matrix Generation",
 * Fig. 3); the transported ground map and the aerial map are compared directly, keeping their
 * spatial layout (Sec. 3, Fig. 2b).
 *
 * What the paper's text leaves open, and where each choice here comes from:
 *  - Input sizes. The paper states none; "VGG … outputs 8x8x512" (Sec. 4.1) means 128-pixel
 *    sides at conv5_3's stride 16. The authors' released code (footnote 1) feeds 112x616 ground
 *    panoramas and 256x256 aerial images (`CVFT_RELEASED_INPUT_HW`). Any size works here: both
 *    maps are resized (footnote 1) to `featureHW` (8x8 for the 4096-d descriptor).
 *  - The reducing convolution. Sec. 4.1 says only that it reduces "along the channel dimension
 *    rather than the spatial dimension": `reduction: 'paper'` (default) is a 1x1 convolution,
 *    stride 1, + ReLU. The released code uses a 3x3 stride-2 convolution + ReLU, which turns the
 *    256x256 aerial image's 16x16 conv5_3 map into 8x8: `reduction: 'released-code'`.
 *  - The resize to h x w (register entry `cvft.resize`, lib/papers/cvft/readings.ts). At the
 *    released input sizes conv5_3 is 16x16 (aerial) and 7x38 (ground), not the paper's "8x8x512".
 *    `resize: 'area'` (default) averages every input position into the 8x8 map (adaptive average
 *    pooling): the reduction stays channel-only, as Sec. 4.1 says, and every conv5_3 position
 *    reaches the descriptor. `resize: 'bilinear-tf1'` is TF 1's `resize_bilinear`
 *    (align_corners = false, no half-pixel centres: source = i · in/out); at 16 → 8 it reads
 *    exactly every other row and column, so three quarters of the aerial positions get no
 *    gradient, and 38 → 8 reads 14 of the 38 ground columns. Both are one matrix
 *    (`resizeMatrix`, lib/nn/resize.ts), so they differentiate on every backend.
 *  - The regression block's layers (Fig. 3 is an image). As in the released code: a 1x1
 *    convolution to one channel + ReLU, then a fully connected layer N → N² (N = h·w) whose output
 *    is C [N, N]; FC weights ~ truncated N(0, 0.005²), FC bias = the flattened identity;
 *    convolutions Glorot-uniform with zero bias. λ = 100 and m = 20 (the released code's
 *    `sinkhorn(fc * -100)` with 20 iterations).
 *  - Eq. 5: P* is the plan of Eq. 1 between uniform distributions, P* = S^m/n_a (rows and columns
 *    summing to 1/n_a), so f(a) = n_a P* f(g) = S^m f(g): every transported position is a convex
 *    combination of ground positions. (The released code applies the transpose, Σ_i P_io f_i;
 *    since C is a free output of the FC layer the two are the same model up to relabelling.)
 *  - Table 4 dimensions: "we resize the output feature map to different spatial sizes"
 *    (appendix C), 64 channels kept. The paper gives only the products; the shapes here are
 *    8x8 (4096), 4x8 (2048), 4x6 (1536), 2x4 (512) (`CVFT_FEATURE_HW`).
 *  - Not modelled: the released code's dropout (keep 0.8) after conv4_x/conv5_x and its unused
 *    L2 regulariser on the FC weights (never added to the training loss there).
 *
 * Ablations (Sec. 5.1, Table 1; appendix B, Table 3), `variant`:
 *  - 'full'                the model above;
 *  - 'wo-cvft'             the same without the transport ("simply remove it … keeping all the
 *                          other parts unchanged"): flattened ground and aerial maps;
 *  - 'vgg-global-pooling'  global max pooling of conv5_3 (512-d), no reducing conv;
 *  - 'stn-affine'          the CVFT module replaced by a spatial transformer (Jaderberg et al.
 *                          2015) on the ground map: localisation = the same regression block with
 *                          6 outputs (θ of a 2-D affine map; zero weights, identity bias), then
 *                          bilinear sampling (zero padding, align_corners = true);
 *  - 'stn-tps'             the same with a thin-plate-spline map: the localisation outputs the
 *                          displacements of a g x g grid of control points (default 4x4; zero
 *                          init = identity); the TPS solve for fixed source points is linear in
 *                          the targets, precomputed once (`tpsMatrix`, lib/nn/spatial_transformer.ts).
 *   The paper does not describe its STNs' localisation networks; these are our choices.
 *
 * Parameters at full width, 'paper' reduction, 8x8 (4096-d): 2 x 14,714,688 (VGG16 conv1_1 …
 * conv5_3) + 2 x 32,832 (1x1 reduce, 512·64 + 64) + 65 (cost conv, 64 + 1) + 266,240 (cost FC,
 * 64·4096 + 4096) = 29,761,345. With 'released-code' (3x3/2) reduction: 2 x 294,976 instead of
 * 2 x 32,832, 30,285,633 in all. The paper states no parameter count.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { rng as globalRng, type Rng } from '../engine/rng.js';
import { conv, convLayer, type ConvLayer, type ConvWeights } from '../nn/conv.js';
import { dense, type DenseLayer } from '../nn/dense.js';
import { GLOROT_UNIFORM, truncatedNormal } from '../nn/init.js';
import { l2NormalizeRows } from '../nn/l2.js';
import { param } from '../nn/param.js';
import { areaWeights, resizeMaps, type ResizeKind } from '../nn/resize.js';
import { affineTransform, tpsControlPoints, tpsTransform } from '../nn/spatial_transformer.js';
import { NamedVariableModel, type CrossViewModel, type Embeddings } from './model.js';
import { sinkhorn, sinkhornFlops, SINKHORN_DEFAULTS } from './sinkhorn.js';
import { Vgg16, vgg16Cfg, vgg16ConvMacs, vgg16Layers, type Vgg16Cut } from './vgg16.js';
import type { ModelRecord } from './record.js';

/** CVFT's backbone cut (Sec. 5: "the convolutional feature maps of the conv5_3 layer"). */
export const CVFT_VGG_CUT: Vgg16Cut = 'conv5_3';
/** Channels of the reduced feature maps (Sec. 4.1: 8 x 8 x 64 = 4096). */
export const CVFT_CHANNELS = 64;
/** Input sizes of the authors' released code (the paper states none). */
export const CVFT_RELEASED_INPUT_HW = { ground: [112, 616] as [number, number], aerial: [256, 256] as [number, number] };

export const CVFT_VARIANTS = ['full', 'wo-cvft', 'vgg-global-pooling', 'stn-affine', 'stn-tps'] as const;
export type CvftVariant = (typeof CVFT_VARIANTS)[number];

/** The feature-embedding dimensions of Table 4. */
export type CvftDim = 4096 | 2048 | 1536 | 512;
/** Spatial size of the feature maps for each Table 4 dimension (x 64 channels; our shapes, see above). */
export const CVFT_FEATURE_HW: Record<CvftDim, [number, number]> = {
  4096: [8, 8],
  2048: [4, 8],
  1536: [4, 6],
  512: [2, 4],
};

/** 'paper': 1x1 conv, stride 1 (Sec. 4.1); 'released-code': 3x3 conv, stride 2, 'same'. */
export type CvftReduction = 'paper' | 'released-code';
const REDUCTION: Record<CvftReduction, { k: number; stride: number }> = {
  paper: { k: 1, stride: 1 },
  'released-code': { k: 3, stride: 2 },
};

/**
 * How the reduced maps reach h x w (see the file comment): 'area' (default, adaptive average
 * pooling: every position counts) or 'bilinear-tf1' (TF 1 `resize_bilinear`: at 2:1 it reads
 * every other row and column).
 */
export const CVFT_RESIZES = ['area', 'bilinear-tf1'] as const satisfies readonly ResizeKind[];
export type CvftResize = (typeof CVFT_RESIZES)[number];

export interface CvftOptions {
  rng?: Rng;
  /** Which model of the paper's tables (default 'full'). */
  variant?: CvftVariant;
  /** Descriptor length of Table 4 (default 4096); sets `featureHW` unless that is given. */
  dim?: CvftDim;
  /** Spatial size [h, w] of the maps fed to the transport module (overrides `dim`). */
  featureHW?: [number, number];
  /** λ of C' = exp(−λC) (default 100). */
  lambda?: number;
  /** Sinkhorn iterations m (default 20). */
  iterations?: number;
  /** The channel-reducing convolution (default 'paper': 1x1). */
  reduction?: CvftReduction;
  /** The resize of the reduced maps to `featureHW` (default 'area'). */
  resize?: CvftResize;
  /** Control points per side of the TPS grid for 'stn-tps' (default 4: 16 points). */
  tpsGrid?: number;
  /** Divides every VGG16 width and the 64 reduced channels (default 1: the paper's model). */
  widthDivisor?: number;
  /**
   * Prefix of the tfjs variable names (default 'cvft'). tfjs refuses two live variables of one
   * name: give a second live instance another prefix.
   */
  name?: string;
}

// ---------------------------------------------------------------------------------------------
// building blocks (exported for tests, notebooks and the PyTorch parity test)
// ---------------------------------------------------------------------------------------------

/** Weights of the regression block (cost generation, or an STN's localisation network). */
export interface RegressionParams {
  /** 1x1 convolution C → 1, [1, 1, C, 1]. */
  convW: tf.Tensor;
  /** its bias [1] */
  convB: tf.Tensor;
  /** FC weight [N, out] */
  fcW: tf.Tensor;
  /** FC bias [out] */
  fcB: tf.Tensor;
}

/** r = FC(ReLU(conv1x1(f))) of f [B,h,w,C]: [B, out]. */
export function regressionBlock(f: tf.Tensor4D, p: RegressionParams): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, h, w] = f.shape;
    const a = tf.relu(conv(f, { w: p.convW, b: p.convB, stride: 1 }));
    return dense(tf.reshape(a, [b, h * w]) as tf.Tensor2D, { w: p.fcW, b: p.fcB });
  });
}

/**
 * The cost matrix C [B, N, N] of the ground features f [B,h,w,C] (Sec. 4.2, "Cost Matrix
 * Generation"): the regression block with N² outputs, C[s,t] = out[s·N + t] (N = h·w, positions
 * row-major).
 */
export function costGeneration(f: tf.Tensor4D, p: RegressionParams): tf.Tensor3D {
  return tf.tidy(() => {
    const n = f.shape[1] * f.shape[2];
    return tf.reshape(regressionBlock(f, p), [f.shape[0], n, n]) as tf.Tensor3D;
  });
}

/**
 * Eq. 5, f^i(a) = n_a P* f^i(g) for every channel i, with the Sinkhorn output S [B,N,N] (= n_a P*,
 * see the file comment): out[b,s,c] = Σ_t S[b,s,t] f[b,t,c]. f [B,h,w,C] → [B,h,w,C].
 */
export function transportFeatures(f: tf.Tensor4D, plan: tf.Tensor3D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = f.shape;
    return tf.reshape(tf.matMul(plan, tf.reshape(f, [b, h * w, c]) as tf.Tensor3D), [b, h, w, c]) as tf.Tensor4D;
  });
}

/**
 * A conv5_3 map x [B,H,W,C5] to the transport module's size: the reducing convolution + ReLU
 * (Sec. 4.1), then the resize to featureHW (footnote 1) of the given kind. [B,h,w,C].
 */
export function reduceMap(x: tf.Tensor4D, layer: ConvWeights, featureHW: [number, number], resize: CvftResize = 'area'): tf.Tensor4D {
  return tf.tidy(() => resizeMaps(tf.relu(conv(x, layer)), featureHW, resize));
}

export interface CvftHeadResult {
  /** C [B,N,N] */
  cost: tf.Tensor3D;
  /** S^m(exp(−λC)) [B,N,N] (rows and columns sum to 1) */
  plan: tf.Tensor3D;
  /** the transported ground map [B,h,w,C] (Eq. 5) */
  transported: tf.Tensor4D;
}

/** The feature transport module (Sec. 4.2): cost generation, Sinkhorn, Eq. 5, on ground maps f [B,h,w,C]. */
export function cvftHead(f: tf.Tensor4D, p: RegressionParams, opts: { lambda?: number; iterations?: number } = {}): CvftHeadResult {
  return tf.tidy(() => {
    const cost = costGeneration(f, p);
    const plan = sinkhorn(cost, opts) as tf.Tensor3D;
    return { cost, plan, transported: transportFeatures(f, plan) };
  });
}

// ------------------------------------------ counts -------------------------------------------

interface Resolved {
  variant: CvftVariant;
  featureHW: [number, number];
  channels: number;
  vggChannels: number;
  reduction: CvftReduction;
  resize: CvftResize;
  tpsGrid: number;
  widthDivisor: number;
  lambda: number;
  iterations: number;
}

function resolve(opts: CvftOptions): Resolved {
  const variant = opts.variant ?? 'full';
  if (!(CVFT_VARIANTS as readonly string[]).includes(variant)) {
    throw new CvglError(`a CVFT variant: ${CVFT_VARIANTS.join(', ')}`, `'${variant}'`, 'pick one of those (Table 1 / Table 3 of the paper)');
  }
  const dim = opts.dim ?? 4096;
  if (opts.featureHW == null && !(dim in CVFT_FEATURE_HW)) {
    throw new CvglError('a Table 4 descriptor dimension: 4096, 2048, 1536 or 512', String(dim), 'pick one of those, or give featureHW [h, w] directly');
  }
  const featureHW = opts.featureHW ?? CVFT_FEATURE_HW[dim as CvftDim];
  if (!Array.isArray(featureHW) || featureHW.length !== 2 || !featureHW.every((v) => Number.isInteger(v) && v > 0)) {
    throw new CvglError('featureHW as [h, w], positive integers', JSON.stringify(featureHW), 'pass e.g. [8, 8]');
  }
  const widthDivisor = opts.widthDivisor ?? 1;
  const cfg = vgg16Cfg(widthDivisor); // validates the divisor
  const vggChannels = cfg[cfg.length - 2] as number; // conv5_3
  const reduction = opts.reduction ?? 'paper';
  if (!(reduction in REDUCTION)) {
    throw new CvglError("reduction 'paper' (1x1 conv) or 'released-code' (3x3/2 conv)", `'${reduction}'`, 'pick one of those');
  }
  const resize = opts.resize ?? 'area';
  if (!(CVFT_RESIZES as readonly string[]).includes(resize)) {
    throw new CvglError(`resize ${CVFT_RESIZES.map((k) => `'${k}'`).join(' or ')}`, `'${resize}'`, "pick one of those ('area' keeps every conv5_3 position, the default)");
  }
  const tpsGrid = opts.tpsGrid ?? 4;
  if (!Number.isInteger(tpsGrid) || tpsGrid < 2) {
    throw new CvglError('tpsGrid an integer >= 2 (control points per side)', String(tpsGrid), 'pass e.g. 4');
  }
  const lambda = opts.lambda ?? SINKHORN_DEFAULTS.lambda;
  const iterations = opts.iterations ?? SINKHORN_DEFAULTS.iterations;
  if (!(Number.isFinite(lambda) && lambda > 0)) throw new CvglError('lambda (λ) a finite number > 0', String(lambda), 'pass e.g. 100');
  if (!(Number.isInteger(iterations) && iterations >= 1)) throw new CvglError('iterations (m) an integer >= 1', String(iterations), 'pass e.g. 20');
  return { variant, featureHW: [featureHW[0], featureHW[1]], channels: CVFT_CHANNELS / widthDivisor, vggChannels, reduction, resize, tpsGrid, widthDivisor, lambda, iterations };
}

/** Outputs of the regression block of each variant (0: none). */
function regressionOutputs(r: Resolved): number {
  const n = r.featureHW[0] * r.featureHW[1];
  switch (r.variant) {
    case 'full':
      return n * n;
    case 'stn-affine':
      return 6;
    case 'stn-tps':
      return 2 * r.tpsGrid * r.tpsGrid;
    default:
      return 0;
  }
}

/** Parameters per part (no model built); `total` is their sum. */
export function cvftParamBreakdown(opts: CvftOptions = {}): { vgg: number; reduce: number; regression: number; total: number } {
  const r = resolve(opts);
  let vgg = 0;
  for (const l of vgg16Layers(CVFT_VGG_CUT, r.widthDivisor)) if (l.kind === 'conv') vgg += 9 * l.cin * l.cout + l.cout;
  vgg *= 2;
  const { k } = REDUCTION[r.reduction];
  const reduce = r.variant === 'vgg-global-pooling' ? 0 : 2 * (k * k * r.vggChannels * r.channels + r.channels);
  const out = regressionOutputs(r);
  const n = r.featureHW[0] * r.featureHW[1];
  const regression = out === 0 ? 0 : r.channels + 1 + n * out + out;
  return { vgg, reduce, regression, total: vgg + reduce + regression };
}

export function cvftParamCount(opts: CvftOptions = {}): number {
  return cvftParamBreakdown(opts).total;
}

/** Descriptor length D: h·w·64 (Table 4), or 512 for VGG global pooling (divided by widthDivisor). */
export function cvftDescriptorLength(opts: CvftOptions = {}): number {
  const r = resolve(opts);
  return r.variant === 'vgg-global-pooling' ? r.vggChannels : r.featureHW[0] * r.featureHW[1] * r.channels;
}

/** Spatial size of conv5_3 for an h x w input (the four 2x2 pools floor). */
function conv5HW(hw: [number, number]): [number, number] {
  let [h, w] = hw;
  for (const l of vgg16Layers(CVFT_VGG_CUT)) if (l.kind === 'pool') [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
  return [h, w];
}

/** Size of the reduced map ('same' padding: ceil(size / stride)). */
function reducedHW(hw: [number, number], reduction: CvftReduction): [number, number] {
  const s = REDUCTION[reduction].stride;
  const [h, w] = conv5HW(hw);
  return [Math.ceil(h / s), Math.ceil(w / s)];
}

/**
 * Taps (non-zero weights) of a resize in → out, per channel: bilinear counts 4 per output value
 * (as it is applied), area the size of each output's window.
 */
function resizeTaps(inHW: [number, number], outHW: [number, number], kind: CvftResize): number {
  if (kind === 'bilinear-tf1') return 4 * outHW[0] * outHW[1];
  const taps = (i: number, o: number) => areaWeights(i, o).reduce((n, row) => n + row.filter((v) => v > 0).length, 0);
  return taps(inHW[0], outHW[0]) * taps(inHW[1], outHW[1]);
}

/**
 * Forward FLOPs of one (ground, aerial) pair, analytic: 2 x MACs of the convolutions, FC layers,
 * resizes (bilinear 4 taps per output value, area the window's size) and matrix products (transport N·N·C, STN sampling
 * 4 taps per output value, TPS grid), plus the Sinkhorn iterations counted as Eq. 2–3 do
 * (`sinkhornFlops`). Pooling, ReLU and the L2 normalisation are not counted.
 */
export function cvftForwardFlops(groundHW: [number, number], aerialHW: [number, number], opts: CvftOptions = {}): number {
  const r = resolve(opts);
  const conv = (hw: [number, number]) => vgg16ConvMacs(hw[0], hw[1], CVFT_VGG_CUT, r.widthDivisor).reduce((n, l) => n + l.macs, 0);
  let macs = conv(groundHW) + conv(aerialHW);
  if (r.variant === 'vgg-global-pooling') return 2 * macs;
  const { k } = REDUCTION[r.reduction];
  const [fh, fw] = r.featureHW;
  const n = fh * fw;
  const c = r.channels;
  for (const hw of [groundHW, aerialHW]) {
    const [h, w] = reducedHW(hw, r.reduction);
    macs += h * w * k * k * r.vggChannels * c;
    if (h !== fh || w !== fw) macs += resizeTaps([h, w], r.featureHW, r.resize) * c;
  }
  let extra = 0;
  const out = regressionOutputs(r);
  if (out > 0) macs += n * c + n * out; // regression block
  if (r.variant === 'full') {
    macs += n * n * c; // Eq. 5
    extra = sinkhornFlops(n, n, r.iterations);
  } else if (r.variant === 'stn-affine') {
    macs += n * 3 * 2 + 4 * n * c;
  } else if (r.variant === 'stn-tps') {
    macs += n * r.tpsGrid * r.tpsGrid * 2 + 4 * n * c;
  }
  return 2 * macs + extra;
}

// ------------------------------------------- model -------------------------------------------

/** Intermediate maps of one batch (for Fig. 7 / Fig. 11-style visualisations). */
export interface CvftMaps {
  /** ground map after reduction and resizing [B,h,w,C] (conv5_3 [B,h5,w5,512] for global pooling) */
  ground: tf.Tensor4D;
  /** aerial map, likewise */
  aerial: tf.Tensor4D;
  /** the ground map after the transport (full) or the STN; absent for the others */
  transported?: tf.Tensor4D;
  /** C [B,N,N] (full only) */
  cost?: tf.Tensor3D;
  /** S^m(exp(−λC)) [B,N,N] (full only) */
  plan?: tf.Tensor3D;
}

function checkPairs(ground: tf.Tensor4D, aerial: tf.Tensor4D): void {
  if (ground.shape[0] !== aerial.shape[0]) {
    throw new CvglError('ground and aerial batches of equal size', `${ground.shape[0]} ground, ${aerial.shape[0]} aerial images`, 'pair every ground image with one aerial image');
  }
}

export class Cvft extends NamedVariableModel implements CrossViewModel {
  readonly name = 'cvft';
  readonly variant: CvftVariant;
  readonly featureHW: [number, number];
  /** Channels of the reduced maps (64 at full width). */
  readonly channels: number;
  readonly lambda: number;
  readonly iterations: number;
  readonly reduction: CvftReduction;
  readonly resize: CvftResize;
  readonly widthDivisor: number;
  readonly ground: Vgg16;
  readonly aerial: Vgg16;
  readonly groundReduce: ConvLayer | null = null;
  readonly aerialReduce: ConvLayer | null = null;
  /** Cost generation (full) or STN localisation (stn-*): 1x1 conv → 1 + ReLU, FC. */
  readonly regConv: ConvLayer | null = null;
  readonly regFc: DenseLayer | null = null;
  /** TPS source control points (stn-tps). */
  readonly tpsControl: [number, number][] = [];
  private readonly opts: Resolved;

  constructor(opts: CvftOptions = {}) {
    super();
    const res = resolve(opts);
    this.opts = res;
    const r = opts.rng ?? globalRng;
    const prefix = opts.name ?? 'cvft';
    this.variant = res.variant;
    this.featureHW = res.featureHW;
    this.channels = res.channels;
    this.lambda = res.lambda;
    this.iterations = res.iterations;
    this.reduction = res.reduction;
    this.resize = res.resize;
    this.widthDivisor = res.widthDivisor;
    this.ground = new Vgg16({ cut: CVFT_VGG_CUT, name: `${prefix}/ground`, rng: r, widthDivisor: res.widthDivisor });
    this.aerial = new Vgg16({ cut: CVFT_VGG_CUT, name: `${prefix}/aerial`, rng: r, widthDivisor: res.widthDivisor });
    if (res.variant === 'vgg-global-pooling') return;
    // TF1's xavier_initializer (uniform) and zero bias for every convolution, as the released code
    const { k, stride } = REDUCTION[res.reduction];
    this.groundReduce = convLayer(r, `${prefix}/ground/reduce`, k, res.vggChannels, res.channels, stride, GLOROT_UNIFORM);
    this.aerialReduce = convLayer(r, `${prefix}/aerial/reduce`, k, res.vggChannels, res.channels, stride, GLOROT_UNIFORM);
    const out = regressionOutputs(res);
    if (out === 0) return;
    const n = res.featureHW[0] * res.featureHW[1];
    const block = res.variant === 'full' ? 'cost' : 'stn';
    this.regConv = convLayer(r, `${prefix}/${block}/conv`, 1, res.channels, 1, 1, GLOROT_UNIFORM);
    if (res.variant === 'full') {
      // released code: weights ~ truncated N(0, 0.005²), bias = the identity matrix, flattened
      const eye = new Float32Array(n * n);
      for (let i = 0; i < n; i++) eye[i * n + i] = 1;
      this.regFc = {
        w: param(() => truncatedNormal(r, [n, n * n], 0.005), `${prefix}/cost/fc.weight`),
        b: param(() => tf.tensor1d(eye), `${prefix}/cost/fc.bias`),
      };
    } else {
      // STN: zero weights, identity transform as the bias (Jaderberg et al. 2015)
      let bias: number[];
      if (res.variant === 'stn-affine') bias = [1, 0, 0, 0, 1, 0];
      else {
        this.tpsControl = tpsControlPoints(res.tpsGrid);
        bias = new Array<number>(out).fill(0); // displacements of the control points
      }
      this.regFc = {
        w: param(() => tf.zeros([n, out]), `${prefix}/stn/fc.weight`),
        b: param(() => tf.tensor1d(bias), `${prefix}/stn/fc.bias`),
      };
    }
  }

  private regParams(): RegressionParams {
    return { convW: this.regConv!.w, convB: this.regConv!.b, fcW: this.regFc!.w, fcB: this.regFc!.b };
  }

  private reduce(x: tf.Tensor4D, layer: ConvLayer): tf.Tensor4D {
    return reduceMap(x, layer, this.featureHW, this.resize);
  }

  /** The intermediate maps of a batch (see `CvftMaps`). */
  maps(ground: tf.Tensor4D, aerial: tf.Tensor4D): CvftMaps {
    checkPairs(ground, aerial);
    // the tidy frees the conv5_3 maps (interfaces have no index signature: hence the casts)
    return tf.tidy(() => this.mapsFromConv5(this.ground.apply(ground), this.aerial.apply(aerial)) as unknown as tf.TensorContainerObject) as unknown as CvftMaps;
  }

  /** The maps of `maps` from the two conv5_3 maps g5 [B,h5,w5,C5] and a5 (the layers after the backbones). */
  mapsFromConv5(g5: tf.Tensor4D, a5: tf.Tensor4D): CvftMaps {
    return tf.tidy(() => {
      if (this.variant === 'vgg-global-pooling') return { ground: g5, aerial: a5 };
      const g = this.reduce(g5, this.groundReduce!);
      const a = this.reduce(a5, this.aerialReduce!);
      switch (this.variant) {
        case 'full': {
          const h = cvftHead(g, this.regParams(), { lambda: this.lambda, iterations: this.iterations });
          return { ground: g, aerial: a, transported: h.transported, cost: h.cost, plan: h.plan };
        }
        case 'stn-affine':
          return { ground: g, aerial: a, transported: affineTransform(g, regressionBlock(g, this.regParams())) };
        case 'stn-tps': {
          const k = this.tpsControl.length;
          const delta = tf.reshape(regressionBlock(g, this.regParams()), [g.shape[0], k, 2]);
          const targets = tf.add(delta, tf.tensor2d(this.tpsControl.flat(), [k, 2])) as tf.Tensor3D;
          return { ground: g, aerial: a, transported: tpsTransform(g, targets, this.tpsControl) };
        }
        default:
          return { ground: g, aerial: a };
      }
    });
  }

  /** L2-normalised descriptors [B, D] of ground [B,Hg,Wg,3] and aerial [B,Ha,Wa,3] images. */
  embed(ground: tf.Tensor4D, aerial: tf.Tensor4D): Embeddings {
    checkPairs(ground, aerial);
    return tf.tidy(() => {
      const { g, s } = this.embedFromConv5(this.ground.apply(ground), this.aerial.apply(aerial));
      return { g, s };
    });
  }

  /** The descriptors of `embed` from the two conv5_3 maps (e.g. to follow gradients to every conv5_3 position). */
  embedFromConv5(g5: tf.Tensor4D, a5: tf.Tensor4D): Embeddings {
    return tf.tidy(() => {
      const m = this.mapsFromConv5(g5, a5);
      const b = g5.shape[0];
      if (this.variant === 'vgg-global-pooling') {
        // Sec. 5.1: "global max pooling to the feature maps extracted by the layer of conv5_3"
        return { g: l2NormalizeRows(tf.max(m.ground, [1, 2]) as tf.Tensor2D), s: l2NormalizeRows(tf.max(m.aerial, [1, 2]) as tf.Tensor2D) };
      }
      const gmap = m.transported ?? m.ground;
      return { g: l2NormalizeRows(tf.reshape(gmap, [b, -1]) as tf.Tensor2D), s: l2NormalizeRows(tf.reshape(m.aerial, [b, -1]) as tf.Tensor2D) };
    });
  }

  /**
   * By PyTorch-style name, as test/reference/cvft_torch.py's module names them:
   * `ground.features.{i}.{weight,bias}` (torchvision VGG16 indices), `ground.reduce.*`, the same
   * under `aerial.`, then `cost.conv.*`, `cost.fc.*` (full) or `stn.conv.*`, `stn.fc.*` (STNs).
   * Layouts are tfjs': conv filters HWIO (torch OIHW), FC weights [in, out] (torch [out, in]).
   */
  namedVariables(): Map<string, tf.Variable> {
    const m = new Map<string, tf.Variable>();
    for (const [branch, vgg, red] of [
      ['ground', this.ground, this.groundReduce],
      ['aerial', this.aerial, this.aerialReduce],
    ] as const) {
      for (const [k, v] of vgg.namedVariables()) m.set(`${branch}.${k}`, v);
      if (red) {
        m.set(`${branch}.reduce.weight`, red.w);
        m.set(`${branch}.reduce.bias`, red.b);
      }
    }
    if (this.regConv && this.regFc) {
      const block = this.variant === 'full' ? 'cost' : 'stn';
      m.set(`${block}.conv.weight`, this.regConv.w);
      m.set(`${block}.conv.bias`, this.regConv.b);
      m.set(`${block}.fc.weight`, this.regFc.w);
      m.set(`${block}.fc.bias`, this.regFc.b);
    }
    return m;
  }

  /** h·w·64 (4096 at 8x8, Table 4), or 512 for 'vgg-global-pooling'; divided by widthDivisor. */
  descriptorLength(): number {
    return cvftDescriptorLength(this.opts);
  }

  /** Forward FLOPs of one pair at these input sizes (see `cvftForwardFlops`). */
  flops(groundHW: [number, number], aerialHW: [number, number]): number {
    return cvftForwardFlops(groundHW, aerialHW, this.opts);
  }
}

/**
 * Registered as 'cvft'. Facts at the released code's 112x616 panoramas and 256x256 aerials; the
 * quick size trains with the paper's weighted soft-margin triplet (Sec. 3.4, γ = 10) at Adam 3e-4:
 * at 1e-3 wo/ CVFT stayed at ln 2 (identical descriptors) and the STN rows diverged (NaN) in 3 epochs.
 */
export const CVFT_MODEL: ModelRecord<'cvft'> = {
  name: 'cvft',
  paper: 'CVFT (002) Sec. 3 and Sec. 4.1',
  options: ['variant', 'dim', 'featureHW', 'lambda', 'iterations', 'reduction', 'resize', 'tpsGrid', 'widthDivisor', 'name'],
  build: (options, rng) => new Cvft({ ...options, rng }),
  paperSize: CVFT_RELEASED_INPUT_HW,
  quick: { options: { widthDivisor: 8 }, ground: { height: 32, width: 128 }, aerial: { size: 64, polar: null }, loss: { kind: 'soft-margin-exhaustive', gamma: 10 }, lr: 3e-4, epochs: 3, batchSize: 16 },
  facts: ({ ground, aerial }) => {
    const b = cvftParamBreakdown();
    return {
      params: b.total, descriptorLength: cvftDescriptorLength(), forwardGflops: cvftForwardFlops(ground, aerial) / 1e9,
      breakdown: { vgg16x2_to_conv5_3: b.vgg, reduce_1x1: b.reduce, cost_generation: b.regression },
    };
  },
};
