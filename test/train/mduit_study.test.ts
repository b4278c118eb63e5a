/**
 * The MDUIT study entry point — lib/papers/mduit/study.ts, `runMduitStudy` — end to end:
 *   - the smoke profile on its synthetic set: every Table 1 experiment id with the six metric keys
 *     of lib/papers/mduit/published.ts, percentages, loss histories as long as the steps, the Fig. 3
 *     grid as a PNG that decodes to the expected size, translation quality with its four methods,
 *     the same numbers for the same seed, no tensor leaks; one replicate (the smoke profile's K) with
 *     per-query hits whose means are the table;
 *   - replicates = 2 (two rows): seeds base, base + 1, the same query counts, Table 1 the mean of
 *     the replicates, replicate 0 the same numbers as the one-replicate run of the same seed;
 *   - the 'paper' profile on a tiny RobotCar Seasons tree (sizes overridden): the same code on the
 *     real layout (no true targets, so no translation quality), and an AbortSignal that stops it;
 *   - bad input: no RobotCar folder, a folder that is not RobotCar, a RobotCar folder missing its
 *     files, unknown profile and row names.
 */
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CvglError, Rng, tf } from '../../lib/engine/index.js';
import { Vgg16 } from '../../lib/models/vgg16.js';
import { exportVgg16Safetensors } from '../../lib/models/weight_import.js';
import { PUBLISHED } from '../../lib/papers/published.js';
import { MDUIT_ROW_IDS, runMduitStudy, type MduitStudyResult } from '../../lib/papers/mduit/index.js';
import { useBackend } from '../engine/parity_helpers.js';
import { writeRobotCarTree } from '../fixtures/robotcar_tree.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-mduit-study-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const METRICS = ['day_0.25m_2deg', 'day_0.5m_5deg', 'day_5m_10deg', 'night_0.25m_2deg', 'night_0.5m_5deg', 'night_5m_10deg'];

