/**
 * Figs. 4.3/4.4 of the thesis (lib/eval/feature_snapshot.ts) and Fig. 6.2 (lib/eval/feature_overlay.ts):
 *   - the snapshot is the composition of the checked pieces: uniformity = uniformityMetric of all
 *     descriptors (Eqs. 3.6–3.8), points = t-SNE of ground then satellite rows with the same seed,
 *     S¹ = those points normalised, KDE = vmfKde of their angles (one curve per series and 'all');
 *   - series and colours as the thesis (red/blue, then orange/green for a second city), per-city
 *     groups, a seeded subsample for the plots only, deterministic, bad groups refused;
 *   - feature maps are the channel mean of the backbone's output, scaled to [0, 1]; the sheet is a PNG.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { CvglError, initEngine, Rng, tf } from '../../lib/engine/index.js';
import type { SplitEmbeddings } from '../../lib/eval/embeddings.js';
import { featureSnapshot } from '../../lib/eval/feature_snapshot.js';
import { featureMapPanels, writeFeatureMapSheet } from '../../lib/eval/feature_overlay.js';
import { uniformityMetric } from '../../lib/eval/uniformity.js';
import { tsne } from '../../lib/eval/tsne.js';
import { circleAngles, projectToCircle } from '../../lib/eval/circle.js';
import { vmfKde } from '../../lib/eval/vmf_kde.js';
import { Vgg16 } from '../../lib/models/vgg16.js';

const tmp = mkdtempSync(join(tmpdir(), 'cvgl-snapshot-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Unit rows: ground around one direction, satellites around another (two clusters). */
function embeddings(n: number, galleryN: number, dim: number, seed: number): SplitEmbeddings {
  const r = new Rng(seed);
  const rows = (k: number, centre: number) => {
    const out = new Float32Array(k * dim);
    for (let i = 0; i < k; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const v = (d === centre ? 3 : 0) + r.normal();
        out[i * dim + d] = v;
        s += v * v;
      }
      for (let d = 0; d < dim; d++) out[i * dim + d]! /= Math.sqrt(s);
    }
    return out;
  };
  return { split: 'val', n, galleryN, dim, ground: rows(n, 0), aerial: rows(galleryN, 1) };
}

describe('feature snapshot (Figs. 4.3/4.4)', () => {
  it('composes uniformity, t-SNE, S¹ and vMF KDE exactly; series and colours as the thesis', async () => {
    await initEngine({ backend: 'cpu' });
    const e = embeddings(30, 40, 8, 1);
    const s = await featureSnapshot(e, { seed: 3, title: 'exp. 2' });
    const u = await uniformityMetric({ data: e.ground, shape: [30, 8] }, { data: e.aerial, shape: [40, 8] });
    expect(s.uniformity).toEqual({ ground: u.ground, satellite: u.satellite, all: u.all });
    expect(s.caption).toBe(`L_uniform-ground: ${u.ground.toFixed(2)}, L_uniform-satellite: ${u.satellite.toFixed(2)}, L_uniform-all: ${u.all.toFixed(2)}`);
    // t-SNE of [ground; satellite] with the same seed and the capped perplexity
    const data = new Float64Array(70 * 8);
    data.set(e.ground, 0);
    data.set(e.aerial, 30 * 8);
    const t = await tsne(data, 70, 8, { seed: 3, perplexity: Math.min(30, 69 / 3 - 1e-9) });
    expect(s.points.map((p) => [p.x, p.y]).flat()).toEqual(Array.from(t.y));
    expect(s.points.slice(0, 30).every((p) => p.view === 'ground' && p.series === 'ground')).toBe(true);
    expect(s.points.slice(30).every((p) => p.view === 'satellite' && p.series === 'satellite')).toBe(true);
    const unit = projectToCircle(t.y);
    expect(s.circle.map((p) => [p.x, p.y]).flat()).toEqual(Array.from(unit));
    const angles = circleAngles(unit);
    const kdeAll = vmfKde(angles, { gridSize: 180 });
    expect(s.kde.filter((k) => k.series === 'all').map((k) => k.density)).toEqual(Array.from(kdeAll.density));
    const kdeGround = vmfKde(angles.slice(0, 30), { gridSize: 180 });
    expect(s.kde.filter((k) => k.series === 'ground').map((k) => k.density)).toEqual(Array.from(kdeGround.density));
    // each curve is a density on the circle
    for (const name of ['ground', 'satellite', 'all']) {
      const d = s.kde.filter((k) => k.series === name);
      expect(d.reduce((a, k) => a + k.density, 0) * ((2 * Math.PI) / 180)).toBeCloseTo(1, 6);
    }
    expect(s.series).toEqual([{ name: 'ground', color: '#d62728' }, { name: 'satellite', color: '#1f77b4' }]); // Fig. 4.3: red, blue
    expect((s.specs.kde.encoding as any).color.scale.range).toEqual(['#d62728', '#1f77b4', '#000000']);
    expect((s.specs.tsne.encoding as any).color.scale).toEqual((s.specs.kde.encoding as any).color.scale); // one legend for the three plots
    expect(s.specs.tsne.title).toBe('exp. 2: t-SNE (R²)');
    expect((s.specs.tsne.data as any).values).toHaveLength(70);
    // deterministic
    const again = await featureSnapshot(e, { seed: 3, title: 'exp. 2' });
    expect(again.points).toEqual(s.points);
  }, 60_000);

  it('VIGOR: per-city series in Fig. 4.4 colours; the plots subsample, the uniformity does not; bad groups refused', async () => {
    const e = embeddings(24, 30, 6, 2);
    const city = (i: number) => (i % 2 ? 'Chicago' : 'SanFrancisco');
    const s = await featureSnapshot(e, {
      seed: 1, maxPoints: 20,
      groundGroups: Array.from({ length: 24 }, (_, i) => city(i)),
      aerialGroups: Array.from({ length: 30 }, (_, i) => city(i + 1)),
    });
    expect(s.series).toEqual([
      { name: 'ground SanFrancisco', color: '#d62728' }, // red
      { name: 'satellite SanFrancisco', color: '#1f77b4' }, // blue
      { name: 'ground Chicago', color: '#ff7f0e' }, // orange
      { name: 'satellite Chicago', color: '#2ca02c' }, // green
    ]);
    expect(s.counts).toEqual({ plotted: { ground: 20, satellite: 20 }, ground: 24, satellite: 30 });
    expect(s.points).toHaveLength(40);
    const u = await uniformityMetric({ data: e.ground, shape: [24, 6] }, { data: e.aerial, shape: [30, 6] });
    expect(s.uniformity.all).toBe(u.all);
    expect(new Set(s.kde.map((k) => k.series))).toEqual(new Set([...s.series.map((x) => x.name), 'all']));
    await expect(featureSnapshot(e, { groundGroups: ['x'] })).rejects.toThrow(CvglError);
    await expect(featureSnapshot({ ...e, n: 1, ground: e.ground.slice(0, 6) })).rejects.toThrow(CvglError);
  }, 60_000);
});

