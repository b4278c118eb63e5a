/**
 * Claims assessed on replicated runs (lib/papers/assess.ts): a planted difference over three seeds
 * is supported, the reverse contradicted, no difference or one seed inconclusive; margins, groups
 * ("at least 3 of 4"), exact metrics, claims against other methods' published numbers (not run on
 * substitute data) and the consistency check on the paper's own numbers and quotes.
 */
import { describe, expect, it } from 'vitest';
import { assessClaims, consistencyOf, outcomesOf, publishedResults } from '../../lib/papers/assess.js';
import { beats, beatsPublished, type ClaimTerm } from '../../lib/papers/claim.js';
import { SeededRandom } from '../../lib/engine/random.js';
import type { ExperimentReplicates, ReplicateResults } from '../../lib/train/replicates.js';
import type { Claim, PublishedNumber } from '../../lib/papers/types.js';

const N = 200;
/** Replicates whose queries rank first with probability `p` (else somewhere in 1..50), seeds 1..k. */
function replicates(p: number, k: number, salt: number): ExperimentReplicates {
  const seeds = Array.from({ length: k }, (_, i) => 1 + i);
  const ranks = seeds.map((s) => {
    const rng = new SeededRandom(1000 * salt + s);
    return Array.from({ length: N }, () => (rng.random() < p ? 0 : 1 + Math.floor(rng.random() * 50)));
  });
  const metrics = ranks.map((r) => ({ r1: (100 * r.filter((x) => x === 0).length) / N }));
  return { seeds, ranks, metrics };
}
const claim = (terms: ClaimTerm[], needs = ['x.a', 'x.b']): Claim => ({ id: 'x.claim', paper: 'cvft', statement: 's', source: 'src', needs, terms });
const results = (reps: ReplicateResults) => Object.fromEntries(Object.entries(reps).map(([id, r]) => [id, { r1: r.metrics.reduce((s, m) => s + m['r1']!, 0) / r.metrics.length }]));
const assess = (c: Claim, reps: ReplicateResults, o: { substitute?: boolean; extra?: Record<string, Record<string, number>> } = {}) =>
  assessClaims([c], { results: { ...results(reps), ...(o.extra ?? {}) }, replicates: reps, substitute: o.substitute ?? true, published: [] })[0]!;

