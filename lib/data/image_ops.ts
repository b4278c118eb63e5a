/**
 * Deterministic image operations for the augmentation pipelines of `augment.ts` (thesis 003,
 * appendix 6.2 "MoCov2 data augmentation", and section 3.4.2), on `FloatImage` (HWC, RGB,
 * values in [0, 1]). Plain TypeScript without TensorFlow.js so worker threads can run them.
 *
 * Each colour / geometry op follows the documented semantics of the matching
 * `torchvision.transforms.functional` call on a float tensor (torchvision 0.14), so results
 * agree with it to float32 rounding (checked by test/data/augment.test.ts against
 * test/reference/augment_torchvision.py). Every function returns a new image; inputs are never
 * mutated. The cross-view ops (`circularShift`, `fovCrop`) are this project's own.
 */
import type { FloatImage } from './image.js';

/** An output size in pixels. */
export interface Size {
  height: number;
  width: number;
}

/** A crop box in pixels (top-left corner and extent), as torchvision's `crop(top, left, height, width)`. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

function checkImage(img: FloatImage, what: string, channels?: number): void {
  if (!(img.width > 0 && img.height > 0) || !Number.isInteger(img.width) || !Number.isInteger(img.height)) {
    throw new RangeError(`${what}: expected an image with positive integer width and height, got ${img.width}x${img.height}`);
  }
  if (img.data.length !== img.width * img.height * img.channels) {
    throw new RangeError(
      `${what}: expected ${img.width}x${img.height}x${img.channels} = ${img.width * img.height * img.channels} values, ` +
        `found ${img.data.length}; build the image with toFloat() or keep data and shape in step`,
    );
  }
  if (channels !== undefined && img.channels !== channels) {
    throw new RangeError(`${what}: expected ${channels} channels (RGB), found ${img.channels}; convert the image to RGB first`);
  }
}

function checkSize(size: Size, what: string): void {
  if (!(Number.isInteger(size.height) && Number.isInteger(size.width) && size.height > 0 && size.width > 0)) {
    throw new RangeError(`${what}: expected a positive integer output size, got ${size.height}x${size.width}`);
  }
}

function blank(width: number, height: number, channels: number): FloatImage {
  return { width, height, channels, data: new Float32Array(width * height * channels) };
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** A copy of `img` (new pixel buffer). */
export function cloneImage(img: FloatImage): FloatImage {
  return { width: img.width, height: img.height, channels: img.channels, data: new Float32Array(img.data) };
}

// ---------------------------------------------------------------------------------------------
// Geometry

/**
 * `torchvision.transforms.functional.crop(img, top, left, height, width)`: the box may reach
 * outside the image; those pixels are 0 (torchvision pads with zeros).
 */
export function crop(img: FloatImage, box: CropBox): FloatImage {
  checkImage(img, 'crop');
  const { top, left, height, width } = box;
  if (![top, left, height, width].every(Number.isInteger) || height <= 0 || width <= 0) {
    throw new RangeError(`crop: expected integer top/left and positive integer height/width, got ${JSON.stringify(box)}`);
  }
  const c = img.channels;
  const out = blank(width, height, c);
  for (let y = 0; y < height; y++) {
    const sy = top + y;
    if (sy < 0 || sy >= img.height) continue;
    const x0 = Math.max(0, -left), x1 = Math.min(width, img.width - left);
    if (x1 <= x0) continue;
    const src = (sy * img.width + left + x0) * c;
    out.data.set(img.data.subarray(src, src + (x1 - x0) * c), (y * width + x0) * c);
  }
  return out;
}

/** Source index and weights of linear interpolation along one axis, align_corners=False. */
function linearTaps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w1: Float64Array } {
  const scale = inSize / outSize;
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), w1 = new Float64Array(outSize);
  for (let d = 0; d < outSize; d++) {
    // half-pixel centres; negative source coordinates clamp to 0 (PyTorch's linear upsampling)
    const src = Math.max(0, (d + 0.5) * scale - 0.5);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[d] = lo;
    i1[d] = lo < inSize - 1 ? lo + 1 : lo;
    w1[d] = src - lo;
  }
  return { i0, i1, w1 };
}

/**
 * Bilinear resize to `size`, `torchvision.transforms.functional.resize(img, [h, w],
 * InterpolationMode.BILINEAR, antialias=False)` on a tensor, i.e.
 * `torch.nn.functional.interpolate(mode='bilinear', align_corners=False)`: source coordinate
 * `(dst + 0.5) * in / out - 0.5`, clamped below at 0, no antialiasing filter when shrinking.
 */
