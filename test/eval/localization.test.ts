/**
 * Retrieval-based localization (MDUIT Table 1) — lib/eval/localization.ts and the pose errors of
 * lib/data/localization.ts: top-1 retrieval against a brute force (ties to the first reference),
 * position and orientation errors (yaw-only and general rotations), accuracy at (0.25 m, 2°),
 * (0.5 m, 5°), (5 m, 10°) on hand-made poses with known answers, and errors.
 */
import { describe, expect, it } from 'vitest';
import { CvglError, Rng } from '../../lib/engine/index.js';
import { poseError, quaternionToMatrix, transpose3, yawRotation, type Pose } from '../../lib/data/localization.js';
import { localizationAccuracy, retrieveTop1, TABLE1_THRESHOLDS } from '../../lib/eval/localization.js';
import { useBackend } from '../engine/parity_helpers.js';

const at = (x: number, y: number, yawDeg: number): Pose => ({ position: [x, y, 2], rotation: yawRotation(yawDeg) });

describe('pose errors', () => {
  it('position distance and rotation angle, for yaw rotations and quaternions', () => {
    const e = poseError(at(0, 0, 10), at(3, 4, 13.5));
    expect(e.metres).toBeCloseTo(5, 12);
    expect(e.degrees).toBeCloseTo(3.5, 9);
    expect(poseError(at(0, 0, 179), at(0, 0, -179)).degrees).toBeCloseTo(2, 9); // across ±180°
    // a 20° rotation about x composed with nothing else: the angle is 20° whatever the axis
    const a = (20 * Math.PI) / 180;
    const qx = { position: [0, 0, 0] as [number, number, number], rotation: transpose3(quaternionToMatrix(Math.cos(a / 2), Math.sin(a / 2), 0, 0)) };
    const id = { position: [0, 0, 0] as [number, number, number], rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    expect(poseError(qx, id).degrees).toBeCloseTo(20, 9);
    expect(poseError(id, id)).toEqual({ metres: 0, degrees: 0 });
  });
});

describe('localization accuracy (Table 1 thresholds)', () => {
  it('counts a query within a threshold only when both errors are', () => {
    const refs = [at(0.2, 0, 1), at(0.4, 0, 4), at(3, 0, 9), at(6, 0, 0), at(0.1, 0, 30)];
    const queries = refs.map(() => at(0, 0, 0));
    // query i retrieved reference i: errors (0.2 m, 1°), (0.4, 4°), (3, 9°), (6, 0°), (0.1, 30°)
    const r = localizationAccuracy(Int32Array.from([0, 1, 2, 3, 4]), queries, refs);
    expect(TABLE1_THRESHOLDS.map((t) => t.key)).toEqual(['0.25m_2deg', '0.5m_5deg', '5m_10deg']);
    expect(r.accuracy['0.25m_2deg']).toBeCloseTo(20, 12);
    expect(r.accuracy['0.5m_5deg']).toBeCloseTo(40, 12);
    expect(r.accuracy['5m_10deg']).toBeCloseTo(60, 12);
    expect(r.median.metres).toBeCloseTo(0.4, 9);
    expect(r.median.degrees).toBeCloseTo(4, 9);
    expect(() => localizationAccuracy(Int32Array.from([0]), queries, refs)).toThrow(CvglError);
    expect(() => localizationAccuracy(Int32Array.from([0, 1, 2, 3, 9]), queries, refs)).toThrow(CvglError);
  });

  it('top-1 retrieval equals a brute force (cosine, first of equal scores)', async () => {
    await useBackend('cpu');
    const r = new Rng(12);
    const [nq, ng, d] = [37, 53, 6];
    const g = Float32Array.from({ length: ng * d }, () => r.normal());
    g.set(g.subarray(5 * d, 6 * d), 9 * d); // row 9 duplicates row 5: a tie, the first wins
    const q = Float32Array.from({ length: nq * d }, () => r.normal());
    q.set(g.subarray(9 * d, 10 * d).map((v) => 3 * v), 0); // query 0 points exactly at rows 5 and 9
    const got = await retrieveTop1({ data: q, shape: [nq, d] }, { data: g, shape: [ng, d] });
    for (let i = 0; i < nq; i++) {
      let best = -1, bestS = -Infinity;
      for (let j = 0; j < ng; j++) {
        let dot = 0, n = 0;
        for (let k = 0; k < d; k++) [dot, n] = [dot + q[i * d + k]! * g[j * d + k]!, n + g[j * d + k]! ** 2];
        const s = dot / Math.sqrt(n);
        if (s > bestS + 1e-6) [bestS, best] = [s, j];
      }
      expect(got[i], `query ${i}`).toBe(best);
    }
    expect(got[0]).toBe(5);
  });
});
