/**
 * The uniformity metric (lib/eval/uniformity.ts, thesis Eqs. 3.5–3.8 as means over pairs i ≠ j)
 * against test/reference/uniformity_numpy.py (float64, explicit pairwise differences, no shift),
 * on cpu and wasm: unit rows in blocks small enough to force many block pairs (symmetric
 * halves included), unequal ground/satellite counts, raw rows with `normalize`, a sharp kernel
 * (t = 50) where float32 exponentials underflow without the log-sum-exp; a non-unit row
 * without `normalize` is a CvglError; no tensor left behind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initEngine, tf, type BackendName } from '../../lib/engine/index.js';
import { uniformityMetric } from '../../lib/eval/uniformity.js';
import { requireInCi } from '../ci_requirements.js';
import { ReferenceDir, findPython } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/uniformity_numpy.py', import.meta.url));
const py = findPython(['numpy']);

interface Case {
  ng: number;
  ns: number;
  d: number;
  t: number;
  normalize: boolean;
  blockRows: number;
  g: Float32Array;
  s: Float32Array;
}

function rows(r: Rng, n: number, d: number, unit: boolean, clusters = 0): Float32Array {
  const a = new Float32Array(n * d);
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: d }, () => r.normal()));
  for (let i = 0; i < n; i++) {
    const c = clusters ? centres[i % clusters]! : null;
    let s = 0;
    for (let k = 0; k < d; k++) s += (a[i * d + k] = (c ? 3 * c[k]! : 0) + r.normal()) ** 2;
    const f = unit ? 1 / Math.sqrt(s) : 0.5 + 3 * r.random();
    for (let k = 0; k < d; k++) a[i * d + k]! *= f;
  }
  return a;
}

const r = new Rng(21);
const CASES: Case[] = [
  { ng: 70, ns: 70, d: 12, t: 2, normalize: false, blockRows: 16, g: rows(r, 70, 12, true, 3), s: rows(r, 70, 12, true) },
  { ng: 41, ns: 57, d: 8, t: 2, normalize: true, blockRows: 9, g: rows(r, 41, 8, false, 2), s: rows(r, 57, 8, false) },
  { ng: 33, ns: 20, d: 6, t: 50, normalize: false, blockRows: 2048, g: rows(r, 33, 6, true), s: rows(r, 20, 6, true, 2) },
];

let reference: { ground: number; satellite: number; all: number }[] = [];

requireInCi('numpy under /usr/bin/python3', py.python !== null, 'reason' in py ? py.reason : undefined);

describe.skipIf(py.python === null)('uniformity metric vs NumPy', () => {
  beforeAll(() => {
    const dir = new ReferenceDir('cvgl-uniformity-');
    try {
      CASES.forEach((c, k) => {
        dir.writeF32(`g${k}.f32`, c.g);
        dir.writeF32(`s${k}.f32`, c.s);
      });
      dir.run(py.python!, SCRIPT, { cases: CASES.map((c, k) => ({ kind: 'metric', t: c.t, ng: c.ng, ns: c.ns, d: c.d, g: `g${k}.f32`, s: `s${k}.f32`, normalize: c.normalize })) });
      reference = JSON.parse(readFileSync(join(dir.dir, 'out.json'), 'utf8')).results;
    } finally {
      dir.remove();
    }
  });

  for (const backend of ['cpu', 'wasm'] as BackendName[]) {
    it(`${backend}: ground, satellite and all match`, async () => {
      await initEngine({ backend, threads: 2 });
      const before = tf.memory().numTensors;
      for (const [k, c] of CASES.entries()) {
        const asTensor = k === 1;
        const g = asTensor ? tf.tensor2d(c.g, [c.ng, c.d]) : { data: c.g, shape: [c.ng, c.d] as [number, number] };
        const s = asTensor ? tf.tensor2d(c.s, [c.ns, c.d]) : { data: c.s, shape: [c.ns, c.d] as [number, number] };
        const u = await uniformityMetric(g, s, { t: c.t, normalize: c.normalize, blockRows: c.blockRows });
        if (asTensor) tf.dispose([g as tf.Tensor, s as tf.Tensor]);
        const ref = reference[k]!;
        for (const key of ['ground', 'satellite', 'all'] as const) {
          expect(Math.abs(u[key] - ref[key]), `case ${k} ${key}: ${u[key]} vs ${ref[key]}`).toBeLessThan(2e-5 * Math.max(1, Math.abs(ref[key])));
        }
        expect(u.ground).toBeLessThan(0);
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('uniformity metric inputs', () => {
  beforeAll(() => initEngine({ backend: 'cpu' }));
  afterAll(() => undefined);

  it('a non-unit row without normalize is a CvglError naming the fix', async () => {
    const g = rows(new Rng(1), 5, 4, true);
    g[0]! *= 1.5;
    const s = rows(new Rng(2), 5, 4, true);
    await expect(uniformityMetric({ data: g, shape: [5, 4] }, { data: s, shape: [5, 4] })).rejects.toThrow(/normalize: true/);
    const u = await uniformityMetric({ data: g, shape: [5, 4] }, { data: s, shape: [5, 4] }, { normalize: true });
    expect(Number.isFinite(u.all)).toBe(true);
  });

  it('identical rows give the maximum, 0; antipodal pairs of 2 give −4t', async () => {
    const one = { data: Float32Array.from([1, 0, 1, 0, 1, 0]), shape: [3, 2] as [number, number] };
    const u = await uniformityMetric(one, one);
    expect(u.ground).toBeCloseTo(0, 6);
    expect(u.all).toBeCloseTo(0, 6);
    const anti = { data: Float32Array.from([1, 0, -1, 0]), shape: [2, 2] as [number, number] };
    expect((await uniformityMetric(anti, anti, { t: 2 })).ground).toBeCloseTo(-8, 5);
  });
});
