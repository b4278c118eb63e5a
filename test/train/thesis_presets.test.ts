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
});
