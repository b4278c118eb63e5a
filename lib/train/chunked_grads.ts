/**
 * Exact gradients of a loss that couples the whole batch (every triplet of a mini-batch, as in
 * the thesis' Eq. 3.4 and CVFT's exhaustive strategy), computed micro-batch by micro-batch:
 *
 *   1. embed every micro-batch with no tape (no activations kept);
 *   2. the loss on the whole batch of embeddings, and its gradient ∂L/∂e;
 *   3. per micro-batch c, embed again under the tape and back-propagate the cached ∂L/∂e_c:
 *      ∂L/∂θ = Σ_c (∂e_c/∂θ)ᵀ ∂L/∂e_c, accumulated over c.
 *
 * This is "gradient caching" (Gao et al., 2021, "Scaling deep contrastive learning batch size
 * under memory limited setup"). It costs one extra forward pass and keeps the activations of one
 * micro-batch only, which is what lets a full-size VGG16 step run inside the 4 GiB heap of the
 * wasm backend. The gradient is the same as the one-shot gradient up to float rounding.
 */
import { tf } from '../engine/tf.js';

export type Embed = (ground: tf.Tensor4D, aerial: tf.Tensor4D) => { g: tf.Tensor2D; s: tf.Tensor2D };
export type PairLoss = (g: tf.Tensor2D, s: tf.Tensor2D) => tf.Scalar;

function chunks(n: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let b = 0; b < n; b += size) out.push([b, Math.min(size, n - b)]);
  return out;
}

const rows = <T extends tf.Tensor>(t: T, begin: number, size: number): T =>
  tf.slice(t, begin, size) as T;

/**
 * Value of `loss(embed(ground, aerial))` and its gradients with respect to `vars` (keyed by
 * variable name, ready for `optimizer.applyGradients`), in micro-batches of `microBatch` pairs.
 * The caller disposes `value` and `grads`.
 */
export function chunkedEmbeddingGrads(
  embed: Embed,
  loss: PairLoss,
  ground: tf.Tensor4D,
  aerial: tf.Tensor4D,
  vars: tf.Variable[],
  microBatch: number,
): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const n = ground.shape[0];
  if (aerial.shape[0] !== n) throw new Error(`ground and aerial batches differ: ${n} vs ${aerial.shape[0]}`);
  if (!Number.isInteger(microBatch) || microBatch < 1) throw new RangeError(`microBatch must be a positive integer, got ${microBatch}`);
  const parts = chunks(n, microBatch);

  // 1. embeddings with no tape
  const { G, S } = tf.tidy(() => {
    const gs: tf.Tensor2D[] = [];
    const ss: tf.Tensor2D[] = [];
    for (const [b, k] of parts) {
      const e = embed(rows(ground, b, k), rows(aerial, b, k));
      gs.push(e.g);
      ss.push(e.s);
    }
    return { G: tf.concat(gs) as tf.Tensor2D, S: tf.concat(ss) as tf.Tensor2D };
  });

  // 2. the loss on the whole batch and ∂L/∂G, ∂L/∂S
  const { value, grads: [dG, dS] } = tf.valueAndGrads((g: tf.Tensor, s: tf.Tensor) => loss(g as tf.Tensor2D, s as tf.Tensor2D))([G, S]);
  G.dispose();
  S.dispose();

  // 3. back-propagate the cached embedding gradients, one micro-batch at a time
  const acc: tf.NamedTensorMap = {};
  try {
    for (const [b, k] of parts) {
      const { value: v, grads } = tf.variableGrads(() => {
        const e = embed(rows(ground, b, k), rows(aerial, b, k));
        return tf.add(tf.sum(tf.mul(e.g, rows(dG!, b, k))), tf.sum(tf.mul(e.s, rows(dS!, b, k)))) as tf.Scalar;
      }, vars);
      v.dispose();
      for (const [name, g] of Object.entries(grads)) {
        const prev = acc[name];
        if (prev) {
          acc[name] = tf.add(prev, g);
          prev.dispose();
          g.dispose();
        } else {
          acc[name] = g;
        }
      }
    }
  } catch (e) {
    for (const g of Object.values(acc)) g.dispose();
    value.dispose();
    throw e;
  } finally {
    dG!.dispose();
    dS!.dispose();
  }
  return { value: value as tf.Scalar, grads: acc };
}
