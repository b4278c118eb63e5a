/**
 * The paired comparison of two rows (lib/eval/paired_bootstrap.ts, issue 20):
 *   - the one-level case (K = 1: queries resampled) against scipy.stats.bootstrap
 *     (test/reference/bootstrap_scipy.py: method='percentile', 95%, 20,000 resamples, the single
 *     array of paired differences) on hits, errors (lower is better) and a skewed sample;
 *   - the mean difference, per-seed means, P(A > B) with ties as half, direction and scale,
 *     determinism, recall hits from ranks, the minimum detectable effect, input errors;
 *   - why queries are shared across replicates: with K identical replicates the interval is the
 *     one-replicate interval, where independent per-replicate draws would shrink it by √K.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CvglError } from '../../lib/engine/errors.js';
import { SeededRandom } from '../../lib/engine/random.js';
import { comparePaired, compareRecall, minimumDetectableEffect, normalQuantile, recallHits, sortedQuantile } from '../../lib/eval/paired_bootstrap.js';
import { onePercentK, summarizeRanks } from '../../lib/eval/recall.js';
import { requireInCi } from '../ci_requirements.js';
import { findPython, ReferenceDir } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/bootstrap_scipy.py', import.meta.url));
const py = findPython(['numpy', 'scipy']);

const sd = (x: ArrayLike<number>) => {
  const m = Array.from(x).reduce((s, v) => s + v, 0) / x.length;
  return Math.sqrt(Array.from(x).reduce((s, v) => s + (v - m) ** 2, 0) / x.length);
};

/** One-replicate cases: A's and B's per-query values and the options that compare them. */
function cases() {
  const r = new SeededRandom(3);
  const hitsB = Float64Array.from({ length: 400 }, () => (r.random() < 0.4 ? 1 : 0));
  const hitsA = hitsB.map((h) => (r.random() < 0.25 ? 1 - h : h)); // disagrees on a quarter
  const errB = Float64Array.from({ length: 300 }, () => 5 + 3 * Math.abs(r.normal()));
  const errA = errB.map((e) => e - 0.4 + 2 * r.normal());
  const skewB = Float64Array.from({ length: 150 }, () => 0);
  const skewA = Float64Array.from({ length: 150 }, () => Math.log(1 - r.random()) ** 2); // heavy right tail (squared exponential)
  return [
    { name: 'recall hits (points)', a: hitsA, b: hitsB, o: { scale: 100 } as const, d: hitsA.map((h, i) => 100 * (h - hitsB[i]!)) },
    { name: 'errors, lower is better', a: errA, b: errB, o: { direction: 'lower' } as const, d: errB.map((e, i) => e - errA[i]!) },
    { name: 'skewed differences', a: skewA, b: skewB, o: {}, d: skewA },
  ];
}

describe('the one-level bootstrap against scipy.stats.bootstrap', () => {
  requireInCi("Debian's python3-scipy (bootstrap reference; CVGL_PYTHON to override)", py.python != null, 'reason' in py ? py.reason : undefined);
  const cs = cases();
  let ref: { intervals: [number, number][]; se: number[] };

  beforeAll(() => {
    if (!py.python) return;
    const dir = new ReferenceDir('cvgl-bootstrap-');
    try {
      cs.forEach((c, i) => writeFileSync(join(dir.dir, `d${i}.f64`), Buffer.from(Float64Array.from(c.d).buffer)));
      dir.run(py.python, SCRIPT, { cases: cs.map((c, i) => ({ file: `d${i}.f64`, n: c.d.length })), n_resamples: 20000, seed: 5 });
      ref = JSON.parse(readFileSync(join(dir.dir, 'out.json'), 'utf8'));
    } finally {
      dir.remove();
    }
  });

  // Monte-Carlo tolerance: a percentile endpoint from B resamples of a near-normal bootstrap
  // distribution (sd s = σ/√N) has sd √(p(1−p)/B) / φ(z_p) · s: 0.042 s for our B = 4,000 and
  // 0.019 s for SciPy's 20,000 at p = 0.025, 0.046 s for their difference; 0.2 s is 4.3 of those.
  // The standard errors: relative sd 1/√(2B) = 1.1% for ours, 5% is 4.4 of those.
  it.skipIf(!py.python).each(cs.map((c, i) => [c.name, i] as const))('%s: interval within 0.2·σ/√N of SciPy\'s, standard error within 5%', (_, i) => {
    const c = cs[i]!;
    const ours = comparePaired([c.a], [c.b], c.o);
    const s = sd(c.d) / Math.sqrt(c.d.length);
    const [lo, hi] = ref.intervals[i]!;
    expect(ours.k).toBe(1);
    expect(ours.diff).toBeCloseTo(Array.from(c.d).reduce((x, v) => x + v, 0) / c.d.length, 10);
    expect(Math.abs(ours.ci[0] - lo), `ours [${ours.ci}] scipy [${lo}, ${hi}], σ/√N ${s}`).toBeLessThan(0.2 * s);
    expect(Math.abs(ours.ci[1] - hi), `ours [${ours.ci}] scipy [${lo}, ${hi}], σ/√N ${s}`).toBeLessThan(0.2 * s);
    expect(Math.abs(ours.se / ref.se[i]! - 1)).toBeLessThan(0.05);
  });
});

