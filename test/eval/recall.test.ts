/**
 * Recall@K (lib/eval/recall.ts) against a brute-force float64 reference written here, on the cpu
 * and wasm backends:
 *   - small-integer descriptors (exact dot products) with exact ties — duplicate gallery rows,
 *     a duplicate of the true row, a scaled copy of it (a tie under cosine only) — ranked with
 *     chunk sizes forcing several query and gallery chunks, as arrays and as tensors: the ranks
 *     must equal the brute force's exactly, cosine and L2;
 *   - a non-identity mapping (gallery larger than the queries) and VIGOR's positives with
 *     semi-positives (hit rate);
 *   - float descriptors with a duplicate of the true row in another gallery chunk: it must tie;
 *   - the tie conventions on a hand-made tie: 'against' (the default, unchanged) counts the tied
 *     item ahead of the true one, 'strict' (the thesis' and SAFA's code) does not, also for the
 *     VIGOR hit rate;
 *   - no tensor left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initEngine, tf, type BackendName } from '../../lib/engine/index.js';
import { evaluateRecall, summarizeRanks, type DescriptorArray } from '../../lib/eval/recall.js';

function intDescriptors(r: Rng, n: number, d: number): Float32Array {
  const a = new Float32Array(n * d);
  for (let i = 0; i < a.length; i++) a[i] = Math.floor(r.random() * 7) - 3;
  for (let i = 0; i < n; i++) if (a.subarray(i * d, (i + 1) * d).every((v) => v === 0)) a[i * d] = 1;
  return a;
}

function row(a: Float32Array, d: number, i: number): Float32Array {
  return a.subarray(i * d, (i + 1) * d);
}

/** Brute force in float64: #{j ≠ t : score_j ≥ score_t}. */
function bruteRanks(q: Float32Array, g: Float32Array, d: number, truth: number[], metric: 'cosine' | 'l2', semis?: number[][]): { ranks: number[]; noSemi: number[] } {
  const nq = q.length / d, ng = g.length / d;
  const ranks: number[] = [], noSemi: number[] = [];
  for (let i = 0; i < nq; i++) {
    const qi = row(q, d, i);
    const score = (j: number) => {
      const gj = row(g, d, j);
      let dot = 0, nn = 0, dd = 0;
      for (let k = 0; k < d; k++) {
        dot += qi[k]! * gj[k]!;
        nn += gj[k]! * gj[k]!;
        dd += (qi[k]! - gj[k]!) ** 2;
      }
      return metric === 'cosine' ? dot / Math.sqrt(nn) : -dd;
    };
    const t = score(truth[i]!);
    let c = 0, cs = 0;
    for (let j = 0; j < ng; j++) {
      if (j === truth[i] || score(j) < t) continue;
      c++;
      if (semis?.[i]?.includes(j)) cs++;
    }
    ranks.push(c);
    noSemi.push(c - cs);
  }
  return { ranks, noSemi };
}

const BACKENDS: BackendName[] = ['cpu', 'wasm'];

