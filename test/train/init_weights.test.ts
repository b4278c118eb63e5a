/**
 * Where the backbones start (lib/train/init_weights.ts, issue 23 item 1): every paper row whose
 * paper starts from ImageNet weights says so (`initFrom`), is refused without the file unless
 * `allowRandomInit`, and is marked when it runs from random; the quick and smoke profiles train
 * from random and are marked too; a study checks every row before the first run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CvglError } from '../../lib/engine/errors.js';
import { PRESET_NAMES, getPreset } from '../../lib/papers/presets.js';
import { profileConfig, runStudy } from '../../lib/papers/study.js';
import { checkInit, initNote, randomWhereThePaperIsNot, withImagenetFile } from '../../lib/train/init_weights.js';
import { validateConfig } from '../../lib/train/config.js';
import { bundles } from '../../lib/report/show.js';
import { compareNumbers } from '../../lib/report/render/tables.js';

const tmp = mkdtempSync(join(tmpdir(), 'cvgl-init-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const weights = join(tmp, 'vgg16_features.safetensors');
writeFileSync(weights, 'not read by these tests');

const message = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CvglError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('rows whose paper starts from ImageNet', () => {
  it('every MGTL and CVFT row says so (initFrom imagenet on both branches); GeoCapsNet rows start from random as their paper', () => {
    const rows = PRESET_NAMES.filter((n) => /^(mgtl|cvft)\./.test(n));
    expect(rows.length).toBeGreaterThanOrEqual(14);
    for (const n of rows) expect(getPreset(n).initFrom, n).toEqual({ ground: 'imagenet', aerial: 'imagenet' });
    for (const n of PRESET_NAMES.filter((x) => x.startsWith('geocapsnet.'))) expect(getPreset(n).initFrom, n).toBeUndefined();
    // the thesis' baselines: ImageNet on both branches (Table 3.1), as before
    expect(getPreset('thesis.stage2.siameseVggCvact').initFrom).toEqual({ ground: 'imagenet', aerial: 'imagenet' });
  });

  it('without a file: refused, naming the file, where to get it, the recipe and the way out', () => {
    for (const id of ['mgtl.table2.full', 'cvft.table1.full']) {
      const c = profileConfig(id, 'paper');
      expect(c.allowRandomInit).toBeUndefined();
      const m = message(() => checkInit(c, { file: '--imagenet FILE', allow: '--allow-random-init' }));
      expect(m).toMatch(/ImageNet VGG16 weights for the ground branch/);
      expect(m).toMatch(/--imagenet FILE/);
      expect(m).toMatch(/vgg16-397923af\.pth/);
      expect(m).toMatch(/docs\/data\.md, 'Pretrained VGG16 weights'/);
      expect(m).toMatch(/--allow-random-init/);
      expect(initNote(c)).toBe('random init, paper starts from ImageNet');
    }
  });

  it('paper profile: allowRandomInit lets it start (marked); imagenet fills both branches (not marked)', () => {
    const r = profileConfig('cvft.table1.full', 'paper', { allowRandomInit: true });
    expect(() => checkInit(r)).not.toThrow();
    expect(randomWhereThePaperIsNot(r)).toBe(true);
    expect(initNote(r)).toBe('random init, paper starts from ImageNet');
    const f = profileConfig('mgtl.table2.full', 'paper', { imagenet: weights });
    expect(f.init).toEqual({ ground: weights, aerial: weights });
    expect(() => checkInit(f)).not.toThrow();
    expect(randomWhereThePaperIsNot(f)).toBe(false);
    expect(initNote(f)).toBe('ImageNet (file)');
    expect(validateConfig(f)).toBeTruthy();
    // a file that is not there is named
    expect(message(() => checkInit(withImagenetFile(getPreset('cvft.table1.full'), join(tmp, 'nope.safetensors'))))).toMatch(/init\.ground = .*nope\.safetensors[\s\S]*no such file/);
    // allowRandomInit does not stand in for a MoCo pre-training (thesis): that still needs its file
    const t = { ...getPreset('thesis.table44.setting6'), allowRandomInit: true };
    expect(message(() => checkInit(t))).toMatch(/runThesisStudy/);
  });

  it('quick and smoke profiles train from random, say so in their assumptions, and are marked', () => {
    for (const p of ['quick', 'smoke']) {
      for (const id of ['mgtl.table2.full', 'cvft.table1.full']) {
        const c = profileConfig(id, p);
        expect(c.allowRandomInit, `${id} ${p}`).toBe(true);
        expect(() => checkInit(c)).not.toThrow();
        expect(initNote(c)).toBe('random init, paper starts from ImageNet');
        expect(c.assumptions!.at(-1)).toMatch(/from random weights where the paper starts from ImageNet/);
      }
      const g = profileConfig('geocapsnet.table3.iSoftTriHard', p);
      expect(g.allowRandomInit).toBeUndefined();
      expect(initNote(g)).toBe('random init (as the paper)');
    }
    expect(() => validateConfig({ ...getPreset('quick.cvft'), allowRandomInit: 'yes' })).toThrow(/allowRandomInit/);
  });

  it('a paper study without the file stops before its first run, naming the option', async () => {
    await expect(runStudy(['cvft.table1.woCvft'], { profile: 'paper', dataDir: join(tmp, 'no-such-data'), workDir: join(tmp, 'study'), log: () => undefined })).rejects.toThrow(
      /ImageNet VGG16 weights[\s\S]*the imagenet option[\s\S]*allowRandomInit: true/,
    );
  });

  it('the report: an init column in the results table, a mark on comparison rows run from random where the paper is not', () => {
    const b = {
      paper: 'cvft' as const,
      results: { 'cvft.table1.full': { r1: 10 } },
      dataset: { name: 'CVUSA', substitute: false },
      init: { 'cvft.table1.full': 'random init, paper starts from ImageNet' },
    };
    expect(String(bundles.results(b)['text/plain'])).toMatch(/init[\s\S]*random init, paper starts from ImageNet/);
    const rows = compareNumbers([{ paper: 'cvft', experiment: 'cvft.table1.full', metric: 'r1', value: 61.43, unit: '%', higherIsBetter: true, table: 'Table 1', row: 'Ours', column: 'R@1', dataset: 'CVUSA' } as never], [b]);
    expect(rows[0]!.init).toBe('random init, paper starts from ImageNet');
    const withFile = compareNumbers([{ paper: 'cvft', experiment: 'cvft.table1.full', metric: 'r1', value: 61.43, unit: '%', higherIsBetter: true, table: 'Table 1', row: 'Ours', column: 'R@1', dataset: 'CVUSA' } as never], [{ ...b, init: { 'cvft.table1.full': 'ImageNet (file)' } }]);
    expect(withFile[0]!.init).toBeNull();
  });
});
