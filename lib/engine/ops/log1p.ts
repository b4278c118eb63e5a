/**
 * log(1 + y), element-wise, accurate to a few float32 ulps on every backend (y > −1; −1 gives −∞,
 * below −1 NaN, and +∞ NaN: it is meant for finite arguments).
 *
 * Why not tfjs' own `tf.log1p`: the wasm backend (whose element-wise kernels the native backend
 * also runs) and webgpu compute Log1p as log(1 + y), which loses all relative precision for small
 * y (1 + 1e-10 is 1 in float32, so log1p(1e-10) comes out 0); only cpu calls Math.log1p. A kernel
 * of our own would need one implementation per backend; this op is built from primitive ops
 * (add, sub, log, div, mul, where) instead, so it runs on every backend. On all but webgpu it is
 * exactly the computation softplus in lib/losses/triplet.ts has always used, so the reports'
 * numbers (native, wasm) stay the same bit for bit.
 */
import { tf } from '../tf.js';

/**
 * Goldberg, "What every computer scientist should know about floating-point arithmetic" (1991),
 * Theorem 4: with u = 1 ⊕ y (rounded), log1p(y) = log(u)·y/(u − 1), where u − 1 is exact, and
 * y itself where u = 1. Needs a log accurate to about an ulp near 1 (cpu, wasm, native).
 */
function log1pGoldberg(y: tf.Tensor): tf.Tensor {
  const u = tf.add(1, y);
  const um1 = tf.sub(u, 1);
  const exact = tf.equal(um1, 0);
  return tf.where(exact, y, tf.mul(tf.log(u), tf.div(y, tf.where(exact, tf.onesLike(um1), um1))));
}

/** Odd powers 1/1, 1/3, …, 1/17 of the atanh series: |s| ≤ 1/3 leaves (1/3)^18/19 < 2^−30. */
const ATANH_TERMS = [1, 3, 5, 7, 9, 11, 13, 15, 17];

/**
 * For webgpu, whose log WGSL only bounds by an absolute error of 2^−21 on [0.5, 2] (so log(u)
 * near 1 has no relative accuracy and Goldberg's formula fails): log1p(y) = 2·atanh(s) =
 * 2(s + s³/3 + s⁵/5 + …) with s = y/(2 + y), |s| ≤ 1/3, for −0.5 ≤ y ≤ 1 (no log at all);
 * log(1 + y) outside, where log(u) is at least 0.4 in magnitude.
 */
function log1pAtanhSeries(y: tf.Tensor): tf.Tensor {
  const s = tf.div(y, tf.add(2, y));
  const s2 = tf.mul(s, s);
  let p: tf.Tensor = tf.scalar(1 / ATANH_TERMS[ATANH_TERMS.length - 1]!);
  for (let i = ATANH_TERMS.length - 2; i >= 0; i--) p = tf.add(1 / ATANH_TERMS[i]!, tf.mul(s2, p));
  const series = tf.mul(2, tf.mul(s, p));
  const near = tf.logicalAnd(tf.greaterEqual(y, -0.5), tf.lessEqual(y, 1));
  return tf.where(near, series, tf.log(tf.add(1, y)));
}

/** Gradient 1/(1 + y), as tf.log1p's; the formula's own derivative would cancel badly near 0. */
const log1pOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const y = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([y]);
  const value = tf.getBackend() === 'webgpu' ? log1pAtanhSeries(y) : log1pGoldberg(y);
  return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.div(dy, tf.add(saved[0]!, 1)) };
});

/** log(1 + y) element-wise, accurate for small |y| on every backend (see the file comment). */
export function accurateLog1p<T extends tf.Tensor>(y: T): T {
  return log1pOp(y) as T;
}
