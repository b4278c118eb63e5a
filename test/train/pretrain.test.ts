/**
 * MoCo pre-training as a run (lib/train/pretrain.ts, thesis 003 Sec. 3.1 / 4.2) on a tiny
 * synthetic set and a tiny MoCo (widths ÷ 16, 32x32 images, batch 4, K 16), on wasm:
 *   - a run completes and its backbone.safetensors loads into a Siamese-VGG branch;
 *   - the two pipelines give the same images in the same order, differently augmented;
 *   - 2 epochs straight = 1 epoch + resume, bit for bit (backbone, f_k, queue, pointer, slots);
 *   - bad configs are refused naming the field; an existing run is never overwritten.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../lib/engine/index.js';
import { CvglError } from '../../lib/engine/errors.js';
import { generateSynthetic } from '../../lib/synth/generate.js';
import { openDataset } from '../../lib/data/readers.js';
import { openSafetensors } from '../../lib/models/safetensors.js';
import { SiameseVgg } from '../../lib/models/siamese_vgg.js';
import { hwioToOihw, loadVgg16Weights } from '../../lib/models/weight_import.js';
import {
  branchImages,
  getPretrainPreset,
  loadPretrainCheckpoint,
  pretrain,
  pretrainBatchView,
  pretrainPipelines,
  pretrainPresets,
  validatePretrainConfig,
  type PretrainConfig,
} from '../../lib/train/pretrain.js';

let tmp = '';
let data = '';

function tinyConfig(name: string, over: Partial<PretrainConfig> = {}): PretrainConfig {
  const base = getPretrainPreset('quick.moco.aerial');
  return {
    ...base,
    name,
    data: { ...base.data, dir: data, ground: { height: 32, width: 32 }, aerial: { size: 32 }, batchSize: 4 },
    moco: { widthDivisor: 16, dim: 16, queueSize: 16, tau: 0.2, momentum: 0.99 },
    optimizer: { kind: 'sgd', lr: 0.03, momentum: 0.9, weightDecay: 1e-4 },
    schedule: { kind: 'step', milestones: [1], gamma: 0.1 },
    epochs: 2,
    seed: 5,
    ...over,
  };
}

const quiet = { progress: false, log: () => undefined, workers: 1, cacheDir: null };

async function tensorsOf(file: string): Promise<Map<string, number[]>> {
  const r = await openSafetensors(file);
  try {
    const m = new Map<string, number[]>();
    for (const k of r.entries.keys()) m.set(k, Array.from((await r.read(k)).data));
    return m;
  } finally {
    await r.close();
  }
}

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-pretrain-'));
  data = join(tmp, 'set');
  // 12 pairs: 8 train (2 batches of 4), 4 val
  await generateSynthetic({ out: data, pairs: 12, seed: 4, aerialSize: 48, aerialExtent: 100, panoWidth: 96, panoHeight: 24, workers: 2 });
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('pretrain', () => {
  it('presets follow the thesis and validate', () => {
    for (const c of Object.values(pretrainPresets)) expect(() => validatePretrainConfig(c)).not.toThrow();
    const t = pretrainPresets['thesis.stage1.aerial']!;
    expect(t.optimizer).toEqual({ kind: 'sgd', lr: 0.015, momentum: 0.9, weightDecay: 1e-4 });
    expect(t.schedule).toEqual({ kind: 'step', milestones: [120, 160], gamma: 0.1 });
    expect([t.epochs, t.data.batchSize, t.moco.queueSize, t.moco.momentum, t.moco.tau, t.moco.dim]).toEqual([200, 128, 16384, 0.999, 0.2, 128]);
    expect([t.data.ground, t.data.aerial]).toEqual([{ height: 112, width: 616 }, { size: 256 }]);
    expect(t.data.augment.aerial?.resizedCrop).toBe(true);
    expect(pretrainPresets['thesis.stage1.ground']!.data.augment.ground?.resizedCrop).toBe(true);
  });

  it('bad configs are refused naming the field', () => {
    const cases: [Partial<PretrainConfig> | Record<string, unknown>, RegExp][] = [
      [{ branch: 'both' as never }, /branch/],
      [{ splits: [] }, /splits/],
      [{ moco: { widthDivisor: 16, dim: 16, queueSize: 10, tau: 0.2, momentum: 0.99 } }, /queueSize.*multiple/],
      [{ moco: { widthDivisor: 16, dim: 16, queueSize: 16, tau: 0, momentum: 0.99 } }, /tau/],
      [{ optimizer: { kind: 'adam', lr: 1e-3 } as never }, /optimizer\.kind/],
      [{ epochs: 0 }, /epochs/],
    ];
    for (const [over, re] of cases) {
      let err: unknown;
      try {
        validatePretrainConfig({ ...tinyConfig('bad'), ...over });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(over)).toBeInstanceOf(CvglError);
      expect((err as Error).message).toMatch(re);
    }
    const noAug = tinyConfig('bad');
    delete (noAug.data as Partial<PretrainConfig['data']>).augment;
    expect(() => validatePretrainConfig(noAug)).toThrow(/data\.augment/);
    expect(() => getPretrainPreset('nope')).toThrow(/quick\.moco\.aerial/);
  });

  it('a missing split is named', async () => {
    await expect(pretrain({ ...quiet, config: tinyConfig('nosplit', { splits: ['train', 'holdout'] }), out: join(tmp, 'nosplit') })).rejects.toThrow(/'holdout' split/);
  });

  for (const branch of ['aerial', 'ground'] as const) {
    it(`two views of the same ${branch} images in the same order, differently augmented`, async () => {
      const c = tinyConfig(`views-${branch}`, { branch, splits: ['train', 'val'] });
      const ds = await openDataset(data);
      const split = branchImages(ds.splits, c.splits, branch, data);
      expect(split.pairs.length).toBe(12);
      const { q, k } = pretrainPipelines(c, split, { workers: 1 });
      try {
        expect(q.plan(0)).toEqual(k.plan(0));
        const before = tf.memory().numTensors;
        const itQ = q.batches(0), itK = k.batches(0);
        const bq = (await itQ.next()).value!, bk = (await itK.next()).value!;
        expect(bq.index).toEqual(bk.index);
        const xq = pretrainBatchView(bq, branch), xk = pretrainBatchView(bk, branch);
        expect(xq.shape).toEqual(branch === 'ground' ? [4, 32, 32, 3] : [4, 32, 32, 3]);
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(xq, xk))).dataSync()[0]!);
        expect(diff).toBeGreaterThan(0.05);
        tf.dispose([xq, xk]);
        await Promise.all([itQ.return(undefined), itK.return(undefined)]);
        expect(tf.memory().numTensors).toBe(before);
        // the same augmentSeed gives the same view again
        const again = (await q.batches(0).next()).value!;
        const x2 = pretrainBatchView(again, branch);
        const bq2 = (await q.batches(0).next()).value!;
        const x3 = pretrainBatchView(bq2, branch);
        expect(Array.from(x2.dataSync())).toEqual(Array.from(x3.dataSync()));
        tf.dispose([x2, x3]);
      } finally {
        await Promise.all([q.close(), k.close()]);
      }
    }, 60_000);
  }

  it('a run completes; its backbone loads into a Siamese-VGG branch; existing runs are kept', async () => {
    const out = join(tmp, 'run1');
    const r = await pretrain({ ...quiet, config: tinyConfig('run1', { epochs: 1 }), out });
    expect(r.stopped).toBe('finished');
    expect([r.epochsDone, r.globalStep, r.losses.length]).toEqual([1, 2, 2]);
    for (const l of r.losses) expect(Number.isFinite(l)).toBe(true);
    expect(existsSync(r.backbone)).toBe(true);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; globalStep: number });
    expect(lines.map((l) => l.globalStep)).toEqual([1, 2]);
    const model = new SiameseVgg({ widthDivisor: 16, dim: 16 });
    try {
      const rep = await loadVgg16Weights(model.ground, r.backbone);
      expect(rep.loaded.length).toBe(26);
      const file = await tensorsOf(r.backbone);
      const w0 = file.get('features.0.bias')!;
      const conv0 = model.ground.convs[0]!;
      expect(Array.from(conv0.b.dataSync())).toEqual(w0);
    } finally {
      model.dispose();
    }
    const before = readFileSync(r.backbone);
    await expect(pretrain({ ...quiet, config: tinyConfig('run1', { epochs: 1 }), out })).rejects.toThrow(/already holds/);
    expect(readFileSync(r.backbone).equals(before)).toBe(true);
    await expect(pretrain({ ...quiet, config: tinyConfig('fresh'), out: join(tmp, 'fresh'), resume: true })).rejects.toThrow(/to resume/);
  }, 60_000);

  it('2 epochs straight = 1 epoch + resume (bit for bit: backbone, key encoder, queue, pointer, slots)', async () => {
    const a = await pretrain({ ...quiet, config: tinyConfig('straight'), out: join(tmp, 'straight') });
    const b1 = await pretrain({ ...quiet, config: tinyConfig('split'), out: join(tmp, 'split'), epochs: 1 });
    expect(b1.epochsDone).toBe(1);
    const b2 = await pretrain({ ...quiet, config: tinyConfig('split'), out: join(tmp, 'split'), resume: true });
    expect([b2.epochsDone, b2.globalStep]).toEqual([2, a.globalStep]);
    expect(b2.losses).toEqual(a.losses.slice(2));
    const ba = await tensorsOf(a.backbone), bb = await tensorsOf(b2.backbone);
    expect([...bb.keys()]).toEqual([...ba.keys()]);
    for (const [k, v] of ba) expect(bb.get(k), k).toEqual(v);
    const ca = await loadPretrainCheckpoint(a.checkpoint), cb = await loadPretrainCheckpoint(b2.checkpoint);
    expect([...cb.model.keys()]).toEqual([...ca.model.keys()]);
    expect(ca.model.has('queue') && ca.model.has('queue_ptr') && ca.model.has('encoder_k.features.0.weight')).toBe(true);
    expect(ca.model.get('queue_ptr')!.data[0]).toBe(a.globalStep * 4 % 16);
    for (const [k, t] of ca.model) expect(Array.from(cb.model.get(k)!.data), k).toEqual(Array.from(t.data));
    for (const [k, t] of ca.optimizer) expect(Array.from(cb.optimizer.get(k)!.data), k).toEqual(Array.from(t.data));
    // the queue moves on: after 1 epoch (run1, same seed) it differs from after 2
    const c1 = await loadPretrainCheckpoint(join(tmp, 'run1', 'checkpoints', 'last.safetensors'));
    expect(c1.model.get('queue_ptr')!.data[0]).toBe(8);
    expect(Array.from(c1.model.get('queue')!.data)).not.toEqual(Array.from(ca.model.get('queue')!.data));
  }, 80_000);

  it('stopped in the middle of an epoch and resumed: the same result; init weights go to both encoders', async () => {
    const init = join(tmp, 'run1', 'backbone.safetensors');
    const cfg = (name: string) => tinyConfig(name, { init, epochs: 1 });
    const a = await pretrain({ ...quiet, config: cfg('init-straight'), out: join(tmp, 'init-straight') });
    const b1 = await pretrain({ ...quiet, config: cfg('init-split'), out: join(tmp, 'init-split'), maxSteps: 1 });
    expect([b1.stopped, b1.epochsDone, b1.globalStep]).toEqual(['max-steps', 0, 1]);
    const mid = await loadPretrainCheckpoint(b1.checkpoint);
    expect([mid.state.epoch, mid.state.stepInEpoch]).toEqual([0, 1]);
    // after one step f_k = m·init + (1 − m)·f_q: within a small step of the init weights
    const file = await tensorsOf(init);
    const k0 = mid.model.get('encoder_k.features.0.weight')!;
    const k0oihw = hwioToOihw(k0.data as Float32Array, k0.shape as [number, number, number, number]);
    const w0 = file.get('features.0.weight')!;
    let maxDiff = 0;
    for (let i = 0; i < w0.length; i++) maxDiff = Math.max(maxDiff, Math.abs(k0oihw[i]! - w0[i]!));
    expect(maxDiff).toBeLessThan(1e-3);
    const b2 = await pretrain({ ...quiet, config: cfg('init-split'), out: join(tmp, 'init-split'), resume: true });
    expect([b2.stopped, b2.epochsDone, b2.globalStep]).toEqual(['finished', 1, 2]);
    const ca = await loadPretrainCheckpoint(a.checkpoint), cb = await loadPretrainCheckpoint(b2.checkpoint);
    for (const [k, t] of ca.model) expect(Array.from(cb.model.get(k)!.data), k).toEqual(Array.from(t.data));
    const metric = readFileSync(join(tmp, 'init-split', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { globalStep: number });
    expect(metric.map((l) => l.globalStep)).toEqual([1, 2]);
  }, 60_000);

  it('a non-finite loss stops the run naming the step; nothing of it is written', async () => {
    const out = join(tmp, 'nan');
    let err: unknown;
    try {
      await pretrain({ ...quiet, config: tinyConfig('nan', { optimizer: { kind: 'sgd', lr: 1e38, momentum: 0.9 } }), out });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CvglError);
    expect((err as Error).message).toMatch(/finite MoCo loss[\s\S]*global step \d+/);
    const n = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').filter(Boolean).length;
    expect((err as Error).message).toContain(`global step ${n + 1}`);
  }, 60_000);
});