export function resizeBilinear(img: FloatImage, size: Size): FloatImage {
  checkImage(img, 'resizeBilinear');
  checkSize(size, 'resizeBilinear');
  const c = img.channels, W = img.width;
  const ty = linearTaps(img.height, size.height), tx = linearTaps(img.width, size.width);
  const out = blank(size.width, size.height, c);
  const src = img.data, dst = out.data;
  let o = 0;
  for (let y = 0; y < size.height; y++) {
    const r0 = ty.i0[y]! * W, r1 = ty.i1[y]! * W, wy1 = ty.w1[y]!, wy0 = 1 - wy1;
    for (let x = 0; x < size.width; x++) {
      const c0 = tx.i0[x]!, c1 = tx.i1[x]!, wx1 = tx.w1[x]!, wx0 = 1 - wx1;
      const a = (r0 + c0) * c, b = (r0 + c1) * c, d = (r1 + c0) * c, e = (r1 + c1) * c;
      for (let k = 0; k < c; k++) {
        dst[o++] = wy0 * (wx0 * src[a + k]! + wx1 * src[b + k]!) + wy1 * (wx0 * src[d + k]! + wx1 * src[e + k]!);
      }
    }
  }
  return out;
}

/**
 * `torchvision.transforms.functional.resized_crop(img, top, left, height, width, size,
 * BILINEAR, antialias=False)`: `crop` then `resizeBilinear` — the deterministic half of
 * RandomResizedCrop (thesis 003 appendix 6.2, `RandomResizedCrop(img_size, scale=(0.2, 1.))`).
 */
export function resizedCrop(img: FloatImage, box: CropBox, size: Size): FloatImage {
  return resizeBilinear(crop(img, box), size);
}

