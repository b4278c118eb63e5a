/**
 * What the papers' claims (lib/papers/<paper>/claims.ts) are made of (issue 20). A claim is a list
 * of *terms*, all of which must hold; a term is a comparison ("A beats B on metric M by more than
 * m": value(A) − value(B) > m, or B − A where lower is better) or a group that holds when at least
 * `atLeast` of its terms do ("most CVACT recalls"). The same terms are
 *  - decided statistically on replicated runs (lib/papers/assess.ts: a paired bootstrap over
 *    seeds and queries, supported / contradicted / inconclusive),
 *  - compared exactly where the metric is deterministic (parameter counts, code lengths),
 *  - checked on the paper's own published numbers (the consistency column).
 * B is another experiment, or a published number of another method (read from lib/papers, never
 * typed here); a claim against a published number is only assessed on the paper's own dataset.
 *
 * Conventions of the results a claim reads: recalls (r1, r5, r10, r1pct, MDUIT's day_/night_
 * thresholds) in percent as the papers print them; `params` as a count; uniformity
 * (uniformGround/Satellite/All) as the value of L_uniform (lower = more uniform).
 */
import type { Verdict } from '../eval/verdict.js';
import type { ReproducedResults } from './types.js';

export const RECALLS = ['r1', 'r5', 'r10', 'r1pct'] as const;

/** Metrics that do not vary with the seed: compared exactly, never by a bootstrap. */
export const EXACT_METRICS: ReadonlySet<string> = new Set(['params', 'gflops', 'codeLength', 'descriptorLength']);

/** A published number another method reached (the paper's claim is about it). */
export interface PublishedBound {
  published: number;
  /** Whose number and where, e.g. "CVM-Net's R@1% (Table 2)". */
  label: string;
}

/** "value(a) − value(b) > margin" on `metric` (`better: 'lower'`: value(b) − value(a) > margin). */
export interface ClaimPart {
  a: string;
  b: string | PublishedBound;
  metric: string;
  /** In the metric's units (points for recalls); default 0 ("beats"). */
  margin?: number;
  better?: 'higher' | 'lower';
}

/** Holds when at least `atLeast` of `of` hold (e.g. 3 of 4 recalls). */
export interface ClaimGroup {
  atLeast: number;
  of: ClaimTerm[];
  label?: string;
}

export type ClaimTerm = ClaimPart | ClaimGroup;

export const isGroup = (t: ClaimTerm): t is ClaimGroup => (t as ClaimGroup).of !== undefined;

/** Every comparison of the terms, depth first. */
export function partsOf(terms: readonly ClaimTerm[]): ClaimPart[] {
  return terms.flatMap((t) => (isGroup(t) ? partsOf(t.of) : [t]));
}

/** a beats b on every metric. */
export const beats = (a: string, b: string, metrics: readonly string[], o: { margin?: number } = {}): ClaimPart[] =>
  metrics.map((metric) => ({ a, b, metric, ...(o.margin !== undefined ? { margin: o.margin } : {}) }));

/** a is lower than b on every metric (L_uniform, parameter counts). */
export const lower = (a: string, b: string, metrics: readonly string[]): ClaimPart[] => metrics.map((metric) => ({ a, b, metric, better: 'lower' as const }));

/** Strictly decreasing along `exps` on every metric: each neighbour pair a comparison. */
export const decreasing = (exps: readonly string[], metrics: readonly string[]): ClaimPart[] =>
  metrics.flatMap((metric) => exps.slice(1).map((b, i) => ({ a: exps[i]!, b, metric })));

/** a beats a published number on `metric`. */
export const beatsPublished = (a: string, metric: string, published: number, label: string): ClaimPart => ({ a, b: { published, label }, metric });

/** The result `metric` of experiment `exp`, NaN when missing or not finite. */
export const resultOf = (r: ReproducedResults, exp: string, metric: string): number => {
  const v = r[exp]?.[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN;
};

/** A part's advantage (positive: the claim's direction) on point values; NaN when a value is missing. */
export function partAdvantage(p: ClaimPart, value: (exp: string, metric: string) => number): number {
  const a = value(p.a, p.metric);
  const b = typeof p.b === 'string' ? value(p.b, p.metric) : p.b.published;
  return p.better === 'lower' ? b - a : a - b;
}

/**
 * The verdict of a claim's terms from its comparisons' verdicts (`leaf`): a group is supported
 * when at least `atLeast` of its terms are, contradicted when more than n − `atLeast` are, else
 * inconclusive; the claim is the group of all its terms (every one supported, or one contradicted).
 */
export function termsVerdict(terms: readonly ClaimTerm[], leaf: (p: ClaimPart) => Verdict): Verdict {
  const group = (of: readonly ClaimTerm[], atLeast: number): Verdict => {
    const vs = of.map((t) => (isGroup(t) ? group(t.of, t.atLeast) : leaf(t)));
    if (vs.filter((v) => v === 'supported').length >= atLeast) return 'supported';
    if (vs.filter((v) => v === 'contradicted').length > of.length - atLeast) return 'contradicted';
    return 'inconclusive';
  };
  return group(terms, terms.length);
}

/**
 * The terms on point values: true / false, or null when some value is missing (a group: null when
 * its missing terms could decide it).
 */
export function termsHold(terms: readonly ClaimTerm[], value: (exp: string, metric: string) => number): boolean | null {
  const v = termsVerdict(terms, (p) => {
    const adv = partAdvantage(p, value);
    return Number.isNaN(adv) ? 'inconclusive' : adv > (p.margin ?? 0) ? 'supported' : 'contradicted';
  });
  return v === 'supported' ? true : v === 'contradicted' ? false : null;
}

/** The point check of a claim's terms on results (missing values fail): what a single run says. */
export const holdsOn = (terms: readonly ClaimTerm[], r: ReproducedResults): boolean => termsHold(terms, (e, m) => resultOf(r, e, m)) === true;
