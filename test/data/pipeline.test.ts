/**
 * The input pipeline on a small synthetic set: batches as tensors of the right shapes, the same
 * batches for the same seed (augmentation included) whatever the worker count, the on-disk cache
 * (second epoch decodes nothing and gives the same pixels), polar transform identical to the
 * tensor version, the samplers' guarantees, no leaked tensors, and a damaged file named in the error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../lib/engine/tf.js';
import { initEngine } from '../../lib/engine/init.js';
import { PairPipeline, type PipelineOptions } from '../../lib/data/pipeline.js';
import { polarTransform } from '../../lib/data/polar.js';
import { openDataset } from '../../lib/data/readers.js';
import { epochBatches, exclusiveBatches } from '../../lib/data/samplers.js';
import type { DatasetSplit, PairRecord } from '../../lib/data/dataset.js';
import { generateSynthetic } from '../../lib/synth/generate.js';

let tmp: string;
let split: DatasetSplit;
beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-pipeline-'));
  await generateSynthetic({ out: join(tmp, 'set'), pairs: 24, seed: 5, aerialSize: 48, aerialExtent: 100, panoWidth: 96, panoHeight: 24, workers: 2 });
  const ds = await openDataset(join(tmp, 'set'));
  split = ds.splits.train!;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function collect(p: PairPipeline, epoch: number): Promise<{ index: number[][]; ground: Float32Array[]; aerial: Float32Array[]; shapes: number[][] }> {
  const out = { index: [] as number[][], ground: [] as Float32Array[], aerial: [] as Float32Array[], shapes: [] as number[][] };
  for await (const b of p.batches(epoch)) {
    out.index.push(b.index);
    out.ground.push(b.ground!.dataSync() as Float32Array);
    out.aerial.push(b.aerial!.dataSync() as Float32Array);
    out.shapes.push([...b.ground!.shape], [...b.aerial!.shape]);
    b.ground!.dispose();
    b.aerial!.dispose();
  }
  return out;
}

const base = (): PipelineOptions => ({ split, batchSize: 4, ground: { height: 24, width: 96 }, aerial: { size: 32 }, seed: 9, workers: 2 });

describe('PairPipeline', () => {
  it('yields NHWC float batches in [0, 1] and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const p = new PairPipeline(base());
    const r = await collect(p, 0);
    await p.close();
    expect(r.index.length).toBe(Math.floor(split.pairs.length / 4));
    expect(r.shapes[0]).toEqual([4, 24, 96, 3]);
    expect(r.shapes[1]).toEqual([4, 32, 32, 3]);
    let lo = Infinity, hi = -Infinity;
    for (const a of [...r.ground, ...r.aerial]) for (const v of a) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi).toBeGreaterThan(0.5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is deterministic for a seed, whatever the number of workers, augmentation included', async () => {
    const aug = { ...base(), augment: { yawNoiseDeg: 30 } };
    const a = new PairPipeline({ ...aug, workers: 1 }), b = new PairPipeline({ ...aug, workers: 2 });
    const ra = await collect(a, 1), rb = await collect(b, 1);
    await Promise.all([a.close(), b.close()]);
    expect(rb.index).toEqual(ra.index);
    for (let k = 0; k < ra.ground.length; k++) {
      expect(Buffer.from(rb.ground[k]!.buffer).equals(Buffer.from(ra.ground[k]!.buffer))).toBe(true);
      expect(Buffer.from(rb.aerial[k]!.buffer).equals(Buffer.from(ra.aerial[k]!.buffer))).toBe(true);
    }
    // another epoch or seed: another order
    const c = new PairPipeline({ ...aug, seed: 10 });
    const rc = await collect(c, 1);
    await c.close();
    expect(rc.index).not.toEqual(ra.index);
    // the augmentation really ran: not the plain pixels
    const plain = new PairPipeline({ ...base(), sampler: 'random' });
    const rp = await collect(plain, 1);
    await plain.close();
    expect(rp.index).toEqual(ra.index);
    expect(Buffer.from(rp.ground[0]!.buffer).equals(Buffer.from(ra.ground[0]!.buffer))).toBe(false);
  });

  it('caches resized images on disk: a second epoch decodes nothing and gives the same pixels', async () => {
    const cacheDir = join(tmp, 'cache');
    const p = new PairPipeline({ ...base(), sampler: 'sequential', cacheDir });
    const cold = await collect(p, 0);
    expect(p.stats.decoded).toBe(2 * split.pairs.length);
    const warm = await collect(p, 1);
    await p.close();
    expect(p.stats.decoded).toBe(2 * split.pairs.length);
    expect(p.stats.cached).toBe(2 * split.pairs.length);
    for (let k = 0; k < cold.ground.length; k++) expect(Buffer.from(warm.ground[k]!.buffer).equals(Buffer.from(cold.ground[k]!.buffer))).toBe(true);
    // the uncached pipeline gives the same pixels as the cached one
    const q = new PairPipeline({ ...base(), sampler: 'sequential' });
    const fresh = await collect(q, 0);
    await q.close();
    expect(Buffer.from(fresh.aerial[0]!.buffer).equals(Buffer.from(warm.aerial[0]!.buffer))).toBe(true);
  });

  it('polar-transformed aerials equal the tensor polar transform of the plain ones', async () => {
    const p = new PairPipeline({ ...base(), sampler: 'sequential', aerial: { size: 32, polar: { height: 16, width: 64 } } });
    const q = new PairPipeline({ ...base(), sampler: 'sequential' });
    const rp = await collect(p, 0), rq = await collect(q, 0);
    await Promise.all([p.close(), q.close()]);
    expect(rp.shapes[1]).toEqual([4, 16, 64, 3]);
    const expected = tf.tidy(() => polarTransform(tf.tensor4d(rq.aerial[0]!, [4, 32, 32, 3]), 16, 64).dataSync());
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i]! - rp.aerial[0]![i]!));
    expect(worst).toBeLessThan(1e-5);
  });

  it('names a damaged image file in its error', async () => {
    const broken = { ...split, pairs: split.pairs.map((p) => ({ ...p })) };
    const bad = join(tmp, 'truncated.jpg');
    const bytes = readFileSync(split.pairs[1]!.ground);
    writeFileSync(bad, bytes.subarray(0, Math.floor(bytes.length / 2)));
    broken.pairs[1]!.ground = bad;
    const p = new PairPipeline({ ...base(), split: broken, sampler: 'sequential' });
    await expect(collect(p, 0)).rejects.toThrow(/truncated\.jpg/);
    await p.close();
    copyFileSync(split.pairs[1]!.ground, bad); // the pipeline works again after a failure
  });

  it('rejects bad options clearly', () => {
    expect(() => new PairPipeline({ ...base(), batchSize: 0 })).toThrow(/batch size/);
    expect(() => new PairPipeline({ ...base(), sampler: 'nope' as never })).toThrow(/sampler/);
    expect(() => new PairPipeline({ ...base(), ground: null, aerial: null })).toThrow(/at least one view/);
  });
});

describe('samplers', () => {
  const pairs = (gallery: number[][]): PairRecord[] => gallery.map((g, i) => ({ id: String(i), ground: '', aerial: '', galleryIndex: g }));

  it('random and sequential cover every pair once; dropLast drops only a short tail', () => {
    const ps = pairs(Array.from({ length: 10 }, (_, i) => [i]));
    const seq = epochBatches(ps, 'sequential', 4, 0, 0, false);
    expect(seq).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const rnd = epochBatches(ps, 'random', 4, 1, 0, true);
    expect(rnd).toHaveLength(2);
    expect(new Set(rnd.flat()).size).toBe(8);
    expect(epochBatches(ps, 'random', 4, 1, 1, true)).not.toEqual(rnd);
    expect(epochBatches(ps, 'random', 4, 1, 0, true)).toEqual(rnd);
  });

  it('distinct (GeoCapsNet M-per-batch): no two queries of a batch share their positive aerial', () => {
    // 30 queries over 12 aerials: several queries per aerial
    const ps = pairs(Array.from({ length: 30 }, (_, i) => [i % 12]));
    const batches = epochBatches(ps, 'distinct', 6, 3, 0, false);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(ps.map((_, i) => i));
    for (const b of batches) expect(new Set(b.map((i) => ps[i]!.galleryIndex[0])).size).toBe(b.length);
  });

  it('vigor: no aerial (positive or semi-positive) appears twice in a batch', () => {
    // queries on a 6x6 tile grid; each covered by its 2x2 neighbourhood of tiles
    const g: number[][] = [];
    for (let k = 0; k < 60; k++) {
      const x = k % 5, y = Math.floor(k / 5) % 5;
      g.push([y * 6 + x, y * 6 + x + 1, (y + 1) * 6 + x, (y + 1) * 6 + x + 1]);
    }
    const ps = pairs(g);
    const batches = epochBatches(ps, 'vigor', 5, 2, 0, false);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(ps.map((_, i) => i));
    for (const b of batches) {
      const tiles = b.flatMap((i) => ps[i]!.galleryIndex);
      expect(new Set(tiles).size).toBe(tiles.length);
    }
    expect(batches.filter((b) => b.length === 5).length).toBeGreaterThan(batches.length / 2);
  });

  it('exclusiveBatches fills batches greedily in order', () => {
    expect(exclusiveBatches([0, 1, 2, 3], (i) => [i % 2], 2)).toEqual([[0, 1], [2, 3]]);
    expect(exclusiveBatches([0, 2, 1, 3], (i) => [i % 2], 2)).toEqual([[0, 1], [2, 3]]);
  });
});
