/**
 * Retrieval examples (lib/eval/retrieval_figure.ts, GeoCapsNet Fig. 7): the nearest references by
 * L2 distance, nearest first, and a PNG with one row per query; bad input is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../lib/data/readers.js';
import { generateSynthetic } from '../../lib/synth/generate.js';
import { nearestReferences, retrievalFigure } from '../../lib/eval/retrieval_figure.js';
import type { DatasetSplit } from '../../lib/data/dataset.js';
import type { SplitEmbeddings } from '../../lib/eval/embeddings.js';

let tmp = '';
let val: DatasetSplit;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-retrieval-'));
  await generateSynthetic({ out: tmp + '/set', pairs: 40, seed: 5, aerialSize: 48, aerialExtent: 100, panoWidth: 96, panoHeight: 24, workers: 1 });
  val = (await openDataset(tmp + '/set')).splits.val!;
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** 2-D descriptors: ground i at (i, 0), aerial j at (j + shift, 0). */
function line(n: number, shift: number): SplitEmbeddings {
  const g = new Float32Array(2 * n), a = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) (g[2 * i] = i), (a[2 * i] = i + shift);
  return { split: 'val', n, galleryN: n, dim: 2, ground: g, aerial: a };
}

describe('retrieval examples', () => {
  it('nearest references by L2 distance, nearest first, ties in gallery order', () => {
    const e = line(6, 0.4);
    expect(nearestReferences(e, 3, 3)).toEqual([3, 2, 4]); // distances 0.4, 0.6, 1.4
    expect(nearestReferences(line(6, 0.5), 3, 2)).toEqual([2, 3]); // a tie (0.5): gallery order
    expect(nearestReferences(e, 0, 99)).toHaveLength(6);
    expect(() => nearestReferences(e, 6, 1)).toThrow(/query index in 0\.\.5/);
  });

  it('draws one row per query with the k nearest aerials', async () => {
    const n = val.pairs.length;
    const png = await retrievalFigure(val, line(n, 0), [0, 1], { k: 3, height: 40 });
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.height).toBeGreaterThanOrEqual(2 * (2 * 40 + 18));
    expect(meta.width).toBeGreaterThanOrEqual(3 * 40);
    await expect(retrievalFigure(val, line(n + 1, 0), [0])).rejects.toThrow(/descriptors of this split/);
    await expect(retrievalFigure(val, line(n, 0), [])).rejects.toThrow(/queries to draw/);
  }, 60_000);
});
