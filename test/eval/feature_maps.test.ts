/**
 * Feature-map figures (lib/eval/feature_maps.ts, CVFT Fig. 7): the maps returned for chosen pairs
 * are the model's own maps of those pairs' views, the channel mean is scaled to [0, 1], the figure
 * is a PNG with one row per pair, bad input is refused, nothing leaks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../lib/engine/index.js';
import { openDataset } from '../../lib/data/readers.js';
import { generateSynthetic } from '../../lib/synth/generate.js';
import { buildModel } from '../../lib/models/registry.js';
import type { Cvft } from '../../lib/models/cvft.js';
import { channelMean, featureMapFigure, featureMaps } from '../../lib/eval/feature_maps.js';
import type { DatasetSplit } from '../../lib/data/dataset.js';

let tmp = '';
let val: DatasetSplit;
const views = { ground: { height: 32, width: 64 }, aerial: { size: 32, polar: null } };
beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-fmaps-'));
  await generateSynthetic({ out: tmp + '/set', pairs: 40, seed: 3, aerialSize: 48, aerialExtent: 100, panoWidth: 96, panoHeight: 24, workers: 1 });
  val = (await openDataset(tmp + '/set')).splits.val!;
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('feature maps', () => {
  it('are the model maps of the chosen pairs, drawn one row per pair', async () => {
    const m = buildModel('cvft', { widthDivisor: 16, dim: 512, name: 'fm1' }, 1) as Cvft;
    const before = tf.memory().numTensors;
    const got = await featureMaps(m, val, views, [2, 0], ['ground', 'transported', 'aerial']);
    expect(tf.memory().numTensors).toBe(before);
    expect(got.map((p) => p.index)).toEqual([2, 0]);
    expect(got[0]!.id).toBe(val.pairs[2]!.id);
    expect(Object.keys(got[0]!.maps)).toEqual(['ground', 'transported', 'aerial']);
    expect([got[0]!.maps.ground!.h, got[0]!.maps.ground!.w, got[0]!.maps.ground!.c]).toEqual([2, 4, 4]); // 512 = 2x4x64, width ÷ 16
    expect([got[0]!.ground.h, got[0]!.ground.w, got[0]!.aerial.h]).toEqual([32, 64, 32]);
    // the same maps when the model is run on the returned views directly
    const direct = tf.tidy(() => {
      const g = tf.tensor4d(got[1]!.ground.data, [1, 32, 64, 3]);
      const a = tf.tensor4d(got[1]!.aerial.data, [1, 32, 32, 3]);
      const mm = m.maps(g, a);
      return [mm.transported!.dataSync(), mm.aerial.dataSync()];
    });
    const close = (x: Float32Array, y: Float32Array) => x.every((v, i) => Math.abs(v - y[i]!) <= 1e-5 * (1 + Math.abs(y[i]!)));
    expect(close(got[1]!.maps.transported!.data, direct[0] as Float32Array)).toBe(true);
    expect(close(got[1]!.maps.aerial!.data, direct[1] as Float32Array)).toBe(true);
    const png = await featureMapFigure(got, { height: 40 });
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.height).toBeGreaterThanOrEqual(2 * 40);
    m.dispose();
  }, 120_000);

  it('channel mean is scaled to the map range', () => {
    const v = channelMean({ h: 1, w: 3, c: 2, data: new Float32Array([0, 2, 4, 6, 1, 3]) });
    expect(Array.from(v)).toEqual([0, 1, 0.25]);
  });

  it('refuses a model without maps, bad indices and unknown map names', async () => {
    const sv = buildModel('siamese-vgg', { widthDivisor: 16, dim: 16 }, 1);
    await expect(featureMaps(sv, val, views, [0])).rejects.toThrow(/intermediate maps/);
    sv.dispose();
    const m = buildModel('cvft', { widthDivisor: 16, dim: 512, name: 'fm2' }, 1);
    await expect(featureMaps(m, val, views, [0, 999])).rejects.toThrow(/999/);
    await expect(featureMaps(m, val, views, [0], ['ground', 'nonsense'])).rejects.toThrow(/nonsense/);
    m.dispose();
  }, 60_000);
});
