/**
 * The polar transform of aerial images, SAFA (Shi et al., NeurIPS 2019, "Spatial-Aware Feature
 * Aggregation for Cross-View Image based Geo-Localization", Eq. 1): the square aerial image is
 * resampled along rays from its centre so that it lines up with the ground panorama, azimuth
 * along the width and distance from the camera along the height.
 *
 * This file is plain TypeScript (no TensorFlow.js), so worker threads can import it; the tensor
 * version is in lib/data/polar.ts, which uses the same grid.
 *
 * Geometry (this project's convention):
 *   - ground panoramas are equirectangular with north at the centre column; column j of W has
 *     azimuth θ_j = 2π (j + 0.5)/W − π, clockwise from north (east at 3/4 width, south at the
 *     left and right edges);
 *   - aerial images are S×S, north up, east right, the camera at the centre.
 *
 * Polar image H×W, output pixel (i, j), i = 0 the top row:
 *
 *     θ_j = 2π (j + 0.5)/W − π                       (the panorama's azimuth of column j)
 *     r_i = (S/2) (H − i)/H                           (row 0: the aerial's edge, r = S/2;
 *                                                      row H−1: r = S/(2H), next to the centre)
 *     u   = S/2 + r_i sin θ_j                         (aerial column, continuous)
 *     v   = S/2 − r_i cos θ_j                         (aerial row, continuous)
 *
 * SAFA's Eq. 1, x_a = S/2 + (S/2)(H_g − x_g)/H_g · sin(2π y_g/W_g), y_a = S/2 − (S/2)(H_g − x_g)/H_g
 * · cos(2π y_g/W_g), with its azimuth 2π y_g/W_g replaced by θ_j above (north in the centre
 * column, sampled at column centres).
 *
 * (u, v) are continuous coordinates in which the aerial spans [0, S] × [0, S] and pixel (row y,
 * column x) has its centre at (x + 0.5, y + 0.5). The value is the bilinear interpolation of the
 * four pixel centres around (u, v): with x = u − 0.5, y = v − 0.5, x0 = ⌊x⌋, y0 = ⌊y⌋,
 * fx = x − x0, fy = y − y0, the corners (y0, x0), (y0, x0+1), (y0+1, x0), (y0+1, x0+1) get the
 * weights (1−fx)(1−fy), fx(1−fy), (1−fx)fy, fx·fy. Corners outside the image are clamped to the
 * border (edge replication), so samples outside the image take the border's value.
 */
import { CvglError } from '../engine/errors.js';

export interface PolarGrid {
  /** S, the side of the square aerial image. */
  aerialSize: number;
  /** H, rows of the polar image. */
  height: number;
  /** W, columns of the polar image. */
  width: number;
  /**
   * 4 per output pixel (row-major over H×W): the flat aerial pixel indices y·S + x of the
   * bilinear corners, in the order (y0, x0), (y0, x0+1), (y0+1, x0), (y0+1, x0+1), clamped to
   * the image.
   */
  index: Int32Array;
  /** 4 per output pixel: the bilinear weights of those corners (they sum to 1). */
  weight: Float32Array;
}

const cache = new Map<string, PolarGrid>();
const CACHE_MAX = 32;

function checkSize(what: string, v: number, min: number, fix: string): void {
  if (!Number.isInteger(v) || v < min) {
    throw new CvglError(`${what}: an integer ≥ ${min}`, String(v), fix);
  }
}

/**
 * The sampling grid of the polar transform (SAFA Eq. 1; formula in this file's header) for an
 * S×S aerial image and an H×W polar image. Cached per (S, H, W): the returned arrays are shared
 * and must not be modified.
 */
