/**
 * Recall@K for one-to-one cross-view retrieval: each ground query's true aerial is the one with
 * the same index; a query counts as found at K when fewer than K gallery aerials are closer to it
 * than its own (ties counted against the query). Also recall@1% (top 1% of the gallery), the
 * figure CVUSA/CVACT papers report, and the chance levels to compare with.
 */
import { tf } from '../engine/tf.js';

export interface RecallResult {
  n: number;
  /** recall@K for each K asked, as a fraction in [0, 1]. */
  atK: Record<number, number>;
  /** recall@1% of the gallery (K = max(1, round(n / 100))). */
  atOnePercent: number;
  /** What random descriptors would score: K / n. */
  chance: Record<number, number>;
}

/** `g` and `s` are [n, D] descriptors (row i of each is a pair). */
export function recallAtK(g: tf.Tensor2D, s: tf.Tensor2D, ks: number[] = [1, 5, 10]): RecallResult {
  const n = g.shape[0];
  if (s.shape[0] !== n) throw new RangeError(`recallAtK: ${n} ground vs ${s.shape[0]} aerial descriptors`);
  const ranks = tf.tidy(() => {
    // squared distances up to a constant: -2 g·s (+ |s|^2 for unnormalised galleries)
    const sim = tf.matMul(g, s, false, true);
    const sn = tf.sum(tf.square(s), 1).reshape([1, n]);
    const d = tf.sub(sn, tf.mul(sim, 2)) as tf.Tensor2D;
    const own = tf.sum(tf.mul(d, tf.eye(n)), 1, true);
    // number of gallery items at least as close as the true one, the true one excluded
    return Float32Array.from(tf.sub(tf.sum(tf.cast(tf.lessEqual(d, own), 'float32'), 1), 1).dataSync());
  });
  const onePct = Math.max(1, Math.round(n / 100));
  const count = (k: number) => {
    let c = 0;
    for (const r of ranks) if (r < k) c++;
    return c / n;
  };
  const atK: Record<number, number> = {}, chance: Record<number, number> = {};
  for (const k of ks) {
    atK[k] = count(k);
    chance[k] = Math.min(1, k / n);
  }
  return { n, atK, atOnePercent: count(onePct), chance };
}