describe.each(BACKENDS)('recall on %s', (backend) => {
  let before = 0;
  beforeAll(async () => {
    await initEngine({ backend, threads: 2 });
    before = tf.memory().numTensors;
  });
  afterAll(() => expect(tf.memory().numTensors).toBe(before));

  // 40 queries, one-to-one, with ties planted
  const d = 8, n = 40;
  const r = new Rng(3);
  const q = intDescriptors(r, n, d);
  const g = intDescriptors(r, n, d);
  g.set(row(g, d, 5), 17 * d); // duplicate of 5's true row: query 5 and 17 tie
  g.set(row(g, d, 9), 30 * d); // another pair of duplicates
  g.set(row(g, d, 30).map((v) => 2 * v), 31 * d); // a scaled copy: a tie under cosine only
  q.set(row(g, d, 12), 12 * d); // query 12 equals its true row
  g.set(row(g, d, 12), 2 * d); // ... and row 2 too
  const truth = Array.from({ length: n }, (_, i) => i);

  for (const metric of ['cosine', 'l2'] as const) {
    const ref = bruteRanks(q, g, d, truth, metric).ranks;
    it(`${metric}: ranks equal the brute force, unchunked and in chunks (arrays and tensors)`, async () => {
      expect(ref[5]).toBeGreaterThanOrEqual(1);
      expect(ref[12]).toBeGreaterThanOrEqual(1);
      const arr = (a: Float32Array): DescriptorArray => ({ data: a, shape: [a.length / d, d] });
      const whole = await evaluateRecall(arr(q), arr(g), { metric });
      expect(Array.from(whole.ranks)).toEqual(ref);
      const chunked = await evaluateRecall(arr(q), arr(g), { metric, queryChunk: 7, galleryChunk: 11 });
      expect(Array.from(chunked.ranks)).toEqual(ref);
      const streamed = await evaluateRecall(arr(q), arr(g), { metric, queryChunk: 3, galleryChunk: 9, residentBytes: 0 });
      expect(Array.from(streamed.ranks)).toEqual(ref);
      const qt = tf.tensor2d(q, [n, d]), gt = tf.tensor2d(g, [n, d]);
      const tens = await evaluateRecall(qt, gt, { metric, blockBytes: 4 * n * 6 });
      expect(Array.from(tens.ranks)).toEqual(ref);
      tf.dispose([qt, gt]);
      const k1 = ref.filter((x) => x < 1).length / n, k5 = ref.filter((x) => x < 5).length / n;
      expect(chunked.atK[1]).toBeCloseTo(k1, 12);
      expect(chunked.atK[5]).toBeCloseTo(k5, 12);
      expect(chunked.curve[0]).toBeCloseTo(k1, 12);
      expect(chunked.curve).toHaveLength(80);
      expect(chunked.curve[79]).toBe(1);
      expect(chunked.onePercentK).toBe(1);
    });
  }

  it('the scaled copy ties under cosine and not under L2', () => {
    const c = bruteRanks(q, g, d, truth, 'cosine').ranks[31]!, l = bruteRanks(q, g, d, truth, 'l2').ranks[31]!;
    expect(c).not.toBe(l);
  });

  it('non-identity mapping with a larger gallery, and VIGOR semi-positives', async () => {
    const r2 = new Rng(11);
    const nq = 30, ng = 70;
    const qs = intDescriptors(r2, nq, d), gs = intDescriptors(r2, ng, d);
    const perm = Array.from({ length: ng }, (_, i) => i).sort(() => r2.random() - 0.5);
    const trueIndex = perm.slice(0, nq);
    gs.set(row(gs, d, trueIndex[4]!), trueIndex[6]! * d); // a true row of one query duplicated as another's
    const semis = trueIndex.map((_, i) => [perm[(nq + i) % ng]!, perm[(nq + 2 * i + 1) % ng]!]);
    for (const metric of ['cosine', 'l2'] as const) {
      const ref = bruteRanks(qs, gs, d, trueIndex, metric, semis);
      const a = await evaluateRecall({ data: qs, shape: [nq, d] }, { data: gs, shape: [ng, d] }, { metric, trueIndex, queryChunk: 4, galleryChunk: 13 });
      expect(Array.from(a.ranks)).toEqual(ref.ranks);
      expect(a.galleryN).toBe(ng);
      expect(a.chance[1]).toBeCloseTo(1 / ng, 12);
      const v = await evaluateRecall({ data: qs, shape: [nq, d] }, { data: gs, shape: [ng, d] }, { metric, galleryIndex: trueIndex.map((t, i) => [t, ...semis[i]!]), queryChunk: 5 });
      expect(Array.from(v.ranks)).toEqual(ref.ranks); // recall: semi-positives stay in the ranking
      expect(v.hitRate).toBeCloseTo(ref.noSemi.filter((x) => x < 1).length / nq, 12);
      expect(v.hitRate!).toBeGreaterThanOrEqual(v.atK[1]!);
    }
  });

  it('float descriptors: a duplicate of the true row in another gallery chunk ties', async () => {
    const r3 = new Rng(5);
    const D = 64, N = 50;
    const gs = Float32Array.from({ length: N * D }, () => r3.normal());
    const qs = gs.map((v) => v + 0.1 * r3.normal()); // each query's true row is its nearest

    for (const [src, dst] of [[3, 41], [20, 21], [44, 2]] as const) gs.set(row(gs, D, src), dst * D);
    for (const metric of ['cosine', 'l2'] as const) {
      for (const o of [{}, { galleryChunk: 16, queryChunk: 7 }, { galleryChunk: 5, queryChunk: 1, residentBytes: 0 }]) {
        const res = await evaluateRecall({ data: qs, shape: [N, D] }, { data: gs, shape: [N, D] }, { metric, ...o });
        // the duplicate ties with the true row and counts against the query; nothing else is closer
        for (const i of [3, 20, 44]) expect(res.ranks[i], `${metric} query ${i} ${JSON.stringify(o)}`).toBe(1);
        // the thesis' convention: the tie counts for the query
        const strict = await evaluateRecall({ data: qs, shape: [N, D] }, { data: gs, shape: [N, D] }, { metric, ...o, ties: 'strict' });
        for (const i of [3, 20, 44]) expect(strict.ranks[i], `strict ${metric} query ${i}`).toBe(0);
        // the overwritten rows (41, 21, 2) tie with their sources too; every other query has no tie
        const tied = [3, 41, 20, 21, 44, 2];
        expect(Array.from(strict.ranks).filter((_, i) => !tied.includes(i))).toEqual(Array.from(res.ranks).filter((_, i) => !tied.includes(i)));
        for (const i of tied) expect(strict.ranks[i]).toBe(res.ranks[i]! - 1);
      }
    }
  });
});

