/** Creating model parameters without leaking their initial values. */
import { tf } from '../engine/tf.js';

/**
 * A variable initialised by `init()`. `tf.variable` keeps the initial tensor alive beside the
 * variable (it shares its data); running both inside `tf.tidy` frees the initial tensor.
 */
export function param(init: () => tf.Tensor, name: string, trainable = true): tf.Variable {
  return tf.tidy(() => tf.variable(init(), trainable, name));
}
