/**
 * A contact sheet of synthetic pairs: for each chosen sample, its aerial tile beside its
 * panorama, one row per domain, with a marker of north on the panorama (the centre column at
 * yaw 0) and of the camera on the aerial tile. Used by the README and the quick-start report.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { CvglError } from '../engine/errors.js';
import { readSynthManifest } from './generate.js';

export async function writePairSheet(datasetDir: string, outPng: string, opts: { samples?: number[]; height?: number } = {}): Promise<void> {
  const m = readSynthManifest(datasetDir);
  if (!m) throw new CvglError('a synthetic dataset (with synthetic.json)', datasetDir, 'generate one with `cvgl data synth --out DIR`');
  const picks = (opts.samples ?? [0, 1]).map((i) => m.samples[i]).filter((s) => s !== undefined);
  const H = opts.height ?? 200;
  const gap = 6;
  const rows: { input: Buffer; top: number; left: number }[] = [];
  let y = 0, width = 0;
  for (const s of picks) {
    for (const d of m.domains) {
      const root = join(datasetDir, d.root);
      const aerialPath = join(root, s.aerial), panoPath = join(root, s.ground);
      if (!existsSync(aerialPath) || !existsSync(panoPath)) continue;
      const a = await sharp(aerialPath).resize(H, H).composite([{ input: marker(H, H, 'camera'), top: 0, left: 0 }]).png().toBuffer();
      const meta = await sharp(panoPath).metadata();
      const pw = Math.round(((meta.width ?? 1) / (meta.height ?? 1)) * (H / 2));
      const ph = Math.round(H / 2);
      const p = await sharp(panoPath).resize(pw, ph).composite([{ input: marker(pw, ph, 'north', s.yawDeg), top: 0, left: 0 }]).png().toBuffer();
      rows.push({ input: a, top: y, left: 0 }, { input: p, top: y + Math.round((H - ph) / 2), left: H + gap });
      width = Math.max(width, H + gap + pw);
      y += H + gap;
    }
  }
  if (!rows.length) throw new CvglError('samples with image files', `none in ${datasetDir}`, 'regenerate the set');
  await sharp({ create: { width, height: y - gap, channels: 3, background: '#ffffff' } }).composite(rows).png().toFile(outPng);
}

/** SVG overlay: a cross at the aerial centre, or a tick at the panorama column facing north. */
function marker(w: number, h: number, kind: 'camera' | 'north', yawDeg = 0): Buffer {
  if (kind === 'camera') {
    const c = w / 2, r = Math.max(4, w / 40);
    return Buffer.from(`<svg width="${w}" height="${h}"><g stroke="#ffee00" stroke-width="2"><line x1="${c - r}" y1="${c}" x2="${c + r}" y2="${c}"/><line x1="${c}" y1="${c - r}" x2="${c}" y2="${c + r}"/></g></svg>`);
  }
  // north sits at the centre column when yaw = 0; a yaw of +psi moves it psi degrees to the left
  const x = ((((0.5 - yawDeg / 360) % 1) + 1) % 1) * w;
  return Buffer.from(`<svg width="${w}" height="${h}"><line x1="${x}" y1="0" x2="${x}" y2="${h}" stroke="#ffee00" stroke-width="1.5" stroke-dasharray="4,3"/><text x="${x + 3}" y="12" font-size="11" font-family="DejaVu Sans, sans-serif" fill="#ffee00">N</text></svg>`);
}
