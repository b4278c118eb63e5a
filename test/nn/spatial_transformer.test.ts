/**
 * lib/nn/grid_sample.ts, lib/nn/spatial_transformer.ts, lib/nn/linear_solve.ts on small
 * hand-checked cases: bilinear sampling at pixel centres, between them and off the map (zero
 * padding), its gradient in the coordinates; the affine transformer's identity and flip; the TPS
 * identity, its reproduction of affine maps, its interpolation matrix at the control points; the
 * linear solver with pivoting and its error on a singular system. (The affine transformer against
 * torch's affine_grid + grid_sample: test/models/cvft.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { CvglError, Rng, tf } from '../../lib/engine/index.js';
import { normCoord, sampleFeatureMap } from '../../lib/nn/grid_sample.js';
import { solveLinearSystem } from '../../lib/nn/linear_solve.js';
import { affineTransform, tpsControlPoints, tpsMatrix, tpsTransform } from '../../lib/nn/spatial_transformer.js';
import { relErr, useBackend, maxAbsDiff } from '../engine/parity_helpers.js';
import { normalArray, testBackends } from '../reference_python.js';

const { backends: BACKENDS } = await testBackends();


/** Pixel column x of w, row y of h → normalised (align_corners = true). */
const nx = (x: number, n: number) => -1 + (2 * x) / (n - 1);

describe('coordinates, control points, the linear solver', () => {
  it('normCoord: −1 at the first pixel, 1 at the last, 0 for a single pixel', () => {
    expect([normCoord(0, 5), normCoord(2, 5), normCoord(4, 5), normCoord(0, 1)]).toEqual([-1, 0, 1, 0]);
  });

  it('tpsControlPoints(2) are the four corners, row-major (x, y)', () => {
    expect(tpsControlPoints(2)).toEqual([
      [-1, -1],
      [1, -1],
      [-1, 1],
      [1, 1],
    ]);
  });

  it('solves a system that needs a row swap (zero first pivot)', () => {
    // x = 1, y = 2, z = 3
    const a = [
      [0, 2, 1],
      [1, 1, 1],
      [2, 0, -1],
    ];
    const b = [[7, 1], [6, 0], [-1, 0]];
    const x = solveLinearSystem(a, b);
    expect(x.map((r) => r[0]!)).toEqual([expect.closeTo(1, 12), expect.closeTo(2, 12), expect.closeTo(3, 12)]);
    // second column: A x = e_1 (the first column of A⁻¹)
    for (let i = 0; i < 3; i++) expect(a[i]!.reduce((s, v, j) => s + v * x[j]![1]!, 0)).toBeCloseTo(i === 0 ? 1 : 0, 12);
  });

  it('a singular system is a CvglError; collinear TPS control points say so', () => {
    expect(() => solveLinearSystem([[1, 2], [2, 4]], [[1], [2]])).toThrow(CvglError);
    const line: [number, number][] = [[-1, 0], [0, 0], [1, 0]];
    expect(() => tpsMatrix(3, 3, line)).toThrow(/TPS control points/);
  });
});

