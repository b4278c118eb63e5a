/**
 * Verdicts on "A beats B on metric M (by more than m)" (issue 20), from a paired comparison
 * (paired_bootstrap.ts) and the claim's margin m (0 for "beats", 15 for "by more than 15 points"):
 *   supported     the interval lies above m (lower end > m);
 *   contradicted  it lies below m (upper end < m);
 *   inconclusive  otherwise (it contains m, or touches it);
 * and with K = 1 replicate always inconclusive: one seed says nothing of the seed-to-seed
 * variance, so no training claim is decided on it. A claim over several metrics or comparisons
 * is supported only if every part is, contradicted if any part is, else inconclusive.
 * Deterministic quantities (parameter counts, FLOPs) are compared exactly (`exactVerdict`).
 */
import { CvglError } from '../engine/errors.js';
import type { Direction, PairedComparison } from './paired_bootstrap.js';

export type Verdict = 'supported' | 'contradicted' | 'inconclusive';

export interface VerdictResult {
  verdict: Verdict;
  /** Why, in a few words (e.g. "interval [2.1, 7.9] above margin 0"). */
  reason: string;
  margin: number;
  /** The comparison's interval; absent for exact comparisons. */
  ci?: [number, number];
  /** Minimum detectable effect of the comparison (distance from the margin; see paired_bootstrap.ts). */
  mde?: number;
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));

/** The verdict of one comparison against `margin` (in the comparison's units; A better = positive). */
export function verdictOf(c: PairedComparison, margin = 0): VerdictResult {
  if (!Number.isFinite(margin)) throw new CvglError('a finite margin', String(margin), '0 for "beats", e.g. 15 for "by more than 15 points"');
  const [lo, hi] = c.ci;
  const base = { margin, ci: c.ci, mde: c.mde };
  const interval = `${Math.round(c.confidence * 100)}% interval [${fmt(lo)}, ${fmt(hi)}]`;
  if (c.k < 2) return { ...base, verdict: 'inconclusive', reason: `one replicate (K = 1): seed variance unknown (${interval})` };
  if (lo > margin) return { ...base, verdict: 'supported', reason: `${interval} above margin ${fmt(margin)}` };
  if (hi < margin) return { ...base, verdict: 'contradicted', reason: `${interval} below margin ${fmt(margin)}` };
  return { ...base, verdict: 'inconclusive', reason: `${interval} contains margin ${fmt(margin)}` };
}

/** A claim of several parts: supported if every part is, contradicted if any part is, else inconclusive. */
export function combineVerdicts(parts: ReadonlyArray<Verdict | VerdictResult>): Verdict {
  if (parts.length === 0) throw new CvglError('at least one part of a claim', 'none', 'pass the verdict of each metric or comparison');
  const vs = parts.map((p) => (typeof p === 'string' ? p : p.verdict));
  if (vs.some((v) => v === 'contradicted')) return 'contradicted';
  return vs.every((v) => v === 'supported') ? 'supported' : 'inconclusive';
}

/** A deterministic quantity (parameter count, FLOPs): supported when A is better than B by more
 *  than `margin` (strictly: equal values do not "beat"), else contradicted; no interval. */
export function exactVerdict(a: number, b: number, o: { direction?: Direction; margin?: number } = {}): VerdictResult {
  const direction = o.direction ?? 'higher', margin = o.margin ?? 0;
  if (![a, b, margin].every(Number.isFinite)) throw new CvglError('finite values and margin', `${a}, ${b}, margin ${margin}`, 'compute both quantities first');
  const by = direction === 'higher' ? a - b : b - a;
  const what = `exact: A's advantage ${fmt(by)} (${direction} is better)`;
  return by > margin
    ? { verdict: 'supported', reason: `${what} > margin ${fmt(margin)}`, margin }
    : { verdict: 'contradicted', reason: `${what} ≤ margin ${fmt(margin)}`, margin };
}
