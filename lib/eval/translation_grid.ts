/**
 * MDUIT's translation grid (paper 004, Fig. 3: "changing source (row) and target image (column)"):
 * the first row shows the target-appearance images, the first column the sources, and cell
 * (i, j) the translation G(E_c(source_i) ⊗ E_a(target_j)). Rendered to PNG bytes, upscaled by
 * an integer factor (nearest neighbour), with optional labels above the columns and left of the
 * rows.
 */
import sharp, { type OverlayOptions } from 'sharp';
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { floatToRgb } from '../data/image_bank.js';

export interface GridOptions {
  /** Pixel upscaling of every image (default 2). */
  scale?: number;
  /** Pixels between cells (default 3); the header row and column are set off by twice that. */
  gap?: number;
  /** Labels of the target columns and of the source rows (e.g. their domains). */
  columnLabels?: string[];
  rowLabels?: string[];
}

/** Anything that translates a batch of sources to the appearance of a batch of targets (one per source). */
export interface Translator {
  translate(source: tf.Tensor4D, target: tf.Tensor4D): tf.Tensor4D;
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The grid as PNG bytes; sources [N, H, W, 3] and targets [M, H, W, 3] in [−1, 1]. */
export async function translationGridPng(model: Translator, sources: tf.Tensor4D, targets: tf.Tensor4D, o: GridOptions = {}): Promise<Buffer> {
  const [n, h, w] = sources.shape;
  const m = targets.shape[0];
  if (targets.shape[1] !== h || targets.shape[2] !== w || n < 1 || m < 1) {
    throw new CvglError('translationGridPng: sources [N, H, W, 3] and targets [M, H, W, 3] of one size, N, M >= 1', `[${sources.shape}] and [${targets.shape}]`, 'resize the images to the model input size');
  }
  const scale = o.scale ?? 2, gap = o.gap ?? 3;
  const cw = w * scale, ch = h * scale;
  const labelH = o.columnLabels ? 16 : 0, labelW = o.rowLabels ? Math.max(40, 7 * Math.max(...o.rowLabels.map((l) => l.length)) + 8) : 0;
  // cells: the translations of all sources to target j, one batch per column
  const cells: Uint8Array[][] = Array.from({ length: n }, () => []);
  for (let j = 0; j < m; j++) {
    const out = tf.tidy(() => model.translate(sources, tf.tile(tf.slice(targets, j, 1), [n, 1, 1, 1])));
    const data = await out.data();
    out.dispose();
    for (let i = 0; i < n; i++) cells[i]!.push(floatToRgb(data.subarray(i * h * w * 3, (i + 1) * h * w * 3)));
  }
  const srcData = await sources.data(), tgtData = await targets.data();
  const img = (rgb: Uint8Array) => sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width: w, height: h, channels: 3 } }).resize(cw, ch, { kernel: 'nearest' }).png().toBuffer();
  const x0 = labelW, y0 = labelH;
  const colX = (j: number) => x0 + (j + 1) * (cw + gap) + gap; // j = −1: the source column
  const rowY = (i: number) => y0 + (i + 1) * (ch + gap) + gap; // i = −1: the target row
  const parts: OverlayOptions[] = [];
  for (let j = 0; j < m; j++) parts.push({ input: await img(floatToRgb(tgtData.subarray(j * h * w * 3, (j + 1) * h * w * 3))), left: colX(j), top: y0 });
  for (let i = 0; i < n; i++) {
    parts.push({ input: await img(floatToRgb(srcData.subarray(i * h * w * 3, (i + 1) * h * w * 3))), left: x0, top: rowY(i) });
    for (let j = 0; j < m; j++) parts.push({ input: await img(cells[i]![j]!), left: colX(j), top: rowY(i) });
  }
  const width = colX(m - 1) + cw, height = rowY(n - 1) + ch;
  const text: string[] = [];
  o.columnLabels?.forEach((l, j) => text.push(`<text x="${colX(j) + cw / 2}" y="12" text-anchor="middle">${escapeXml(l)}</text>`));
  o.rowLabels?.forEach((l, i) => text.push(`<text x="${labelW - 4}" y="${rowY(i) + ch / 2 + 4}" text-anchor="end">${escapeXml(l)}</text>`));
  if (text.length) {
    text.push(`<text x="${x0 + cw / 2}" y="${y0 + ch / 2 + 4}" text-anchor="middle" font-size="9">source ↓ target →</text>`);
    parts.push({ input: Buffer.from(`<svg width="${width}" height="${height}"><g font-family="DejaVu Sans, sans-serif" font-size="11" fill="#222">${text.join('')}</g></svg>`), left: 0, top: 0 });
  }
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(parts).png().toBuffer();
}
