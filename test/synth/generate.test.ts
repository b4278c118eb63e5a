/**
 * `generateSynthetic` end to end on worker threads: the CVUSA and VIGOR layouts it writes are
 * read back by the same readers a user points at real downloads; ground truth in the manifest
 * matches the files; options are validated; an up-to-date set is not rendered twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CvglError } from '../../lib/engine/errors.js';
import { decodeImage } from '../../lib/data/image_io.js';
import { openDataset } from '../../lib/data/readers.js';
import { generateSynthetic, readSynthManifest, type SynthOptions } from '../../lib/synth/generate.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-synth-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const small: Partial<SynthOptions> = { aerialSize: 48, aerialExtent: 100, panoWidth: 96, panoHeight: 24, workers: 2, seed: 3 };

describe('CVUSA layout', () => {
  it('writes pairs, splits and ground truth that the CVUSA reader reads back', async () => {
    const out = join(tmp, 'cvusa');
    const m = await generateSynthetic({ ...small, out, pairs: 12, orientationNoise: 20, domains: ['day', 'night'] });
    expect(m.layout).toBe('cvusa');
    expect(m.samples).toHaveLength(12);
    const ds = await openDataset(out);
    expect(ds.format).toBe('cvusa');
    const n = ds.splits.train!.pairs.length + ds.splits.val!.pairs.length;
    expect(n).toBe(12);
    // the cameras' positions come from synthetic.json (the CVUSA layout has no column for them)
    const where = new Map(m.samples.map((s) => [s.id, s.utm]));
    for (const q of [...ds.splits.train!.pairs, ...ds.splits.val!.pairs]) expect(q.utm).toEqual(where.get(q.id));
    expect(ds.splits.val!.pairs.length).toBeGreaterThan(0);
    // images have the requested sizes
    const p = ds.splits.train!.pairs[0]!;
    const g = await decodeImage(p.ground), a = await decodeImage(p.aerial);
    expect([g.width, g.height, a.width, a.height]).toEqual([96, 24, 48, 48]);
    // orientation noise: yaws within +-20 degrees, not all zero
    expect(m.samples.every((s) => Math.abs(s.yawDeg) <= 20)).toBe(true);
    expect(m.samples.some((s) => Math.abs(s.yawDeg) > 1)).toBe(true);
    // cameras at distinct places
    const keys = new Set(m.samples.map((s) => `${Math.round(s.x)},${Math.round(s.y)}`));
    expect(keys.size).toBe(12);
    // the second domain is a CVUSA dataset of the same pairs, with different pixels
    const night = await openDataset(join(out, 'domains/night'));
    expect(night.splits.train!.pairs.map((q) => q.id)).toEqual(ds.splits.train!.pairs.map((q) => q.id));
    const gn = await decodeImage(night.splits.train!.pairs[0]!.ground);
    const mean = (d: Uint8Array) => d.reduce((s, v) => s + v, 0) / d.length;
    expect(mean(gn.data)).toBeLessThan(mean(g.data));
  });

  it('does not render an up-to-date set again; the same seed gives the same images', async () => {
    const out = join(tmp, 'cvusa');
    const file = join(out, 'streetview/panos/0000001.jpg');
    const before = statSync(file).mtimeMs;
    await generateSynthetic({ ...small, out, pairs: 12, orientationNoise: 20, domains: ['day', 'night'] });
    expect(statSync(file).mtimeMs).toBe(before);
    const again = join(tmp, 'cvusa-again');
    await generateSynthetic({ ...small, out: again, pairs: 12, orientationNoise: 20, domains: ['day'] });
    expect(readFileSync(join(again, 'streetview/panos/0000001.jpg')).equals(readFileSync(file))).toBe(true);
    expect(readFileSync(join(again, 'splits/train-19zl.csv'), 'utf8')).toBe(readFileSync(join(out, 'splits/train-19zl.csv'), 'utf8'));
  });

  it('a limited field of view makes narrower ground images', async () => {
    const out = join(tmp, 'fov');
    await generateSynthetic({ ...small, out, pairs: 3, fov: 90, panoWidth: 32, panoHeight: 24 });
    const ds = await openDataset(out);
    const g = await decodeImage(ds.splits.train!.pairs[0]?.ground ?? ds.splits.val!.pairs[0]!.ground);
    expect([g.width, g.height]).toEqual([32, 24]);
    expect(readSynthManifest(out)!.options.fov).toBe(90);
  });
});

describe('CVACT layout from synthetic renders', () => {
  const python = process.env.CVGL_PYTHON ?? '/usr/bin/python3';
  const hasScipy = existsSync(python) && spawnSync(python, ['-c', 'import scipy.io'], { encoding: 'utf8' }).status === 0;

  it.skipIf(!hasScipy && !process.env.CI)('rendered pairs + an ACT_data.mat written by scipy read back through the CVACT reader', async () => {
    const src = join(tmp, 'cvusa');
    const m = readSynthManifest(src)!;
    const root = join(tmp, 'cvact');
    mkdirSync(join(root, 'streetview'), { recursive: true });
    mkdirSync(join(root, 'satview_polish'), { recursive: true });
    const ids = m.samples.map((s) => `synth_${s.id}`);
    m.samples.forEach((s, i) => {
      copyFileSync(join(src, s.ground), join(root, 'streetview', `${ids[i]}_grdView.jpg`));
      copyFileSync(join(src, s.aerial), join(root, 'satview_polish', `${ids[i]}_satView_polish.jpg`));
    });
    const idx = m.samples.map((_, i) => i + 1);
    const spec = { panoIds: ids, utm: m.samples.map((s) => s.utm), trainInd: idx.filter((i) => i % 3), valInd: idx.filter((i) => !(i % 3)) };
    writeFileSync(join(tmp, 'act.json'), JSON.stringify(spec));
    const script = fileURLToPath(new URL('../reference/write_cvact_mat.py', import.meta.url));
    const r = spawnSync(python, [script, join(root, 'ACT_data.mat'), join(tmp, 'act.json')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const ds = await openDataset(root);
    expect(ds.format).toBe('cvact');
    expect(ds.splits.train!.pairs.length + ds.splits.val!.pairs.length).toBe(m.samples.length);
    const p = ds.splits.val!.pairs[0]!;
    const k = ids.indexOf(p.id);
    expect(p.utm).toEqual(m.samples[k]!.utm);
    expect((await decodeImage(p.ground)).width).toBe(96);
  });
});

describe('VIGOR layout (--offset)', () => {
  it('tiles on a half-overlapping grid: positive + 3 semi-positives with the camera offsets', async () => {
    const out = join(tmp, 'vigor');
    const offset = 8;
    const m = await generateSynthetic({ ...small, out, pairs: 16, offset, aerialExtent: 80, panoWidth: 64, panoHeight: 32 });
    expect(m.layout).toBe('vigor');
    const gsd = 80 / 48;
    for (const protocol of ['same', 'cross'] as const) {
      const ds = await openDataset(out, { vigor: { protocol } });
      expect(ds.format).toBe('vigor');
      const pairs = Object.values(ds.splits).flatMap((s) => s.pairs);
      expect(pairs.length).toBe(protocol === 'same' ? 16 : 16);
      for (const p of pairs) {
        expect(p.galleryIndex).toHaveLength(4);
        const [drow, dcol] = p.offsets![0]!;
        // the positive's centre is within `offset` metres of the camera on each axis
        expect(Math.abs(drow) * gsd).toBeLessThanOrEqual(offset + 1e-6);
        expect(Math.abs(dcol) * gsd).toBeLessThanOrEqual(offset + 1e-6);
        // every semi-positive still contains the camera (within half a tile)
        for (const [r, c] of p.offsets!) expect(Math.max(Math.abs(r), Math.abs(c))).toBeLessThanOrEqual(24 + 1e-6);
        // the semi-positives are the neighbouring tiles: offsets differ by half a tile (24 px)
        const rows = new Set(p.offsets!.map((o) => Math.round(o[0] * 1000)));
        const cols = new Set(p.offsets!.map((o) => Math.round(o[1] * 1000)));
        expect(rows.size).toBe(2);
        expect(cols.size).toBe(2);
      }
    }
    // cross-area: train cities NewYork + Seattle, test cities SanFrancisco + Chicago
    const cross = await openDataset(out, { vigor: { protocol: 'cross' } });
    expect(cross.splits.train!.pairs.every((p) => /\/(NewYork|Seattle)\//.test(p.ground))).toBe(true);
    expect(cross.splits.test!.pairs.every((p) => /\/(SanFrancisco|Chicago)\//.test(p.ground))).toBe(true);
    // manifest: the camera lies `offset` from the centre of its positive tile, in metres
    const s = m.samples[0]!;
    expect(s.city).toBeDefined();
    const img = await decodeImage(join(out, s.aerial));
    expect([img.width, img.height]).toEqual([48, 48]);
  });
});

describe('options', () => {
  const bad: [string, Partial<SynthOptions>][] = [
    ['pairs 0', { pairs: 0 }],
    ['fractional pairs', { pairs: 2.5 }],
    ['fov 0', { fov: 0 }],
    ['fov over 360', { fov: 400 }],
    ['negative orientation noise', { orientationNoise: -5 }],
    ['offset over a quarter tile', { offset: 40, aerialExtent: 100 }],
    ['unknown domain', { domains: ['rain' as never] }],
    ['unknown style', { style: 'moon' }],
  ];
  for (const [what, o] of bad) {
    it(`rejects ${what} with a CvglError`, async () => {
      await expect(generateSynthetic({ ...small, out: join(tmp, 'bad'), pairs: 2, ...o })).rejects.toBeInstanceOf(CvglError);
    });
  }

  it('never overwrites a folder that is not a synthetic dataset', async () => {
    const out = join(tmp, 'precious');
    mkdirSync(out);
    writeFileSync(join(out, 'thesis.tex'), 'do not lose me');
    await expect(generateSynthetic({ ...small, out, pairs: 2 })).rejects.toThrow(/not a synthetic dataset/);
    expect(readFileSync(join(out, 'thesis.tex'), 'utf8')).toBe('do not lose me');
  });
});
