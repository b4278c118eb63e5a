/**
 * The localization heat map (lib/eval/heatmap.ts, thesis appendix 6.3, Fig. 6.1): similarities at
 * the references' positions (cosine and −L2 against a float64 computation here), the true
 * reference's rank with ties against it, and a PNG written through sharp with the right size and
 * red and blue pixels in it; no tensor left behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initEngine, tf } from '../../lib/engine/index.js';
import { localizationHeatmap, writeHeatmapPng } from '../../lib/eval/heatmap.js';

const D = 16, SIDE = 12, N = SIDE * SIDE;

/** A 12 x 12 grid of references 50 m apart whose descriptors drift smoothly with position. */
function layout() {
  const r = new Rng(4);
  const a = Float32Array.from({ length: D }, () => r.normal()), b = Float32Array.from({ length: D }, () => r.normal());
  const base = Float32Array.from({ length: D }, () => r.normal());
  const data = new Float32Array(N * D);
  const positions: [number, number][] = [];
  for (let i = 0; i < N; i++) {
    const x = (i % SIDE) * 50, y = Math.floor(i / SIDE) * 50;
    positions.push([x, y]);
    for (let k = 0; k < D; k++) data[i * D + k] = base[k]! + (x / 200) * a[k]! + (y / 200) * b[k]! + 0.2 * r.normal();
  }
  return { data, positions };
}

describe('localization heat map', () => {
  let dir = '';
  beforeAll(async () => {
    await initEngine({ backend: 'cpu' });
    dir = mkdtempSync(join(tmpdir(), 'cvgl-heatmap-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('similarities, rank and PNG', async () => {
    const before = tf.memory().numTensors;
    const { data, positions } = layout();
    const t = 77; // the query is reference 77's descriptor, slightly perturbed
    const q = data.slice(t * D, (t + 1) * D).map((v, k) => v + 0.01 * Math.sin(k));
    data.set(data.subarray(t * D, (t + 1) * D), 3 * D); // reference 3 duplicates the true one: a tie
    const gallery = { data, shape: [N, D] as [number, number] };
    for (const metric of ['cosine', 'l2'] as const) {
      const map = await localizationHeatmap(q, gallery, { galleryPositions: positions, queryPosition: positions[t], trueIndex: t, metric, galleryChunk: 50 });
      expect(map.points).toHaveLength(N);
      expect(map.query).toEqual(positions[t]);
      expect(map.trueRank).toBe(1);
      for (const j of [0, 3, 77, 143]) {
        let dot = 0, nq = 0, ng = 0, d2 = 0;
        for (let k = 0; k < D; k++) {
          dot += q[k]! * data[j * D + k]!;
          nq += q[k]! ** 2;
          ng += data[j * D + k]! ** 2;
          d2 += (q[k]! - data[j * D + k]!) ** 2;
        }
        const want = metric === 'cosine' ? dot / Math.sqrt(nq * ng) : -Math.sqrt(d2);
        expect(map.points[j]!.similarity).toBeCloseTo(want, 3);
        expect(map.points[j]!.x).toBe(positions[j]![0]);
      }
      if (metric === 'cosine') {
        const png = join(dir, 'heatmap.png');
        await writeHeatmapPng(map, png, { size: 400 });
        const meta = await sharp(png).metadata();
        expect([meta.width, meta.height]).toEqual([448, 452]);
        const { data: px, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        let red = 0, blue = 0;
        for (let i = 0; i < px.length; i += info.channels) {
          if (px[i]! > 180 && px[i + 1]! < 60 && px[i + 2]! < 60) red++;
          if (px[i + 2]! > 180 && px[i]! < 100) blue++;
        }
        expect(red).toBeGreaterThan(50);
        expect(blue).toBeGreaterThan(50);
        if (process.env.CVGL_KEEP_HEATMAP) await writeHeatmapPng(map, process.env.CVGL_KEEP_HEATMAP, { size: 400 });
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
