/**
 * The localization heat map of the thesis (003), appendix 6.3, Fig. 6.1: the similarity of one
 * ground query to every satellite reference, placed at the references' positions on the map; the
 * cross of two perpendicular blue dotted lines marks the query's position, small red squares the
 * references, deeper red for higher similarity.
 *
 * Positions are metres [easting, northing]: `DatasetSplit.galleryUtm` (VIGOR), or the pairs' `utm`
 * for one-to-one sets whose aerials are centred on the camera (CVUSA, CVACT). Similarity is the
 * cosine (metric 'cosine') or minus the L2 distance (metric 'l2'); the true reference's rank
 * counts the references scoring at least as well as it, as recall@K does (lib/eval/recall.ts).
 */
import sharp from 'sharp';
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { isTensor, scanSimilarity, shapeOf, type Descriptors, type Metric, type ScanOptions } from './similarity_blocks.js';
import type { Positions } from './distance_recall.js';

export interface HeatmapPoint {
  x: number;
  y: number;
  similarity: number;
}

export interface Heatmap {
  /** The query's position, when known. */
  query: [number, number] | null;
  /** One per gallery reference, in gallery order. */
  points: HeatmapPoint[];
  trueIndex: number | null;
  /** References scoring at least as well as the true one (0: retrieved first). */
  trueRank: number | null;
  metric: Metric;
}

export interface HeatmapOptions extends ScanOptions {
  galleryPositions: Positions;
  queryPosition?: readonly [number, number] | null;
  /** Gallery row of the query's true reference, for `trueRank`. */
  trueIndex?: number;
}

/** Fig. 6.1 data for one query descriptor (`[D]`, or `[1, D]`) against the gallery. */
export async function localizationHeatmap(query: Float32Array | tf.Tensor, gallery: Descriptors, o: HeatmapOptions): Promise<Heatmap> {
  const [ng, d] = shapeOf(gallery, 'gallery');
  const q: Descriptors = isTensor(query as Descriptors) ? tf.reshape(query as tf.Tensor, [1, -1]) : { data: query as Float32Array, shape: [1, (query as Float32Array).length] };
  const gp = o.galleryPositions;
  const at = (j: number): [number, number] => (gp instanceof Float64Array ? [gp[2 * j]!, gp[2 * j + 1]!] : [gp[j]![0], gp[j]![1]]);
  if ((gp instanceof Float64Array ? gp.length / 2 : gp.length) !== ng) throw new CvglError(`galleryPositions: one per gallery row (${ng})`, `${gp.length}`, 'pass split.galleryUtm or the pairs utm');
  if (o.trueIndex !== undefined && !(Number.isInteger(o.trueIndex) && o.trueIndex >= 0 && o.trueIndex < ng)) {
    throw new CvglError(`trueIndex in [0, ${ng})`, String(o.trueIndex), 'the gallery row of the query\'s positive');
  }
  let scores = new Float32Array(0);
  try {
    if (shapeOf(q, 'query')[1] !== d) throw new CvglError(`a query of dimension ${d}`, `${shapeOf(q, 'query')[1]}`, 'embed it with the same model');
    await scanSimilarity(q, gallery, o, (_q0, _q1, rows) => (scores = Float32Array.from(rows)));
  } finally {
    if (q !== query && isTensor(q)) q.dispose();
  }
  const qArr = isTensor(query as Descriptors) ? ((await (query as tf.Tensor).data()) as Float32Array) : (query as Float32Array);
  let sq = 0;
  for (const v of qArr) sq += v * v;
  const metric = o.metric ?? 'cosine';
  const sim = (v: number) => (metric === 'cosine' ? (sq > 0 ? v / Math.sqrt(sq) : 0) : -Math.sqrt(Math.max(0, sq - v)));
  const points = Array.from({ length: ng }, (_, j) => {
    const [x, y] = at(j);
    return { x, y, similarity: sim(scores[j]!) };
  });
  let trueRank: number | null = null;
  if (o.trueIndex !== undefined) {
    const t = scores[o.trueIndex]!;
    trueRank = -1;
    for (const v of scores) if (v >= t) trueRank++;
  }
  return { query: o.queryPosition ? [o.queryPosition[0], o.queryPosition[1]] : null, points, trueIndex: o.trueIndex ?? null, trueRank, metric };
}

