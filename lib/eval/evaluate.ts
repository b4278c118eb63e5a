/**
 * The recall table every paper reports (r@1, r@5, r@10, r@top-1%) from a split's descriptors, the
 * same computation for the trainer's per-epoch validation, `cvgl eval` and the notebooks
 * (lib/eval/recall.ts: chunked, ties counted against the query).
 */
import { evaluateRecall, type RecallOptions, type RecallResult } from './recall.js';
import type { SplitEmbeddings } from './embeddings.js';
import { uniformityMetric } from './uniformity.js';

/** r1, r5, r10, r1pct as fractions in [0, 1], chance1 (1 / gallery size), and VIGOR's hit rate. */
export type RecallSummary = Record<'r1' | 'r5' | 'r10' | 'r1pct' | 'chance1', number> & { hitRate?: number };

/**
 * Recall of a split's ground queries against its aerial gallery (L2 distance, as the losses):
 * one-to-one, or VIGOR's positive + semi-positives (`galleryIndex`).
 */
export function splitRecall(e: SplitEmbeddings, o: Omit<RecallOptions, 'ks' | 'trueIndex' | 'galleryIndex'> = {}): Promise<RecallResult> {
  return evaluateRecall({ data: e.ground, shape: [e.n, e.dim] }, { data: e.aerial, shape: [e.galleryN, e.dim] }, { metric: 'l2', ...o, ks: [1, 5, 10], ...(e.galleryIndex ? { galleryIndex: e.galleryIndex } : {}) });
}

export function recallSummary(r: RecallResult): RecallSummary {
  return { r1: r.atK[1]!, r5: r.atK[5]!, r10: r.atK[10]!, r1pct: r.atOnePercent, chance1: r.chance[1]!, ...(r.hitRate !== undefined ? { hitRate: r.hitRate } : {}) };
}

/**
 * The thesis' uniformity metric (003, Eqs. 3.6–3.8; lib/eval/uniformity.ts) of a split's
 * descriptors: within the ground queries, within the aerial gallery (for VIGOR every aerial of the
 * split once, not the positives of the queries, which repeat), and over both together.
 */
export async function embeddingUniformity(e: SplitEmbeddings, t = 2): Promise<{ ground: number; satellite: number; all: number }> {
  const u = await uniformityMetric({ data: e.ground, shape: [e.n, e.dim] }, { data: e.aerial, shape: [e.galleryN, e.dim] }, { t });
  return { ground: u.ground, satellite: u.satellite, all: u.all };
}