describe('assessClaims', () => {
  it('a planted 20-point difference over 3 seeds is supported, its reverse contradicted, with the evidence', () => {
    const reps = { 'x.a': replicates(0.5, 3, 1), 'x.b': replicates(0.3, 3, 2) };
    const a = assess(claim(beats('x.a', 'x.b', ['r1'])), reps);
    expect(a.verdict).toBe('supported');
    const p = a.parts[0]!;
    expect([p.kind, p.k, p.n]).toEqual(['paired', 3, N]);
    expect(p.effect).toBeGreaterThan(10);
    expect(p.ci![0]).toBeGreaterThan(0);
    expect(p.pABeatsB).toBe(1);
    expect(p.mde).toBeGreaterThan(0);
    expect(p.effect).toBeCloseTo(p.valueA - p.valueB, 10);
    expect(assess(claim(beats('x.b', 'x.a', ['r1'])), reps).verdict).toBe('contradicted');
    // a margin above the effect: the interval lies below it
    expect(assess(claim(beats('x.a', 'x.b', ['r1'], { margin: 40 })), reps).verdict).toBe('contradicted');
  });

  it('no difference, or one seed, is inconclusive', () => {
    const same = { 'x.a': replicates(0.4, 3, 3), 'x.b': replicates(0.4, 3, 4) };
    expect(assess(claim(beats('x.a', 'x.b', ['r1'])), same).verdict).toBe('inconclusive');
    const one = { 'x.a': replicates(0.9, 1, 1), 'x.b': replicates(0.1, 1, 2) };
    const a = assess(claim(beats('x.a', 'x.b', ['r1'])), one);
    expect(a.verdict).toBe('inconclusive');
    expect(a.parts[0]!.reason).toContain('K = 1');
  });

  it('pairs by seed: only the seeds both rows ran', () => {
    const a = replicates(0.6, 3, 5), b = replicates(0.2, 3, 6);
    const b2: ExperimentReplicates = { seeds: [2, 3], ranks: b.ranks!.slice(1), metrics: b.metrics.slice(1) };
    const r = assess(claim(beats('x.a', 'x.b', ['r1'])), { 'x.a': a, 'x.b': b2 });
    expect(r.parts[0]!.k).toBe(2);
  });

  it('groups: "at least 3 of 4" supported with 3, contradicted when 2 are', () => {
    const reps = { 'x.a': replicates(0.5, 3, 7), 'x.b': replicates(0.3, 3, 8), 'x.c': replicates(0.7, 3, 9) };
    const part = (b: string) => beats('x.a', b, ['r1'])[0]!;
    const c3 = claim([{ atLeast: 3, of: [part('x.b'), part('x.b'), part('x.b'), part('x.c')] }], ['x.a', 'x.b', 'x.c']);
    expect(assess(c3, reps).verdict).toBe('supported');
    const c2 = claim([{ atLeast: 3, of: [part('x.b'), part('x.b'), part('x.c'), part('x.c')] }], ['x.a', 'x.b', 'x.c']);
    expect(assess(c2, reps).verdict).toBe('contradicted');
  });

  it('exact metrics are compared exactly; a published number of another method needs the paper\'s dataset', () => {
    const reps = { 'x.a': replicates(0.5, 3, 10) };
    const exact = claim([{ a: 'x.a', b: { published: 100, label: 'theirs' }, metric: 'params', better: 'lower' }], ['x.a']);
    const e = assess(exact, reps, { extra: { 'x.a': { params: 90, r1: 50 } } });
    expect([e.kind, e.verdict, e.parts[0]!.kind]).toEqual(['exact', 'supported', 'exact']);
    expect(assess(exact, reps, { extra: { 'x.a': { params: 100, r1: 50 } } }).verdict).toBe('contradicted');
    const vsPublished = claim([beatsPublished('x.a', 'r1', 30, "theirs' R@1")], ['x.a']);
    const sub = assess(vsPublished, reps, { substitute: true });
    expect(sub.verdict).toBe('not run');
    expect(sub.reason).toContain('substitute');
    const real = assess(vsPublished, reps, { substitute: false });
    expect([real.verdict, real.parts[0]!.kind]).toEqual(['supported', 'published']);
    expect(assess(claim([beatsPublished('x.a', 'r1', 70, "theirs' R@1")], ['x.a']), reps, { substitute: false }).verdict).toBe('contradicted');
  });

  it('recall outcomes: hits x 100 from ranks (top 1% = floor(N/100) + 1), per-query values, or one value per seed', () => {
    const rep: ExperimentReplicates = { seeds: [1], ranks: [[0, 1, 2, 5]], metrics: [{ r1: 25, uniformAll: -1.5 }], perQuery: { day: [[100, 0, 100, 0]] } };
    expect(outcomesOf(rep, 'r1')).toEqual([[100, 0, 0, 0]]);
    expect(outcomesOf(rep, 'r5')).toEqual([[100, 100, 100, 0]]);
    expect(outcomesOf(rep, 'r1pct')).toEqual([[100, 0, 0, 0]]);
    expect(outcomesOf(rep, 'day')).toEqual([[100, 0, 100, 0]]);
    expect(outcomesOf(rep, 'uniformAll')).toEqual([[-1.5]]);
    expect(outcomesOf(rep, 'missing')).toBeNull();
  });
});

describe('consistency on the paper\'s own numbers', () => {
  const pub = (experiment: string, value: number, dataset = 'CVUSA'): PublishedNumber => ({ paper: 'cvft', table: 'T', row: experiment, column: 'r@1', dataset, metric: 'r1', value, unit: '%', experiment, higherIsBetter: true });
  const numbers = publishedResults([pub('x.a', 50), pub('x.b', 40), pub('x.a', 30, 'CVACT_val'), pub('x.b', 35, 'CVACT_val')]);
  it('holds, does not hold (with the numbers), text and table disagree, not checkable', () => {
    expect(consistencyOf(claim(beats('x.a', 'x.b', ['r1'])), publishedResults([pub('x.a', 50), pub('x.b', 40)])).status).toBe('holds');
    const k = consistencyOf(claim(beats('x.a', 'x.b', ['r1'])), numbers);
    expect(k.status).toBe('does not hold');
    expect(k.detail).toContain('CVACT_val: r1 30.00 vs 35.00');
    const quoted = { ...claim(beats('x.a', 'x.b', ['r1'])), quotes: [{ experiment: 'x.a', metric: 'r1', value: 51, where: 'exp 1' }] };
    const q = consistencyOf(quoted, publishedResults([pub('x.a', 50), pub('x.b', 40)]));
    expect(q.status).toBe('text and table disagree');
    expect(q.detail).toContain('the text quotes 51 for exp 1, its table prints 50');
    expect(consistencyOf(claim(beats('x.a', 'x.c', ['r1']), ['x.a', 'x.c']), numbers).status).toBe('not checkable');
  });
});
