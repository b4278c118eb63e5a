/**
 * The thesis' experiment matrix as presets (003, Table 3.1, Tables 4.2–4.8, appendix 6.5):
 *   - every experiment id the published numbers name (lib/papers/thesis/published.ts) is a preset, and
 *     its branch initialisations are the table's (read back from the printed Table 3.1 labels);
 *   - the rows that differ in something else differ in exactly that (swapped split, α, augmentation);
 *   - profiles keep the symbolic initialisation; the trainer refuses one it has no file for.
 */
import { describe, expect, it } from 'vitest';
import { THESIS_NUMBERS, THESIS_SETTINGS } from '../../lib/papers/thesis/published.js';
import { INIT_SOURCES, validateConfig } from '../../lib/train/config.js';
import { getPreset, PRESET_NAMES, thesisSettingInit } from '../../lib/papers/presets.js';
import { profileConfig } from '../../lib/papers/study.js';
import { loadInitWeights } from '../../lib/train/trainer.js';
import { buildModel } from '../../lib/models/registry.js';
import { CvglError, initEngine, Rng, tf } from '../../lib/engine/index.js';
import { buildObjective } from '../../lib/train/objective.js';
import { THESIS_READINGS } from '../../lib/papers/thesis/readings.js';
import { thesisReadingsTable } from '../../lib/papers/thesis/tables.js';

const ids = [...new Set(THESIS_NUMBERS.map((n) => n.experiment).filter((e): e is string => !!e))];

