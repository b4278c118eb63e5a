/**
 * Training-mode BatchNorm's two heavy parts over the N, H, W axes of an NHWC map, as one kernel
 * each where the backend has it (the `native` addon) and as tfjs ops elsewhere, with the same
 * float32 operations in the same order, so a run gives the same numbers either way (tested bit
 * for bit in test/engine/native_parity.test.ts):
 *
 *  - `batchMoments(x)`: tf.moments(x, [0, 1, 2]) (mean and biased variance);
 *  - `scaleShift(x, scale, shift)`: x·scale + shift per channel (the normalised value; no
 *    gradient of its own: BatchNorm's customGrad gives it);
 *  - `batchNormGrad(dy, x, mean, r, gamma)`: with x̂ = (x − μ)·r and n values per channel,
 *    ∂β = Σ dy, ∂γ = Σ dy·x̂, ∂x = ((dy − ∂β/n) − x̂·(∂γ/n))·(γ·r) (Ioffe & Szegedy 2015 Sec. 3).
 *
 * Why: tfjs makes five passes over the map for the moments and nine for the gradient, each
 * allocating a map-sized temporary; at GeoCapsNet's quick size these element-wise passes, not
 * the convolutions, were most of a step.
 */
import { tf } from '../tf.js';

export const BN_MOMENTS_KERNEL = 'CvglBnMoments';
export const BN_GRAD_KERNEL = 'CvglBnGrad';
export const SCALE_SHIFT_KERNEL = 'CvglScaleShift';

const fused = (name: string, ...ts: tf.Tensor[]) => ts.every((t) => t.dtype === 'float32') && Boolean(tf.getKernel(name, tf.getBackend()));

/** Mean and biased variance of `x` [N, H, W, C] over N, H, W (tf.moments). */
export function batchMoments(x: tf.Tensor4D): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  if (fused(BN_MOMENTS_KERNEL, x)) {
    const [mean, variance] = tf.engine().runKernel(BN_MOMENTS_KERNEL, { x }) as tf.Tensor1D[];
    return { mean: mean!, variance: variance! };
  }
  return batchMomentsOps(x);
}

/** `batchMoments` as tfjs ops on any backend (the reference of the fused kernel). */
export function batchMomentsOps(x: tf.Tensor4D): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  return tf.moments(x, [0, 1, 2]) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
}

/** [∂x, ∂γ, ∂β] of y = x̂·γ + β, x̂ = (x − mean)·r, with the batch statistics' own gradient included. */
export function batchNormGrad(dy: tf.Tensor4D, x: tf.Tensor4D, mean: tf.Tensor1D, r: tf.Tensor1D, gamma: tf.Tensor1D): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  if (fused(BN_GRAD_KERNEL, dy, x, mean, r, gamma)) {
    return tf.engine().runKernel(BN_GRAD_KERNEL, { dy, x, mean, r, gamma }) as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
  }
  return batchNormGradOps(dy, x, mean, r, gamma);
}

/** `batchNormGrad` as tfjs ops on any backend (the reference of the fused kernel). */
export function batchNormGradOps(dy: tf.Tensor4D, x: tf.Tensor4D, mean: tf.Tensor1D, r: tf.Tensor1D, gamma: tf.Tensor1D): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  return tf.tidy(() => {
    const n = dy.size / dy.shape[3];
    const xhat = tf.mul(tf.sub(x, mean), r);
    const dBeta = tf.sum(dy, [0, 1, 2]);
    const dGamma = tf.sum(tf.mul(dy, xhat), [0, 1, 2]);
    const dx = tf.mul(tf.sub(tf.sub(dy, tf.div(dBeta, n)), tf.mul(xhat, tf.div(dGamma, n))), tf.mul(gamma, r));
    return [dx, dGamma, dBeta] as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
  });
}

/** x·scale + shift with [C] vectors (tf.add(tf.mul(x, scale), shift)); not differentiable on the fused path. */
export function scaleShift(x: tf.Tensor4D, scale: tf.Tensor1D, shift: tf.Tensor1D): tf.Tensor4D {
  if (fused(SCALE_SHIFT_KERNEL, x, scale, shift)) return tf.engine().runKernel(SCALE_SHIFT_KERNEL, { x, scale, shift }) as tf.Tensor4D;
  return scaleShiftOps(x, scale, shift);
}

/** `scaleShift` as tfjs ops on any backend (the reference of the fused kernel). */
export function scaleShiftOps(x: tf.Tensor4D, scale: tf.Tensor1D, shift: tf.Tensor1D): tf.Tensor4D {
  return tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
}
