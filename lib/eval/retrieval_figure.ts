/**
 * Retrieval examples as a picture (GeoCapsNet Fig. 7, the quick start): for each query panorama,
 * the k aerial references nearest to it, framed green when they are its match (or, in VIGOR
 * splits, a semi-positive) and red otherwise, with the true match's rank.
 */
import sharp, { type OverlayOptions } from 'sharp';
import { CvglError } from '../engine/errors.js';
import type { DatasetSplit } from '../data/dataset.js';
import type { SplitEmbeddings } from './embeddings.js';

/**
 * Indices of the k gallery rows nearest to query `q` by squared L2 distance (the losses' and the
 * recall's measure), nearest first; equal distances keep gallery order.
 */
export function nearestReferences(e: SplitEmbeddings, q: number, k: number): number[] {
  if (!Number.isInteger(q) || q < 0 || q >= e.n) throw new CvglError(`a query index in 0..${e.n - 1}`, String(q), 'pick a query of the split');
  const D = e.dim;
  const dist = new Float64Array(e.galleryN);
  for (let j = 0; j < e.galleryN; j++) {
    let s = 0;
    for (let d = 0; d < D; d++) {
      const t = e.ground[q * D + d]! - e.aerial[j * D + d]!;
      s += t * t;
    }
    dist[j] = s;
  }
  return Array.from({ length: e.galleryN }, (_, j) => j)
    .sort((a, b) => dist[a]! - dist[b]! || a - b)
    .slice(0, Math.min(k, e.galleryN));
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * One row per query: the query panorama over its k nearest aerials (green frame: a positive of
 * the query; red: another place) and a caption with the true match's rank (1-based).
 */
export async function retrievalFigure(split: DatasetSplit, e: SplitEmbeddings, queries: number[], o: { k?: number; height?: number } = {}): Promise<Buffer> {
  if (e.n !== split.pairs.length) throw new CvglError(`descriptors of this split's ${split.pairs.length} queries`, `${e.n} query descriptors`, 'pass the embeddings extracted from the same split');
  if (!queries.length) throw new CvglError('queries to draw', 'none', 'pass query indices, e.g. [0, 1, 2]');
  const k = o.k ?? 5, H = o.height ?? 110, gap = 6, caption = 18;
  const rows: { parts: OverlayOptions[]; width: number; height: number; text: string }[] = [];
  for (const q of queries) {
    const pair = split.pairs[q];
    if (!pair) throw new CvglError(`a query index in 0..${split.pairs.length - 1}`, String(q), 'pick a query of the split');
    const positives = new Set(pair.galleryIndex);
    const top = nearestReferences(e, q, k);
    const meta = await sharp(pair.ground).metadata();
    const pw = Math.max(1, Math.round(((meta.width ?? 1) / (meta.height ?? 1)) * H));
    const pano = await sharp(pair.ground).resize(pw, H).png().toBuffer();
    const tiles = await Promise.all(
      top.map(async (j) => {
        const colour = positives.has(j) ? '#2a9d4b' : '#d1495b';
        const frame = Buffer.from(`<svg width="${H}" height="${H}"><rect x="2" y="2" width="${H - 4}" height="${H - 4}" fill="none" stroke="${colour}" stroke-width="5"/></svg>`);
        return sharp(split.gallery[j]!).resize(H, H).composite([{ input: frame }]).png().toBuffer();
      }),
    );
    // the true match's rank by the same ordering (for a gallery beyond k, count the nearer rows)
    const full = nearestReferences(e, q, e.galleryN);
    const rank = full.findIndex((j) => j === pair.galleryIndex[0]) + 1;
    const width = Math.max(pw, k * (H + gap));
    rows.push({
      parts: [{ input: pano, left: 0, top: caption }, ...tiles.map((t, i) => ({ input: t, left: i * (H + gap), top: caption + H + gap }))],
      width,
      height: caption + 2 * H + gap,
      text: `query ${pair.id}: true aerial at rank ${rank} of ${e.galleryN}`,
    });
  }
  const width = Math.max(...rows.map((r) => r.width));
  const height = rows.reduce((s, r) => s + r.height + 2 * gap, 0);
  const composites: OverlayOptions[] = [];
  const text: string[] = [];
  let y = 0;
  for (const r of rows) {
    for (const p of r.parts) composites.push({ ...p, top: (p.top ?? 0) + y });
    text.push(`<text x="2" y="${y + 13}" font-size="13" font-family="sans-serif">${esc(r.text)}</text>`);
    y += r.height + 2 * gap;
  }
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${text.join('')}</svg>`);
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([...composites, { input: svg, left: 0, top: 0 }])
    .png()
    .toBuffer();
}