describe('runMduitStudy, smoke profile', () => {
  let first: MduitStudyResult;

  it('trains and evaluates the five Table 1 rows, with the grid, translation quality and loss histories', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const phases = new Set<string>();
    first = await runMduitStudy({ profile: 'smoke', dataDir: join(tmp, 'smoke'), seed: 3, onProgress: (p) => phases.add(p.phase) });
    expect(tf.memory().numTensors, 'tensors left by the study').toBe(before);
    expect([...phases]).toEqual(['data', 'train', 'evaluate', 'grid', 'quality', 'done']);
    // the ids and metric keys the report compares with the paper
    const published = PUBLISHED.mduit;
    expect(new Set(published.map((p) => p.experiment))).toEqual(new Set(MDUIT_ROW_IDS));
    expect(Object.keys(first.localization).sort()).toEqual([...MDUIT_ROW_IDS].sort());
    // smoke: no ImageNet VGG16 at these widths, the rows say so
    for (const id of ['mduit.table1.netvlad', 'mduit.table1.full']) expect(first.init[id], id).toBe('random init, paper starts from ImageNet');
    expect(first.init['mduit.table1.woI2i']).toBe('random init (as the paper)');
    for (const id of MDUIT_ROW_IDS) {
      expect(Object.keys(first.localization[id]!).sort()).toEqual([...METRICS].sort());
      for (const p of published.filter((x) => x.experiment === id)) {
        const v = first.localization[id]![p.metric]!;
        expect(v >= 0 && v <= 100, `${id} ${p.metric} = ${v}`).toBe(true);
      }
      const row = first.rows[id]!;
      expect(row.steps).toBeGreaterThan(0);
      expect(first.lossHistory[id]!.length).toBe(row.steps);
      expect(first.lossHistory[id]!.every((h) => Number.isFinite(h.loss))).toBe(true);
    }
    expect(first.lossHistory['mduit.table1.full']![0]!.terms!.recSelf).toBeGreaterThan(0);
    expect(first.lossHistory['mduit.table1.full']![0]!.discriminator).toBeGreaterThan(0);
    expect(first.dataset).toMatchObject({ kind: 'synthetic', substitute: true, conditions: ['day', 'dusk', 'night', 'snow', 'fog'] });
    expect(first.dataset.queries.night).toBeGreaterThan(0);
    // Fig. 3: (sources + 1) × (targets + 1) cells of 48 × 32 images, upscaled 2x, with labels
    expect(first.grid).toMatchObject({ model: 'mduit.table1.full', targets: ['day', 'dusk', 'night', 'snow', 'fog'] });
    expect(first.grid!.sources.length).toBe(3);
    const meta = await sharp(Buffer.from(first.gridPng!)).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(6 * 96);
    expect(meta.height).toBeGreaterThan(4 * 64);
    const q = first.translationQuality!;
    expect(q.summary.map((s) => s.method)).toEqual(['MDUIT', 'colour transfer', 'source (untranslated)', 'target image']);
    expect(q.scores.length).toBe(5 * 4 * 4);
    expect(q.classifier.realAccuracy).toBeGreaterThan(50);
    expect(q.summary.find((s) => s.method === 'target image')!.domainAccuracy).toBe(100);
    expect(first.timings.total).toBeGreaterThan(0);
    // smoke: one replicate, the base seed; its per-query hits average to the table's numbers
    for (const id of MDUIT_ROW_IDS) {
      const rep = first.replicates[id]!;
      expect(rep.seeds).toEqual([3]);
      expect(rep.metrics).toEqual([first.localization[id]]);
      expect(Object.keys(rep.perQuery!).sort()).toEqual([...METRICS].sort());
      for (const k of METRICS) {
        const hits = rep.perQuery![k]![0]!;
        expect(hits.length).toBe(k.startsWith('day') ? first.dataset.queries.day : first.dataset.queries.night);
        expect(hits.every((h) => h === 0 || h === 100)).toBe(true);
        expect(hits.reduce((a, b) => a + b, 0) / hits.length).toBeCloseTo(first.localization[id]![k]!, 10);
      }
    }
  });

  it('replicates = 2: seeds base and base + 1, the table their mean, replicate 0 the one-replicate run', async () => {
    await useBackend('wasm');
    const ids = ['mduit.table1.netvlad', 'mduit.table1.woI2iNce'] as const;
    const seeds = new Set<number>();
    const two = await runMduitStudy({ profile: 'smoke', dataDir: join(tmp, 'smoke'), seed: 3, rows: [...ids], replicates: 2, onProgress: (p) => p.seed !== undefined && seeds.add(p.seed) });
    expect([...seeds].sort()).toEqual([3, 4]);
    for (const id of ids) {
      const rep = two.replicates[id]!;
      expect(rep.seeds).toEqual([3, 4]);
      expect(rep.metrics.length).toBe(2);
      for (const k of METRICS) {
        expect(rep.perQuery![k]!.map((q) => q.length)).toEqual(Array(2).fill(k.startsWith('day') ? two.dataset.queries.day : two.dataset.queries.night));
        expect(two.localization[id]![k]).toBeCloseTo((rep.metrics[0]![k]! + rep.metrics[1]![k]!) / 2, 10);
      }
      // same seed, same numbers: replicate 0 is the one-replicate run of seed 3
      expect(rep.metrics[0]).toEqual(first.localization[id]);
      expect(rep.perQuery!['night_5m_10deg']![0]).toEqual(first.replicates[id]!.perQuery!['night_5m_10deg']![0]);
      expect(two.lossHistory[id]).toEqual(first.lossHistory[id]);
    }
    // the second seed trains differently
    expect(two.replicates['mduit.table1.woI2iNce']!.perQuery!).not.toEqual(Object.fromEntries(Object.entries(two.replicates['mduit.table1.woI2iNce']!.perQuery!).map(([k, v]) => [k, [v[0], v[0]]])));
  });

  it('gives the same numbers for the same seed', async () => {
    await useBackend('wasm');
    const again = await runMduitStudy({ profile: 'smoke', dataDir: join(tmp, 'smoke'), seed: 3 });
    expect(again.localization).toEqual(first.localization);
    expect(again.lossHistory).toEqual(first.lossHistory);
    expect(Buffer.from(again.gridPng!).equals(Buffer.from(first.gridPng!))).toBe(true);
  });
});