describe('recall bookkeeping', () => {
  it('top-1% is floor(N/100)+1 and the curve counts ranks below K', () => {
    const s = summarizeRanks(Int32Array.from([0, 88, 89, 3, 200]), 8884, { ks: [1, 5], curveMax: 90 });
    expect(s.onePercentK).toBe(89);
    expect(s.atOnePercent).toBeCloseTo(3 / 5, 12);
    expect(s.curve[0]).toBeCloseTo(1 / 5, 12);
    expect(s.curve[3]).toBeCloseTo(2 / 5, 12);
    expect(s.curve[88]).toBeCloseTo(3 / 5, 12);
    expect(s.curve[89]).toBeCloseTo(4 / 5, 12);
  });

  it("ties: 'against' (the default) counts a tied item ahead of the true one, 'strict' does not", async () => {
    await initEngine({ backend: 'cpu' });
    // query 0's true row 0 ties with row 2 (a duplicate); query 1's true row 1 has rows 0 and 2
    // strictly closer and row 3 tied; query 2's true row 2 ties with row 0
    const g = { data: Float32Array.from([1, 0, 0, 1, 1, 0, 0, 1]), shape: [4, 2] as [number, number] };
    const q = { data: Float32Array.from([1, 0, 0.8, 0.6, 1, 0]), shape: [3, 2] as [number, number] };
    for (const metric of ['cosine', 'l2'] as const) {
      const byDefault = await evaluateRecall(q, g, { metric, trueIndex: [0, 1, 2] });
      const against = await evaluateRecall(q, g, { metric, trueIndex: [0, 1, 2], ties: 'against' });
      const strict = await evaluateRecall(q, g, { metric, trueIndex: [0, 1, 2], ties: 'strict' });
      expect(Array.from(byDefault.ranks), metric).toEqual([1, 3, 1]);
      expect(Array.from(against.ranks)).toEqual(Array.from(byDefault.ranks));
      expect(Array.from(strict.ranks), metric).toEqual([0, 2, 0]);
      expect(byDefault.atK[1]).toBe(0);
      expect(strict.atK[1]).toBeCloseTo(2 / 3, 12);
      // VIGOR: row 3 a semi-positive of query 1; the hit rate follows the same convention
      const semis = { metric, galleryIndex: [[0], [1, 3], [2]] };
      expect((await evaluateRecall(q, g, semis)).hitRate).toBe(0); // queries 0 and 2: the tie; query 1: rows 0 and 2 are closer
      const hs = await evaluateRecall(q, g, { ...semis, ties: 'strict' });
      expect(hs.hitRate).toBeCloseTo(2 / 3, 12);
    }
    await expect(evaluateRecall(q, g, { ties: 'loose' as never })).rejects.toThrow(/ties/);
  });

  it('bad mappings fail with a CvglError', async () => {
    await initEngine({ backend: 'cpu' });
    const a = { data: new Float32Array(6), shape: [3, 2] as [number, number] };
    await expect(evaluateRecall(a, a, { trueIndex: [0, 1, 3] })).rejects.toThrow(/gallery indices/);
    await expect(evaluateRecall(a, { data: new Float32Array(4), shape: [2, 2] })).rejects.toThrow(/trueIndex/);
    await expect(evaluateRecall(a, { data: new Float32Array(9), shape: [3, 3] })).rejects.toThrow(/same dimension/);
  });
});