describe('thesis presets', () => {
  it('every experiment id of the published numbers is a valid preset', () => {
    expect(ids.length).toBeGreaterThan(30);
    for (const id of ids) {
      expect(PRESET_NAMES, id).toContain(id);
      expect(() => validateConfig(getPreset(id), id)).not.toThrow();
    }
  });

  it('Table 3.1 settings: initFrom as printed; setting k of a table is its row', () => {
    expect(thesisSettingInit(1)).toEqual({ ground: 'random', aerial: 'random' });
    expect(thesisSettingInit(2)).toEqual({ ground: 'imagenet', aerial: 'imagenet' });
    expect(thesisSettingInit(3)).toEqual({ ground: 'imagenet', aerial: 'sat' });
    expect(thesisSettingInit(7)).toEqual({ ground: 'grd*', aerial: 'sat*' });
    expect(() => thesisSettingInit(8)).toThrow(CvglError);
    for (const k of Object.keys(THESIS_SETTINGS)) for (const v of Object.values(thesisSettingInit(Number(k)))) expect(INIT_SOURCES).toContain(v);
    for (const id of ids) {
      const m = /^thesis\.table4[2-6]\.setting(\d)$/.exec(id);
      const c = getPreset(id);
      if (m) expect(c.initFrom, id).toEqual(thesisSettingInit(Number(m[1])));
      else expect(c.initFrom, id).toEqual(thesisSettingInit(2)); // baselines, α and augmentation rows: ImageNet / ImageNet
    }
  });

  it('each row differs from its baseline in what its table varies', () => {
    const base = getPreset('thesis.stage2.siameseVggVigor');
    const strip = (c: ReturnType<typeof getPreset>) => ({ ...c, name: '', source: '', assumptions: [], initFrom: undefined });
    expect(strip(getPreset('thesis.table44.setting6'))).toEqual(strip(base));
    const swapped = getPreset('thesis.table46.setting4');
    expect(swapped.data).toMatchObject({ trainSplit: 'test', valSplit: 'train', vigorProtocol: 'cross', sampler: 'vigor' });
    expect(getPreset('thesis.table47.alpha1e2').loss.uniformity).toBe(0.01);
    expect(getPreset('thesis.table47.alpha1e2').evalUniformity).toBe(true);
    expect(getPreset('thesis.table47.alpha0').loss.uniformity).toBeUndefined();
    expect(getPreset('thesis.table48.mocoAug').data.augment).toEqual({ ground: { resizedCrop: true }, aerial: { resizedCrop: true } });
    expect(getPreset('thesis.table48.mocoAugNoCrop').data.augment).toEqual({ ground: { resizedCrop: false }, aerial: { resizedCrop: false } });
    expect(getPreset('thesis.table43.setting6').model.name).toBe('safa');
    expect(getPreset('thesis.table42.setting6').data.dir).toBe('data/cvact');
    expect(getPreset('thesis.appendix65.unified')).toMatchObject({ model: { name: 'unified-moco' }, loss: { kind: 'unified-infonce' }, epochs: 40 });
  });

  it('profiles keep the symbols; the trainer refuses a symbol without its file, and a file contradicting "random"', async () => {
    const q = profileConfig('thesis.table44.setting7', 'quick');
    expect(q.initFrom).toEqual({ ground: 'grd*', aerial: 'sat*' });
    expect(q.init).toBeUndefined();
    expect(q.assumptions!.join(' ')).toMatch(/ground grd\*, aerial sat\*/);
    expect(profileConfig('cvft.table1.full', 'quick').assumptions!.join(' ')).toMatch(/from random weights/);
    expect(() => validateConfig({ ...q, initFrom: { aerial: 'sat**' } })).toThrow(/initFrom\.aerial/);
    await initEngine({ backend: 'cpu' });
    const m = buildModel('siamese-vgg', { widthDivisor: 16, dim: 8 });
    try {
      await expect(loadInitWeights(m, q)).rejects.toThrow(/runThesisStudy/);
      await expect(loadInitWeights(m, { ...q, initFrom: { ground: 'random' }, init: { ground: 'x.safetensors' } })).rejects.toThrow(/random/);
      await expect(loadInitWeights(m, { ...q, initFrom: { ground: 'random', aerial: 'random' } })).resolves.toBeUndefined();
    } finally {
      m.dispose();
    }
  });

  it('the uniformity term (Eq. 3.9) needs two pairs: a batch of one (a VIGOR epoch can end with one) adds none', async () => {
    await initEngine({ backend: 'cpu' });
    const m = buildModel('siamese-vgg', { widthDivisor: 16, dim: 8 });
    try {
      const [withU, without] = [buildObjective(m, { kind: 'soft-triplet-thesis', gamma: 10, uniformity: 0.1 }), buildObjective(m, { kind: 'soft-triplet-thesis', gamma: 10 })];
      const r = new Rng(1);
      const [g, a] = [r.uniformTensor([1, 32, 64, 3]) as tf.Tensor4D, r.uniformTensor([1, 32, 32, 3]) as tf.Tensor4D];
      const [u, v] = [withU(g, a), without(g, a)];
      expect(u.dataSync()[0]).toBe(v.dataSync()[0]);
      const [g2, a2] = [r.uniformTensor([3, 32, 64, 3]) as tf.Tensor4D, r.uniformTensor([3, 32, 32, 3]) as tf.Tensor4D];
      const [u2, v2] = [withU(g2, a2), without(g2, a2)];
      expect(u2.dataSync()[0]! - v2.dataSync()[0]!).not.toBe(0); // with two pairs or more it is there
      tf.dispose([g, a, u, v, g2, a2, u2, v2]);
    } finally {
      m.dispose();
    }
  });

  it("the rows use the register's defaults: Sec. 4.2's head, the mean and γ on the gap, raw aerials for SAFA, a constant schedule", () => {
    for (const id of ids) {
      const c = getPreset(id);
      if (c.model.name === 'unified-moco') continue;
      expect(c.loss, id).toMatchObject({ kind: 'soft-triplet-thesis', gamma: 10, reduction: 'mean', gammaOn: 'gap' });
      expect(c.schedule, id).toEqual({ kind: 'constant' });
      expect(c.assumptions!.join(' '), id).toMatch(/learning rate constant.*cut off/);
      if (c.model.name === 'siamese-vgg') expect(c.model.options, id).toEqual({ head: 'fc' });
      if (c.model.name === 'safa') {
        const side = c.data.dir === 'data/cvact' ? 256 : 224;
        expect(c.data.aerial, id).toEqual({ size: side, polar: null });
        expect(c.model.options!.aerialHW, id).toEqual([side, side]);
      }
    }
    // the quick profile keeps the readings that are not sizes
    const q = profileConfig('thesis.table44.setting6', 'quick');
    expect(q.model.options).toMatchObject({ head: 'fc' });
    expect(q.loss).toMatchObject({ reduction: 'mean', gammaOn: 'gap' });
  });

  it('the register: defaults among the options; each preset uses an option of each reading that applies, the default', () => {
    const seen = new Set<string>();
    for (const r of THESIS_READINGS) {
      expect(r.id, r.id).toMatch(/^thesis\./);
      expect(seen.has(r.id), `${r.id} twice`).toBe(false);
      seen.add(r.id);
      expect(r.options.map((o) => o.name), r.id).toContain(r.defaultOption);
    }
    for (const id of [...ids, 'thesis.appendix65.unified']) {
      const c = getPreset(id);
      for (const r of THESIS_READINGS) {
        const used = r.usedBy?.(c);
        if (used !== undefined) expect(used, `${id}: ${r.id}`).toBe(r.defaultOption);
      }
    }
    const literal = { ...getPreset('thesis.table47.alpha1e1'), loss: { kind: 'soft-triplet-thesis' as const, gamma: 10, uniformity: 0.1 }, model: { name: 'siamese-vgg' as const, options: { head: 'mlp' } } };
    const used = (rid: string) => THESIS_READINGS.find((r) => r.id === rid)!.usedBy!(literal);
    expect([used('thesis.triplet-reduction'), used('thesis.triplet-gamma'), used('thesis.siamese-vgg-head'), used('thesis.safa-aerial')]).toEqual(['sum', 'exp', 'mlp', undefined]);
    const t = thesisReadingsTable({ a: getPreset('thesis.table45.setting4'), b: literal });
    expect(t.columns).toContain('safa-aerial');
    expect(t.rows[0]![t.columns.indexOf('safa-aerial')]).toBe('raw');
    expect(t.rows[1]![t.columns.indexOf('siamese-vgg-head')]).toBe('mlp');
    expect(t.rows[1]![t.columns.indexOf('safa-aerial')]).toBe('');
  });

  it('loss.reduction and loss.gammaOn are validated, and only for the thesis loss', () => {
    const c = getPreset('thesis.stage2.siameseVggVigor');
    expect(() => validateConfig({ ...c, loss: { ...c.loss, reduction: 'avg' } })).toThrow(/loss\.reduction/);
    expect(() => validateConfig({ ...c, loss: { ...c.loss, gammaOn: 'log' } })).toThrow(/loss\.gammaOn/);
    expect(() => validateConfig({ ...c, loss: { kind: 'soft-margin-exhaustive', gamma: 10, reduction: 'mean' } })).toThrow(/soft-triplet-thesis/);
    expect(() => validateConfig({ ...c, loss: { ...c.loss, reducton: 'mean' } })).toThrow(/did you mean 'loss\.reduction'/);
    expect(() => validateConfig(c)).not.toThrow();
  });

  it("SAFA on raw aerials builds at the paper's sizes (pool5 8x8 of a 256x256 aerial) and the objective uses the config's reading", async () => {
    await initEngine({ backend: 'cpu' });
    const safa = buildModel('safa', { ...getPreset('thesis.stage2.safaCvact').model.options, widthDivisor: 32 });
    const m = buildModel('siamese-vgg', { widthDivisor: 16, dim: 8 });
    try {
      expect(safa.descriptorLength()).toBe((512 / 32) * 8);
      const r = new Rng(2);
      const [g, a] = [r.uniformTensor([3, 32, 64, 3]) as tf.Tensor4D, r.uniformTensor([3, 32, 32, 3]) as tf.Tensor4D];
      const value = (loss: Parameters<typeof buildObjective>[1]) => tf.tidy(() => buildObjective(m, loss)(g, a).dataSync()[0]!);
      const sum = value({ kind: 'soft-triplet-thesis', gamma: 10 });
      expect(value({ kind: 'soft-triplet-thesis', gamma: 10, reduction: 'mean' })).toBeCloseTo(sum / (2 * 3 * 2), 5);
      expect(value({ kind: 'soft-triplet-thesis', gamma: 10, gammaOn: 'gap' })).not.toBeCloseTo(sum, 2);
      tf.dispose([g, a]);
    } finally {
      m.dispose();
      safa.dispose();
    }
  });
});
