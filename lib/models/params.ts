/** Creating model parameters without leaking their initial values. */
import { tf } from '../engine/tf.js';

/**
 * A variable initialised by `init()`. `tf.variable` keeps the initial tensor alive beside the
 * variable (it shares its data); running both inside `tf.tidy` frees the initial tensor.
 * tfjs refuses a second live variable of the same name, so when `name` is taken (a second model of
 * the same architecture alive, e.g. one kept by a study while the next trains) it becomes
 * `name#1`, `name#2`, …: the names models give their variables (`namedVariables()`, checkpoints,
 * weight files) are their own and do not change.
 */
export function param(init: () => tf.Tensor, name: string, trainable = true): tf.Variable {
  return tf.tidy(() => tf.variable(init(), trainable, uniqueName(name)));
}

function uniqueName(name: string): string {
  const taken = tf.engine().registeredVariables;
  if (!taken[name]) return name;
  let k = 1;
  while (taken[`${name}#${k}`]) k++;
  return `${name}#${k}`;
}
