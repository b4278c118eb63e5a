/**
 * "A beats B on metric M": the paired difference of two rows evaluated on the same N queries in
 * each of K replicates (training seeds), with a 95% interval from a two-level paired bootstrap
 * (issue 20). Verdicts against a claim's margin are in verdict.ts.
 *
 * Input: per-query outcomes a[k][q], b[k][q] (k = replicate, q = query; the same queries, in the
 * same order, in every replicate and for both rows): 0/1 hits for recall@K (`recallHits`), or any
 * per-query value, e.g. a localisation error with `direction: 'lower'`. The difference
 *   d[k][q] = scale · (a[k][q] − b[k][q])      ('higher' is better)
 *   d[k][q] = scale · (b[k][q] − a[k][q])      ('lower' is better)
 * is positive when A is better (scale 100 turns hits into recall points). The estimate is its mean
 * over replicates and queries (every replicate has the same N, so the mean of the per-replicate
 * means).
 *
 * Bootstrap, B resamples (default 4,000), from a fixed seed (the result is deterministic):
 *   1. draw K replicates with replacement;
 *   2. draw N queries with replacement and average d over the drawn replicates and queries.
 * A and B are resampled together (the same indices): it is the paired difference that is resampled.
 * Step 2 draws, by default, ONE set of query indices per resample used in every drawn replicate
 * (`queries: 'shared'`): the queries are the same in every replicate, so a query that favours A
 * does so in every seed, and resampling them independently per replicate (`'per-seed'`, the
 * nested textbook scheme) would divide that query-level variance by K and make the interval too
 * narrow (docs/evaluation.md, "Comparing two rows", measures both). With K = 1 both are the
 * one-level bootstrap of the N differences (checked against scipy.stats.bootstrap).
 * Interval: the 2.5% and 97.5% percentiles of the B resampled means, linearly interpolated
 * (numpy.percentile's default, as scipy.stats.bootstrap(method='percentile') takes them).
 *
 * P(A > B): over the K replicate pairs (A's replicate k against B's replicate k: same seed, same
 * queries), the fraction where A's per-replicate metric is better, ties counted as half.
 *
 * Minimum detectable effect: (z₀.₉₇₅ + z₀.₈₀) · SE ≈ 2.80 · SE, SE the bootstrap standard error of
 * the difference: the true difference from the margin at which the 95% interval excludes the
 * margin with 80% probability (normal approximation: the estimate ~ N(δ, SE²), the interval's
 * lower end ≈ estimate − 1.96 SE, above the margin when estimate > margin + 1.96 SE, which for
 * δ = margin + 2.80 SE happens with probability Φ(0.84) = 0.80).
 */
import { CvglError } from '../engine/errors.js';
import { SeededRandom } from '../engine/random.js';

/** Which way is better for the metric. */
export type Direction = 'higher' | 'lower';

export interface PairedBootstrapOptions {
  /** 'higher' (recall, accuracy; default) or 'lower' (errors) is better. */
  direction?: Direction;
  /** Factor on every difference (100: hits → percentage points). Default 1. */
  scale?: number;
  /** Bootstrap resamples (default 4,000; at least 2,000 for a reported verdict). */
  resamples?: number;
  /** Seed of the resampling (default 20): the same inputs always give the same interval. */
  seed?: number;
  /** Confidence level of the interval (default 0.95). */
  confidence?: number;
  /** Query resampling: one draw shared by all drawn replicates (default) or one per replicate. */
  queries?: 'shared' | 'per-seed';
}

export interface PairedComparison {
  /** Replicates (seeds) and queries. */
  k: number;
  n: number;
  /** Mean paired difference (scaled; positive = A better). */
  diff: number;
  /** Per replicate: its mean difference. */
  perSeed: Float64Array;
  /** Percentile interval of the bootstrap means at `confidence`. */
  ci: [number, number];
  /** Standard deviation of the bootstrap means. */
  se: number;
  /** Minimum detectable effect, 2.80 · se (80% power, 95% two-sided); see the file comment. */
  mde: number;
  /** Over the K replicate pairs: fraction where A's metric is better, ties half. */
  pABeatsB: number;
  direction: Direction;
  scale: number;
  resamples: number;
  seed: number;
  confidence: number;
  queries: 'shared' | 'per-seed';
}

