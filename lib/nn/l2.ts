/** L2 normalisation, as torch's F.normalize: x / max(‖x‖₂, 1e-12), so a zero vector stays zero. */
import { tf } from '../engine/tf.js';

/** The norm's lower clamp (torch's F.normalize default). */
export const L2_EPS = 1e-12;

/** x divided by its L2 norm along `axis` (clamped at 1e-12). */
export function l2Normalize<T extends tf.Tensor>(x: T, axis: number): T {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', axis, true), L2_EPS)) as T);
}

/** ĝ = g / max(‖g‖₂, 1e-12), row by row ([B, D]): every model's descriptor normalisation. */
export function l2NormalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return l2Normalize(x, 1);
}
