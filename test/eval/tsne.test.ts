/**
 * t-SNE (lib/eval/tsne.ts, thesis 003 Sec. 3.3) and trustworthiness (lib/eval/trustworthiness.ts):
 *   - against scikit-learn 1.2's TSNE on the same data (test/reference/tsne_sklearn.py): 600 points
 *     of 5 Gaussian clusters in 32-d, embedded by ours (Barnes–Hut and exact repulsion) and by
 *     sklearn (same perplexity, init='pca'); trustworthiness (k = 5, 10) of ours within 0.05 of
 *     sklearn's and above 0.9, final KL within 15% of sklearn's, 2-D kNN label agreement ≥ 0.95;
 *   - our trustworthiness equal to sklearn's (1e-6) on the same (X, Y);
 *   - without python: the gradient against central differences of the KL, Barnes–Hut with θ = 0
 *     against exact repulsion, P (symmetric, sums to 1, rows at the asked perplexity), the PCA
 *     init (std 1e-4, the top principal direction), seeded determinism, sync = async, progress,
 *     and the input errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CvglError } from '../../lib/engine/errors.js';
import { SeededRandom } from '../../lib/engine/random.js';
import { conditionalProbabilities, nearestNeighbours, symmetrise, type SparseRows } from '../../lib/eval/tsne_affinities.js';
import { gradientWorkspace, klDivergenceExact, klGradient } from '../../lib/eval/tsne_gradient.js';
import { pcaInit, symmetricEigen } from '../../lib/eval/tsne_pca.js';
import { jointProbabilities, trustworthiness, tsne, tsneSync, type TsneResult } from '../../lib/eval/tsne.js';
import { requireInCi } from '../ci_requirements.js';
import { findPython, ReferenceDir } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/tsne_sklearn.py', import.meta.url));

/** n points of `clusters` Gaussian blobs (unit std, centres N(0, spread²)) in dim-d; labels i % clusters. */
function blobs(seed: number, n: number, dim: number, clusters: number, spread = 3): { x: Float32Array; labels: Int32Array } {
  const r = new SeededRandom(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => spread * r.normal()));
  const x = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % clusters;
    for (let t = 0; t < dim; t++) x[i * dim + t] = centres[labels[i]!]![t]! + r.normal();
  }
  return { x, labels };
}

/** Fraction of points whose k nearest 2-D neighbours mostly (majority vote) share their label. */
function knnLabelAgreement(y: ArrayLike<number>, labels: Int32Array, k = 10): number {
  const n = labels.length;
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const d = Array.from({ length: n }, (_, j) => [(y[2 * i]! - y[2 * j]!) ** 2 + (y[2 * i + 1]! - y[2 * j + 1]!) ** 2, j] as const)
      .filter(([, j]) => j !== i)
      .sort((a, b) => a[0] - b[0])
      .slice(0, k);
    const votes = new Map<number, number>();
    for (const [, j] of d) votes.set(labels[j]!, (votes.get(labels[j]!) ?? 0) + 1);
    const best = [...votes].sort((a, b) => b[1] - a[1])[0]![0];
    if (best === labels[i]) ok++;
  }
  return ok / n;
}

const sk = findPython(['numpy', 'sklearn']);