describe('runMduitStudy on RobotCar Seasons (profile paper)', () => {
  const tiny = {
    height: 16, width: 16,
    model: { widthDivisor: 32, contentResBlocks: 1, generatorResBlocks: 1, discriminatorLayers: 2, embedDim: 8 },
    i2iTraining: { epochs: 1, constantEpochs: 1, stepsPerEpoch: 1, nNeg: 2 },
    plainTraining: { epochs: 1, constantEpochs: 1, stepsPerEpoch: 1, nNeg: 2 },
    netvlad: { model: { widthDivisor: 32, clusters: 2 }, batchSize: 2, epochs: 1, stepsPerEpoch: 1, nNeg: 1 },
  };

  it('runs the same code on the real layout (sizes overridden), VGG16 weights from a file; no true targets, no translation quality', async () => {
    await useBackend('wasm');
    const root = join(tmp, 'robotcar');
    await writeRobotCarTree(root);
    // a VGG16 of the overridden width, written as torchvision names (what ImageNet weights would be at full width)
    const weights = join(tmp, 'vgg16_div32.safetensors');
    const vgg = new Vgg16({ widthDivisor: 32, cut: 'conv5_3', rng: new Rng(8) });
    await exportVgg16Safetensors(vgg, weights);
    vgg.dispose();
    const r = await runMduitStudy({ profile: 'paper', dataDir: root, seed: 1, overrides: tiny, vgg16Weights: weights });
    expect(r.rows['mduit.table1.full']!.notes.join()).toMatch(/E_a's VGG16: 14 tensors from .*vgg16_div32/); // conv1_1 … conv3_3
    expect(r.rows['mduit.table1.netvlad']!.notes.join()).toMatch(/VGG16: 26 tensors from/); // … conv5_3
    expect(r.rows['mduit.table1.woI2i']!.notes).toEqual([]); // no E_a without translation
    await expect(runMduitStudy({ profile: 'paper', dataDir: root, rows: ['mduit.table1.full'], overrides: tiny, vgg16Weights: join(tmp, 'none.safetensors') })).rejects.toThrow(CvglError);
    expect(r.dataset).toMatchObject({ kind: 'robotcar-seasons', substitute: false, references: 4, queries: { day: 1, night: 2 }, training: 9 });
    expect(r.config.i2iTraining).toMatchObject({ batchSize: 1, lr: 2e-4, beta1: 0.5, stepsPerEpoch: 1 }); // the paper's, but for the overrides
    expect(r.config.model.init).toEqual({ kind: 'normal', std: 0.001 });
    expect(Object.keys(r.localization).length).toBe(5);
    expect(r.init['mduit.table1.full']).toBe('ImageNet (file)');
    expect(r.translationQuality).toBeNull();
    expect(r.gridPng).not.toBeNull();
    expect(r.grid!.targets[0]).toBe('overcast-reference');
  });

  it('an AbortSignal stops it with a CvglError, leaving no tensors', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const ac = new AbortController();
    const run = runMduitStudy({
      profile: 'paper', dataDir: join(tmp, 'robotcar'), rows: ['mduit.table1.full'], overrides: tiny, signal: ac.signal, allowRandomInit: true,
      onProgress: (p) => p.phase === 'train' && ac.abort(),
    });
    await expect(run).rejects.toThrow(/stopped by its AbortSignal \((train|evaluate), Full/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bad input: no folder, not RobotCar, RobotCar missing its files, unknown profile or row', async () => {
    // the paper's E_a reads a pre-trained VGG16: refused without the weights before anything is read
    await expect(runMduitStudy({ profile: 'paper', dataDir: join(tmp, 'robotcar') })).rejects.toThrow(/ImageNet VGG16 weights in vgg16Weights[\s\S]*allowRandomInit: true/);
    await expect(runMduitStudy({ profile: 'paper', allowRandomInit: true })).rejects.toThrow(/dataDir, a RobotCar Seasons folder/);
    await expect(runMduitStudy({ profile: 'paper', dataDir: tmp, allowRandomInit: true })).rejects.toThrow(CvglError);
    const broken = join(tmp, 'broken');
    await writeRobotCarTree(broken);
    unlinkSync(join(broken, 'robotcar_v2_train.txt'));
    await expect(runMduitStudy({ profile: 'paper', dataDir: broken, allowRandomInit: true })).rejects.toThrow(/robotcar_v2_train\.txt/);
    await expect(runMduitStudy({ profile: 'fast' as never })).rejects.toThrow(/profile: smoke, quick, paper/);
    await expect(runMduitStudy({ profile: 'smoke', rows: ['mduit.table1.other' as never] })).rejects.toThrow(/Table 1 experiment ids/);
  });
});
