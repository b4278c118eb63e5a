/**
 * The trainer (lib/train/trainer.ts) on a tiny synthetic set and a tiny model:
 *   - resume is exact: 2 epochs straight = 1 epoch, stop, resume for the 2nd (bit-for-bit weights
 *     and optimizer slots) on cpu and wasm; also when stopped in the middle of an epoch;
 *   - metrics.jsonl has a line per step and per evaluation, none duplicated by a resume;
 *   - a NaN loss stops the run naming the step and the last good checkpoint, weights untouched;
 *   - an existing run is never overwritten; a checkpoint of another architecture is refused;
 *     bad configs and an empty split give errors that say what to do;
 *   - no tensor leaks across steps (debug mode).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf, type BackendName } from '../../lib/engine/index.js';
import { generateSynthetic } from '../../lib/synth/generate.js';
import { validateConfig, type TrainConfig } from '../../lib/train/config.js';
import { train } from '../../lib/train/trainer.js';
import { loadCheckpoint } from '../../lib/train/checkpoint.js';
import { getPreset, PRESET_NAMES } from '../../lib/papers/presets.js';

let tmp = '';
let data = '';

/** Siamese-VGG at widths ÷ 16 on 32x32 panoramas and 32x32 aerials: a fraction of a second per step on cpu. */
function tinyConfig(name: string, over: Partial<TrainConfig> = {}): TrainConfig {
  return {
    name,
    model: { name: 'siamese-vgg', options: { widthDivisor: 16, dim: 16 } },
    loss: { kind: 'soft-triplet-thesis', gamma: 10 },
    data: { dir: data, ground: { height: 32, width: 32 }, aerial: { size: 32, polar: null }, batchSize: 4 },
    optimizer: { kind: 'adam', lr: 1e-3, weightDecay: 1e-4 },
    schedule: { kind: 'step', milestones: [1], gamma: 0.5 },
    epochs: 2,
    seed: 3,
    ...over,
  };
}

const quiet = { progress: false, log: () => undefined, workers: 1, cacheDir: null };

async function weightsOf(file: string): Promise<Map<string, number[]>> {
  const ck = await loadCheckpoint(file);
  const m = new Map<string, number[]>();
  for (const [k, t] of ck.model) m.set(`model/${k}`, Array.from(t.data));
  for (const [k, t] of ck.optimizer) m.set(`optimizer/${k}`, Array.from(t.data));
  return m;
}

const lines = (out: string) => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; globalStep: number; loss?: number });

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-trainer-'));
  data = join(tmp, 'set');
  // 20 pairs: 16 train (4 batches of 4), 4 val
  await generateSynthetic({ out: data, pairs: 20, seed: 4, aerialSize: 48, aerialExtent: 100, panoWidth: 96, panoHeight: 24, workers: 2 });
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  describe(`resume on ${backend}`, () => {
    beforeAll(async () => {
      await initEngine({ backend });
    });

    it('2 epochs straight = 1 epoch + resume (bit for bit)', async () => {
      const a = await train({ ...quiet, config: tinyConfig('straight'), out: join(tmp, `${backend}-straight`) });
      a.model.dispose();
      const b1 = await train({ ...quiet, config: tinyConfig('split'), out: join(tmp, `${backend}-split`), epochs: 1 });
      b1.model.dispose();
      expect(b1.epochsDone).toBe(1);
      const b2 = await train({ ...quiet, config: tinyConfig('split'), out: join(tmp, `${backend}-split`), resume: true });
      b2.model.dispose();
      expect(b2.epochsDone).toBe(2);
      expect(b2.globalStep).toBe(a.globalStep);
      const wa = await weightsOf(a.checkpoint), wb = await weightsOf(b2.checkpoint);
      expect([...wb.keys()]).toEqual([...wa.keys()]);
      for (const [k, v] of wa) expect(wb.get(k), k).toEqual(v);
      // the metric log of the resumed run equals the straight one step for step
      const la = lines(join(tmp, `${backend}-straight`)), lb = lines(join(tmp, `${backend}-split`));
      expect(lb.map((l) => [l.type, l.globalStep, l.loss])).toEqual(la.map((l) => [l.type, l.globalStep, l.loss]));
    }, 240_000);

    it('stopped in the middle of an epoch, resumed: the same weights', async () => {
      const out = join(tmp, `${backend}-mid`);
      const s1 = await train({ ...quiet, config: tinyConfig('mid'), out, maxSteps: 6 });
      s1.model.dispose();
      expect(s1.stopped).toBe('max-steps');
      const ck = await loadCheckpoint(s1.checkpoint);
      expect([ck.state.epoch, ck.state.stepInEpoch, ck.state.globalStep]).toEqual([1, 2, 6]);
      const s2 = await train({ ...quiet, config: tinyConfig('mid'), out, resume: true });
      s2.model.dispose();
      const straight = await weightsOf(join(tmp, `${backend}-straight`, 'checkpoints', 'last.safetensors'));
      const resumed = await weightsOf(s2.checkpoint);
      for (const [k, v] of straight) expect(resumed.get(k), k).toEqual(v);
      const steps = lines(out).filter((l) => l.type === 'step').map((l) => l.globalStep);
      expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    }, 240_000);
  });
}

