/**
 * Feature maps as pictures: the channel-mean activation of a model's intermediate maps beside the
 * input images, for CVFT's Fig. 7 (ground map, the ground map after the optimal transport, the
 * aerial map: after training, the transported ground map looks like the aerial one) and the
 * thesis' Fig. 6.2. A model offers its maps through `maps(ground, aerial)` (CVFT does); the
 * input views come through the same pipeline as in training (sizes, polar transform).
 */
import sharp, { type OverlayOptions } from 'sharp';
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { PairPipeline } from '../data/pipeline.js';
import type { DatasetSplit } from '../data/dataset.js';
import type { CrossViewModel } from '../models/model.js';
import type { ViewSizes } from './embeddings.js';

/** One map [h, w, c], row-major. */
export interface FeatureMap {
  h: number;
  w: number;
  c: number;
  data: Float32Array;
}

export interface PairFeatureMaps {
  /** Index of the pair in the split. */
  index: number;
  id: string;
  /** The views the model saw, [h, w, 3] in [0, 1]. */
  ground: FeatureMap;
  aerial: FeatureMap;
  /** The model's maps by name (e.g. ground, transported, aerial). */
  maps: Record<string, FeatureMap>;
}

type WithMaps = CrossViewModel & { maps(ground: tf.Tensor4D, aerial: tf.Tensor4D): Record<string, tf.Tensor | undefined> };

function hasMaps(m: CrossViewModel): m is WithMaps {
  return typeof (m as Partial<WithMaps>).maps === 'function';
}

async function readMap(t: tf.Tensor, b: number): Promise<FeatureMap> {
  const [, h, w, c] = t.shape as [number, number, number, number];
  const all = (await t.data()) as Float32Array;
  return { h, w, c, data: all.slice(b * h * w * c, (b + 1) * h * w * c) };
}

/**
 * The 4-D maps of `model.maps()` for the pairs `indices` of `split` (inference mode), with the
 * input views; `names` picks and orders the maps (default: all 4-D ones).
 */
export async function featureMaps(model: CrossViewModel, split: DatasetSplit, views: ViewSizes, indices: number[], names?: string[]): Promise<PairFeatureMaps[]> {
  if (!hasMaps(model)) throw new CvglError(`a model with intermediate maps (maps(ground, aerial))`, model.name, 'use a model that exposes them, e.g. cvft');
  const bad = indices.filter((i) => !Number.isInteger(i) || i < 0 || i >= split.pairs.length);
  if (bad.length) throw new CvglError(`pair indices in 0..${split.pairs.length - 1}`, bad.join(', '), 'pick pairs of the split');
  const sub: DatasetSplit = { name: `${split.name}-maps`, pairs: indices.map((i, k) => ({ ...split.pairs[i]!, galleryIndex: [k] })), gallery: indices.map((i) => split.pairs[i]!.aerial) };
  const pipe = new PairPipeline({ split: sub, batchSize: indices.length, sampler: 'sequential', ground: views.ground, aerial: { size: views.aerial.size, polar: views.aerial.polar ?? null }, cacheDir: null, seed: 0, workers: 1 });
  const out: PairFeatureMaps[] = [];
  const wasTraining = model.training;
  if (wasTraining !== undefined) model.training = false;
  try {
    for await (const b of pipe.batches(0)) {
      const maps = tf.tidy(() => model.maps(b.ground!, b.aerial!));
      try {
        const keys = (names ?? Object.keys(maps)).filter((k) => maps[k]?.rank === 4);
        if (names && keys.length !== names.length) throw new CvglError(`maps ${names.join(', ')} of ${model.name}`, `4-D maps ${Object.keys(maps).filter((k) => maps[k]?.rank === 4).join(', ')}`, 'pick among those');
        for (let k = 0; k < b.index.length; k++) {
          const i = indices[b.index[k]!]!;
          const m: Record<string, FeatureMap> = {};
          for (const key of keys) m[key] = await readMap(maps[key]!, k);
          out.push({ index: i, id: split.pairs[i]!.id, ground: await readMap(b.ground!, k), aerial: await readMap(b.aerial!, k), maps: m });
        }
      } finally {
        tf.dispose([b.ground!, b.aerial!, ...Object.values(maps).filter((t): t is tf.Tensor => t !== undefined)]);
      }
    }
  } finally {
    if (wasTraining !== undefined) model.training = wasTraining;
    await pipe.close();
  }
  return out;
}

