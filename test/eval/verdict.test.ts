/**
 * Verdicts on "A beats B (by more than m)" (lib/eval/verdict.ts, issue 20):
 *   - the rules: interval above the margin → supported, below → contradicted, else (touching
 *     included) inconclusive; K = 1 → inconclusive; parts combined; exact comparisons;
 *   - end to end on per-query values: a 15-point-margin claim on a +10 effect is contradicted, on a
 *     +16 effect whose interval holds 15 inconclusive; lower-is-better errors;
 *   - simulated rows (recall hits of K = 3 seeds): a planted difference is found, and over 400
 *     nulls the false-positive rate stays near or below 5% (the simulations use 1,000 bootstrap
 *     resamples instead of the default 4,000, to keep the file at a few seconds).
 */
import { describe, expect, it } from 'vitest';
import { CvglError } from '../../lib/engine/errors.js';
import { SeededRandom } from '../../lib/engine/random.js';
import { comparePaired, type PairedComparison } from '../../lib/eval/paired_bootstrap.js';
import { combineVerdicts, exactVerdict, verdictOf } from '../../lib/eval/verdict.js';

/** A comparison with the given interval and K (the rest is irrelevant to the verdict). */
const cmp = (ci: [number, number], k = 3): PairedComparison => ({
  k, n: 100, diff: (ci[0] + ci[1]) / 2, perSeed: new Float64Array(k), ci, se: (ci[1] - ci[0]) / 3.92, mde: 0, pABeatsB: 1,
  direction: 'higher', scale: 100, resamples: 4000, seed: 20, confidence: 0.95, queries: 'shared',
});

/** K rows of N values with mean exactly `mean`, query spread `sd` shared by the rows, a little per-row noise. */
function rows(r: SeededRandom, k: number, n: number, mean: number, sd: number): Float64Array[] {
  const base = Float64Array.from({ length: n }, () => sd * r.normal());
  return Array.from({ length: k }, () => {
    const x = base.map((v) => v + 0.1 * sd * r.normal());
    const m = x.reduce((s, v) => s + v, 0) / n;
    return x.map((v) => v - m + mean);
  });
}

describe('verdict rules', () => {
  it('margin 0: above → supported, below → contradicted, containing or touching → inconclusive', () => {
    expect(verdictOf(cmp([0.5, 4])).verdict).toBe('supported');
    expect(verdictOf(cmp([-4, -0.5])).verdict).toBe('contradicted');
    expect(verdictOf(cmp([-1, 3])).verdict).toBe('inconclusive');
    expect(verdictOf(cmp([0, 3])).verdict).toBe('inconclusive');
    expect(verdictOf(cmp([-3, 0])).verdict).toBe('inconclusive');
  });

  it('a 15-point margin: [8, 12] contradicted, [14, 18] inconclusive, [16, 20] supported', () => {
    expect(verdictOf(cmp([8, 12]), 15).verdict).toBe('contradicted');
    const v = verdictOf(cmp([14, 18]), 15);
    expect(v.verdict).toBe('inconclusive');
    expect(v.reason).toMatch(/\[14\.00, 18\.00\] contains margin 15/);
    expect(verdictOf(cmp([16, 20]), 15).verdict).toBe('supported');
  });

  it('K = 1: inconclusive whatever the interval (seed variance unknown)', () => {
    for (const ci of [[5, 9], [-9, -5]] as [number, number][]) {
      const v = verdictOf(cmp(ci, 1));
      expect(v.verdict).toBe('inconclusive');
      expect(v.reason).toMatch(/K = 1.*seed variance unknown/);
    }
  });

  it('parts: all supported → supported, any contradicted → contradicted, else inconclusive', () => {
    expect(combineVerdicts(['supported', 'supported'])).toBe('supported');
    expect(combineVerdicts(['supported', 'inconclusive'])).toBe('inconclusive');
    expect(combineVerdicts(['supported', 'inconclusive', 'contradicted'])).toBe('contradicted');
    expect(combineVerdicts([verdictOf(cmp([1, 2])), verdictOf(cmp([-2, -1]))])).toBe('contradicted');
    expect(combineVerdicts(['inconclusive'])).toBe('inconclusive');
    expect(() => combineVerdicts([])).toThrow(CvglError);
  });

  it('exact comparisons of deterministic quantities: strict, with direction and margin, no interval', () => {
    expect(exactVerdict(5e6, 3e6, { direction: 'lower' })).toMatchObject({ verdict: 'contradicted' });
    const v = exactVerdict(3e6, 5e6, { direction: 'lower' });
    expect(v.verdict).toBe('supported');
    expect(v.ci).toBeUndefined();
    expect(exactVerdict(10, 10).verdict).toBe('contradicted');
    expect(exactVerdict(30, 14, { margin: 15 }).verdict).toBe('supported');
    expect(exactVerdict(29, 14, { margin: 15 }).verdict).toBe('contradicted');
    expect(() => exactVerdict(NaN, 1)).toThrow(CvglError);
  });
});

