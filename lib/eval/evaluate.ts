/**
 * The recall table every paper reports (r@1, r@5, r@10, r@1%) from a split's descriptors, the
 * same computation for the trainer's per-epoch validation, `cvgl eval` and the notebooks.
 */
import { tf } from '../engine/tf.js';
import { recallAtK } from './recall.js';
import type { SplitEmbeddings } from './embeddings.js';

/** Keys r1, r5, r10, r1pct as fractions in [0, 1], and chance1 (1/n). */
export type RecallSummary = Record<'r1' | 'r5' | 'r10' | 'r1pct' | 'chance1', number>;

export function recallSummary(e: SplitEmbeddings): RecallSummary {
  const g = tf.tensor2d(e.ground, [e.n, e.dim]), s = tf.tensor2d(e.aerial, [e.n, e.dim]);
  try {
    const r = recallAtK(g, s, [1, 5, 10]);
    return { r1: r.atK[1]!, r5: r.atK[5]!, r10: r.atK[10]!, r1pct: r.atOnePercent, chance1: r.chance[1]! };
  } finally {
    tf.dispose([g, s]);
  }
}
