/**
 * lib/nn's small layers: L2 normalisation (unit rows, zero rows stay zero, any axis), LayerNorm
 * and instance norm against float64 by hand, exact GELU at known values, dense and convolution
 * layers (applied per position, 'same' padding) and their initialisers (names, draw order, the
 * bounds of each scheme), TF's truncated normal; and the layer rule: lib/nn imports only from
 * lib/engine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng, tf } from '../../lib/engine/index.js';
import { gelu } from '../../lib/nn/activations.js';
import { conv, convLayer } from '../../lib/nn/conv.js';
import { dense, densePerPosition, denseLayer } from '../../lib/nn/dense.js';
import { GLOROT_UNIFORM, TORCH_DEFAULT, truncatedNormal } from '../../lib/nn/init.js';
import { l2Normalize, l2NormalizeRows } from '../../lib/nn/l2.js';
import { instanceNorm, layerNorm } from '../../lib/nn/norm.js';
import { useBackend, maxAbsDiff } from '../engine/parity_helpers.js';


describe('lib/nn layers (cpu and wasm)', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`L2 normalisation on ${backend}: unit rows, a zero row stays zero, other axes`, async () => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const x = tf.tensor2d([[3, 4], [0, 0], [1e-20, 0]]);
      const y = l2NormalizeRows(x);
      // 1e-20 is below the 1e-12 clamp: divided by 1e-12, not made a unit row
      expect(maxAbsDiff(await y.data(), [0.6, 0.8, 0, 0, 1e-8, 0])).toBeLessThan(1e-7);
      const t = tf.tensor3d([1, 2, 2, 0, 3, 4], [1, 2, 3]);
      const a1 = l2Normalize(t, 2);
      expect(maxAbsDiff(await a1.data(), [1 / 3, 2 / 3, 2 / 3, 0, 0.6, 0.8])).toBeLessThan(1e-6);
      const a2 = l2Normalize(t, 1); // columns of the 2 x 3 slice
      expect(maxAbsDiff(await a2.data(), [1, 2 / Math.sqrt(13), 2 / Math.sqrt(20), 0, 3 / Math.sqrt(13), 4 / Math.sqrt(20)])).toBeLessThan(1e-6);
      tf.dispose([x, y, t, a1, a2]);
      expect(tf.memory().numTensors).toBe(before);
    });

    it(`LayerNorm and instance norm on ${backend} equal the float64 formula`, async () => {
      await useBackend(backend);
      const r = new Rng(21);
      const v = Array.from({ length: 2 * 3 * 4 }, () => r.normal());
      const g = Array.from({ length: 4 }, () => 1 + 0.1 * r.normal());
      const b = Array.from({ length: 4 }, () => 0.1 * r.normal());
      const x = tf.tensor3d(v, [2, 3, 4]);
      const ln = layerNorm(x, tf.tensor1d(g), tf.tensor1d(b));
      const want: number[] = [];
      for (let row = 0; row < 6; row++) {
        const s = v.slice(row * 4, row * 4 + 4);
        const m = s.reduce((a, c) => a + c, 0) / 4;
        const vr = s.reduce((a, c) => a + (c - m) ** 2, 0) / 4; // biased
        s.forEach((c, j) => want.push(((c - m) / Math.sqrt(vr + 1e-5)) * g[j]! + b[j]!));
      }
      expect(maxAbsDiff(await ln.data(), want)).toBeLessThan(1e-5);
      // instance norm of [1, 2, 2, 1]: over H = 2, W = 2 per channel
      const y = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
      const inorm = instanceNorm(y);
      const z = (c: number, m: number, vr: number) => (c - m) / Math.sqrt(vr + 1e-5);
      expect(maxAbsDiff(await inorm.data(), [z(1, 2.5, 1.25), z(10, 25, 125), z(2, 2.5, 1.25), z(20, 25, 125), z(3, 2.5, 1.25), z(30, 25, 125), z(4, 2.5, 1.25), z(40, 25, 125)])).toBeLessThan(1e-5);
      tf.dispose([x, ln, y, inorm]);
    });

    it(`exact GELU on ${backend}: 0.5·x·(1 + erf(x/√2)) at known values`, async () => {
      await useBackend(backend);
      const x = tf.tensor1d([-3, -1, 0, 0.5, 1, 2]);
      const y = gelu(x);
      // Φ(x)·x with Φ the standard normal CDF
      expect(maxAbsDiff(await y.data(), [-0.0040496, -0.1586553, 0, 0.3457312, 0.8413447, 1.9544997])).toBeLessThan(2e-6);
      tf.dispose([x, y]);
    });
  }

  it('dense: x W + b, per position the same as per row; conv: "same" padding keeps the size', async () => {
    await useBackend('cpu');
    const r = new Rng(22);
    const l = denseLayer(r, 'nn-test/fc', 3, 2, TORCH_DEFAULT);
    const x = tf.tensor3d(Array.from({ length: 2 * 4 * 3 }, () => r.normal()), [2, 4, 3]);
    const perPos = densePerPosition(x, l);
    expect(perPos.shape).toEqual([2, 4, 2]);
    const perRow = dense(tf.reshape(x, [8, 3]) as tf.Tensor2D, l);
    expect(maxAbsDiff(await perPos.data(), await perRow.data())).toBe(0);
    const w = await l.w.array() as number[][];
    const bb = await l.b.array() as number[];
    const xv = await x.array() as number[][][];
    expect((await perPos.array() as number[][][])[1]![2]![1]).toBeCloseTo(xv[1]![2]!.reduce((s, c, i) => s + c * w[i]![1]!, bb[1]!), 5);
    const c = convLayer(r, 'nn-test/conv', 3, 3, 5, 2, GLOROT_UNIFORM);
    const img = tf.ones([1, 7, 6, 3]) as tf.Tensor4D;
    expect(conv(img, c).shape).toEqual([1, 4, 3, 5]);
    tf.dispose([x, perPos, perRow, img, l.w, l.b, c.w, c.b]);
  });

  it('initialisers: names, weight before bias, the bounds of each scheme, one seed one result', async () => {
    await useBackend('cpu');
    const r1 = new Rng(23);
    const a = denseLayer(r1, 'nn-test/a', 100, 50, TORCH_DEFAULT);
    expect([a.w.name, a.b.name]).toEqual(['nn-test/a.weight', 'nn-test/a.bias']);
    const wa = await a.w.data(), ba = await a.b.data();
    expect(Math.max(...wa.map(Math.abs))).toBeLessThanOrEqual(0.1); // 1/√100
    expect(Math.max(...wa.map(Math.abs))).toBeGreaterThan(0.09);
    expect(Math.max(...ba.map(Math.abs))).toBeLessThanOrEqual(0.1);
    expect(Math.max(...ba.map(Math.abs))).toBeGreaterThan(0); // torch draws the bias too
    // the weight is drawn first, from the same stream as the Rng's own uniformTensor
    const r2 = new Rng(23);
    const ref = r2.uniformTensor([100, 50], -0.1, 0.1);
    expect(maxAbsDiff(wa, await ref.data())).toBe(0);
    // glorot: U(±√(6/(k²cin + k²cout))), zero bias; a [1, 3] kernel has fans 3·cin and 3·cout
    const g = convLayer(new Rng(24), 'nn-test/g', [1, 3], 8, 4, 1, GLOROT_UNIFORM);
    expect(g.w.shape).toEqual([1, 3, 8, 4]);
    const lim = Math.sqrt(6 / (3 * 8 + 3 * 4));
    const wg = await g.w.data();
    expect(Math.max(...wg.map(Math.abs))).toBeLessThanOrEqual(lim);
    expect(Math.max(...wg.map(Math.abs))).toBeGreaterThan(0.8 * lim);
    expect(Array.from(await g.b.data())).toEqual([0, 0, 0, 0]);
    const n = convLayer(new Rng(25), 'nn-test/n', 1, 50, 40, 1, { kind: 'normal', std: 0.001 });
    const wn = Float32Array.from(await n.w.data());
    const sd = Math.sqrt(wn.reduce((s, v) => s + v * v, 0) / wn.length);
    expect(sd).toBeGreaterThan(0.0009);
    expect(sd).toBeLessThan(0.0011);
    expect(Array.from(await n.b.data()).every((v) => v === 0)).toBe(true);
    // TF's truncated normal: nothing beyond 2 std
    const t = truncatedNormal(new Rng(26), [4000], 0.005);
    const tv = await t.data();
    expect(Math.max(...tv.map(Math.abs))).toBeLessThanOrEqual(0.01 + 1e-9);
    expect(Math.max(...tv.map(Math.abs))).toBeGreaterThan(0.009);
    tf.dispose([a.w, a.b, ref, g.w, g.b, n.w, n.b, t]);
  });
});

describe('the layer rule', () => {
  it('lib/nn imports only from lib/nn and lib/engine', () => {
    const dir = fileURLToPath(new URL('../../lib/nn/', import.meta.url));
    const bad: string[] = [];
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const src = readFileSync(dir + f, 'utf8');
      for (const m of src.matchAll(/^(?:import|export)\b[^;]*?from\s+'([^']+)'/gms)) {
        const spec = m[1]!;
        if (!(spec.startsWith('./') || spec.startsWith('../engine/'))) bad.push(`${f}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
