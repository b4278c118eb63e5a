/**
 * What the papers' claims (lib/papers/<paper>/claims.ts) are made of: qualitative claims as
 * checkable statements about reproduced results (`ReproducedResults`: metric by experiment id),
 * with where the paper makes them and the experiments they need. Claims compare reproduced experiments with each other (A beats B),
 * never reproduced numbers with the paper's absolute numbers, except where the paper's claim
 * is itself about another method's published number (then the threshold is read from
 * lib/papers, never typed here).
 *
 * Conventions of the results a claim reads: recalls (r1, r5, r10, r1pct, MDUIT's
 * day_/night_ thresholds) in percent as the papers print them; `params` as a count;
 * uniformity (uniformGround/Satellite/All) as the value of L_uniform (lower = more uniform).
 * A comparison of one experiment with another holds on whichever dataset both ran on.
 */
import type { ReproducedResults } from './types.js';

export const RECALLS = ['r1', 'r5', 'r10', 'r1pct'] as const;

/** The result `metric` of experiment `exp`, NaN when missing or not finite. */
export const resultOf = (r: ReproducedResults, exp: string, metric: string): number => {
  const v = r[exp]?.[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN;
};
/** a > b on every metric (NaN, i.e. a metric missing, fails). */
export const beats = (r: ReproducedResults, a: string, b: string, metrics: readonly string[]): boolean =>
  metrics.every((m) => resultOf(r, a, m) > resultOf(r, b, m));
/** values strictly decreasing along `exps` on every metric. */
export const decreasing = (r: ReproducedResults, exps: readonly string[], metrics: readonly string[]): boolean =>
  metrics.every((m) => exps.every((e, i) => i === 0 || resultOf(r, exps[i - 1]!, m) > resultOf(r, e, m)));
