/**
 * lib/nn/resize.ts: TF 1 bilinear weights by hand, the resize against tf.image.resizeBilinear
 * (align_corners = false, half_pixel_centers = false) up and down on every backend, its gradient
 * (the transposed interpolation matrix), and nearest upsampling by hand; area weights (adaptive
 * average pooling) by hand, every input inside some window (the PyTorch check of the area resize
 * is in test/models/cvft.test.ts, against adaptive_avg_pool2d).
 */
import { describe, expect, it } from 'vitest';
import { Rng, tf } from '../../lib/engine/index.js';
import { areaWeights, bilinearWeights, resizeArea, resizeBilinearTf1, resizeMatrix, upsample2x } from '../../lib/nn/resize.js';
import { useBackend, maxAbsDiff } from '../engine/parity_helpers.js';
import { normalArray, testBackends } from '../reference_python.js';

const { backends: BACKENDS } = await testBackends();


describe('area weights (adaptive average pooling, hand-checked)', () => {
  it('downsampling by 2 averages pairs; 7 → 8 and 38 → 8 leave no input out', async () => {
    expect(areaWeights(4, 2)).toEqual([
      [0.5, 0.5, 0, 0],
      [0, 0, 0.5, 0.5],
    ]);
    // 7 → 8: windows [floor(7i/8), ceil(7(i+1)/8)): 0-0, 0-1, 1-2, 2-3, 3-4, 4-5, 5-6, 6-6
    expect(areaWeights(7, 8).map((r) => r.map((v) => (v ? 1 / v : 0)))).toEqual([
      [1, 0, 0, 0, 0, 0, 0],
      [2, 2, 0, 0, 0, 0, 0],
      [0, 2, 2, 0, 0, 0, 0],
      [0, 0, 2, 2, 0, 0, 0],
      [0, 0, 0, 2, 2, 0, 0],
      [0, 0, 0, 0, 2, 2, 0],
      [0, 0, 0, 0, 0, 2, 2],
      [0, 0, 0, 0, 0, 0, 1],
    ]);
    for (const [i, o] of [[38, 8], [16, 8], [7, 8], [19, 8]] as const) {
      const m = areaWeights(i, o);
      for (const row of m) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      for (let x = 0; x < i; x++) expect(m.some((row) => row[x]! > 0), `${i} → ${o}: input ${x}`).toBe(true);
    }
    // TF 1 bilinear at 2:1 reads one of every two inputs (what CVFT's old default did)
    expect(bilinearWeights(16, 8).every((row) => row.filter((v) => v > 0).length === 1)).toBe(true);
    await useBackend('cpu');
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 4, 4, 1]);
    const y = resizeArea(x, [2, 2]);
    expect(Array.from(await y.data())).toEqual([3.5, 5.5, 11.5, 13.5]);
    tf.dispose([x, y]);
  });
});

describe('TF 1 bilinear weights (hand-checked)', () => {
  it('downsampling by 2 reads every second source pixel', () => {
    expect(bilinearWeights(4, 2)).toEqual([
      [1, 0, 0, 0],
      [0, 0, 1, 0],
    ]);
  });

  it('upsampling by 2 interpolates halfway and clamps at the last pixel (no half-pixel centres)', () => {
    expect(bilinearWeights(2, 4)).toEqual([
      [1, 0],
      [0.5, 0.5],
      [0, 1],
      [0, 1],
    ]);
  });

  it('3 → 2: source x = i·1.5', () => {
    expect(bilinearWeights(3, 2)).toEqual([
      [1, 0, 0],
      [0, 0.5, 0.5],
    ]);
  });

  it('the 2-D matrix is the Kronecker product of the 1-D ones; every row sums to 1', async () => {
    await useBackend('cpu');
    const m = resizeMatrix([2, 3], [4, 2]);
    const v = await m.array();
    const ry = bilinearWeights(2, 4);
    const rx = bilinearWeights(3, 2);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 2; j++)
        for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) expect(v[i * 2 + j]![y * 3 + x]).toBeCloseTo(ry[i]![y]! * rx[j]![x]!, 7);
    for (const row of v) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    m.dispose();
  });
});

describe.each(BACKENDS)('resize and upsample on %s', (backend) => {
  it('equals tf.image.resizeBilinear (TF 1 semantics), up and down; the same size returns x itself', async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const r = new Rng(13);
    for (const [inHW, outHW] of [
      [[7, 38], [8, 8]],
      [[16, 16], [8, 8]],
      [[2, 4], [8, 8]],
      [[5, 3], [4, 6]],
    ] as [[number, number], [number, number]][]) {
      const x = tf.tensor4d(normalArray(r, 2 * inHW[0] * inHW[1] * 3), [2, ...inHW, 3]);
      const ours = resizeBilinearTf1(x, outHW);
      const ref = tf.image.resizeBilinear(x, outHW, false, false);
      expect(maxAbsDiff(await ours.data(), await ref.data()), `${inHW} -> ${outHW}`).toBeLessThan(1e-5);
      tf.dispose([x, ours, ref]);
    }
    const x = tf.ones([1, 3, 4, 2]) as tf.Tensor4D;
    expect(resizeBilinearTf1(x, [3, 4])).toBe(x);
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the gradient of Σ resize(x)·r is Mᵀ r (the resize is linear)', async () => {
    await useBackend(backend);
    const r = new Rng(15);
    const x = tf.tensor4d(normalArray(r, 1 * 3 * 5 * 1), [1, 3, 5, 1]);
    const w = tf.tensor4d(normalArray(r, 1 * 4 * 2 * 1), [1, 4, 2, 1]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(resizeBilinearTf1(t as tf.Tensor4D, [4, 2]), w)))(x);
    const m = resizeMatrix([3, 5], [4, 2]);
    const want = tf.matMul(m, tf.reshape(w, [8, 1]), true, false);
    expect(maxAbsDiff(await g.data(), await want.data())).toBeLessThan(1e-5);
    tf.dispose([x, w, g, m, want]);
  });

  it('upsample2x repeats every value in a 2 x 2 block (hand-checked), its gradient sums the block', async () => {
    await useBackend(backend);
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]); // 2x2 map, 2 channels
    const y = upsample2x(x);
    expect(y.shape).toEqual([1, 4, 4, 2]);
    const ch0 = await tf.tidy(() => tf.squeeze(tf.slice(y, [0, 0, 0, 0], [1, 4, 4, 1]))).array();
    expect(ch0).toEqual([
      [1, 1, 2, 2],
      [1, 1, 2, 2],
      [3, 3, 4, 4],
      [3, 3, 4, 4],
    ]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(upsample2x(t as tf.Tensor4D)))(x);
    expect(Array.from(await g.data())).toEqual([4, 4, 4, 4, 4, 4, 4, 4]);
    tf.dispose([x, y, g]);
  });
});
