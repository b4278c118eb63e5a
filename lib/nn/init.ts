/**
 * Weight initialisers of the layers in lib/nn. Every draw goes through the seeded `Rng` of
 * lib/engine, in the order the callers create their variables (weight, then bias), so a model
 * built twice from one seed has the same weights.
 */
import { tf } from '../engine/tf.js';
import type { Rng } from '../engine/rng.js';

/**
 * How a layer's new weights are drawn:
 *  - 'normal': N(0, std²) weights, zero bias (MDUIT Sec. 3.1: "a Gaussian distribution with a zero
 *    mean and a standard deviation of 0.001");
 *  - 'torch-default': PyTorch's default Conv2d/Linear initialisation (Kaiming-uniform with a = √5),
 *    i.e. U(−1/√fan_in, 1/√fan_in) for weight and bias;
 *  - 'glorot-uniform': TF1's `xavier_initializer` (uniform), U(−√(6/(fan_in + fan_out)), …),
 *    zero bias (the CVFT authors' released code).
 */
export type WeightInit = { kind: 'normal'; std: number } | { kind: 'torch-default' } | { kind: 'glorot-uniform' };

export const TORCH_DEFAULT: WeightInit = { kind: 'torch-default' };
export const GLOROT_UNIFORM: WeightInit = { kind: 'glorot-uniform' };

/** Fans of a layer: inputs and outputs per output value (k·k·cin and k·k·cout for a k x k conv). */
export interface Fans {
  fanIn: number;
  fanOut: number;
}

/** A weight tensor of `shape` drawn as `init` says. */
export function initWeight(r: Rng, shape: number[], fans: Fans, init: WeightInit): tf.Tensor {
  switch (init.kind) {
    case 'normal':
      return r.normalTensor(shape, 0, init.std);
    case 'torch-default': {
      const k = 1 / Math.sqrt(fans.fanIn);
      return r.uniformTensor(shape, -k, k);
    }
    case 'glorot-uniform': {
      const lim = Math.sqrt(6 / (fans.fanIn + fans.fanOut));
      return r.uniformTensor(shape, -lim, lim);
    }
  }
}

/** A bias of `shape` drawn as `init` says (zeros except for 'torch-default', which draws). */
export function initBias(r: Rng, shape: number[], fans: Fans, init: WeightInit): tf.Tensor {
  if (init.kind !== 'torch-default') return tf.zeros(shape);
  const k = 1 / Math.sqrt(fans.fanIn);
  return r.uniformTensor(shape, -k, k);
}

/** TF's truncated normal N(0, std²): draws beyond 2 std are redrawn (the CVFT released code's FC init). */
export function truncatedNormal(r: Rng, shape: number[], std: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = r.normal();
    while (Math.abs(z) > 2) z = r.normal();
    v[i] = std * z;
  }
  return tf.tensor(v, shape, 'float32');
}