describe('t-SNE against scikit-learn', () => {
  requireInCi("Debian's python3-sklearn (t-SNE reference; CVGL_PYTHON to override)", sk.python != null, 'reason' in sk ? sk.reason : undefined);
  const N = 600, DIM = 32, PERPLEXITY = 30;
  const { x, labels } = blobs(7, N, DIM, 5);
  const ours: Record<string, TsneResult> = {};
  let ref: {
    kl_sklearn: number;
    n_iter_sklearn: number;
    seconds_sklearn: number;
    trust: Record<string, Record<string, number>>;
  };
  let ySklearn: Float32Array;
  let oursF32: Record<string, Float32Array> = {};
  const seconds: Record<string, number> = {};

  beforeAll(() => {
    if (!sk.python) return;
    for (const method of ['barnes_hut', 'exact'] as const) {
      const t0 = performance.now();
      ours[method] = tsneSync(x, N, DIM, { perplexity: PERPLEXITY, method, seed: 3 });
      seconds[method] = (performance.now() - t0) / 1000;
    }
    oursF32 = Object.fromEntries(Object.entries(ours).map(([k, v]) => [k, Float32Array.from(v.y)]));
    const dir = new ReferenceDir('cvgl-tsne-');
    try {
      dir.writeF32('x.f32', x);
      for (const [k, v] of Object.entries(oursF32)) dir.writeF32(`y_${k}.f32`, v);
      dir.run(sk.python, SCRIPT, {
        n: N,
        dim: DIM,
        x: 'x.f32',
        perplexity: PERPLEXITY,
        random_state: 0,
        k: [5, 10],
        ours: Object.fromEntries(Object.keys(oursF32).map((k) => [k, `y_${k}.f32`])),
      });
      ySklearn = dir.readF32('y_sklearn.f32');
      ref = JSON.parse(readFileSync(join(dir.dir, 'out.json'), 'utf8'));
    } finally {
      dir.remove();
    }
  }, 120_000);

  afterAll(() => {
    if (!ref) return;
    const rows = ['barnes_hut', 'exact'].map(
      (m) => `  ours ${m.padEnd(10)} T5 ${ref.trust[m]!['5']!.toFixed(4)}  T10 ${ref.trust[m]!['10']!.toFixed(4)}  KL ${ours[m]!.klDivergence.toFixed(4)}  ${seconds[m]!.toFixed(1)} s`,
    );
    console.log(
      `t-SNE, ${N} × ${DIM}-d, 5 clusters:\n${rows.join('\n')}\n  sklearn         T5 ${ref.trust.sklearn!['5']!.toFixed(4)}  T10 ${ref.trust.sklearn!['10']!.toFixed(4)}  KL ${ref.kl_sklearn.toFixed(4)}  ${ref.seconds_sklearn.toFixed(1)} s`,
    );
  });

  it.skipIf(!sk.python).each(['barnes_hut', 'exact'])('%s: trustworthiness and KL as sklearn’s, clusters separated', (method) => {
    const r = ours[method]!;
    expect(r.method).toBe(method);
    expect(r.iterations).toBe(1000);
    expect(r.learningRate).toBe(50); // max(600 / 12 / 4, 50)
    for (const k of ['5', '10']) {
      const t = ref.trust[method]![k]!;
      const tSk = ref.trust.sklearn![k]!;
      expect(Math.abs(t - tSk), `T${k} ours ${t} vs sklearn ${tSk}`).toBeLessThanOrEqual(0.05);
      expect(t, `T${k}`).toBeGreaterThan(0.9);
    }
    expect(Math.abs(r.klDivergence - ref.kl_sklearn) / ref.kl_sklearn, `KL ours ${r.klDivergence} vs sklearn ${ref.kl_sklearn}`).toBeLessThan(0.15);
    expect(knnLabelAgreement(r.y, labels)).toBeGreaterThanOrEqual(0.95);
    expect(knnLabelAgreement(ySklearn, labels)).toBeGreaterThanOrEqual(0.95); // the data are as meant
  });

  it.skipIf(!sk.python)('our trustworthiness equals sklearn.manifold.trustworthiness on the same (X, Y)', () => {
    for (const [label, y] of [...Object.entries(oursF32), ['sklearn', ySklearn] as const]) {
      for (const k of [5, 10]) {
        expect(Math.abs(trustworthiness(x, N, DIM, y, k) - ref.trust[label]![String(k)]!), `${label} k=${k}`).toBeLessThan(1e-6);
      }
    }
  });
});

// ------------------------------------------------------------------------- without python

/** P of random data, for the gradient tests. */
function smallP(seed: number, n: number, dim: number, perplexity: number): { x: Float64Array; p: SparseRows } {
  const r = new SeededRandom(seed);
  const x = Float64Array.from({ length: n * dim }, () => r.normal());
  const g = jointProbabilities(x, n, dim, perplexity);
  let s = g.next();
  while (!s.done) s = g.next();
  return { x, p: s.value };
}