export const DEFAULT_RESAMPLES = 4000;
export const DEFAULT_BOOTSTRAP_SEED = 20;

/** z quantile of the standard normal (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new CvglError('a probability in (0, 1)', String(p), 'pass e.g. 0.975');
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo || p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(p < lo ? p : 1 - p));
    const x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
    return p < lo ? x : -x;
  }
  const q = p - 0.5, r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** (z_{1−α/2} + z_{power}) · se: the smallest true effect (from the margin) found with probability
 *  `power` by a two-sided level-α interval whose standard error is `se` (defaults 0.05, 0.8: 2.80 · se). */
export function minimumDetectableEffect(se: number, o: { alpha?: number; power?: number } = {}): number {
  const alpha = o.alpha ?? 0.05, power = o.power ?? 0.8;
  return (normalQuantile(1 - alpha / 2) + normalQuantile(power)) * se;
}

/** Per query: 1 when the true match ranks among the first k (rank < k, ranks 0-based as
 *  `RecallResult.ranks` and `StudyRun.ranks` hold them), else 0. R@top-1%: k = `onePercentK(galleryN)`. */
export function recallHits(ranks: ArrayLike<number>, k: number): Uint8Array {
  if (!Number.isInteger(k) || k < 1) throw new CvglError('a positive integer k', String(k), 'e.g. 1, 5, 10 or onePercentK(galleryN)');
  const out = new Uint8Array(ranks.length);
  for (let i = 0; i < ranks.length; i++) out[i] = ranks[i]! < k ? 1 : 0;
  return out;
}

/** Quantile at p of sorted values, linear interpolation between order statistics (numpy's default). */
export function sortedQuantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const i = Math.floor(h);
  return i + 1 < sorted.length ? sorted[i]! + (h - i) * (sorted[i + 1]! - sorted[i]!) : sorted[i]!;
}

/** The K × N scaled differences, row-major, positive = A better; checks the shapes. */
function differences(a: ReadonlyArray<ArrayLike<number>>, b: ReadonlyArray<ArrayLike<number>>, sign: number): { d: Float64Array; k: number; n: number } {
  const k = a.length;
  if (k < 1 || b.length !== k) throw new CvglError('the same number (≥ 1) of replicates for A and B', `${a.length} and ${b.length}`, 'pass one row of per-query values per seed, for both');
  const n = a[0]!.length;
  if (n < 1) throw new CvglError('at least one query', '0', 'pass the per-query values');
  const d = new Float64Array(k * n);
  for (let r = 0; r < k; r++) {
    const ar = a[r]!, br = b[r]!;
    if (ar.length !== n || br.length !== n) throw new CvglError(`${n} queries in every replicate of A and B (the same queries)`, `replicate ${r}: ${ar.length} and ${br.length}`, 'evaluate every run on the same split');
    for (let q = 0; q < n; q++) {
      const v = sign * (ar[q]! - br[q]!);
      if (!Number.isFinite(v)) throw new CvglError('finite per-query values', `${ar[q]} and ${br[q]} at replicate ${r}, query ${q}`, 'drop or fix the query');
      d[r * n + q] = v;
    }
  }
  return { d, k, n };
}

/** Uniform integer in [0, n) from the shared generator (n ≤ 2³², no per-call checks). */
const draw = (r: SeededRandom, n: number): number => Math.floor(r.random() * n);

/**
 * The paired comparison of rows A and B: `a[k]`, `b[k]` are replicate k's per-query values (the
 * same N queries everywhere). See the file comment for the difference, the bootstrap and P(A > B).
 */
