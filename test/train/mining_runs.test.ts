/**
 * NetVLAD's and MDUIT's training (lib/train/netvlad_train.ts, mduit_train.ts) as tasks on the
 * training loop, with a run folder, on a tiny posed bank of random images (wasm):
 *   - stopped inside an epoch and resumed = a straight run, bit for bit (the interrupted epoch is
 *     done again from its start: its mining reads the weights); MDUIT's checkpoint holds both
 *     players' Adam slots;
 *   - the NaN/Inf guard stops a diverging run naming the step, the metric log ends before it;
 *   - a run folder is not overwritten, and a checkpoint of another config is refused.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../lib/engine/index.js';
import { Rng } from '../../lib/engine/rng.js';
import type { ImageBank } from '../../lib/data/image_bank.js';
import type { PosedImage } from '../../lib/data/localization.js';
import { loadCheckpoint } from '../../lib/train/checkpoint.js';
import { DivergedError } from '../../lib/train/loop.js';
import { MDUIT_PAPER_TRAINING, trainMduit, type MduitTrainConfig, type TrainingImages } from '../../lib/train/mduit_train.js';
import { trainNetVlad, type NetVladTrainConfig } from '../../lib/train/netvlad_train.js';

let tmp = '';
beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-mining-runs-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function bankOf(n: number, seed: number): ImageBank {
  const r = new Rng(seed);
  const data = new Uint8Array(n * 32 * 48 * 3);
  for (let i = 0; i < data.length; i++) data[i] = r.int(256);
  return { n, height: 32, width: 48, data };
}
const rot = [1, 0, 0, 0, 1, 0, 0, 0, 1];
const posed = (n: number, perPlace: number, conds: string[]): PosedImage[] =>
  Array.from({ length: n }, (_, i) => ({ id: `i${i}`, path: `/x/${i}`, condition: conds[i % conds.length]!, pose: { position: [Math.floor(i / perPlace) * 20, 0, 0] as [number, number, number], rotation: rot } }));

async function values(m: Map<string, tf.Variable>): Promise<Map<string, number[]>> {
  return new Map(await Promise.all([...m].map(async ([k, v]) => [k, Array.from(await v.data())] as const)));
}
const metricSteps = (out: string) => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { globalStep: number }).globalStep);

const netvladConfig = (over: Partial<NetVladTrainConfig> = {}): NetVladTrainConfig => ({ model: { widthDivisor: 16, clusters: 4 }, batchSize: 2, epochs: 2, stepsPerEpoch: 3, nNeg: 2, margin: 0.1, lr: 1e-4, poseThresholds: { metres: 7, degrees: 8 }, seed: 11, ...over });

describe('NetVLAD training on the loop', () => {
  const bank = bankOf(12, 7);
  const records = posed(12, 2, ['day']);

  it('stopped inside the second epoch and resumed = straight, bit for bit', async () => {
    const a = await trainNetVlad(bank, records, netvladConfig(), { out: join(tmp, 'nv-straight') });
    const out = join(tmp, 'nv-split');
    const b1 = await trainNetVlad(bank, records, netvladConfig(), { out, maxSteps: 4 });
    expect(b1.steps).toBe(4);
    b1.model.dispose();
    const ck = await loadCheckpoint(join(out, 'checkpoints', 'last.safetensors'), (c) => c);
    expect([ck.state.epoch, ck.state.stepInEpoch, ck.state.globalStep]).toEqual([1, 0, 3]); // the epoch-end checkpoint
    const b2 = await trainNetVlad(bank, records, netvladConfig(), { out, resume: true });
    expect(b2.steps).toBe(6);
    expect(b2.history).toEqual(a.history.slice(3));
    const wa = await values(a.model.namedVariables()), wb = await values(b2.model.namedVariables());
    for (const [k, v] of wa) expect(wb.get(k), k).toEqual(v);
    expect(metricSteps(out)).toEqual([1, 2, 3, 4, 5, 6]);
    a.model.dispose();
    b2.model.dispose();
    await expect(trainNetVlad(bank, records, netvladConfig(), { out })).rejects.toThrow(/already holds a checkpoint/);
    await expect(trainNetVlad(bank, records, netvladConfig({ lr: 1e-3 }), { out, resume: true })).rejects.toThrow(/another/);
  }, 120_000);

  it('a diverging run stops at the NaN guard, naming the step', async () => {
    const out = join(tmp, 'nv-nan');
    const err = await trainNetVlad(bank, records, netvladConfig({ lr: 1e38, epochs: 3 }), { out }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergedError);
    expect((err as Error).message).toMatch(/NetVLAD: a finite loss and gradient[\s\S]*global step \d+/);
    expect(metricSteps(out).length).toBe((err as DivergedError).step - 1);
  }, 120_000);
});

describe('MDUIT training on the loop', () => {
  const conds = ['day', 'night', 'snow'];
  const records = posed(12, 3, conds);
  const images: TrainingImages = { bank: bankOf(12, 9), records, domain: Int32Array.from(records.map((r) => conds.indexOf(r.condition))), conditions: conds };
  const config = (over: Partial<MduitTrainConfig> = {}): MduitTrainConfig => ({
    ...MDUIT_PAPER_TRAINING,
    model: { widthDivisor: 16, contentResBlocks: 1, generatorResBlocks: 1, discriminatorLayers: 2, embedDim: 16, init: { kind: 'torch-default' } },
    variant: 'full', negatives: 'bank', batchSize: 2, epochs: 2, constantEpochs: 1, stepsPerEpoch: 2, nNeg: 4, lr: 1e-3, seed: 13,
    ...over,
  });

  it('stopped inside the second epoch and resumed = straight, bit for bit; both players\' slots are in the checkpoint', async () => {
    const a = await trainMduit(images, config(), { out: join(tmp, 'md-straight') });
    const out = join(tmp, 'md-split');
    const b1 = await trainMduit(images, config(), { out, maxSteps: 3 });
    b1.model.dispose();
    const ck = await loadCheckpoint(join(out, 'checkpoints', 'last.safetensors'), (c) => c);
    expect(ck.state.globalStep).toBe(2);
    const slots = [...ck.optimizer.keys()];
    expect(slots.some((k) => k.startsWith('generator/')) && slots.some((k) => k.startsWith('discriminator/'))).toBe(true);
    const b2 = await trainMduit(images, config(), { out, resume: true });
    expect(b2.steps).toBe(4);
    expect(b2.history).toEqual(a.history.slice(2));
    const wa = await values(a.model.namedVariables()), wb = await values(b2.model.namedVariables());
    for (const [k, v] of wa) expect(wb.get(k), k).toEqual(v);
    expect(metricSteps(out)).toEqual([1, 2, 3, 4]);
    a.model.dispose();
    b2.model.dispose();
  }, 180_000);

  it('a diverging run stops at the NaN guard, naming the step', async () => {
    const out = join(tmp, 'md-nan');
    const err = await trainMduit(images, config({ variant: 'woI2i', lr: 1e38, epochs: 4, constantEpochs: 4 }), { out }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergedError);
    expect((err as Error).message).toMatch(/MDUIT: finite generator and discriminator losses[\s\S]*global step \d+/);
    expect(metricSteps(out).length).toBe((err as DivergedError).step - 1);
  }, 120_000);
});