describe('comparePaired', () => {
  it('mean difference, per-seed means and P(A > B) over replicate pairs with ties as half', () => {
    const a = [[1, 1, 0, 0], [0, 0, 0, 1], [1, 0, 1, 0], [1, 1, 1, 0]];
    const b = [[0, 1, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 1, 0, 0]];
    const c = comparePaired(a, b, { scale: 100 });
    expect(Array.from(c.perSeed)).toEqual([25, -25, 0, 50]);
    expect(c.diff).toBeCloseTo(12.5, 12);
    expect(c.pABeatsB).toBe((1 + 0 + 0.5 + 1) / 4);
    expect(c.ci[0]).toBeLessThanOrEqual(c.diff);
    expect(c.ci[1]).toBeGreaterThanOrEqual(c.diff);
    expect(c).toMatchObject({ k: 4, n: 4, resamples: 4000, confidence: 0.95, queries: 'shared', direction: 'higher', scale: 100 });
  });

  it('is deterministic: the same inputs and seed give the same interval, another seed a slightly different one', () => {
    const { a, b } = cases()[1]!;
    const rows = (x: Float64Array) => [x, x.map((v) => v + 0.1), x.map((v) => v * 0.9)];
    const c1 = comparePaired(rows(a), rows(b)), c2 = comparePaired(rows(a), rows(b));
    expect(c2.ci).toEqual(c1.ci);
    expect(c2.se).toBe(c1.se);
    const c3 = comparePaired(rows(a), rows(b), { seed: 99 });
    expect(c3.ci).not.toEqual(c1.ci);
    expect(Math.abs(c3.ci[0] - c1.ci[0])).toBeLessThan(0.25 * c1.se);
  });

  it("lower is better: A's errors against B's equal B's against A's with higher is better", () => {
    const { a, b } = cases()[1]!;
    const lower = comparePaired([a, b], [b, a.map((v) => v + 1)], { direction: 'lower' });
    const higher = comparePaired([b, a.map((v) => v + 1)], [a, b]);
    expect(lower.ci).toEqual(higher.ci);
    expect(lower.diff).toBe(higher.diff);
    expect(lower.direction).toBe('lower');
  });

  it('shares the query draw across replicates: K identical replicates give the one-replicate interval (per-seed draws: √K narrower)', () => {
    const { d } = cases()[2]!;
    const zero = new Float64Array(d.length);
    const one = comparePaired([d], [zero]);
    const k4 = comparePaired([d, d, d, d], [zero, zero, zero, zero]);
    const nested = comparePaired([d, d, d, d], [zero, zero, zero, zero], { queries: 'per-seed' });
    expect(Math.abs(k4.se / one.se - 1)).toBeLessThan(0.06);
    expect(Math.abs((nested.se * 2) / one.se - 1)).toBeLessThan(0.06);
    // K = 1: both schemes draw the same indices
    expect(comparePaired([d], [zero], { queries: 'per-seed' }).ci).toEqual(one.ci);
  });

  it('recall hits from 0-based ranks (rank < k), R@top-1% with k = ⌊N/100⌋ + 1, and compareRecall in points', () => {
    const ranks = Int32Array.from([0, 1, 4, 5, 9, 10, 88, 89, 500]);
    expect(Array.from(recallHits(ranks, 1))).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(recallHits(ranks, 5))).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(onePercentK(8884)).toBe(89);
    expect(Array.from(recallHits(ranks, onePercentK(8884)))).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0]);
    // the same convention as summarizeRanks
    const s = summarizeRanks(ranks, 8884, { ks: [1, 5, 10] });
    for (const k of [1, 5, 10]) expect(recallHits(ranks, k).reduce((x, v) => x + v, 0) / ranks.length).toBeCloseTo(s.atK[k]!, 12);
    expect(s.onePercentK).toBe(89);
    const rb = Int32Array.from([3, 0, 0, 7, 2, 1, 0, 4, 9]);
    const c = compareRecall([ranks], [rb], 5);
    expect(c.scale).toBe(100);
    expect(c.diff).toBeCloseTo((100 * (3 - 7)) / 9, 10);
    expect(() => recallHits(ranks, 0)).toThrow(CvglError);
  });

  it('minimum detectable effect: (z₀.₉₇₅ + z₀.₈₀) · se', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(minimumDetectableEffect(1)).toBeCloseTo(2.801585, 5);
    const c = comparePaired([cases()[0]!.a], [cases()[0]!.b], { scale: 100 });
    expect(c.mde).toBeCloseTo(2.801585 * c.se, 4);
  });

  it('percentiles interpolate linearly between order statistics (numpy.percentile)', () => {
    const s = Float64Array.from([1, 2, 4, 8]);
    expect(sortedQuantile(s, 0)).toBe(1);
    expect(sortedQuantile(s, 1)).toBe(8);
    expect(sortedQuantile(s, 0.5)).toBe(3);
    expect(sortedQuantile(s, 0.9)).toBeCloseTo(6.8, 12);
  });

  it('refuses mismatched shapes, non-finite values and bad options', () => {
    expect(() => comparePaired([[1, 2]], [[1, 2], [3, 4]])).toThrow(CvglError);
    expect(() => comparePaired([[1, 2], [1]], [[1, 2], [3, 4]])).toThrow(/the same queries/);
    expect(() => comparePaired([], [])).toThrow(CvglError);
    expect(() => comparePaired([[1, NaN]], [[1, 2]])).toThrow(/finite/);
    expect(() => comparePaired([[1]], [[1]], { resamples: 0 })).toThrow(CvglError);
    expect(() => comparePaired([[1]], [[1]], { confidence: 95 })).toThrow(CvglError);
  });
});
