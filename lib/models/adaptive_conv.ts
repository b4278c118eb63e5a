/**
 * MDUIT's appearance-adaptive convolution (paper 004, Sec. 2.1, Eq. 1: f_s^t = f_s ⊗ W_t) as a
 * per-sample dynamic **group convolution** (Sec. 3.1: "we divided the content features into 256
 * groups, allowing the filter size to be reduced to 1 × 256 × 5 × 5").
 *
 * Every sample b of the batch is convolved with its own filter W_b, generated from its target
 * image by the appearance filter encoder. All samples are computed at once (no loop over the
 * batch in JavaScript):
 *
 *   1. the input is zero-padded by (k−1)/2 ('same', stride 1; the paper gives no padding:
 *      assumption) and its k² shifted copies are stacked: patches [B, H, W, k², C];
 *   2. depthwise case (one input and one output channel per group, the paper's setting):
 *      out[b,y,x,c] = Σ_t patches[b,y,x,t,c] · W[b,t,c], one broadcast multiply and one sum;
 *   3. general case (C/G inputs and C'/G outputs per group): a batched matrix product of the
 *      patches of each (sample, group) [H·W, k²·C/G] with that (sample, group)'s filter
 *      [k²·C/G, C'/G], B·G products in one `matMul`.
 *
 * Filters are per-sample HWIO: W [B, k, k, C/G, C'], output channel o belonging to group
 * ⌊o / (C'/G)⌋ and reading input channels g·C/G … (g+1)·C/G − 1 — PyTorch's grouped weight
 * [C', C/G, k, k] of sample b transposed to (k, k, C/G, C'), so that W[b] is exactly the filter
 * `F.conv2d(x[b], W[b], groups=G, padding=(k−1)/2)` applies (test/models/adaptive_conv.test.ts
 * checks values and gradients against a per-sample loop and against PyTorch).
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';

/** Shapes of a dynamic group convolution, checked; throws a CvglError naming the mismatch. */
export function dynamicConvShapes(x: tf.Tensor, w: tf.Tensor, groups: number): { b: number; h: number; wd: number; c: number; k: number; cinG: number; cout: number; coutG: number } {
  const fail = (found: string) => {
    throw new CvglError(
      'dynamicGroupConv2d: x [B, H, W, C] and per-sample filters w [B, k, k, C/G, C\'] (k odd) with G dividing C and C\'',
      found,
      'generate one filter per sample (MDUIT: W_t = E_a(I_t) reshaped to [B, 5, 5, 1, 256] for 256 groups)',
    );
  };
  if (x.rank !== 4 || w.rank !== 5) fail(`x of rank ${x.rank}, w of rank ${w.rank}`);
  const [b, h, wd, c] = x.shape as [number, number, number, number];
  const [bw, k, k2, cinG, cout] = w.shape as [number, number, number, number, number];
  const desc = `x [${x.shape.join(', ')}], w [${w.shape.join(', ')}], groups ${groups}`;
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0 || cout % groups !== 0) fail(desc);
  if (bw !== b || k !== k2 || k % 2 !== 1 || cinG !== c / groups) fail(desc);
  return { b, h, wd, c, k, cinG, cout, coutG: cout / groups };
}

/** The k² shifted copies of x (zero-padded 'same'), stacked: [B, H, W, k², C], taps row-major (dy, dx). */
function patches(x: tf.Tensor4D, k: number): tf.Tensor5D {
  const p = (k - 1) / 2;
  const [, h, w] = x.shape;
  const padded = p > 0 ? tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) : x;
  const taps: tf.Tensor4D[] = [];
  for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) taps.push(tf.slice(padded, [0, dy, dx, 0], [-1, h, w, -1]));
  return tf.stack(taps, 3) as tf.Tensor5D;
}

/**
 * f ⊗ W (Eq. 1) for a batch: x [B, H, W, C] (NHWC), w [B, k, k, C/G, C'] per-sample HWIO filters,
 * `groups` G. Stride 1, zero 'same' padding, no bias. Returns [B, H, W, C']. Differentiable
 * w.r.t. both x and w on every backend (pad, slice, stack, multiply, sum, matMul).
 */
export function dynamicGroupConv2d(x: tf.Tensor4D, w: tf.Tensor, groups: number): tf.Tensor4D {
  const s = dynamicConvShapes(x, w, groups);
  return tf.tidy(() => {
    const kk = s.k * s.k;
    const pt = patches(x, s.k); // [B, H, W, kk, C]
    if (s.cinG === 1 && s.coutG === 1) {
      // depthwise: W [B, k, k, 1, C] -> [B, 1, 1, kk, C]
      const wf = tf.reshape(w, [s.b, 1, 1, kk, s.c]);
      return tf.sum(tf.mul(pt, wf), 3) as tf.Tensor4D;
    }
    const g = groups;
    // patches -> [B, H·W, kk, G, C/G] -> [B, G, H·W, kk, C/G] -> [B·G, H·W, kk·C/G]
    const p5 = tf.reshape(pt, [s.b, s.h * s.wd, kk, g, s.cinG]);
    const pg = tf.reshape(tf.transpose(p5, [0, 3, 1, 2, 4]), [s.b * g, s.h * s.wd, kk * s.cinG]);
    // w [B, k, k, C/G, C'] -> [B, kk·C/G, G, C'/G] -> [B, G, kk·C/G, C'/G] -> [B·G, kk·C/G, C'/G]
    const w4 = tf.reshape(w, [s.b, kk * s.cinG, g, s.coutG]);
    const wg = tf.reshape(tf.transpose(w4, [0, 2, 1, 3]), [s.b * g, kk * s.cinG, s.coutG]);
    const out = tf.matMul(pg, wg); // [B·G, H·W, C'/G]
    // -> [B, G, H, W, C'/G] -> [B, H, W, G, C'/G] -> [B, H, W, C']
    const o5 = tf.reshape(out, [s.b, g, s.h, s.wd, s.coutG]);
    return tf.reshape(tf.transpose(o5, [0, 2, 3, 1, 4]), [s.b, s.h, s.wd, s.cout]) as tf.Tensor4D;
  });
}

/** Multiply-accumulates of one dynamic group convolution (per batch). */
export function dynamicConvMacs(b: number, h: number, w: number, k: number, cin: number, cout: number, groups: number): number {
  return b * h * w * k * k * (cin / groups) * cout;
}