describe('t-SNE pieces', () => {
  it('the gradient is that of the KL divergence (central differences)', () => {
    const n = 25;
    const { p } = smallP(1, n, 6, 5);
    const r = new SeededRandom(2);
    const y = Float64Array.from({ length: 2 * n }, () => 2 * r.normal());
    const grad = new Float64Array(2 * n);
    klGradient(p, y, grad, { theta: 0, exact: true, exaggeration: 1, withError: false, ws: gradientWorkspace(n) });
    const h = 1e-5;
    let maxErr = 0, maxG = 0;
    for (let e = 0; e < 2 * n; e++) {
      const yp = Float64Array.from(y), ym = Float64Array.from(y);
      yp[e] = yp[e]! + h;
      ym[e] = ym[e]! - h;
      const fd = (klDivergenceExact(p, yp) - klDivergenceExact(p, ym)) / (2 * h);
      maxErr = Math.max(maxErr, Math.abs(fd - grad[e]!));
      maxG = Math.max(maxG, Math.abs(grad[e]!));
    }
    expect(maxG).toBeGreaterThan(1e-3);
    expect(maxErr / maxG).toBeLessThan(1e-6);
  });

  it('Barnes–Hut with θ = 0 equals exact repulsion; θ = 0.5 stays close; coincident points are fine', () => {
    const n = 300;
    const { p } = smallP(3, n, 8, 20);
    const r = new SeededRandom(4);
    const y = Float64Array.from({ length: 2 * n }, () => 5 * r.normal());
    y[2] = y[0]!; // two coincident points
    y[3] = y[1]!;
    const ws = gradientWorkspace(n);
    const run = (theta: number, exact: boolean) => {
      const g = new Float64Array(2 * n);
      const kl = klGradient(p, y, g, { theta, exact, exaggeration: 1, withError: true, ws });
      return { g, kl };
    };
    const ex = run(0, true), bh0 = run(0, false), bh5 = run(0.5, false);
    const relErr = (a: Float64Array, b: Float64Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) / Math.max(...b.map(Math.abs));
    expect(relErr(bh0.g, ex.g)).toBeLessThan(1e-10);
    expect(Math.abs(bh0.kl - ex.kl)).toBeLessThan(1e-10);
    expect(relErr(bh5.g, ex.g)).toBeLessThan(0.05);
    expect(Math.abs(bh5.kl - ex.kl) / ex.kl).toBeLessThan(0.01);
  });

  it('P is symmetric, sums to 1, and each conditional row has the asked perplexity', () => {
    const n = 120, dim = 5, perp = 10;
    const r = new SeededRandom(5);
    const x = Float64Array.from({ length: n * dim }, () => r.normal());
    const k = 31;
    const knnGen = nearestNeighbours(x, n, dim, k);
    let a = knnGen.next();
    while (!a.done) a = knnGen.next();
    const nb = a.value;
    // neighbours are the true nearest, ascending
    const brute = Array.from({ length: n }, (_, j) => [0, j] as [number, number]);
    for (let j = 0; j < n; j++) for (let t = 0; t < dim; t++) brute[j]![0] += (x[t]! - x[j * dim + t]!) ** 2;
    const want = brute.filter(([, j]) => j !== 0).sort((u, v) => u[0] - v[0]).slice(0, k).map(([, j]) => j);
    expect(Array.from(nb.indices.subarray(0, k))).toEqual(want);
    const cpGen = conditionalProbabilities(nb, n, perp);
    let c = cpGen.next();
    while (!c.done) c = cpGen.next();
    const cond = c.value;
    for (let i = 0; i < n; i++) {
      let h = 0, s = 0;
      for (let t = 0; t < k; t++) {
        const v = cond[i * k + t]!;
        s += v;
        if (v > 0) h -= v * Math.log(v);
      }
      expect(s).toBeCloseTo(1, 12);
      expect(Math.abs(Math.exp(h) - perp)).toBeLessThan(1e-3);
    }
    const P = symmetrise(nb, cond, n);
    const dense = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let e = P.rowPtr[i]!; e < P.rowPtr[i + 1]!; e++) dense[i * n + P.cols[e]!] = dense[i * n + P.cols[e]!]! + P.vals[e]!;
    let total = 0;
    for (let i = 0; i < n; i++) {
      expect(dense[i * n + i]).toBe(0);
      for (let j = 0; j < n; j++) {
        total += dense[i * n + j]!;
        expect(Math.abs(dense[i * n + j]! - dense[j * n + i]!)).toBeLessThan(1e-15);
      }
    }
    expect(total).toBeCloseTo(1, 12);
  });

  it("the PCA init lies along the top principal direction, std 1e-4, sign as sklearn's svd_flip", () => {
    const n = 200, dim = 6;
    const r = new SeededRandom(6);
    // anisotropic data: axis scales 5, 3, 1, 1, 1, 1 in a rotated basis
    const x = new Float64Array(n * dim);
    for (let i = 0; i < n; i++) {
      const z = [5 * r.normal(), 3 * r.normal(), r.normal(), r.normal(), r.normal(), r.normal()];
      for (let t = 0; t < dim; t++) x[i * dim + t] = z[t]! * Math.cos(t) + z[(t + 1) % dim]! * Math.sin(t);
    }
    const y = pcaInit(x, n, dim, new SeededRandom(0));
    const mean = new Float64Array(dim);
    for (let i = 0; i < n; i++) for (let t = 0; t < dim; t++) mean[t] = mean[t]! + x[i * dim + t]! / n;
    const cov = new Float64Array(dim * dim);
    for (let i = 0; i < n; i++) for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) cov[a * dim + b] = cov[a * dim + b]! + (x[i * dim + a]! - mean[a]!) * (x[i * dim + b]! - mean[b]!);
    const { values, vectors } = symmetricEigen(cov, dim);
    const order = [...values.keys()].sort((a, b) => values[b]! - values[a]!);
    for (const [c, scale] of [[0, 1], [1, Math.sqrt(values[order[1]!]! / values[order[0]!]!)]] as const) {
      const v = order[c]!;
      const s = Array.from({ length: n }, (_, i) => {
        let d = 0;
        for (let t = 0; t < dim; t++) d += (x[i * dim + t]! - mean[t]!) * vectors[t * dim + v]!;
        return d;
      });
      const sd = Math.sqrt(s.reduce((a, b) => a + b * b, 0) / n);
      const big = s.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
      const want = s.map((d) => (Math.sign(big) * d * 1e-4) / (sd / scale));
      const got = Array.from({ length: n }, (_, i) => y[2 * i + c]!);
      expect(Math.max(...got.map((g, i) => Math.abs(g - want[i]!))), `component ${c}`).toBeLessThan(1e-9);
    }
  });

  it('same seed, same bits; tsne (async) = tsneSync; progress reaches nIter', async () => {
    const { x } = blobs(8, 150, 10, 3);
    const opts = { perplexity: 10, nIter: 300, seed: 5, method: 'barnes_hut' as const };
    const a = tsneSync(x, 150, 10, opts);
    const b = tsneSync(x, 150, 10, opts);
    expect(Buffer.from(a.y.buffer).equals(Buffer.from(b.y.buffer))).toBe(true);
    const seen: number[] = [];
    const c = await tsne(x, 150, 10, { ...opts, onProgress: (d, t, s) => s === 'optimise' && seen.push(d / t) });
    expect(Buffer.from(c.y.buffer).equals(Buffer.from(a.y.buffer))).toBe(true);
    expect(c.klDivergence).toBe(a.klDivergence);
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((v, i) => i === 0 || v > seen[i - 1]!)).toBe(true);
    // 'random' init is seeded too
    const r1 = tsneSync(x, 150, 10, { ...opts, init: 'random' });
    const r2 = tsneSync(x, 150, 10, { ...opts, init: 'random', seed: 6 });
    expect(Buffer.from(r1.y.buffer).equals(Buffer.from(tsneSync(x, 150, 10, { ...opts, init: 'random' }).y.buffer))).toBe(true);
    expect(Buffer.from(r1.y.buffer).equals(Buffer.from(r2.y.buffer))).toBe(false);
  });

  it('says what to do about bad input', () => {
    const { x } = blobs(9, 40, 4, 2);
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(CvglError);
        return (e as CvglError).message;
      }
      throw new Error('no error thrown');
    };
    expect(err(() => tsneSync(x, 40, 4, { perplexity: 39 }))).toMatch(/perplexity 39 for n = 40[\s\S]*lower the perplexity/);
    expect(err(() => tsneSync(x, 40, 5, { perplexity: 5 }))).toMatch(/200 values/);
    const nan = Float32Array.from(x);
    nan[13] = NaN;
    expect(err(() => tsneSync(nan, 40, 4, { perplexity: 5 }))).toMatch(/row 3, column 1/);
    expect(err(() => tsneSync(x, 40, 4, { perplexity: 5, theta: 2 }))).toMatch(/θ/);
    expect(err(() => tsneSync(new Float32Array(40 * 4).fill(1), 40, 4, { perplexity: 5 }))).toMatch(/identical/);
    expect(err(() => trustworthiness(x, 40, 4, new Float64Array(80), 20))).toMatch(/k = 20/);
  });

  it('trustworthiness is 1 for an isometric embedding and drops for a shuffled one', () => {
    const n = 60;
    const r = new SeededRandom(10);
    const y = Float64Array.from({ length: 2 * n }, () => r.normal());
    const x = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      x[3 * i] = y[2 * i]! * 0.6 - y[2 * i + 1]! * 0.8 + 1;
      x[3 * i + 1] = y[2 * i]! * 0.8 + y[2 * i + 1]! * 0.6;
      x[3 * i + 2] = 4;
    }
    expect(trustworthiness(x, n, 3, y, 5)).toBeCloseTo(1, 12);
    const shuffled = Float64Array.from(y);
    r.shuffle(Array.from({ length: n }, (_, i) => i)).forEach((j, i) => {
      shuffled[2 * i] = y[2 * j]!;
      shuffled[2 * i + 1] = y[2 * j + 1]!;
    });
    expect(trustworthiness(x, n, 3, shuffled, 5)).toBeLessThan(0.8);
  });
});
