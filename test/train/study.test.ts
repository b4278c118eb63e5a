/**
 * Run profiles and studies (lib/train/profiles.ts, lib/train/study.ts): what a profile keeps of a
 * paper's row and what it takes from the quick preset; a study trains and evaluates several rows
 * alike, keys the results by experiment id in percent, keeps what it is asked to keep, and goes on
 * past a run that diverges.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../lib/engine/index.js';
import { generateSynthetic } from '../../lib/synth/generate.js';
import { getPreset } from '../../lib/papers/presets.js';
import { profileConfig, runStudy } from '../../lib/papers/study.js';

let tmp = '';
beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-study-'));
  await generateSynthetic({ out: join(tmp, 'set'), pairs: 90, seed: 4, aerialSize: 48, aerialExtent: 100, panoWidth: 96, panoHeight: 24, workers: 1 });
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('profiles', () => {
  it('paper: the preset itself, with the dataset, seed and epochs asked for', () => {
    const c = profileConfig('cvft.table4.d512', 'paper', { dataDir: '/data/cvusa', seed: 7, epochs: 3 });
    const p = getPreset('cvft.table4.d512');
    expect({ ...c, data: { ...c.data, dir: p.data.dir }, seed: p.seed, epochs: p.epochs }).toEqual(p);
    expect([c.data.dir, c.seed, c.epochs]).toEqual(['/data/cvusa', 7, 3]);
  });

  it('quick: the row (variant, dimension, loss, augmentation) at the quick size, every change written down', () => {
    const c = profileConfig('cvft.table1.orientationNoise20', 'quick', { dataDir: 'x' });
    const q = getPreset('quick.cvft'), p = getPreset('cvft.table1.orientationNoise20');
    expect(c.model.options).toEqual({ ...q.model.options, variant: 'full' });
    expect(c.loss).toEqual(p.loss);
    expect([c.data.augment, c.data.evalAugment]).toEqual([p.data.augment, p.data.evalAugment]);
    expect([c.data.ground, c.data.aerial, c.optimizer, c.epochs, c.data.dir]).toEqual([q.data.ground, q.data.aerial, q.optimizer, q.epochs, 'x']);
    expect(c.data.batchSize).toBe(Math.min(p.data.batchSize, 32));
    expect(c.data.limit).toBeUndefined();
    expect(c.assumptions!.at(-1)).toMatch(/quick profile: .*batch 12.*lr .*paper adam 0\.00001.*epoch/);
    expect(profileConfig('cvft.table4.d512', 'quick').model.options).toMatchObject({ dim: 512, widthDivisor: 8 });
    expect(profileConfig('mgtl.table4.l9', 'quick').model.options).toMatchObject({ steps: 9, groundHW: [32, 128] });
  });

  it('smoke: one epoch of four batches, 64 validation pairs; an unknown profile is refused', () => {
    const c = profileConfig('mgtl.table2.full', 'smoke');
    expect([c.epochs, c.data.limit]).toEqual([1, { train: 4 * c.data.batchSize, val: 64 }]);
    expect(() => profileConfig('mgtl.table2.full', 'fast')).toThrow(/paper, quick, smoke/);
  });
});

describe('studies', () => {
  it('train and evaluate rows alike, results in percent by id; a diverging run is reported and left out', async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const r = await runStudy(['cvft.table1.woCvft', 'cvft.table4.d512', 'cvft.table1.vggGlobalPooling'], {
      profile: 'smoke',
      dataDir: join(tmp, 'set'),
      workDir: join(tmp, 'work'),
      keepModels: ['cvft.table4.d512'],
      keepEmbeddings: true,
      log: (l) => lines.push(l),
      adjust: (id, c) => {
        c.data.limit = { train: 2 * c.data.batchSize, val: 10 };
        if (id === 'cvft.table1.vggGlobalPooling') c.optimizer.lr = 1e30; // blows up after the first update
      },
    });
    expect(r.runs.map((x) => x.id)).toEqual(['cvft.table1.woCvft', 'cvft.table4.d512']);
    expect(r.diverged.map((d) => d.id)).toEqual(['cvft.table1.vggGlobalPooling']);
    expect(lines.some((l) => /vggGlobalPooling: DIVERGED at step \d+/.test(l))).toBe(true);
    expect(Object.keys(r.results)).toEqual(['cvft.table1.woCvft', 'cvft.table4.d512']);
    for (const run of r.runs) {
      expect(run.steps).toBe(2);
      expect(run.split.pairs).toHaveLength(10);
      expect(run.curve).toHaveLength(80);
      expect(run.embeddings!.n).toBe(10);
      expect(r.results[run.id]).toEqual({ r1: 100 * run.recall.r1, r5: 100 * run.recall.r5, r10: 100 * run.recall.r10, r1pct: 100 * run.recall.r1pct });
      // ranks agree with R@1: the share of queries whose match ranks first
      expect(run.recall.r1).toBeCloseTo(Array.from(run.ranks).filter((k) => k === 0).length / 10, 10);
    }
    expect(r.runs[0]!.model).toBeUndefined();
    const kept = r.runs[1]!.model!;
    expect(kept.descriptorLength()).toBe(r.runs[1]!.embeddings!.dim);
    kept.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);

  it('replicates: K seeds per row (base, base + 1), the same queries, results the mean; replicate 0 is the single run', async () => {
    const o = { profile: 'smoke', dataDir: join(tmp, 'set'), seed: 5, log: () => undefined, adjust: (_: string, c: { data: { batchSize: number; limit?: { train?: number; val?: number } } }) => { c.data.limit = { train: 2 * c.data.batchSize, val: 12 }; } };
    const two = await runStudy(['cvft.table1.woCvft', 'cvft.table4.d512'], { ...o, replicates: 2, workDir: join(tmp, 'rep2') });
    expect(two.allRuns.map((r) => [r.id, r.seed])).toEqual([['cvft.table1.woCvft', 5], ['cvft.table1.woCvft', 6], ['cvft.table4.d512', 5], ['cvft.table4.d512', 6]]);
    expect(two.runs.map((r) => r.seed)).toEqual([5, 5]);
    for (const id of ['cvft.table1.woCvft', 'cvft.table4.d512']) {
      const rep = two.replicates[id]!;
      expect(rep.seeds).toEqual([5, 6]);
      expect(rep.ranks!.map((r) => r.length)).toEqual([12, 12]);
      expect(two.results[id]!['r1']).toBeCloseTo((rep.metrics[0]!['r1']! + rep.metrics[1]!['r1']!) / 2, 10);
      expect(rep.metrics[0]).toEqual({ r1: 100 * two.allRuns.find((r) => r.id === id && r.seed === 5)!.recall.r1, r5: expect.any(Number), r10: expect.any(Number), r1pct: expect.any(Number) });
    }
    // the seeds differ in what they learn (not one run copied), replicate 0 is the run with K = 1
    expect(two.allRuns[0]!.losses).not.toEqual(two.allRuns[1]!.losses);
    const one = await runStudy(['cvft.table1.woCvft'], { ...o, replicates: 1, workDir: join(tmp, 'rep1') });
    expect(one.allRuns).toHaveLength(1);
    expect(one.runs[0]!.losses).toEqual(two.runs[0]!.losses);
    expect(Array.from(one.runs[0]!.ranks)).toEqual(two.replicates['cvft.table1.woCvft']!.ranks![0]);
    await expect(runStudy(['cvft.table1.woCvft'], { ...o, replicates: 0.5 })).rejects.toThrow(/replicates: an integer/);
  }, 300_000);
});