describe('guards and errors', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  it('a NaN loss stops the run before the update, naming the step and the last checkpoint', async () => {
    const out = join(tmp, 'nan');
    const ok = await train({ ...quiet, config: tinyConfig('nan', { epochs: 1 }), out });
    ok.model.dispose();
    const before = await weightsOf(ok.checkpoint);
    // resumed with an absurd learning rate: the weights overflow and the loss turns NaN
    const cfg = tinyConfig('nan', { epochs: 3, optimizer: { kind: 'adam', lr: 1e30 } });
    const err = await train({ ...quiet, config: cfg, out, resume: true }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/finite loss and gradient/);
    expect((err as Error).message).toMatch(/global step \d+/);
    expect((err as Error).message).toContain(join(out, 'checkpoints', 'last.safetensors'));
    // the checkpoint on disk is still a good one (it may have advanced by finite steps only)
    const after = await loadCheckpoint(join(out, 'checkpoints', 'last.safetensors'));
    for (const t of after.model.values()) expect(t.data.every(Number.isFinite)).toBe(true);
    expect(before.size).toBeGreaterThan(0);
  }, 120_000);

  it('never overwrites an existing run; refuses a checkpoint of another architecture', async () => {
    const out = join(tmp, 'exists');
    const r = await train({ ...quiet, config: tinyConfig('exists', { epochs: 1 }), out });
    r.model.dispose();
    const w = await weightsOf(r.checkpoint);
    await expect(train({ ...quiet, config: tinyConfig('exists', { epochs: 1 }), out })).rejects.toThrow(/already holds a checkpoint.*--resume/s);
    const other = tinyConfig('exists', { model: { name: 'siamese-vgg', options: { widthDivisor: 16, dim: 8 } } });
    await expect(train({ ...quiet, config: other, out, resume: true })).rejects.toThrow(/checkpoint of .*dim.*8/s);
    expect(await weightsOf(r.checkpoint)).toEqual(w);
  }, 120_000);

  it('bad configs, a missing dataset and a too-small split give errors that say what to do', async () => {
    expect(() => validateConfig({ ...tinyConfig('x'), epochs: 0 })).toThrow(/epochs.*integer >= 1/s);
    expect(() => validateConfig({ ...tinyConfig('x'), model: { name: 'resnet' } })).toThrow(/model\.name/);
    expect(() => validateConfig({ ...tinyConfig('x'), loss: { kind: 'mgtl' } })).toThrow(/MGTL model/);
    expect(() => validateConfig({ ...tinyConfig('x'), data: { ...tinyConfig('x').data, batchSize: 1 } })).toThrow(/batchSize/);
    expect(() => validateConfig({ ...tinyConfig('x'), preciseBatchNorm: 0 })).toThrow(/preciseBatchNorm.*batches >= 1/s);
    await expect(train({ ...quiet, config: tinyConfig('x', { model: { name: 'siamese-vgg', options: { widthDivsor: 16 } } }), out: join(tmp, 'typo') })).rejects.toThrow(/widthDivsor/);
    await expect(train({ ...quiet, config: tinyConfig('x'), dataDir: join(tmp, 'nowhere'), out: join(tmp, 'nodata') })).rejects.toThrow(/no such directory/);
    await expect(train({ ...quiet, config: tinyConfig('x', { data: { ...tinyConfig('x').data, batchSize: 64 } }), out: join(tmp, 'big') })).rejects.toThrow(/smaller data\.batchSize/);
    // SAFA built for 32x64 inputs, fed 32x32 panoramas: refused before the first step, both sizes named
    const safa = tinyConfig('x', { model: { name: 'safa', options: { widthDivisor: 16, groundHW: [32, 64], aerialHW: [32, 64] } }, data: { ...tinyConfig('x').data, aerial: { size: 32, polar: { height: 32, width: 64 } } } });
    await expect(train({ ...quiet, config: safa, out: join(tmp, 'sizes') })).rejects.toThrow(/fit safa.*ground 32x32, aerial 32x64 \(polar\).*groundHW/s);
    expect(existsSync(join(tmp, 'sizes', 'checkpoints'))).toBe(false);
    await expect(train({ ...quiet, config: tinyConfig('x'), out: join(tmp, 'none'), resume: true })).rejects.toThrow(/a run to resume/);
    expect(existsSync(join(tmp, 'none', 'checkpoints'))).toBe(false);
  }, 120_000);

  it('no tensor grows across steps (debug mode) and the model is the only thing left', async () => {
    const before = tf.memory().numTensors;
    const r = await train({ ...quiet, config: tinyConfig('leak', { epochs: 1 }), out: join(tmp, 'leak'), debug: true, debugEvery: 1 });
    const nModel = r.model.namedVariables().size;
    expect(tf.memory().numTensors - before).toBe(nModel);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('PreciseBN before the evaluation: the same trained weights, moving statistics recomputed (GeoCapsNet)', async () => {
    const gcn = (name: string, precise?: number): TrainConfig => ({
      ...tinyConfig(name, { epochs: 1 }),
      model: { name: 'geocapsnet-i', options: { widthDivisor: 16, groundHW: [96, 96], aerialHW: [96, 96] } },
      loss: { kind: 'soft-margin-exhaustive', gamma: 10 },
      data: { ...tinyConfig(name).data, ground: { height: 96, width: 96 }, aerial: { size: 96, polar: null } },
      schedule: { kind: 'constant' },
      ...(precise ? { preciseBatchNorm: precise } : {}),
    });
    const a = await train({ ...quiet, config: gcn('bn-keras'), out: join(tmp, 'bn-keras') });
    a.model.dispose();
    const b = await train({ ...quiet, config: gcn('bn-precise', 2), out: join(tmp, 'bn-precise') });
    b.model.dispose();
    expect(a.evals).toHaveLength(1);
    expect(b.evals).toHaveLength(1);
    const wa = await weightsOf(a.checkpoint), wb = await weightsOf(b.checkpoint);
    let moving = 0;
    for (const [k, v] of wa) {
      if (k.includes('.bn.moving_')) {
        if (k.startsWith('model/')) moving++;
        expect(wb.get(k), k).not.toEqual(v);
      } else expect(wb.get(k), k).toEqual(v);
    }
    expect(moving).toBeGreaterThan(100);
  }, 240_000);

  it('every preset is a valid config', () => {
    expect(PRESET_NAMES.length).toBeGreaterThan(20);
    for (const n of PRESET_NAMES) expect(() => validateConfig(getPreset(n), n)).not.toThrow();
    expect(() => getPreset('cvft.table9.full')).toThrow(/cvft\.table1\.full/);
  });
});
