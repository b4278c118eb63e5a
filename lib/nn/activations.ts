/** Activations tfjs lacks. */
import { tf } from '../engine/tf.js';

/** Exact GELU, 0.5·x·(1 + erf(x/√2)) (torch's default, not the tanh approximation). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}