/** Mean over channels, scaled to [0, 1] by the map's own range. */
export function channelMean(m: FeatureMap): Float32Array {
  const out = new Float32Array(m.h * m.w);
  for (let p = 0; p < m.h * m.w; p++) {
    let s = 0;
    for (let c = 0; c < m.c; c++) s += m.data[p * m.c + c]!;
    out[p] = s / m.c;
  }
  let lo = Infinity, hi = -Infinity;
  for (const v of out) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  const span = hi - lo || 1;
  for (let p = 0; p < out.length; p++) out[p] = (out[p]! - lo) / span;
  return out;
}

// viridis at 6 stops, linearly interpolated
const VIRIDIS: [number, number, number][] = [[68, 1, 84], [65, 68, 135], [42, 120, 142], [34, 168, 132], [122, 209, 81], [253, 231, 37]];
function colour(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, v)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x)), t = x - i;
  const a = VIRIDIS[i]!, b = VIRIDIS[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + t * (b[k]! - a[k]!))) as [number, number, number];
}

async function panelPng(m: FeatureMap, height: number, isImage: boolean): Promise<{ png: Buffer; width: number }> {
  const raw = Buffer.alloc(m.h * m.w * 3);
  if (isImage) for (let p = 0; p < m.h * m.w * 3; p++) raw[p] = Math.round(255 * Math.min(1, Math.max(0, m.data[p]!)));
  else {
    const v = channelMean(m);
    for (let p = 0; p < v.length; p++) raw.set(colour(v[p]!), 3 * p);
  }
  const width = Math.max(1, Math.round((height * m.w) / m.h));
  const png = await sharp(raw, { raw: { width: m.w, height: m.h, channels: 3 } }).resize(width, height, { kernel: isImage ? 'lanczos3' : 'nearest' }).png().toBuffer();
  return { png, width };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * One row per pair: its ground view, then each map's channel mean (viridis, own range; nearest
 * neighbour so every position stays a visible square), then its aerial view; titles above.
 */
export async function featureMapFigure(pairs: PairFeatureMaps[], o: { height?: number; titles?: Record<string, string> } = {}): Promise<Buffer> {
  if (!pairs.length) throw new CvglError('pairs to draw', 'none', 'pass the result of featureMaps()');
  const H = o.height ?? 96, gap = 8, head = 18, label = 110;
  const rows = await Promise.all(
    pairs.map(async (p) => [
      { title: 'ground view', ...(await panelPng(p.ground, H, true)) },
      ...(await Promise.all(Object.entries(p.maps).map(async ([k, m]) => ({ title: o.titles?.[k] ?? `${k} map`, ...(await panelPng(m, H, false)) })))),
      { title: 'aerial view', ...(await panelPng(p.aerial, H, true)) },
    ]),
  );
  const width = label + Math.max(...rows.map((r) => r.reduce((s, c) => s + c.width + gap, 0)));
  const height = rows.length * (H + head + gap) + gap;
  const composites: OverlayOptions[] = [];
  const text: string[] = [];
  rows.forEach((r, ri) => {
    const top = gap + ri * (H + head + gap);
    text.push(`<text x="4" y="${top + head + H / 2}" font-size="12" font-family="sans-serif">${esc(pairs[ri]!.id)}</text>`);
    let left = label;
    for (const c of r) {
      composites.push({ input: c.png, left, top: top + head });
      text.push(`<text x="${left}" y="${top + 13}" font-size="12" font-family="sans-serif">${esc(c.title)}</text>`);
      left += c.width + gap;
    }
  });
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${text.join('')}</svg>`);
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([...composites, { input: svg, left: 0, top: 0 }])
    .png()
    .toBuffer();
}
