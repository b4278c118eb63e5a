/**
 * The seeded random-number generator every random draw in lib/ goes through.
 *
 * Generator: xoshiro128** (Blackman & Vigna) on four 32-bit words, seeded through splitmix32
 * (lib/engine/random.ts). Values are produced in JavaScript and uploaded as tensors, so the same
 * seed gives the same numbers on every backend, and the state is four integers that a checkpoint
 * can store.
 */
import { tf } from './tf.js';
import { SeededRandom, type RngState } from './random.js';

export type { RngState };

export class Rng extends SeededRandom {
  /** An independent generator seeded from this one (for workers or sub-streams). */
  override fork(): Rng {
    const r = new Rng();
    r.setState(this.forkState());
    return r;
  }

  /** Float32 tensor of N(mean, std²) draws. */
  normalTensor(shape: number[], mean = 0, std = 1): tf.Tensor {
    const n = sizeOf(shape);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = mean + std * this.normal();
    return tf.tensor(v, shape, 'float32');
  }

  /** Float32 tensor of U[lo, hi) draws. */
  uniformTensor(shape: number[], lo = 0, hi = 1): tf.Tensor {
    const n = sizeOf(shape);
    const v = new Float32Array(n);
    const w = hi - lo;
    for (let i = 0; i < n; i++) v[i] = lo + w * this.random();
    return tf.tensor(v, shape, 'float32');
  }
}

function sizeOf(shape: number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`bad tensor shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

/** The process-wide generator; `seed(n)` resets it. */
export const rng = new Rng(0);

export function seed(n: number): void {
  rng.seed(n);
}
