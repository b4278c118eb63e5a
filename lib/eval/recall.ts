/**
 * Recall@K of cross-view retrieval: a query is found at K when fewer than K gallery items score at
 * least as well as its true reference (ties count against the query: a gallery item scoring
 * exactly as the true one, e.g. an exact duplicate of it, ranks ahead of it). Reported: recall at
 * the K asked (1, 5, 10 by default), recall@top-1% and the whole top-K curve for K = 1..80
 * (GeoCapsNet (001) Fig. 4 plots K = 1–80 on CVUSA), with each query's rank for examples.
 *
 * Mapping: query i's true reference is gallery row `trueIndex[i]` (default i: CVUSA and CVACT,
 * one aerial per ground panorama, in the same order). For VIGOR pass `galleryIndex`, the split's
 * `PairRecord.galleryIndex` lists (positive first, then semi-positives). VIGOR protocol, as its
 * evaluation code and the thesis (003)'s do it (the thesis's `validate_vigor`): recall counts the
 * positive only, and the semi-positives stay in the ranking as competitors (one ranked above the
 * positive pushes it down); the hit rate (VIGOR's "hit rate", top-1) counts a query when no gallery
 * item other than the positive and its semi-positives scores at least as well as the positive.
 *
 * `ties: 'strict'` counts only gallery items scoring strictly better than the true one (a tie counts
 * for the query): the convention of the thesis' own evaluation code (`validate_vigor`:
 * `np.sum(dist_array[i, :] < gt_dist)`, the same for its hit rate) and of SAFA's and CVM-Net's.
 * The default, 'against', is the stricter reading; the two differ only on exact ties.
 *
 * top-1%: K = floor(galleryN / 100) + 1, the `int(N * 0.01) + 1` of the CVM-Net and thesis
 * evaluation code (89 of 8,884 on CVUSA).
 *
 * Scale: chunked over queries (lib/eval/similarity_blocks.ts), never more than `blockBytes` of
 * scores at once; descriptors as tensors or as Float32Arrays in JS memory.
 */
import { CvglError } from '../engine/errors.js';
import { scanSimilarity, shapeOf, type Descriptors, type Metric, type ScanOptions } from './similarity_blocks.js';

export type { Descriptors, DescriptorArray, Metric, ScanOptions, ScanProgress } from './similarity_blocks.js';

export interface RecallOptions extends ScanOptions {
  /** The K to report in `atK` (default 1, 5, 10). */
  ks?: number[];
  /** Gallery row of each query's true reference (default: query i -> gallery row i). */
  trueIndex?: ArrayLike<number>;
  /** VIGOR: per query, its positive then its semi-positives (`PairRecord.galleryIndex`). */
  galleryIndex?: ReadonlyArray<ReadonlyArray<number>>;
  /** Longest K of `curve` (default 80, GeoCapsNet Fig. 4). */
  curveMax?: number;
  /** A gallery item scoring exactly as the true one: ranks ahead of it ('against', default) or not
   *  ('strict': only strictly better items count, the thesis' and SAFA's code); see the file comment. */
  ties?: RecallTies;
}

export type RecallTies = 'against' | 'strict';

export interface RecallResult {
  /** Number of queries. */
  n: number;
  /** Number of gallery items. */
  galleryN: number;
  /** recall@K for each K asked, as a fraction in [0, 1]. */
  atK: Record<number, number>;
  /** recall@top-1% (K = `onePercentK`). */
  atOnePercent: number;
  onePercentK: number;
  /** What random descriptors would score: K / galleryN. */
  chance: Record<number, number>;
  /** curve[K - 1] = recall@K for K = 1..curveMax. */
  curve: number[];
  /** Per query: how many gallery items (its true one excluded) score at least as well as its true
   *  one (`ties: 'strict'`: strictly better). */
  ranks: Int32Array;
  /** VIGOR hit rate (top-1, semi-positives count as found), when `galleryIndex` was given. */
  hitRate?: number;
  metric: Metric;
  seconds: number;
}

interface Mapping {
  truth: Int32Array;
  semis: Int32Array[] | null;
}

function mapping(nq: number, ng: number, o: RecallOptions): Mapping {
  if (o.trueIndex && o.galleryIndex) throw new CvglError('trueIndex or galleryIndex', 'both', 'pass one of them');
  const check = (j: number | undefined, i: number): number => {
    if (!Number.isInteger(j) || j! < 0 || j! >= ng) {
      throw new CvglError(`gallery indices in [0, ${ng})`, `${j} for query ${i}`, 'check trueIndex/galleryIndex against the gallery');
    }
    return j!;
  };
  const truth = new Int32Array(nq);
  let semis: Int32Array[] | null = null;
  if (o.galleryIndex) {
    if (o.galleryIndex.length !== nq) throw new CvglError(`galleryIndex for each of the ${nq} queries`, `${o.galleryIndex.length} lists`, 'pass split.pairs.map((p) => p.galleryIndex)');
    semis = [];
    for (let i = 0; i < nq; i++) {
      const gi = o.galleryIndex[i]!;
      truth[i] = check(gi[0], i);
      semis.push(Int32Array.from(new Set(gi.slice(1).map((j) => check(j, i)).filter((j) => j !== gi[0]))));
    }
  } else if (o.trueIndex) {
    if (o.trueIndex.length !== nq) throw new CvglError(`trueIndex for each of the ${nq} queries`, `${o.trueIndex.length} entries`, 'one gallery row per query');
    for (let i = 0; i < nq; i++) truth[i] = check(o.trueIndex[i], i);
  } else {
    if (nq > ng) throw new CvglError('a gallery at least as large as the queries (one-to-one: query i matches gallery row i)', `${nq} queries, ${ng} gallery rows`, 'pass trueIndex');
    for (let i = 0; i < nq; i++) truth[i] = i;
  }
  return { truth, semis };
}

