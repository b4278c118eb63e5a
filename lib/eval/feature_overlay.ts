/**
 * Fig. 6.2 of the thesis (003, appendix 6.4, "Visualization of feature map"): the output of the
 * image backbone's last layer (f_θ for ground images, f_ξ for satellite images: VGG16 up to pool5,
 * appendix 6.1) for a batch of samples, "to have an insight of where are the important parts of
 * the image that have high activation values". Each map is the mean over channels of the feature
 * map, scaled to [0, 1] per image, upsampled (bilinear, pixel centres aligned) to the image and
 * drawn over it in a blue → red colour scale.
 */
import sharp, { type OverlayOptions } from 'sharp';
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import type { Vgg16 } from '../models/vgg16.js';

export interface FeatureMapPanel {
  /** The input image, HWC RGB in [0, 1]. */
  image: Float32Array;
  height: number;
  width: number;
  /** Mean activation over channels, [mapHeight, mapWidth], scaled to [0, 1] (all 0 when constant). */
  map: Float32Array;
  mapHeight: number;
  mapWidth: number;
  /** The unscaled range of the channel mean (a dead map has max 0). */
  range: [number, number];
}

/** The backbone's last feature map of each image of `images` [B, H, W, 3] (values in [0, 1]). */
export async function featureMapPanels(vgg: Vgg16, images: tf.Tensor4D): Promise<FeatureMapPanel[]> {
  if (images.rank !== 4 || images.shape[3] !== 3) throw new CvglError('images [B, H, W, 3]', `[${images.shape.join(', ')}]`, 'pass a batch of RGB images');
  const [b, h, w] = images.shape;
  const [mh, mw] = vgg.outputSize(h, w);
  if (mh < 1 || mw < 1) throw new CvglError(`images large enough for ${vgg.steps.filter((s) => s.kind === 'pool').length} poolings`, `${h}x${w}`, 'use images of at least 32x32');
  const mean = tf.tidy(() => tf.mean(vgg.apply(images), 3));
  const [m, px] = await Promise.all([mean.data() as Promise<Float32Array>, images.data() as Promise<Float32Array>]);
  mean.dispose();
  return Array.from({ length: b }, (_, i) => {
    const raw = m.subarray(i * mh * mw, (i + 1) * mh * mw);
    let lo = Infinity, hi = -Infinity;
    for (const v of raw) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const map = Float32Array.from(raw, (v) => (hi > lo ? (v - lo) / (hi - lo) : 0));
    return { image: px.slice(i * h * w * 3, (i + 1) * h * w * 3), height: h, width: w, map, mapHeight: mh, mapWidth: mw, range: [lo, hi] as [number, number] };
  });
}

/** Blue (0) → cyan → yellow → red (1). */
function colour(t: number): [number, number, number] {
  const stops: [number, number, number][] = [[49, 54, 149], [116, 173, 209], [254, 224, 144], [215, 48, 39]];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(x));
  const f = x - k;
  const [a, c] = [stops[k]!, stops[k + 1]!];
  return [a[0] + f * (c[0] - a[0]), a[1] + f * (c[1] - a[1]), a[2] + f * (c[2] - a[2])];
}

/** The map [h, w] at (y, x) in map pixels (centres at integers), bilinear, clamped at the border. */
function bilinear(m: Float32Array, h: number, w: number, y: number, x: number): number {
  const cy = Math.min(h - 1, Math.max(0, y)), cx = Math.min(w - 1, Math.max(0, x));
  const y0 = Math.floor(cy), x0 = Math.floor(cx), y1 = Math.min(h - 1, y0 + 1), x1 = Math.min(w - 1, x0 + 1);
  const fy = cy - y0, fx = cx - x0;
  const at = (yy: number, xx: number) => m[yy * w + xx]!;
  return (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
}

/** The panel at `height` pixels high: the image, and beside it the map over the image. */
async function panelPngs(p: FeatureMapPanel, height: number): Promise<{ image: Buffer; overlay: Buffer; width: number }> {
  const width = Math.max(1, Math.round((p.width * height) / p.height));
  const rgb = Buffer.from(Uint8Array.from(p.image, (v) => Math.round(255 * Math.min(1, Math.max(0, v)))));
  const img = await sharp(rgb, { raw: { width: p.width, height: p.height, channels: 3 } }).resize(width, height, { kernel: 'lanczos3' }).raw().toBuffer();
  const over = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const [r, g, b] = colour(bilinear(p.map, p.mapHeight, p.mapWidth, ((y + 0.5) * p.mapHeight) / height - 0.5, ((x + 0.5) * p.mapWidth) / width - 0.5));
      for (const [c, v] of [r, g, b].entries()) over[3 * i + c] = Math.round(0.45 * img[3 * i + c]! + 0.55 * v);
    }
  }
  const png = (buf: Buffer) => sharp(buf, { raw: { width, height, channels: 3 } }).png().toBuffer();
  return { image: await png(img), overlay: await png(over), width };
}

/**
 * A sheet like Fig. 6.2: one row per entry of `rows` (e.g. the ground images, then the satellite
 * images), each sample as its image with its feature map over it beside; written as a PNG.
 */
export async function writeFeatureMapSheet(rows: FeatureMapPanel[][], outPng: string, o: { height?: number; gap?: number } = {}): Promise<void> {
  if (!rows.length || rows.some((r) => !r.length)) throw new CvglError('rows of feature-map panels', 'an empty row', 'pass featureMapPanels(...) of at least one image per row');
  const height = o.height ?? 96, gap = o.gap ?? 6;
  const drawn = await Promise.all(rows.map((r) => Promise.all(r.map((p) => panelPngs(p, height)))));
  const rowWidth = (r: { width: number }[]) => r.reduce((s, p) => s + 2 * p.width + 2 * gap, 0);
  const W = Math.max(...drawn.map(rowWidth)), H = rows.length * (height + gap);
  const composite: OverlayOptions[] = [];
  drawn.forEach((r, y) => {
    let x = 0;
    for (const p of r) {
      composite.push({ input: p.image, left: x, top: y * (height + gap) }, { input: p.overlay, left: x + p.width + 1, top: y * (height + gap) });
      x += 2 * p.width + 2 * gap;
    }
  });
  await sharp({ create: { width: W, height: H, channels: 3, background: '#ffffff' } }).composite(composite).png().toFile(outPng);
}