export function comparePaired(a: ReadonlyArray<ArrayLike<number>>, b: ReadonlyArray<ArrayLike<number>>, o: PairedBootstrapOptions = {}): PairedComparison {
  const direction = o.direction ?? 'higher';
  const scale = o.scale ?? 1;
  const resamples = o.resamples ?? DEFAULT_RESAMPLES;
  const seed = o.seed ?? DEFAULT_BOOTSTRAP_SEED;
  const confidence = o.confidence ?? 0.95;
  const queries = o.queries ?? 'shared';
  if (direction !== 'higher' && direction !== 'lower') throw new CvglError("direction 'higher' or 'lower'", String(direction), "'lower' for errors");
  if (!(scale > 0) || !Number.isFinite(scale)) throw new CvglError('a positive finite scale', String(scale), '100 for hits in points');
  if (!Number.isInteger(resamples) || resamples < 2) throw new CvglError('an integer number of resamples ≥ 2', String(resamples), `the default is ${DEFAULT_RESAMPLES}`);
  if (!(confidence > 0 && confidence < 1)) throw new CvglError('a confidence level in (0, 1)', String(confidence), 'e.g. 0.95');
  const { d, k, n } = differences(a, b, (direction === 'higher' ? 1 : -1) * scale);

  const perSeed = new Float64Array(k);
  for (let r = 0; r < k; r++) {
    let s = 0;
    for (let q = 0; q < n; q++) s += d[r * n + q]!;
    perSeed[r] = s / n;
  }
  const diff = perSeed.reduce((s, v) => s + v, 0) / k;
  let wins = 0;
  for (const v of perSeed) wins += v > 0 ? 1 : v === 0 ? 0.5 : 0;

  const rng = new SeededRandom(seed);
  const means = new Float64Array(resamples);
  const counts = new Float64Array(k); // how often each replicate was drawn
  // shared: d transposed (query-major), so a drawn query's K values are adjacent
  const dt = queries === 'shared' ? new Float64Array(k * n) : d;
  if (queries === 'shared') for (let r = 0; r < k; r++) for (let q = 0; q < n; q++) dt[q * k + r] = d[r * n + q]!;
  for (let b = 0; b < resamples; b++) {
    counts.fill(0);
    for (let j = 0; j < k; j++) counts[draw(rng, k)]!++;
    let s = 0;
    if (queries === 'shared') {
      for (let i = 0; i < n; i++) {
        const off = draw(rng, n) * k;
        for (let r = 0; r < k; r++) s += counts[r]! * dt[off + r]!;
      }
    } else {
      for (let r = 0; r < k; r++) {
        for (let c = counts[r]!, off = r * n; c > 0; c--) for (let i = 0; i < n; i++) s += d[off + draw(rng, n)]!;
      }
    }
    means[b] = s / (k * n);
  }
  let m = 0;
  for (const v of means) m += v;
  m /= resamples;
  let ss = 0;
  for (const v of means) ss += (v - m) * (v - m);
  const se = Math.sqrt(ss / (resamples - 1));
  means.sort();
  const tail = (1 - confidence) / 2;
  return {
    k, n, diff, perSeed,
    ci: [sortedQuantile(means, tail), sortedQuantile(means, 1 - tail)],
    se, mde: minimumDetectableEffect(se),
    pABeatsB: wins / k,
    direction, scale, resamples, seed, confidence, queries,
  };
}

/** `comparePaired` of recall@k in points from per-seed ranks (0-based rank of the true match). */
export function compareRecall(ranksA: ReadonlyArray<ArrayLike<number>>, ranksB: ReadonlyArray<ArrayLike<number>>, k: number, o: Omit<PairedBootstrapOptions, 'direction' | 'scale'> = {}): PairedComparison {
  return comparePaired(ranksA.map((r) => recallHits(r, k)), ranksB.map((r) => recallHits(r, k)), { ...o, direction: 'higher', scale: 100 });
}