export interface HeatmapPngOptions {
  /** Width and height of the plot area in pixels (default 640). */
  size?: number;
  /** Only references within this many metres of the query (default: all). */
  window?: number;
  /** Side of a reference's square in pixels (default: from the density, 3 to 12). */
  square?: number;
  title?: string;
}

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Fig. 6.1 as a PNG: red squares (deeper = more similar), blue dotted cross at the query, north up. */
export async function writeHeatmapPng(map: Heatmap, outPng: string, o: HeatmapPngOptions = {}): Promise<void> {
  const size = o.size ?? 640, pad = 24, top = 28;
  const pts = o.window && map.query ? map.points.filter((p) => Math.hypot(p.x - map.query![0], p.y - map.query![1]) <= o.window!) : map.points;
  if (!pts.length) throw new CvglError('references to draw', `none${o.window ? ` within ${o.window} m of the query` : ''}`, 'widen the window');
  const xs = [...pts.map((p) => p.x), ...(map.query ? [map.query[0]] : [])];
  const ys = [...pts.map((p) => p.y), ...(map.query ? [map.query[1]] : [])];
  const x0 = Math.min(...xs), y0 = Math.min(...ys);
  const span = Math.max(Math.max(...xs) - x0, Math.max(...ys) - y0, 1e-9);
  const sims = pts.map((p) => p.similarity);
  const lo = Math.min(...sims), hi = Math.max(...sims);
  const sq = o.square ?? Math.max(3, Math.min(12, Math.round(size / Math.sqrt(pts.length) / 1.5)));
  const inset = sq / 2 + 2, inner = size - 2 * inset; // squares on the edge stay inside the frame
  const px = (x: number) => pad + inset + ((x - x0) / span) * inner;
  const py = (y: number) => top + size - inset - ((y - y0) / span) * inner;
  const rects = [...pts]
    .sort((a, b) => a.similarity - b.similarity)
    .map((p) => {
      const w = hi > lo ? (p.similarity - lo) / (hi - lo) : 1;
      return `<rect x="${(px(p.x) - sq / 2).toFixed(1)}" y="${(py(p.y) - sq / 2).toFixed(1)}" width="${sq}" height="${sq}" fill="#d00000" fill-opacity="${(0.06 + 0.94 * w).toFixed(3)}"/>`;
    });
  const W = size + 2 * pad, H = size + top + pad;
  const cross = map.query
    ? `<g stroke="#1f4fff" stroke-width="1.5" stroke-dasharray="2,3"><line x1="${pad}" y1="${py(map.query[1])}" x2="${pad + size}" y2="${py(map.query[1])}"/><line x1="${px(map.query[0])}" y1="${top}" x2="${px(map.query[0])}" y2="${top + size}"/></g>`
    : '';
  const what = map.metric === 'cosine' ? 'cosine' : '−L2';
  const label = o.title ?? `${what} ${lo.toFixed(3)} (light) … ${hi.toFixed(3)} (deep)${map.trueRank !== null ? ` · true ref. #${map.trueRank + 1}` : ''} · ${span.toFixed(0)} m wide`;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="${W}" height="${H}" fill="#ffffff"/>` +
    `<text x="${pad}" y="18" font-size="11" font-family="DejaVu Sans, sans-serif" fill="#222">${esc(label)}</text>` +
    `<rect x="${pad}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#999"/>${rects.join('')}${cross}</svg>`;
  await sharp(Buffer.from(svg)).png().toFile(outPng);
}