/** `torchvision.transforms.functional.hflip`: columns reversed (RandomHorizontalFlip, appendix 6.2). */
export function hflip(img: FloatImage): FloatImage {
  checkImage(img, 'hflip');
  const { width: W, height: H, channels: c } = img;
  const out = blank(W, H, c);
  for (let y = 0; y < H; y++) {
    const row = y * W;
    for (let x = 0; x < W; x++) {
      const s = (row + x) * c, d = (row + W - 1 - x) * c;
      for (let k = 0; k < c; k++) out.data[d + k] = img.data[s + k]!;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Colour (ColorJitter's four ops, RandomGrayscale)

/**
 * Luma weights of torchvision's tensor `rgb_to_grayscale` (ITU-R 601-2 luma; torchvision writes
 * the red weight as 0.2989, following TensorFlow, not PIL's 0.299 — we use its numbers so
 * results agree to float32 rounding).
 */
export const LUMA = [0.2989, 0.587, 0.114] as const;

function luma(d: Float32Array, i: number): number {
  return Math.fround(LUMA[0] * d[i]! + LUMA[1] * d[i + 1]! + LUMA[2] * d[i + 2]!);
}

/**
 * `torchvision.transforms.functional.rgb_to_grayscale(img, num_output_channels=3)` on a tensor:
 * `0.2989 R + 0.587 G + 0.114 B` replicated to the three channels (RandomGrayscale, appendix 6.2).
 */
export function grayscale(img: FloatImage): FloatImage {
  checkImage(img, 'grayscale', 3);
  const out = blank(img.width, img.height, 3);
  for (let i = 0; i < img.data.length; i += 3) {
    const l = luma(img.data, i);
    out.data[i] = l;
    out.data[i + 1] = l;
    out.data[i + 2] = l;
  }
  return out;
}

function checkFactor(name: string, f: number): void {
  if (!(f >= 0) || !Number.isFinite(f)) throw new RangeError(`${name}: expected a finite factor >= 0, got ${f}`);
}

/**
 * `torchvision.transforms.functional.adjust_brightness`: `clamp(f * img, 0, 1)` (blend with
 * black). ColorJitter brightness, appendix 6.2.
 */
export function adjustBrightness(img: FloatImage, factor: number): FloatImage {
  checkImage(img, 'adjustBrightness');
  checkFactor('adjustBrightness', factor);
  const out = blank(img.width, img.height, img.channels);
  for (let i = 0; i < img.data.length; i++) out.data[i] = clamp01(factor * img.data[i]!);
  return out;
}

/**
 * `torchvision.transforms.functional.adjust_contrast`: blend with the mean of the grayscale image
 * (`clamp(f * img + (1 - f) * mean(gray), 0, 1)`). ColorJitter contrast, appendix 6.2.
 */
export function adjustContrast(img: FloatImage, factor: number): FloatImage {
  checkImage(img, 'adjustContrast', 3);
  checkFactor('adjustContrast', factor);
  let sum = 0;
  for (let i = 0; i < img.data.length; i += 3) sum += luma(img.data, i);
  const mean = Math.fround(sum / (img.width * img.height));
  const out = blank(img.width, img.height, 3);
  const m = (1 - factor) * mean;
  for (let i = 0; i < img.data.length; i++) out.data[i] = clamp01(factor * img.data[i]! + m);
  return out;
}

/**
 * `torchvision.transforms.functional.adjust_saturation`: per-pixel blend with the grayscale image
 * (`clamp(f * img + (1 - f) * gray, 0, 1)`). ColorJitter saturation, appendix 6.2.
 */
export function adjustSaturation(img: FloatImage, factor: number): FloatImage {
  checkImage(img, 'adjustSaturation', 3);
  checkFactor('adjustSaturation', factor);
  const out = blank(img.width, img.height, 3);
  const d = img.data;
  for (let i = 0; i < d.length; i += 3) {
    const g = (1 - factor) * luma(d, i);
    out.data[i] = clamp01(factor * d[i]! + g);
    out.data[i + 1] = clamp01(factor * d[i + 1]! + g);
    out.data[i + 2] = clamp01(factor * d[i + 2]! + g);
  }
  return out;
}

/**
 * `torchvision.transforms.functional.adjust_hue` on a float tensor: RGB -> HSV (hexcone model,
 * hue in [0, 1), saturation `(max - min) / max`, value `max`; hue and saturation 0 for grey
 * pixels), hue shifted by `factor` modulo 1 (floored, so negative shifts wrap), HSV -> RGB with
 * the intermediate `v(1 - s)`, `v(1 - s f)`, `v(1 - s (1 - f))` clamped to [0, 1].
 * `factor` in [-0.5, 0.5]. ColorJitter hue, appendix 6.2.
 */
export function adjustHue(img: FloatImage, factor: number): FloatImage {
  checkImage(img, 'adjustHue', 3);
  if (!(factor >= -0.5 && factor <= 0.5)) throw new RangeError(`adjustHue: expected a hue factor in [-0.5, 0.5], got ${factor}`);
  const out = blank(img.width, img.height, 3);
  const d = img.data, o = out.data;
  const f32 = Math.fround;
  for (let i = 0; i < d.length; i += 3) {
    const r = d[i]!, g = d[i + 1]!, b = d[i + 2]!;
    const maxc = Math.max(r, g, b), minc = Math.min(r, g, b);
    const eq = maxc === minc;
    const cr = maxc - minc;
    const s = eq ? 0 : f32(cr / maxc);
    const div = eq ? 1 : cr;
    const rc = f32((maxc - r) / div), gc = f32((maxc - g) / div), bc = f32((maxc - b) / div);
    let h: number;
    if (maxc === r) h = f32(bc - gc);
    else if (maxc === g) h = f32(2 + rc - bc);
    else h = f32(4 + gc - rc);
    h = f32(f32(h / 6) + 1) % 1; // h/6 + 1 >= 5/6 > 0: remainder == floored modulo
    h = f32(h + factor);
    h = f32(h - Math.floor(h)); // Python-style modulo 1
    const h6 = f32(h * 6);
    const sector = Math.floor(h6);
    const fr = f32(h6 - sector);
    const v = maxc;
    const p = clamp01(f32(v * f32(1 - s)));
    const q = clamp01(f32(v * f32(1 - f32(s * fr))));
    const t = clamp01(f32(v * f32(1 - f32(s * f32(1 - fr)))));
    let R: number, G: number, B: number;
    switch (((sector % 6) + 6) % 6) {
      case 0: R = v; G = t; B = p; break;
      case 1: R = q; G = v; B = p; break;
      case 2: R = p; G = v; B = t; break;
      case 3: R = p; G = q; B = v; break;
      case 4: R = t; G = p; B = v; break;
      default: R = v; G = p; B = q; break;
    }
    o[i] = R;
    o[i + 1] = G;
    o[i + 2] = B;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Gaussian blur

/**
 * Kernel size used for a blur of standard deviation `sigma` along an axis of `dim` pixels:
 * `2 * ceil(3 sigma) + 1`, clipped to the largest odd size not above `dim` (so reflect padding,
 * which needs a pad smaller than the axis, stays valid).
 */
export function gaussianKernelSize(sigma: number, dim: number): number {
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new RangeError(`gaussianKernelSize: expected sigma > 0, got ${sigma}`);
  const k = 2 * Math.ceil(3 * sigma) + 1;
  const maxOdd = dim % 2 === 1 ? dim : dim - 1;
  return Math.max(1, Math.min(k, maxOdd));
}

/** torchvision's 1-D Gaussian kernel: `exp(-x^2 / (2 sigma^2))` at `x = -(k-1)/2 .. (k-1)/2`, normalised to sum 1. */
export function gaussianKernel1d(size: number, sigma: number): Float64Array {
  if (!(Number.isInteger(size) && size > 0 && size % 2 === 1)) {
    throw new RangeError(`gaussianKernel1d: expected an odd positive kernel size, got ${size}`);
  }
  if (!(sigma > 0)) throw new RangeError(`gaussianKernel1d: expected sigma > 0, got ${sigma}`);
  const half = (size - 1) / 2;
  const k = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const x = (i - half) / sigma;
    k[i] = Math.exp(-0.5 * x * x);
    sum += k[i]!;
  }
  for (let i = 0; i < size; i++) k[i]! /= sum;
  return k;
}

/** Reflect index (edge pixel not repeated), PyTorch's `pad(mode='reflect')`; needs |overshoot| < n. */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

/**
 * `torchvision.transforms.functional.gaussian_blur(img, [kx, ky], [sigmaX, sigmaY])` on a tensor:
 * reflect padding by `k // 2`, then the Gaussian kernel `outer(ky, kx)`, applied here as two 1-D
 * passes (the same sums in another order). Kernel sizes must be odd and not exceed the axis.
 * The random GaussianBlur of appendix 6.2 (MoCo's `GaussianBlur([.1, 2.])`) calls this through
 * `gaussianBlurSigma`.
 */
export function gaussianBlur(img: FloatImage, kernel: { x: number; y: number }, sigma: { x: number; y: number }): FloatImage {
  checkImage(img, 'gaussianBlur');
  const { width: W, height: H, channels: c } = img;
  if (kernel.x > W || kernel.y > H) {
    throw new RangeError(`gaussianBlur: expected kernel sizes within the image (${W}x${H}), got ${kernel.x}x${kernel.y}`);
  }
  const kx = gaussianKernel1d(kernel.x, sigma.x), ky = gaussianKernel1d(kernel.y, sigma.y);
  const hx = (kernel.x - 1) / 2, hy = (kernel.y - 1) / 2;
  const tmp = new Float64Array(W * H * c);
  const src = img.data;
  for (let y = 0; y < H; y++) {
    const row = y * W;
    for (let x = 0; x < W; x++) {
      const o = (row + x) * c;
      for (let t = 0; t < kernel.x; t++) {
        const w = kx[t]!, s = (row + reflect(x + t - hx, W)) * c;
        for (let k = 0; k < c; k++) tmp[o + k]! += w * src[s + k]!;
      }
    }
  }
  const out = blank(W, H, c);
  const acc = new Float64Array(c);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      acc.fill(0);
      for (let t = 0; t < kernel.y; t++) {
        const w = ky[t]!, s = (reflect(y + t - hy, H) * W + x) * c;
        for (let k = 0; k < c; k++) acc[k]! += w * tmp[s + k]!;
      }
      out.data.set(acc, (y * W + x) * c);
    }
  }
  return out;
}

/**
 * Isotropic Gaussian blur of standard deviation `sigma`, kernel size `2 ceil(3 sigma) + 1` per axis
 * (clipped to the image, `gaussianKernelSize`). Stands in for MoCo v2's
 * `GaussianBlur(sigma)` = PIL `ImageFilter.GaussianBlur(radius=sigma)` (appendix 6.2); PIL's box
 * approximation differs slightly, the torchvision kernel is used so it can be checked exactly.
 */
export function gaussianBlurSigma(img: FloatImage, sigma: number): FloatImage {
  const kx = gaussianKernelSize(sigma, img.width), ky = gaussianKernelSize(sigma, img.height);
  return gaussianBlur(img, { x: kx, y: ky }, { x: sigma, y: sigma });
}

// ---------------------------------------------------------------------------------------------
// Cross-view ops (panoramas: 360 degrees across the width, centre column facing north)

/**
 * Azimuth in degrees (clockwise from north, in (-180, 180]) seen by the centre of column `x` of a
 * `width`-column 360-degree panorama whose centre column faces north.
 */
export function columnAzimuth(x: number, width: number): number {
  return ((x + 0.5) / width) * 360 - 180;
}

/**
 * Orientation noise for a 360-degree panorama: the camera turned by `yawDeg` (positive = right,
 * clockwise seen from above), so the content moves left: output column `x` shows input column
 * `x + s (mod width)`, `s = round(yawDeg / 360 * width)`. The shift is whole columns (no
 * resampling); the returned `yawDeg` is the one actually applied, `s * 360 / width`. A yaw of 360
 * is the identity; 90 moves the north (centre) column to a quarter of the width.
 */
export function circularShift(img: FloatImage, yawDeg: number): { image: FloatImage; shift: number; yawDeg: number } {
  checkImage(img, 'circularShift');
  if (!Number.isFinite(yawDeg)) throw new RangeError(`circularShift: expected a finite yaw in degrees, got ${yawDeg}`);
  const { width: W, height: H, channels: c } = img;
  const raw = Math.round((yawDeg / 360) * W);
  const s = ((raw % W) + W) % W;
  const out = blank(W, H, c);
  for (let y = 0; y < H; y++) {
    const row = y * W * c;
    // out[0 .. W-s) = in[s .. W), out[W-s .. W) = in[0 .. s)
    out.data.set(img.data.subarray(row + s * c, row + W * c), row);
    out.data.set(img.data.subarray(row, row + s * c), row + (W - s) * c);
  }
  return { image: out, shift: raw, yawDeg: (raw * 360) / W };
}

/**
 * Limited field of view from a 360-degree equirectangular panorama whose centre column faces
 * north: the columns spanning azimuths `[yawDeg - fovDeg/2, yawDeg + fovDeg/2]` (full height),
 * resampled to `size` by bilinear interpolation with align_corners=False geometry (as
 * `resizeBilinear` of that window), except that horizontally the interpolation wraps around the
 * 360-degree seam instead of clamping. No perspective reprojection: the window stays
 * equirectangular, as in the limited-FOV cross-view protocols.
 */
export function fovCrop(pano: FloatImage, fovDeg: number, yawDeg: number, size: Size): FloatImage {
  checkImage(pano, 'fovCrop');
  checkSize(size, 'fovCrop');
  if (!(fovDeg > 0 && fovDeg <= 360)) throw new RangeError(`fovCrop: expected a field of view in (0, 360] degrees, got ${fovDeg}`);
  if (!Number.isFinite(yawDeg)) throw new RangeError(`fovCrop: expected a finite yaw in degrees, got ${yawDeg}`);
  const { width: W, channels: c } = pano;
  const winW = (fovDeg / 360) * W;
  const left = ((yawDeg - fovDeg / 2 + 180) / 360) * W; // continuous column of the window's left edge
  const scale = winW / size.width;
  const ty = linearTaps(pano.height, size.height);
  const out = blank(size.width, size.height, c);
  const c0s = new Int32Array(size.width), c1s = new Int32Array(size.width), w1s = new Float64Array(size.width);
  for (let x = 0; x < size.width; x++) {
    const src = left + (x + 0.5) * scale - 0.5;
    const lo = Math.floor(src);
    w1s[x] = src - lo;
    c0s[x] = ((lo % W) + W) % W;
    c1s[x] = (((lo + 1) % W) + W) % W;
  }
  const d = pano.data;
  let o = 0;
  for (let y = 0; y < size.height; y++) {
    const r0 = ty.i0[y]! * W, r1 = ty.i1[y]! * W, wy1 = ty.w1[y]!, wy0 = 1 - wy1;
    for (let x = 0; x < size.width; x++) {
      const a = (r0 + c0s[x]!) * c, b = (r0 + c1s[x]!) * c, e = (r1 + c0s[x]!) * c, f = (r1 + c1s[x]!) * c;
      const wx1 = w1s[x]!, wx0 = 1 - wx1;
      for (let k = 0; k < c; k++) {
        out.data[o++] = wy0 * (wx0 * d[a + k]! + wx1 * d[b + k]!) + wy1 * (wx0 * d[e + k]! + wx1 * d[f + k]!);
      }
    }
  }
  return out;
}