export function polarGrid(aerialSize: number, height: number, width: number): PolarGrid {
  checkSize('the aerial image size S', aerialSize, 2, 'pass square aerial images of at least 2×2 pixels');
  checkSize('the polar image height H', height, 1, 'pass a positive integer height');
  checkSize('the polar image width W', width, 1, 'pass a positive integer width');
  const key = `${aerialSize}x${height}x${width}`;
  const hit = cache.get(key);
  if (hit) return hit;

  const S = aerialSize;
  const H = height;
  const W = width;
  const half = S / 2;
  const index = new Int32Array(H * W * 4);
  const weight = new Float32Array(H * W * 4);
  const sin = new Float64Array(W);
  const cos = new Float64Array(W);
  for (let j = 0; j < W; j++) {
    const theta = (2 * Math.PI * (j + 0.5)) / W - Math.PI;
    sin[j] = Math.sin(theta);
    cos[j] = Math.cos(theta);
  }
  const clamp = (k: number): number => (k < 0 ? 0 : k > S - 1 ? S - 1 : k);
  for (let i = 0; i < H; i++) {
    const r = (half * (H - i)) / H;
    for (let j = 0; j < W; j++) {
      const x = half + r * sin[j]! - 0.5;
      const y = half - r * cos[j]! - 0.5;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const xa = clamp(x0);
      const xb = clamp(x0 + 1);
      const ya = clamp(y0) * S;
      const yb = clamp(y0 + 1) * S;
      const o = (i * W + j) * 4;
      index[o] = ya + xa;
      index[o + 1] = ya + xb;
      index[o + 2] = yb + xa;
      index[o + 3] = yb + xb;
      weight[o] = (1 - fx) * (1 - fy);
      weight[o + 1] = fx * (1 - fy);
      weight[o + 2] = (1 - fx) * fy;
      weight[o + 3] = fx * fy;
    }
  }
  const grid: PolarGrid = { aerialSize: S, height: H, width: W, index, weight };
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, grid);
  return grid;
}

/**
 * The polar transform (SAFA Eq. 1) of one HWC image, in plain TypeScript (for worker threads).
 * `img` is S×S with any number of interleaved channels (its `channels` field if it has one, else
 * data.length / S²); the result is an H×W image of the same kind (same fields, same array type).
 *
 * Float32 data: each output value is w0·a + w1·b + w2·c + w3·d summed left to right in float32,
 * the same operations as `polarTransform` in lib/data/polar.ts. Uint8 data: the same sum,
 * rounded half up and clamped to [0, 255].
 */
export function polarTransformImage<T extends { width: number; height: number; data: Uint8Array | Float32Array }>(
  img: T,
  height: number,
  width: number,
): T {
  const S = img.width;
  if (img.width !== img.height) {
    throw new CvglError(
      'a square aerial image (width = height)',
      `${img.width}×${img.height} (width×height)`,
      'crop or resize the aerial image to a square centred on the camera before the polar transform',
    );
  }
  checkSize('the aerial image size S', S, 2, 'pass square aerial images of at least 2×2 pixels');
  const declared = (img as { channels?: unknown }).channels;
  const C = typeof declared === 'number' ? declared : img.data.length / (S * S);
  if (!Number.isInteger(C) || C < 1 || img.data.length !== S * S * C) {
    throw new CvglError(
      `image data of S·S·C values (S = ${S}${typeof declared === 'number' ? `, C = ${declared}` : ''}, interleaved HWC)`,
      `${img.data.length} values`,
      'pass an image whose data array matches its width, height and channels',
    );
  }
  const g = polarGrid(S, height, width);
  const { index, weight } = g;
  const src = img.data;
  const n = height * width;
  const f = Math.fround;
  let data: Uint8Array | Float32Array;
  if (src instanceof Float32Array) {
    const out = new Float32Array(n * C);
    for (let p = 0; p < n; p++) {
      const o = p * 4;
      const a = index[o]! * C;
      const b = index[o + 1]! * C;
      const c = index[o + 2]! * C;
      const d = index[o + 3]! * C;
      const w0 = weight[o]!;
      const w1 = weight[o + 1]!;
      const w2 = weight[o + 2]!;
      const w3 = weight[o + 3]!;
      for (let k = 0; k < C; k++) {
        out[p * C + k] = f(f(f(f(w0 * src[a + k]!) + f(w1 * src[b + k]!)) + f(w2 * src[c + k]!)) + f(w3 * src[d + k]!));
      }
    }
    data = out;
  } else {
    const out = new Uint8Array(n * C);
    for (let p = 0; p < n; p++) {
      const o = p * 4;
      const a = index[o]! * C;
      const b = index[o + 1]! * C;
      const c = index[o + 2]! * C;
      const d = index[o + 3]! * C;
      const w0 = weight[o]!;
      const w1 = weight[o + 1]!;
      const w2 = weight[o + 2]!;
      const w3 = weight[o + 3]!;
      for (let k = 0; k < C; k++) {
        const v = Math.floor(w0 * src[a + k]! + w1 * src[b + k]! + w2 * src[c + k]! + w3 * src[d + k]! + 0.5);
        out[p * C + k] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
    data = out;
  }
  return { ...img, width, height, data } as T;
}
