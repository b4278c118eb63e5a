/**
 * The thesis' matrix as a study (lib/papers/thesis/study.ts), at the smoke size on tiny synthetic
 * sets, on wasm:
 *   - symbolic initialisations resolve to files by running the pre-training they name: the ImageNet
 *     stand-in once for both datasets, MoCov2 per dataset / branch / split set, starred ones from the
 *     stand-in; a second resolution reuses every run (no training), another seed runs again;
 *   - what cannot be resolved is refused with what to do (paper without ImageNet weights, a ground
 *     branch asked to start from satellite pre-training, a missing dataset);
 *   - a study: identical rows (exp. 12 of Tables 4.4 / 4.7) trained once and reported under both
 *     ids, the Fig. 4.4 snapshot's uniformity in the results of its row, the uniformity after
 *     training and per epoch (metrics.jsonl) for the Table 4.7 rows, per-city series;
 *   - replicates = 2: seeds base and base + 1 for the pre-training (its own cache entries) and the
 *     fine-tuning, the same validation queries, `results` the mean of the replicates' metrics,
 *     replicate 0 the same numbers as a one-replicate run, ranks by the thesis' tie convention.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CvglError, initEngine } from '../../lib/engine/index.js';
import { generateSynthetic } from '../../lib/synth/generate.js';
import { resolveThesisInits, runThesisStudy, thesisConfig, thesisMatrix, SMOKE_ROWS, THESIS_RECALL_CONVENTION, type ThesisStudyOptions } from '../../lib/papers/thesis/study.js';
import { splitRecall } from '../../lib/eval/evaluate.js';
import { PRESET_NAMES } from '../../lib/papers/presets.js';

let tmp = '';
let opts: ThesisStudyOptions;

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-thesis-study-'));
  const small = { aerialSize: 48, panoWidth: 128, panoHeight: 32, workers: 2 };
  await generateSynthetic({ ...small, out: join(tmp, 'cvact'), pairs: 48, seed: 3 });
  await generateSynthetic({ ...small, out: join(tmp, 'vigor'), pairs: 64, seed: 4, offset: 30 });
  opts = { profile: 'smoke', data: { cvact: join(tmp, 'cvact'), vigor: join(tmp, 'vigor') }, pretrainDir: join(tmp, 'pretrain'), workDir: join(tmp, 'work'), log: () => undefined };
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('thesis matrix', () => {
  it('covers every table row and the unified model; the smoke rows are a subset of it', () => {
    const all = thesisMatrix('quick');
    expect(all.ids.length).toBe(34);
    for (const id of all.ids) expect(PRESET_NAMES).toContain(id);
    expect(all.ids).toContain('thesis.appendix65.unified');
    expect(all.snapshots).toEqual(['thesis.stage2.siameseVggCvact', 'thesis.table42.setting6', 'thesis.table42.setting7', 'thesis.stage2.siameseVggVigor', 'thesis.table44.setting6', 'thesis.table44.setting7']);
    expect(thesisMatrix('smoke').ids).toEqual(all.ids.filter((id) => SMOKE_ROWS.includes(id)));
    expect(thesisMatrix('smoke').ids.length).toBe(SMOKE_ROWS.length);
  });
});

describe('pre-training behind the symbols', () => {
  it('runs what the rows need once, reuses it the second time, runs again for another seed', async () => {
    const ids = ['thesis.table42.setting7', 'thesis.table44.setting3', 'thesis.table44.setting5'];
    const configs = ids.map((id) => thesisConfig(id, opts));
    expect(configs[0]!.model.options).toMatchObject({ widthDivisor: 16 });
    expect(configs[0]!.data).toMatchObject({ batchSize: 8, limit: { train: 16, val: 32 } });
    const first = await resolveThesisInits(configs, opts);
    // stand-in (both branches) + cvact grd*, sat* + vigor sat, sat val*
    expect(first.pretraining.map((p) => `${p.dataset}|${p.branch}|${p.source}|${p.origin}`).sort()).toEqual([
      'cvact|aerial|sat*|trained', 'cvact|ground|grd*|trained', 'other world|both|imagenet|trained', 'vigor|aerial|sat val*|trained', 'vigor|aerial|sat|trained',
    ]);
    for (const f of first.files.values()) expect(existsSync(f)).toBe(true);
    const moco = (src: string, ds: string) => first.pretraining.find((p) => p.source === src && p.dataset === ds)!;
    const key = (src: string, ds: string) => JSON.parse(readFileSync(join(moco(src, ds).dir!, 'key.json'), 'utf8'));
    const standIn = first.pretraining.find((p) => p.source === 'imagenet')!;
    expect(key('sat*', 'cvact').config).toMatchObject({ branch: 'aerial', splits: ['train', 'val'], init: standIn.files.aerial });
    expect(key('grd*', 'cvact').config).toMatchObject({ branch: 'ground', splits: ['train', 'val'], init: standIn.files.ground });
    expect(key('sat val*', 'vigor').config).toMatchObject({ splits: ['test'], init: standIn.files.aerial, data: { vigorProtocol: 'cross' } });
    expect(key('sat', 'vigor').config.init).toBeUndefined(); // from scratch
    expect(key('sat', 'vigor').config.splits).toEqual(['train', 'test']);
    for (const p of first.pretraining) expect(p.steps).toBe(2);

    const again = await resolveThesisInits(configs, opts);
    expect(again.pretraining.every((p) => p.origin === 'cached')).toBe(true);
    expect([...again.files]).toEqual([...first.files]);

    const other = await resolveThesisInits([thesisConfig('thesis.table42.setting7', { ...opts, seed: 9 })], { ...opts, seed: 9 });
    expect(other.pretraining.every((p) => p.origin === 'trained')).toBe(true);
    expect(other.files.get('cvact|aerial|sat*')).not.toBe(first.files.get('cvact|aerial|sat*'));
  }, 300_000);

  it('refuses what it cannot resolve, saying what to do', async () => {
    await expect(resolveThesisInits([thesisConfig('thesis.table42.setting6', { ...opts, profile: 'paper' })], { ...opts, profile: 'paper' })).rejects.toThrow(/ImageNet VGG16 weights[\s\S]*pass imagenet/);
    await expect(resolveThesisInits([thesisConfig('thesis.table42.setting6', { ...opts, profile: 'paper' })], { ...opts, profile: 'paper', imagenet: join(tmp, 'nope.safetensors') })).rejects.toThrow(/no such file/);
    const wrong = thesisConfig('thesis.table42.setting6', opts);
    wrong.initFrom = { ground: 'sat*', aerial: 'sat*' };
    await expect(resolveThesisInits([wrong], opts)).rejects.toThrow(/pre-trained on ground images for the ground branch/);
    expect(() => thesisConfig('thesis.table44.setting6', { ...opts, data: { cvact: opts.data.cvact } })).toThrow(CvglError);
    expect(() => thesisConfig('thesis.table44.setting6', { ...opts, profile: 'fast' })).toThrow(/a profile/);
  }, 120_000);
});

describe('runThesisStudy', () => {
  it('trains identical rows once, snapshots before training, uniformity along epochs for Table 4.7', async () => {
    const ids = ['thesis.stage2.siameseVggVigor', 'thesis.table47.alpha0', 'thesis.table47.alpha1e1'];
    const r = await runThesisStudy(ids, { ...opts, snapshots: ['thesis.stage2.siameseVggVigor'], epochs: 2 });
    expect(r.sharedRuns).toEqual({ 'thesis.stage2.siameseVggVigor': 'thesis.table47.alpha0' });
    expect(r.runs.map((x) => x.id)).toEqual(['thesis.table47.alpha0', 'thesis.table47.alpha1e1']);
    expect(Object.keys(r.results).sort()).toEqual([...ids].sort());
    // the shared row has the run's recalls; its uniformity is the snapshot's (before training)
    const s = r.snapshots['thesis.stage2.siameseVggVigor']!;
    for (const k of ['r1', 'r5', 'r10', 'r1pct']) expect(r.results['thesis.stage2.siameseVggVigor']![k]).toBe(r.results['thesis.table47.alpha0']![k]);
    expect(r.results['thesis.stage2.siameseVggVigor']).toMatchObject({ uniformGround: s.uniformity.ground, uniformSatellite: s.uniformity.satellite, uniformAll: s.uniformity.all });
    // Table 4.7 rows: uniformity after training, per epoch in the evaluations and metrics.jsonl
    for (const id of ['thesis.table47.alpha0', 'thesis.table47.alpha1e1']) {
      const run = r.runs.find((x) => x.id === id)!;
      expect(run.config.init).toEqual({ ground: expect.stringContaining('imagenet-stand-in'), aerial: expect.stringContaining('imagenet-stand-in') });
      expect(run.evals.map((e) => e.epoch)).toEqual([0, 1]);
      for (const e of run.evals) expect(Number.isFinite(e.uniformity!.all)).toBe(true);
      expect(r.results[id]!.uniformAll).toBe(run.uniformity!.all);
      expect(r.results[id]!.uniformAll).toBeCloseTo(run.evals.at(-1)!.uniformity!.all, 5); // the same model, evaluated twice
      const lines = readFileSync(join(run.out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.filter((l) => l.type === 'eval').map((l) => typeof l.uniformity.all)).toEqual(['number', 'number']);
    }
    expect(r.configs['thesis.table47.alpha1e1']!.loss.uniformity).toBe(0.1);
    // Fig. 4.4: the VIGOR validation cities as series
    expect(s.series.map((x) => x.name)).toEqual(expect.arrayContaining(['ground SanFrancisco', 'satellite SanFrancisco']));
    expect(s.series.every((x) => /SanFrancisco|Chicago/.test(x.name))).toBe(true);
    expect(r.pretraining.map((p) => p.source)).toEqual(['imagenet']);
  }, 300_000);

  it('replicates = 2: seeds base and base + 1 for pre-training and fine-tuning, results the mean, replicate 0 the one-replicate run', async () => {
    const ids = ['thesis.stage2.siameseVggCvact', 'thesis.table42.setting6'];
    const snap = ['thesis.table42.setting6'];
    const one = await runThesisStudy(ids, { ...opts, workDir: join(tmp, 'work-k1'), snapshots: snap, keepEmbeddings: true });
    const two = await runThesisStudy(ids, { ...opts, workDir: join(tmp, 'work-k2'), snapshots: snap, replicates: 2 });
    expect(one.replicates['thesis.table42.setting6']!.seeds).toEqual([1]); // smoke: one replicate
    for (const id of ids) {
      const x = two.replicates[id]!;
      expect(x.seeds).toEqual([1, 2]);
      expect(x.metrics.length).toBe(2);
      // the same validation queries in both replicates
      expect(x.ranks!.map((r) => r.length)).toEqual([one.runs[0]!.split.pairs.length, one.runs[0]!.split.pairs.length]);
      for (const [k, v] of Object.entries(two.results[id]!)) expect(v, `${id} ${k}`).toBeCloseTo((x.metrics[0]![k]! + x.metrics[1]![k]!) / 2, 10);
      // same seed, same numbers
      expect(x.metrics[0]).toEqual(one.replicates[id]!.metrics[0]);
      expect(x.ranks![0]).toEqual(one.replicates[id]!.ranks![0]);
    }
    expect(Object.keys(two.results['thesis.table42.setting6']!).sort()).toEqual(['r1', 'r10', 'r1pct', 'r5', 'uniformAll', 'uniformGround', 'uniformSatellite']);
    // the second seed pre-trains its own weights (the stand-in and sat*) and fine-tunes from them
    const seed2 = two.pretraining.filter((p) => p.seed === 2);
    expect(seed2.map((p) => `${p.source}|${p.origin}`).sort()).toEqual(['imagenet|trained', 'sat*|trained']);
    expect(two.pretraining.filter((p) => p.seed === 1).every((p) => p.origin === 'cached')).toBe(true);
    const sat = (seed: number) => two.pretraining.find((p) => p.seed === seed && p.source === 'sat*')!.files.aerial;
    expect(sat(2)).not.toBe(sat(1));
    const u = two.replicates['thesis.table42.setting6']!.metrics.map((m) => m.uniformAll);
    expect(u[1]).not.toBe(u[0]); // the snapshot's uniformity from the seed's own pre-trained weights
    // figures: replicate 0's runs
    expect(two.runs.map((r) => r.config.seed)).toEqual([1, 1]);
    // the thesis' recall convention: ranks and recalls as its code counts them
    expect(THESIS_RECALL_CONVENTION.ties).toBe('strict');
    for (const run of one.runs) {
      const strict = await splitRecall(run.embeddings!, { ties: 'strict' });
      expect(Array.from(run.ranks)).toEqual(Array.from(strict.ranks));
      expect(one.results[run.id]!.r1).toBeCloseTo(100 * strict.atK[1]!, 10);
    }
  }, 600_000);
});