describe('verdicts from per-query values', () => {
  it('a +10-point effect (interval about ±2) against a 15-point margin is contradicted; +16 with 15 inside the interval is inconclusive', () => {
    const r = new SeededRandom(1);
    const zero = Array.from({ length: 3 }, () => new Float64Array(400));
    const c10 = comparePaired(rows(r, 3, 400, 10, 20), zero);
    expect(c10.diff).toBeCloseTo(10, 10);
    expect(c10.ci[1] - c10.ci[0]).toBeGreaterThan(2);
    expect(c10.ci[1] - c10.ci[0]).toBeLessThan(6);
    expect(verdictOf(c10, 15).verdict).toBe('contradicted');
    expect(verdictOf(c10, 0).verdict).toBe('supported');
    const c16 = comparePaired(rows(r, 3, 400, 16, 20), zero);
    expect(c16.ci[0]).toBeLessThan(15);
    expect(verdictOf(c16, 15).verdict).toBe('inconclusive');
  });

  it("lower is better: A's localisation errors 1 m smaller are supported; as 'higher', contradicted", () => {
    const r = new SeededRandom(2);
    const errB = rows(r, 3, 300, 6, 3);
    const errA = errB.map((row) => row.map((e) => e - 1 + 0.5 * r.normal()));
    const c = comparePaired(errA, errB, { direction: 'lower' });
    expect(c.diff).toBeGreaterThan(0.8);
    expect(verdictOf(c).verdict).toBe('supported');
    expect(c.pABeatsB).toBe(1);
    expect(verdictOf(comparePaired(errA, errB)).verdict).toBe('contradicted');
  });
});

// Simulated recall@1 hits of two rows: query q's hit in seed k of row X is Bernoulli
// σ(θ_q + γ_Xq + α_Xk + δ_X), θ_q ~ N(0, 1.5²) the query's difficulty (shared by every run),
// γ_Xq ~ N(0, σγ²) the row's own affinity for the query (shared by its seeds: runs of a row agree
// on a query), α_Xk ~ N(0, σα²) the seed's effect, δ_A the planted shift (0 for a null: A and B
// then come from the same distribution).
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
function simulate(r: SeededRandom, k: number, n: number, sg: number, sa: number, deltaA = 0) {
  const theta = Float64Array.from({ length: n }, () => 1.5 * r.normal());
  const row = (shift: number) => {
    const g = Float64Array.from({ length: n }, () => sg * r.normal());
    return Array.from({ length: k }, () => {
      const a = sa * r.normal() + shift;
      return Float64Array.from({ length: n }, (_, q) => (r.random() < sigmoid(theta[q]! + g[q]! + a) ? 1 : 0));
    });
  };
  return { a: row(deltaA), b: row(0) };
}
/** The population difference in points of a logit shift δ, by quadrature over the logit's normal law. */
function pointsOf(delta: number, sdLogit: number): number {
  let s = 0, w = 0;
  for (let i = -4000; i <= 4000; i++) {
    const z = i / 500, p = Math.exp(-z * z / 2);
    s += p * (sigmoid(sdLogit * z + delta) - sigmoid(sdLogit * z));
    w += p;
  }
  return (100 * s) / w;
}

describe('simulated rows', () => {
  it('a planted +8-point difference (K = 3, N = 400) is found about as often as its minimum detectable effect predicts; +16 always', () => {
    const sg = 2, sa = 0.1, sdLogit = Math.hypot(1.5, sg, sa);
    let lo = 0, hi = 3; // the shift whose population difference is 8 points
    for (let i = 0; i < 50; i++) ((m) => (pointsOf(m, sdLogit) < 8 ? (lo = m) : (hi = m)))((lo + hi) / 2);
    expect(pointsOf(lo, sdLogit)).toBeCloseTo(8, 3);
    const r = new SeededRandom(8);
    const T = 40;
    let supported = 0, mde = 0;
    for (let t = 0; t < T; t++) {
      const { a, b } = simulate(r, 3, 400, sg, sa, lo);
      const c = comparePaired(a, b, { scale: 100, resamples: 1000, seed: t });
      const v = verdictOf(c).verdict;
      expect(v).not.toBe('contradicted');
      if (v === 'supported') supported++;
      mde += c.mde / T;
    }
    // 8 points is about the MDE here (80% power by construction), so about 3 in 4 are found;
    // a broken interval (too wide, or centred wrong) finds far fewer
    expect(mde).toBeGreaterThan(6);
    expect(mde).toBeLessThan(11);
    expect(supported / T).toBeGreaterThanOrEqual(0.6);
    let lo16 = 0, hi16 = 3;
    for (let i = 0; i < 50; i++) ((m) => (pointsOf(m, sdLogit) < 16 ? (lo16 = m) : (hi16 = m)))((lo16 + hi16) / 2);
    for (let t = 0; t < 10; t++) {
      const { a, b } = simulate(r, 3, 400, sg, sa, lo16);
      expect(verdictOf(comparePaired(a, b, { scale: 100, resamples: 1000, seed: t })).verdict).toBe('supported');
    }
  });

  // 400 nulls: at a 5% rate the count of false positives has sd 4.4 (1.1%); the band [1.5%, 10%]
  // is 3.2 sd below and 4.6 above. Where per-run noise dominates the interval is conservative
  // (docs/evaluation.md: it counts that noise both at the seed and at the query level), so the
  // second regime checks only the upper end.
  it.each([
    { regime: 'runs agree per query, large seed effects (σγ = 3, σα = 0.3)', sg: 3, sa: 0.3, min: 0.015 },
    { regime: 'per-run noise dominates, small seed effects (σγ = 0, σα = 0.1)', sg: 0, sa: 0.1, min: 0 },
  ])('nulls, $regime: false-positive rate between $min and 0.1', ({ sg, sa, min }) => {
    const r = new SeededRandom(13);
    const T = 400;
    let fp = 0;
    for (let t = 0; t < T; t++) {
      const { a, b } = simulate(r, 3, 200, sg, sa);
      if (verdictOf(comparePaired(a, b, { scale: 100, resamples: 1000, seed: 1000 + t })).verdict !== 'inconclusive') fp++;
    }
    expect(fp / T).toBeLessThanOrEqual(0.1);
    expect(fp / T).toBeGreaterThanOrEqual(min);
  });
});
