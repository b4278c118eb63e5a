/** Creating model parameters without leaking their initial values. */
import { tf } from '../engine/tf.js';

/**
 * `name`, or `name#2`, `name#3`, … when a live variable already has it. tfjs variable names are
 * global to the process and must be unique, while two instances of one model (a study keeping a
 * trained model while training the next, a notebook comparing two) ask for the same names. The
 * models address their variables by their own keys (`namedVariables()`), never by these names.
 */
function uniqueName(name: string): string {
  const taken = tf.engine().registeredVariables;
  if (!(name in taken)) return name;
  for (let k = 2; ; k++) if (!(`${name}#${k}` in taken)) return `${name}#${k}`;
}

/**
 * A variable initialised by `init()`. `tf.variable` keeps the initial tensor alive beside the
 * variable (it shares its data); running both inside `tf.tidy` frees the initial tensor.
 */
export function param(init: () => tf.Tensor, name: string, trainable = true): tf.Variable {
  return tf.tidy(() => tf.variable(init(), trainable, uniqueName(name)));
}
