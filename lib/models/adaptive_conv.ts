/**
 * MDUIT's appearance-adaptive convolution (paper 004, Sec. 2.1, Eq. 1: f_s^t = f_s ⊗ W_t) as a
 * per-sample dynamic **group convolution** (Sec. 3.1: "we divided the content features into 256
 * groups, allowing the filter size to be reduced to 1 × 256 × 5 × 5").
 *
 * Every sample b of the batch is convolved with its own filter W_b, generated from its target
 * image by the appearance filter encoder. All samples are computed at once (no loop over the
 * batch in JavaScript), stride 1, zero 'same' padding of (k−1)/2 (the paper gives no padding:
 * assumption):
 *
 *   - one input channel per group (the paper's setting; also with a channel multiplier): the
 *     batch is folded into the channels, [B, H, W, C] → [1, H, W, B·C], and one depthwise
 *     convolution with the B·C per-sample filters [k, k, B·C, C'/G] computes every sample at
 *     once (XNNPACK's depthwise kernel forward; its gradients are tfjs' depthwise backprops);
 *   - several input channels per group: the k² shifted copies of the input are concatenated
 *     along the channels (im2col), and a batched matrix product multiplies the patches of each
 *     (sample, group) [H·W, k²·C/G] with that (sample, group)'s filter [k²·C/G, C'/G], B·G
 *     products in one `matMul`.
 *
 * Neither path stacks or splits rank-5 tensors: tfjs-wasm slices those element by element in
 * JavaScript, which made the gradient of an earlier stacked version slower than all the rest
 * of an MDUIT training step together.
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

/** im2col: the k² shifted copies of x (zero-padded 'same') concatenated along the channels:
 *  [B, H, W, k²·C], tap-major (channel t·C + c holds tap t = dy·k + dx of channel c). */
function patches(x: tf.Tensor4D, k: number): tf.Tensor4D {
  const p = (k - 1) / 2;
  const [, h, w] = x.shape;
  const padded = p > 0 ? tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) : x;
  const taps: tf.Tensor4D[] = [];
  for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) taps.push(tf.slice(padded, [0, dy, dx, 0], [-1, h, w, -1]));
  return taps.length === 1 ? taps[0]! : tf.concat(taps, 3);
}

/** [B, H, W, C] -> [1, H, W, B·C] and back: the batch folded into the channels. */
const fold = (x: tf.Tensor4D) => tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, x.shape[1], x.shape[2], x.shape[0] * x.shape[3]]) as tf.Tensor4D;
const unfold = (y: tf.Tensor, b: number) => tf.transpose(tf.reshape(y, [y.shape[1]!, y.shape[2]!, b, y.shape[3]! / b]), [2, 0, 1, 3]) as tf.Tensor4D;

/**
 * One channel per group, one output per channel (the paper's 256 groups of 256): a depthwise
 * convolution of the folded batch, with its gradients written out (tfjs-wasm has no depthwise
 * filter gradient, and tfjs-cpu's, bridged, is far too slow for a training step):
 *   dx = depthwise(dy, W flipped in both spatial axes)                 ('same', odd k, stride 1)
 *   dW[b, dy, dx, c] = Σ_{y, x} x_pad[b, y + dy, x + dx, c] · dy[b, y, x, c]   (im2col, one product and one sum)
 */
const depthwiseFolded = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w] = args as [tf.Tensor4D, tf.Tensor];
  const save = args[2] as tf.GradSaveFunc;
  const [b, h, wd, c] = x.shape;
  const k = w.shape[1]!;
  const wf = tf.reshape(tf.transpose(tf.reshape(w, [b, k, k, c]), [1, 2, 0, 3]), [k, k, b * c, 1]) as tf.Tensor4D;
  const value = unfold(tf.depthwiseConv2d(fold(x), wf, 1, 'same'), b);
  save([x, w]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor];
      const wflip = tf.reverse(tf.reshape(tf.transpose(tf.reshape(ws, [b, k, k, c]), [1, 2, 0, 3]), [k, k, b * c, 1]), [0, 1]) as tf.Tensor4D;
      const dx = unfold(tf.depthwiseConv2d(fold(dy as tf.Tensor4D), wflip, 1, 'same'), b);
      const p = tf.reshape(patches(xs, k), [b, h * wd, k * k, c]);
      const dw = tf.sum(tf.mul(p, tf.reshape(dy, [b, h * wd, 1, c])), 1); // [B, kk, C]
      return [dx, tf.reshape(dw, ws.shape)];
    },
  };
});

/**
 * f ⊗ W (Eq. 1) for a batch: x [B, H, W, C] (NHWC), w [B, k, k, C/G, C'] per-sample HWIO filters,
 * `groups` G. Stride 1, zero 'same' padding, no bias. Returns [B, H, W, C']. Differentiable
 * w.r.t. both x and w on every backend.
 */
export function dynamicGroupConv2d(x: tf.Tensor4D, w: tf.Tensor, groups: number): tf.Tensor4D {
  const s = dynamicConvShapes(x, w, groups);
  return tf.tidy(() => {
    if (s.cinG === 1 && s.coutG === 1) return depthwiseFolded(x, w);
    if (s.cinG === 1) {
      // channel multiplier: the same folding, gradients by tfjs' depthwise backprops
      const xf = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, s.h, s.wd, s.b * s.c]) as tf.Tensor4D;
      const w4 = tf.reshape(w, [s.b, s.k, s.k, s.cout]);
      const wf = tf.reshape(tf.transpose(w4, [1, 2, 0, 3]), [s.k, s.k, s.b * s.c, s.coutG]) as tf.Tensor4D;
      const out = tf.depthwiseConv2d(xf, wf, 1, 'same'); // [1, H, W, B·C']
      return tf.transpose(tf.reshape(out, [s.h, s.wd, s.b, s.cout]), [2, 0, 1, 3]) as tf.Tensor4D;
    }
    const g = groups;
    const kk = s.k * s.k;
    // patches [B, H, W, kk·C] -> [B, H·W, kk, G, C/G] -> [B, G, H·W, kk, C/G] -> [B·G, H·W, kk·C/G]
    const p5 = tf.reshape(patches(x, s.k), [s.b, s.h * s.wd, kk, g, s.cinG]);
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