describe('feature maps (Fig. 6.2)', () => {
  it('the channel mean of the backbone output, scaled to [0, 1]; a PNG sheet of image + map per sample', async () => {
    await initEngine({ backend: 'cpu' });
    const before = tf.memory().numTensors;
    const vgg = new Vgg16({ name: 'fm', widthDivisor: 16, rng: new Rng(9) });
    const x = new Rng(4).uniformTensor([2, 64, 96, 3]) as tf.Tensor4D;
    try {
      const panels = await featureMapPanels(vgg, x);
      expect(panels).toHaveLength(2);
      const ref = tf.tidy(() => tf.mean(vgg.apply(x), 3));
      const m = (await ref.data()) as Float32Array;
      ref.dispose();
      const [mh, mw] = [2, 3];
      for (const [i, p] of panels.entries()) {
        expect([p.mapHeight, p.mapWidth, p.height, p.width]).toEqual([mh, mw, 64, 96]);
        const raw = m.subarray(i * mh * mw, (i + 1) * mh * mw);
        expect(p.range).toEqual([Math.min(...raw), Math.max(...raw)]);
        raw.forEach((v, j) => expect(p.map[j]).toBeCloseTo((v - p.range[0]) / (p.range[1] - p.range[0]), 6));
      }
      const out = join(tmp, 'maps.png');
      await writeFeatureMapSheet([panels, panels.slice(0, 1)], out, { height: 40, gap: 4 });
      const meta = await sharp(out).metadata();
      expect(meta.format).toBe('png');
      expect(meta.height).toBe(2 * (40 + 4));
      expect(meta.width).toBe(2 * (2 * 60 + 2 * 4)); // two samples of 60 px (96·40/64) with their maps
      await expect(writeFeatureMapSheet([[]], out)).rejects.toThrow(CvglError);
      // the overlay: a 1x2 map (high left, low right) over a grey image is red on the left, blue on
      // the right, the same in every row
      const grey = { image: new Float32Array(20 * 40 * 3).fill(0.5), height: 20, width: 40, map: Float32Array.from([1, 0]), mapHeight: 1, mapWidth: 2, range: [0, 1] as [number, number] };
      const one = join(tmp, 'one.png');
      await writeFeatureMapSheet([[grey]], one, { height: 20, gap: 0 });
      const { data, info } = await sharp(one).raw().toBuffer({ resolveWithObject: true });
      const px = (x: number, y: number) => [0, 1, 2].map((c) => data[(y * info.width + x) * info.channels + c]!);
      const [left, right] = [px(41 + 2, 10), px(41 + 37, 10)]; // the overlay starts after the image and a 1-pixel gap
      expect(left[0]! - left[2]!).toBeGreaterThan(40);
      expect(right[2]! - right[0]!).toBeGreaterThan(40);
      for (let y = 0; y < 20; y++) expect(px(41 + 2, y)).toEqual(left);
      const small = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
      await expect(featureMapPanels(vgg, small)).rejects.toThrow(CvglError);
      small.dispose();
    } finally {
      x.dispose();
      vgg.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
