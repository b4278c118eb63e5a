/**
 * The recall table every paper reports (r@1, r@5, r@10, r@top-1%) from a split's descriptors, the
 * same computation for the trainer's per-epoch validation, `cvgl eval` and the notebooks
 * (lib/eval/recall.ts: chunked, ties counted against the query).
 */
import { evaluateRecall, type RecallOptions, type RecallResult } from './recall.js';
import type { SplitEmbeddings } from './embeddings.js';

/** Keys r1, r5, r10, r1pct as fractions in [0, 1], and chance1 (1/n). */
export type RecallSummary = Record<'r1' | 'r5' | 'r10' | 'r1pct' | 'chance1', number>;

/** Recall of a one-to-one split's ground queries against its aerials (L2 distance, as the losses). */
export function splitRecall(e: SplitEmbeddings, o: Omit<RecallOptions, 'ks'> = {}): Promise<RecallResult> {
  return evaluateRecall({ data: e.ground, shape: [e.n, e.dim] }, { data: e.aerial, shape: [e.n, e.dim] }, { metric: 'l2', ...o, ks: [1, 5, 10] });
}

export function recallSummary(r: RecallResult): RecallSummary {
  return { r1: r.atK[1]!, r5: r.atK[5]!, r10: r.atK[10]!, r1pct: r.atOnePercent, chance1: r.chance[1]! };
}
