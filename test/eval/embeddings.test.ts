/**
 * Embedding extraction (lib/eval/embeddings.ts) and the split recall built on it:
 *   - for every architecture, g depends on the ground image alone and s on the aerial alone (the
 *     assumption that lets a VIGOR gallery be embedded one view at a time);
 *   - a one-to-one split embedded in pairs and the same split embedded view by view give the same
 *     descriptors; a VIGOR-layout split gives query and gallery descriptors whose recall uses the
 *     positive + semi-positive lists;
 *   - an empty split is a clear error; nothing leaks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initEngine, tf } from '../../lib/engine/index.js';
import { openDataset } from '../../lib/data/readers.js';
import { generateSynthetic } from '../../lib/synth/generate.js';
import { buildModel, MODEL_NAMES } from '../../lib/models/registry.js';
import { extractEmbeddings } from '../../lib/eval/embeddings.js';
import { splitRecall } from '../../lib/eval/evaluate.js';
import type { DatasetSplit } from '../../lib/data/dataset.js';

let tmp = '';
beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-embed-'));
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Small instances: input sizes each architecture accepts, widths ÷ 16. */
const SMALL: Record<string, { options: Record<string, unknown>; g: [number, number]; a: [number, number] }> = {
  'siamese-vgg': { options: { widthDivisor: 16, dim: 16 }, g: [32, 64], a: [32, 32] },
  safa: { options: { widthDivisor: 16, groundHW: [32, 64], aerialHW: [32, 64] }, g: [32, 64], a: [32, 64] },
  cvft: { options: { widthDivisor: 16, dim: 512 }, g: [32, 64], a: [32, 32] },
  mgtl: { options: { widthDivisor: 16, steps: 2, groundHW: [32, 64], aerialHW: [32, 64] }, g: [32, 64], a: [32, 64] },
  'geocapsnet-i': { options: { widthDivisor: 16, groundHW: [96, 96], aerialHW: [96, 96] }, g: [96, 96], a: [96, 96] },
  'geocapsnet-ii': { options: { widthDivisor: 16, groundHW: [96, 96], aerialHW: [96, 96] }, g: [96, 96], a: [96, 96] },
  'unified-moco': { options: { widthDivisor: 16, dim: 16, queueSize: 8 }, g: [32, 64], a: [32, 32] },
};

describe('each branch sees its own view only', () => {
  for (const name of MODEL_NAMES) {
    it(name, () => {
      const s = SMALL[name]!;
      const m = buildModel(name, s.options, 2);
      if (m.training !== undefined) m.training = false;
      const r = new Rng(5);
      const before = tf.memory().numTensors;
      const [g1, g2, a1, a2] = [s.g, s.g, s.a, s.a].map((hw) => r.uniformTensor([2, hw[0], hw[1], 3]) as tf.Tensor4D);
      const e11 = m.embed(g1!, a1!), e12 = m.embed(g1!, a2!), e21 = m.embed(g2!, a1!);
      expect(Array.from(e12.g.dataSync())).toEqual(Array.from(e11.g.dataSync()));
      expect(Array.from(e21.s.dataSync())).toEqual(Array.from(e11.s.dataSync()));
      expect(Array.from(e12.s.dataSync())).not.toEqual(Array.from(e11.s.dataSync()));
      if (m.embedView) {
        // the single-view path evaluators take for VIGOR galleries gives the same descriptors
        const [vg, va] = [m.embedView('ground', g1!), m.embedView('aerial', a1!)];
        expect(Array.from(vg.dataSync())).toEqual(Array.from(e11.g.dataSync()));
        expect(Array.from(va.dataSync())).toEqual(Array.from(e11.s.dataSync()));
        tf.dispose([vg, va]);
      }
      tf.dispose([g1!, g2!, a1!, a2!, e11.g, e11.s, e12.g, e12.s, e21.g, e21.s]);
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
    }, 60_000);
  }
});

describe('extraction', () => {
  const views = { ground: { height: 32, width: 64 }, aerial: { size: 32, polar: null } };

  it('one-to-one: paired and view-by-view extraction agree', async () => {
    const out = join(tmp, 'cvusa');
    await generateSynthetic({ out, pairs: 20, seed: 6, aerialSize: 48, aerialExtent: 100, panoWidth: 96, panoHeight: 24, workers: 1 });
    const val = (await openDataset(out)).splits.val!;
    const m = buildModel('siamese-vgg', SMALL['siamese-vgg']!.options, 1);
    const before = tf.memory().numTensors;
    const paired = await extractEmbeddings(m, val, views, { batchSize: 3, workers: 1 });
    // the same pairs, but with a gallery that is not the identity: forces the view-by-view path
    const shuffled: DatasetSplit = { ...val, gallery: [...val.gallery].reverse(), pairs: val.pairs.map((p, i) => ({ ...p, galleryIndex: [val.pairs.length - 1 - i] })) };
    const separate = await extractEmbeddings(m, shuffled, views, { batchSize: 3, workers: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(separate.galleryN).toBe(val.pairs.length);
    expect(Array.from(separate.ground)).toEqual(Array.from(paired.ground));
    const n = val.pairs.length, D = paired.dim;
    for (let i = 0; i < n; i++) expect(Array.from(separate.aerial.subarray((n - 1 - i) * D, (n - i) * D))).toEqual(Array.from(paired.aerial.subarray(i * D, (i + 1) * D)));
    const r1 = await splitRecall(paired), r2 = await splitRecall(separate);
    expect(Array.from(r2.ranks)).toEqual(Array.from(r1.ranks));
    m.dispose();
  }, 120_000);

  it('VIGOR layout: queries and the whole gallery, recall over positives with semi-positives', async () => {
    const out = join(tmp, 'vigor');
    await generateSynthetic({ out, pairs: 16, seed: 7, offset: 8, aerialSize: 48, aerialExtent: 80, panoWidth: 64, panoHeight: 32, workers: 1 });
    const ds = await openDataset(out, { vigor: { protocol: 'same' } });
    const split = ds.splits.test!;
    expect(split.gallery.length).toBeGreaterThan(split.pairs.length);
    const m = buildModel('siamese-vgg', SMALL['siamese-vgg']!.options, 1);
    let last = 0;
    const e = await extractEmbeddings(m, split, views, { batchSize: 4, workers: 1, onProgress: (d, t) => (last = d / t) });
    expect(last).toBe(1);
    expect([e.n, e.galleryN]).toEqual([split.pairs.length, split.gallery.length]);
    expect(e.galleryIndex!.map((g) => g.length)).toEqual(split.pairs.map(() => 4));
    const r = await splitRecall(e);
    expect(r.galleryN).toBe(split.gallery.length);
    expect(r.hitRate).toBeGreaterThanOrEqual(r.atK[1]!);
    m.dispose();
  }, 120_000);

  it('an empty split is refused with what to do', async () => {
    const m = buildModel('siamese-vgg', SMALL['siamese-vgg']!.options, 1);
    await expect(extractEmbeddings(m, { name: 'val', pairs: [], gallery: [] }, views)).rejects.toThrow(/split 'val' is empty.*cvgl data check/s);
    m.dispose();
  });
});