/** Ranks of the queries [q0, q1) from their score rows (see the file comment for ties). */
function rankRows(rows: Float32Array, q0: number, q1: number, ng: number, m: Mapping, ranks: Int32Array, noSemi: Int32Array | null, strict: boolean): void {
  for (let i = q0; i < q1; i++) {
    const off = (i - q0) * ng;
    const t = rows[off + m.truth[i]!]!;
    if (Number.isNaN(t)) {
      ranks[i] = ng - 1; // a NaN score never retrieves anything: counted as last
      if (noSemi) noSemi[i] = ng - 1;
      continue;
    }
    // c counts the items ranked ahead of the true one, which itself scores >= t but never > t
    let c = 0;
    if (strict) {
      for (let j = off, e = off + ng; j < e; j++) if (rows[j]! > t) c++;
    } else {
      for (let j = off, e = off + ng; j < e; j++) if (rows[j]! >= t) c++;
      c -= 1; // the true item itself
    }
    ranks[i] = c;
    if (noSemi) {
      let cs = 0;
      for (const j of m.semis![i]!) if (strict ? rows[off + j]! > t : rows[off + j]! >= t) cs++;
      noSemi[i] = c - cs;
    }
  }
}

function positiveInts(ks: number[], what: string): void {
  if (!ks.every((k) => Number.isInteger(k) && k >= 1)) throw new CvglError(`${what}: positive integers`, ks.join(', '), 'e.g. [1, 5, 10]');
}

/** K of recall@top-1% for a gallery of `galleryN`: ⌊galleryN / 100⌋ + 1 (see the file comment). */
export const onePercentK = (galleryN: number): number => Math.floor(galleryN / 100) + 1;

/** The figures from the ranks. */
export function summarizeRanks(ranks: Int32Array, galleryN: number, o: { ks?: number[]; curveMax?: number } = {}): Omit<RecallResult, 'metric' | 'seconds' | 'ranks' | 'hitRate'> {
  const ks = o.ks ?? [1, 5, 10];
  const curveMax = o.curveMax ?? 80;
  positiveInts([...ks, curveMax], 'ks and curveMax');
  const n = ranks.length;
  const k1 = onePercentK(galleryN);
  const longest = Math.max(curveMax, k1, ...ks);
  const hist = new Float64Array(longest + 1);
  for (const r of ranks) if (r < longest) hist[r + 1]!++;
  for (let k = 1; k <= longest; k++) hist[k]! += hist[k - 1]!; // hist[k] = #{rank < k}
  const at = (k: number) => (n ? hist[k]! / n : 0);
  const atK: Record<number, number> = {}, chance: Record<number, number> = {};
  for (const k of ks) {
    atK[k] = at(k);
    chance[k] = Math.min(1, k / galleryN);
  }
  const curve = Array.from({ length: curveMax }, (_, k) => at(k + 1));
  return { n, galleryN, atK, atOnePercent: at(k1), onePercentK: k1, chance, curve };
}

function setUp(query: Descriptors, gallery: Descriptors, o: RecallOptions) {
  const [nq] = shapeOf(query, 'queries');
  const [ng] = shapeOf(gallery, 'gallery');
  positiveInts([...(o.ks ?? []), o.curveMax ?? 80], 'ks and curveMax');
  const m = mapping(nq, ng, o);
  const ranks = new Int32Array(nq);
  const noSemi = m.semis ? new Int32Array(nq) : null;
  if (o.ties !== undefined && o.ties !== 'against' && o.ties !== 'strict') throw new CvglError("ties: 'against' or 'strict'", String(o.ties), "leave it out for 'against'");
  const strict = o.ties === 'strict';
  const visit = (q0: number, q1: number, rows: Float32Array) => rankRows(rows, q0, q1, ng, m, ranks, noSemi, strict);
  const t0 = performance.now();
  const finish = (): RecallResult => {
    const r: RecallResult = { ...summarizeRanks(ranks, ng, o), ranks, metric: o.metric ?? 'cosine', seconds: (performance.now() - t0) / 1000 };
    if (noSemi) r.hitRate = nq ? noSemi.reduce((a, v) => a + (v < 1 ? 1 : 0), 0) / nq : 0;
    return r;
  };
  return { visit, finish };
}

/** Recall@K of `query` descriptors against `gallery` (both [n, D]); see the file comment. */
export async function evaluateRecall(query: Descriptors, gallery: Descriptors, o: RecallOptions = {}): Promise<RecallResult> {
  const s = setUp(query, gallery, o);
  await scanSimilarity(query, gallery, o, s.visit);
  return s.finish();
}
