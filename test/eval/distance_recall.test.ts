/**
 * Distance recall (lib/eval/distance_recall.ts, CVFT Fig. 8) on a hand-made layout with 2-d
 * descriptors at chosen angles (score = cos of the angle to the query's), so every expected rank
 * is worked out by hand below; in one chunk and in many; a tie between a far and a near
 * reference counts against the query; no reference within the radius gives −1; no tensor left.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../lib/engine/index.js';
import { distanceRecall } from '../../lib/eval/distance_recall.js';

const unit = (deg: number) => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];

// gallery: [position (m), descriptor angle (deg)]
const GALLERY: [[number, number], number][] = [
  [[100, 0], 10], //  0 far from q0, 2nd best for q0
  [[20, 0], 20], //   1 within 25 m of q0 (20 m)
  [[0, 0], 30], //    2 at q0's position, worse than 1
  [[30, 0], 5], //    3 far (30 m), best for q0
  [[500, 500], 90], // 4 at q1's position, best for q1
  [[510, 500], 90], // 5 a duplicate descriptor, 10 m from q1
  [[525.01, 500], 89], // 6 just beyond 25 m from q1
  [[0, 25], 60], //    7 exactly 25 m from q0: counts as within
  [[900, 0], 179], //  8 at q3's position
  [[2000, 0], 179], // 9 far from q3, same descriptor: a tie
];
const QUERIES: [[number, number], number][] = [
  [[0, 0], 0], //        q0: far 3 (5°), far 0 (10°), then near 1 (20°): rank 2
  [[500, 500], 90], //   q1: near 4 and 5 tie first, 6 is far but below: rank 0
  [[5000, 5000], 0], //  q2: nothing within 25 m: −1
  [[900, 0], 180], //    q3: near 8 ties with far 9 (and far 1..7 are below): rank 1
  [[10, 20], 60], //     q4: near 7 (≈11 m) at 60° is best: rank 0
];

const arr = (rows: [[number, number], number][]) => ({ data: Float32Array.from(rows.flatMap(([, a]) => unit(a))), shape: [rows.length, 2] as [number, number] });
const pos = (rows: [[number, number], number][]) => rows.map(([p]) => p);

describe('distance recall (CVFT Fig. 8)', () => {
  beforeAll(() => initEngine({ backend: 'cpu' }));

  for (const o of [{}, { queryChunk: 2, galleryChunk: 3 }]) {
    it(`ranks and curve on the layout ${JSON.stringify(o)}`, async () => {
      const before = tf.memory().numTensors;
      const r = await distanceRecall(arr(QUERIES), arr(GALLERY), { queryPositions: pos(QUERIES), galleryPositions: pos(GALLERY), maxK: 4, ...o });
      expect(Array.from(r.ranks)).toEqual([2, 0, -1, 1, 0]);
      expect(r.curve).toEqual([2 / 5, 3 / 5, 4 / 5, 4 / 5]);
      expect(r.atK[1]).toBe(2 / 5);
      expect(r.withoutNear).toBe(1);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('a smaller radius and the cap at maxK', async () => {
    // radius 15: q0 now has only 2 (its own position) near, behind 3, 0, 1 → rank 3; q4 has none
    const r = await distanceRecall(arr(QUERIES), arr(GALLERY), { queryPositions: pos(QUERIES), galleryPositions: pos(GALLERY), radius: 15, maxK: 2 });
    expect(Array.from(r.ranks)).toEqual([2, 0, -1, 1, 0]); // q0's 3 is capped at maxK = 2
    const r3 = await distanceRecall(arr(QUERIES), arr(GALLERY), { queryPositions: pos(QUERIES), galleryPositions: pos(GALLERY), radius: 15, maxK: 5 });
    expect(r3.ranks[0]).toBe(3);
    expect(r3.ranks[4]).toBe(0); // 7 is 11.2 m from q4
  });

  it('positions must match the rows', async () => {
    await expect(distanceRecall(arr(QUERIES), arr(GALLERY), { queryPositions: pos(QUERIES).slice(1), galleryPositions: pos(GALLERY) })).rejects.toThrow(/one position per row/);
  });
});