describe.each(BACKENDS)('grid sampling and spatial transformers on %s', (backend) => {
  it('samples pixels exactly, bilinearly between them, and zero-pads outside (hand-checked)', async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    // f: 2 x 3, one channel: [[1, 2, 3], [4, 5, 6]]; six samples (one per output position)
    const f = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    const pts: [number, number, number][] = [
      // pixel (x, y) → expected value
      [2, 0, 3], // a pixel
      [0, 1, 4], // a pixel
      [0.5, 0.5, 3], // mean of 1, 2, 4, 5
      [1.25, 0, 2.25], // between 2 and 3
      [-0.5, 0, 0.5], // half outside: 0.5·f(0,0), zero padding
      [2.5, 1, 3], // half outside: 0.5·f(2,1)
    ];
    const xs = tf.tensor2d([pts.map(([x]) => nx(x, 3))]);
    const ys = tf.tensor2d([pts.map(([, y]) => nx(y, 2))]);
    const out = sampleFeatureMap(f, xs, ys);
    expect(out.shape).toEqual([1, 2, 3, 1]);
    expect(maxAbsDiff(await out.data(), pts.map(([, , v]) => v))).toBeLessThan(1e-5);
    // d out / d xs = right neighbour − left neighbour along x (0 outside), times (w − 1)/2 = 1; at
    // an integer x the cell to the right (one-sided, as grid_sample): at x = 2 that is 0 − 3
    const g = tf.grad((t: tf.Tensor) => tf.sum(sampleFeatureMap(f, t as tf.Tensor2D, ys)))(xs);
    expect(maxAbsDiff(await g.data(), [-3, 1, 1, 1, 1, -6])).toBeLessThan(1e-5);
    tf.dispose([f, xs, ys, out, g]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('affine: θ = identity returns f, θ = x-flip mirrors the columns', async () => {
    await useBackend(backend);
    const r = new Rng(16);
    const f = tf.tensor4d(normalArray(r, 2 * 4 * 5 * 3), [2, 4, 5, 3]);
    const id = tf.tensor2d([1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0], [2, 6]);
    const flip = tf.tensor2d([-1, 0, 0, 0, 1, 0, -1, 0, 0, 0, 1, 0], [2, 6]);
    const a = affineTransform(f, id);
    const b = affineTransform(f, flip);
    const mirrored = tf.reverse(f, 2);
    expect(maxAbsDiff(await a.data(), await f.data())).toBeLessThan(1e-5);
    expect(maxAbsDiff(await b.data(), await mirrored.data())).toBeLessThan(1e-5);
    tf.dispose([f, id, flip, a, b, mirrored]);
  });

  it('TPS: control points at rest are the identity; affine-displaced ones give the affine map', async () => {
    await useBackend(backend);
    const r = new Rng(14);
    const before = tf.memory().numTensors;
    const f = tf.tensor4d(normalArray(r, 2 * 6 * 7 * 3), [2, 6, 7, 3]);
    const ctrl = tpsControlPoints(4);
    const rest = tf.tensor3d([...ctrl.flat(), ...ctrl.flat()], [2, 16, 2]);
    const same = tpsTransform(f, rest, ctrl);
    expect(maxAbsDiff(await same.data(), await f.data())).toBeLessThan(1e-5);
    const th = [0.9, 0.15, 0.1, -0.2, 1.1, -0.05];
    const moved = ctrl.map(([x, y]) => [th[0]! * x + th[1]! * y + th[2]!, th[3]! * x + th[4]! * y + th[5]!]);
    const tgt = tf.tensor3d([...moved.flat(), ...moved.flat()], [2, 16, 2]);
    const theta = tf.tensor2d([...th, ...th], [2, 6]);
    const viaTps = tpsTransform(f, tgt, ctrl);
    const viaAffine = affineTransform(f, theta);
    expect(relErr(Float32Array.from(await viaTps.data()), Float32Array.from(await viaAffine.data()))).toBeLessThan(1e-4);
    tf.dispose([f, rest, same, tgt, theta, viaTps, viaAffine]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('TPS matrix: the identity where the grid is the control points; rows sum to 1 elsewhere', async () => {
    await useBackend(backend);
    const ctrl = tpsControlPoints(3);
    const onCtrl = tpsMatrix(3, 3, ctrl); // the 3x3 output grid is the control points
    const eye = tf.eye(9);
    expect(maxAbsDiff(await onCtrl.data(), await eye.data())).toBeLessThan(1e-6);
    const a = tpsMatrix(5, 4, ctrl);
    const sums = tf.sum(a, 1);
    expect(maxAbsDiff(await sums.data(), new Array(20).fill(1))).toBeLessThan(1e-6);
    tf.dispose([onCtrl, eye, a, sums]);
  });
});
