/**
 * The uniformity loss (lib/losses/uniformity.ts, thesis Eq. 3.9): value and gradients with
 * respect to both inputs against float64 torch autograd (test/reference/uniformity_numpy.py), on
 * cpu and wasm, raw (un-normalised) rows, batch sizes 2 and 9, t = 2 and t = 40 (where
 * exp(−t‖·‖²) underflows float32 without the log-sum-exp shift); a central finite difference of
 * our own value agrees with our gradient; B = 1 is a CvglError; no tensor left behind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initEngine, tf, type BackendName } from '../../lib/engine/index.js';
import { uniformityLoss } from '../../lib/losses/uniformity.js';
import { requireInCi } from '../ci_requirements.js';
import { relErr } from '../engine/parity_helpers.js';
import { ReferenceDir, findPython, normalArray } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/uniformity_numpy.py', import.meta.url));
const py = findPython(['numpy', 'torch']);

const r = new Rng(8);
const CASES = [
  { b: 2, d: 5, t: 2 },
  { b: 9, d: 16, t: 2 },
  { b: 9, d: 16, t: 40 },
].map((c) => ({ ...c, g: normalArray(r, c.b * c.d, 2), s: normalArray(r, c.b * c.d, 0.5) }));

interface Ref {
  value: number;
  gradG: Float32Array;
  gradS: Float32Array;
}
let refs: Ref[] = [];

function ours(c: (typeof CASES)[number]): { value: number; gradG: Float32Array; gradS: Float32Array } {
  const g = tf.tensor2d(c.g, [c.b, c.d]), s = tf.tensor2d(c.s, [c.b, c.d]);
  const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => uniformityLoss(a as tf.Tensor2D, b as tf.Tensor2D, c.t))([g, s]);
  const out = { value: value.dataSync()[0]!, gradG: grads[0]!.dataSync() as Float32Array, gradS: grads[1]!.dataSync() as Float32Array };
  tf.dispose([g, s, value, ...grads]);
  return out;
}

requireInCi('torch under /usr/bin/python3', py.python !== null, 'reason' in py ? py.reason : undefined);

describe.skipIf(py.python === null)('uniformity loss vs torch autograd', () => {
  beforeAll(() => {
    const dir = new ReferenceDir('cvgl-uniformity-loss-');
    try {
      CASES.forEach((c, k) => {
        dir.writeF32(`g${k}.f32`, c.g);
        dir.writeF32(`s${k}.f32`, c.s);
      });
      dir.run(py.python!, SCRIPT, { cases: CASES.map((c, k) => ({ kind: 'loss', t: c.t, ng: c.b, ns: c.b, d: c.d, g: `g${k}.f32`, s: `s${k}.f32` })) });
      const out = JSON.parse(readFileSync(join(dir.dir, 'out.json'), 'utf8')).results as { value: number }[];
      refs = out.map((o, k) => ({ value: o.value, gradG: dir.readF32(`grad_g_${k}.f32`), gradS: dir.readF32(`grad_s_${k}.f32`) }));
    } finally {
      dir.remove();
    }
  });

  for (const backend of ['cpu', 'wasm'] as BackendName[]) {
    it(`${backend}: value and gradients`, async () => {
      await initEngine({ backend, threads: 2 });
      const before = tf.memory().numTensors;
      for (const [k, c] of CASES.entries()) {
        const o = ours(c), ref = refs[k]!;
        expect(Math.abs(o.value - ref.value) / Math.max(1, Math.abs(ref.value)), `case ${k} value ${o.value} vs ${ref.value}`).toBeLessThan(1e-5);
        expect(relErr(o.gradG, ref.gradG), `case ${k} grad g`).toBeLessThan(1e-4);
        expect(relErr(o.gradS, ref.gradS), `case ${k} grad s`).toBeLessThan(1e-4);
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('uniformity loss', () => {
  beforeAll(() => initEngine({ backend: 'cpu' }));

  it('finite differences of the value match the gradient', () => {
    const c = CASES[1]!;
    const o = ours(c);
    const f = (g: Float32Array) => {
      const a = tf.tensor2d(g, [c.b, c.d]), b = tf.tensor2d(c.s, [c.b, c.d]);
      const v = tf.tidy(() => uniformityLoss(a, b, c.t).dataSync()[0]!);
      tf.dispose([a, b]);
      return v;
    };
    const h = 1e-2;
    for (const idx of [0, 7, 33, 100]) {
      const up = Float32Array.from(c.g), dn = Float32Array.from(c.g);
      up[idx]! += h;
      dn[idx]! -= h;
      const fd = (f(up) - f(dn)) / (2 * h);
      expect(Math.abs(fd - o.gradG[idx]!), `entry ${idx}: fd ${fd} vs ${o.gradG[idx]}`).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
    }
  });

  it('needs two rows per view', () => {
    const a = tf.ones([1, 3]) as tf.Tensor2D, b = tf.ones([2, 3]) as tf.Tensor2D;
    expect(() => uniformityLoss(a, b)).toThrow(/at least 2 ground/);
    tf.dispose([a, b]);
  });
});
