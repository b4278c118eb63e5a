/**
 * Random image augmentations for cross-view geo-localization training, on `FloatImage` (HWC RGB in
 * [0, 1]) and seeded only through `SeededRandom` (no TensorFlow.js: worker threads run these).
 *
 * `augment` is the MoCo v2 pipeline of thesis 003, appendix 6.2, in its order:
 *   RandomResizedCrop(size, scale=(0.2, 1.))            -> `sampleResizedCropBox` + `resizedCrop`
 *   RandomApply([ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8) -> `sampleColorJitter` + adjust_* ops
 *   RandomGrayscale(p=0.2)                              -> `grayscale`
 *   RandomApply([GaussianBlur([.1, 2.])], p=0.5)        -> `gaussianBlurSigma`
 *   RandomHorizontalFlip()                              -> `hflip`
 * and `resizedCrop: false` gives the thesis' variant "without random cropping and resize"
 * (section 3.4.2). The parameter drawing follows torchvision's documented transforms; the
 * generator differs (xoshiro128** instead of torch's), so the same seed does not give torch's
 * draws, only the same distributions.
 *
 * `augmentPair` augments a (ground panorama, aerial) pair for supervised cross-view training, with
 * one horizontal flip shared by both views (see its comment), optional orientation noise and a
 * limited field of view for the panorama.
 *
 * Every function returns new images and a record of the parameters it drew; inputs are never
 * mutated. `applyAugmentParams` replays a record.
 */
import type { SeededRandom } from '../engine/random.js';
import type { FloatImage } from './image.js';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  circularShift,
  cloneImage,
  fovCrop,
  gaussianBlurSigma,
  grayscale,
  hflip,
  resizeBilinear,
  resizedCrop,
  type CropBox,
  type Size,
} from './image_ops.js';

export type { CropBox, Size } from './image_ops.js';

/** The four ColorJitter operations, in the order torchvision lists them. */
export type JitterOp = 'brightness' | 'contrast' | 'saturation' | 'hue';
export const JITTER_OPS: readonly JitterOp[] = ['brightness', 'contrast', 'saturation', 'hue'];

/** Drawn ColorJitter parameters: the factors and the (random) order they are applied in. */
export interface JitterParams {
  /** Application order; operations with zero strength are left out. */
  order: JitterOp[];
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
}

/** What one run of the single-view pipeline drew (enough to replay it with `applyAugmentParams`). */
export interface AugmentParams {
  /** RandomResizedCrop box in input pixels, or null when not cropping. */
  crop: CropBox | null;
  /** Output size. */
  size: Size;
  /** ColorJitter factors and order, or null when RandomApply skipped it. */
  jitter: JitterParams | null;
  /** RandomGrayscale applied. */
  gray: boolean;
  /** Gaussian blur standard deviation, or null when RandomApply skipped it. */
  blurSigma: number | null;
  /** RandomHorizontalFlip applied. */
  flip: boolean;
}

export interface Augmented {
  image: FloatImage;
  params: AugmentParams;
}

/** ColorJitter strengths, torchvision's `ColorJitter(brightness, contrast, saturation, hue)`. */
export interface JitterStrength {
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
}

/** Options of the single-view pipeline; every field defaults to MoCo v2 (appendix 6.2). */
export interface AugmentOptions {
  /** Output size (a number: square). Default: the input size ("resizes it to the original size", §3.4.2). */
  size?: number | Size;
  /** RandomResizedCrop on (default) or off (the thesis' variant without it; then only resized to `size` if given). */
  resizedCrop?: boolean;
  /** RandomResizedCrop area range as fractions of the image, default [0.2, 1]. */
  cropScale?: [number, number];
  /** RandomResizedCrop aspect-ratio (width / height) range, default [3/4, 4/3]. */
  cropRatio?: [number, number];
  /** RandomApply probability of ColorJitter, default 0.8. */
  jitterP?: number;
  /** ColorJitter strengths, default (0.4, 0.4, 0.4, 0.1). */
  jitter?: JitterStrength;
  /** RandomGrayscale probability, default 0.2. */
  grayP?: number;
  /** RandomApply probability of the Gaussian blur, default 0.5. */
  blurP?: number;
  /** Blur sigma range, default [0.1, 2.0] (MoCo's `GaussianBlur([.1, 2.])`). */
  blurSigma?: [number, number];
  /** RandomHorizontalFlip probability, default 0.5. */
  flipP?: number;
}

/** The MoCo v2 settings of thesis 003, appendix 6.2. */
export const MOCO_V2 = {
  resizedCrop: true,
  cropScale: [0.2, 1] as [number, number],
  cropRatio: [3 / 4, 4 / 3] as [number, number],
  jitterP: 0.8,
  jitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 } as JitterStrength,
  grayP: 0.2,
  blurP: 0.5,
  blurSigma: [0.1, 2.0] as [number, number],
  flipP: 0.5,
} as const;

/** A view pipeline that changes no appearance (no colour jitter, grayscale, blur or crop): for
 *  pair augmentations that are geometric only, e.g. orientation noise. */
export const NO_APPEARANCE: AugmentOptions = { resizedCrop: false, jitterP: 0, grayP: 0, blurP: 0 };

/** Python's `round` (halves to even), as torchvision's `int(round(...))`. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** `opts` over the MoCo v2 defaults; fields given as `undefined` keep their default. */
function withDefaults(opts: AugmentOptions) {
  const pick = <T>(v: T | undefined, d: T): T => (v === undefined ? d : v);
  return {
    resizedCrop: pick(opts.resizedCrop, MOCO_V2.resizedCrop as boolean),
    cropScale: pick(opts.cropScale, MOCO_V2.cropScale),
    cropRatio: pick(opts.cropRatio, MOCO_V2.cropRatio),
    jitterP: pick(opts.jitterP, MOCO_V2.jitterP as number),
    jitter: pick(opts.jitter, MOCO_V2.jitter),
    grayP: pick(opts.grayP, MOCO_V2.grayP as number),
    blurP: pick(opts.blurP, MOCO_V2.blurP as number),
    blurSigma: pick(opts.blurSigma, MOCO_V2.blurSigma),
    flipP: pick(opts.flipP, MOCO_V2.flipP as number),
  };
}

/** True with probability `p`; p <= 0 and p >= 1 decide without drawing. */
function decide(rng: SeededRandom, p: number): boolean {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return rng.chance(p);
}

function checkRange(name: string, r: [number, number], lo: number, hi: number): void {
  if (!(r.length === 2 && r[0] >= lo && r[1] <= hi && r[0] <= r[1])) {
    throw new RangeError(`${name}: expected [min, max] with ${lo} <= min <= max <= ${hi}, got ${JSON.stringify(r)}`);
  }
}

function checkP(name: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${name}: expected a probability in [0, 1], got ${p}`);
}

function toSize(size: number | Size | undefined, fallback: Size): Size {
  const s = size === undefined ? fallback : typeof size === 'number' ? { height: size, width: size } : size;
  if (!(Number.isInteger(s.height) && Number.isInteger(s.width) && s.height > 0 && s.width > 0)) {
    throw new RangeError(`augment: expected a positive integer output size, got ${JSON.stringify(size)}`);
  }
  return { height: s.height, width: s.width };
}

/**
 * RandomResizedCrop's box (`torchvision.transforms.RandomResizedCrop.get_params`): up to 10
 * attempts drawing an area fraction uniform in `scale` and a log-uniform aspect ratio in `ratio`,
 * `w = round(sqrt(area * r))`, `h = round(sqrt(area / r))`; the first box that fits gets a uniform
 * integer position. After 10 misses: the centred crop of the whole image with its aspect ratio
 * clamped into `ratio`.
 */
export function sampleResizedCropBox(
  rng: SeededRandom,
  height: number,
  width: number,
  scale: [number, number] = MOCO_V2.cropScale,
  ratio: [number, number] = MOCO_V2.cropRatio,
): CropBox {
  checkRange('cropScale', scale, 0, 1);
  if (!(ratio[0] > 0 && ratio[0] <= ratio[1])) throw new RangeError(`cropRatio: expected 0 < min <= max, got ${JSON.stringify(ratio)}`);
  const area = height * width;
  const logLo = Math.log(ratio[0]), logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logLo, logHi));
    const w = roundHalfEven(Math.sqrt(target * aspect));
    const h = roundHalfEven(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w: number, h: number;
  if (inRatio < ratio[0]) {
    w = width;
    h = roundHalfEven(w / ratio[0]);
  } else if (inRatio > ratio[1]) {
    h = height;
    w = roundHalfEven(h * ratio[1]);
  } else {
    w = width;
    h = height;
  }
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/**
 * ColorJitter's parameters (`torchvision.transforms.ColorJitter.get_params`): a random order of
 * the four operations, brightness / contrast / saturation factors uniform in
 * `[max(0, 1 - s), 1 + s]`, hue uniform in `[-s, s]` (s <= 0.5). A strength of 0 leaves that
 * operation out (torchvision's `None`).
 */
export function sampleColorJitter(rng: SeededRandom, strength: JitterStrength = MOCO_V2.jitter): JitterParams {
  for (const k of JITTER_OPS) {
    if (!(strength[k] >= 0)) throw new RangeError(`jitter.${k}: expected a strength >= 0, got ${strength[k]}`);
  }
  if (strength.hue > 0.5) throw new RangeError(`jitter.hue: expected a strength <= 0.5, got ${strength.hue}`);
  const order = rng.shuffle([...JITTER_OPS]).filter((k) => strength[k] > 0);
  const factor = (s: number) => (s > 0 ? rng.uniform(Math.max(0, 1 - s), 1 + s) : 1);
  const brightness = factor(strength.brightness);
  const contrast = factor(strength.contrast);
  const saturation = factor(strength.saturation);
  const hue = strength.hue > 0 ? rng.uniform(-strength.hue, strength.hue) : 0;
  return { order, brightness, contrast, saturation, hue };
}

/** Applies drawn ColorJitter parameters in their order. */
export function applyColorJitter(img: FloatImage, p: JitterParams): FloatImage {
  let out = img;
  for (const op of p.order) {
    if (op === 'brightness') out = adjustBrightness(out, p.brightness);
    else if (op === 'contrast') out = adjustContrast(out, p.contrast);
    else if (op === 'saturation') out = adjustSaturation(out, p.saturation);
    else out = adjustHue(out, p.hue);
  }
  return out === img ? cloneImage(img) : out;
}

/** Draws the parameters of the single-view pipeline for an image of `height` x `width`. */
export function drawAugmentParams(rng: SeededRandom, height: number, width: number, opts: AugmentOptions = {}): AugmentParams {
  const o = withDefaults(opts);
  checkP('jitterP', o.jitterP);
  checkP('grayP', o.grayP);
  checkP('blurP', o.blurP);
  checkP('flipP', o.flipP);
  checkRange('blurSigma', o.blurSigma, Number.MIN_VALUE, Infinity);
  const size = toSize(opts.size, { height, width });
  const crop = o.resizedCrop ? sampleResizedCropBox(rng, height, width, o.cropScale, o.cropRatio) : null;
  const jitter = decide(rng, o.jitterP) ? sampleColorJitter(rng, o.jitter) : null;
  const gray = decide(rng, o.grayP);
  const blurSigma = decide(rng, o.blurP) ? rng.uniform(o.blurSigma[0], o.blurSigma[1]) : null;
  const flip = decide(rng, o.flipP);
  return { crop, size, jitter, gray, blurSigma, flip };
}

/** Replays a parameter record on `img` (crop/resize, jitter, grayscale, blur, flip, in the MoCo v2 order). */
export function applyAugmentParams(img: FloatImage, p: AugmentParams): FloatImage {
  let out: FloatImage;
  if (p.crop) out = resizedCrop(img, p.crop, p.size);
  else if (p.size.height !== img.height || p.size.width !== img.width) out = resizeBilinear(img, p.size);
  else out = cloneImage(img);
  if (p.jitter) out = applyColorJitter(out, p.jitter);
  if (p.gray) out = grayscale(out);
  if (p.blurSigma !== null) out = gaussianBlurSigma(out, p.blurSigma);
  if (p.flip) out = hflip(out);
  return out;
}

/**
 * The MoCo v2 augmentation of thesis 003, appendix 6.2 (`aug(x)` of Algorithm 1), on one image;
 * `{ resizedCrop: false }` is the variant without random resized crop (section 3.4.2).
 */
export function augment(img: FloatImage, rng: SeededRandom, opts: AugmentOptions = {}): Augmented {
  const params = drawAugmentParams(rng, img.height, img.width, opts);
  return { image: applyAugmentParams(img, params), params };
}

// ---------------------------------------------------------------------------------------------
// Cross-view extras

/**
 * Orientation noise for a 360-degree panorama: a yaw uniform in `[-maxYawDeg, maxYawDeg]`
 * applied with `circularShift` (positive = camera turned right, content moves left). Returns the
 * yaw actually applied (whole columns).
 */
export function randomYaw(pano: FloatImage, rng: SeededRandom, maxYawDeg: number): { image: FloatImage; yawDeg: number } {
  if (!(maxYawDeg >= 0)) throw new RangeError(`randomYaw: expected a maximum yaw >= 0 degrees, got ${maxYawDeg}`);
  const r = circularShift(pano, maxYawDeg > 0 ? rng.uniform(-maxYawDeg, maxYawDeg) : 0);
  return { image: r.image, yawDeg: r.yawDeg };
}

/**
 * A limited field of view `fovDeg` from a 360-degree panorama (centre column facing north),
 * centred at a yaw uniform in `[-maxYawDeg, maxYawDeg]` (default 180: any direction), resized to
 * `size` (default: the panorama's height, width in proportion to the FOV). See `fovCrop`.
 */
export function randomFovCrop(
  pano: FloatImage,
  rng: SeededRandom,
  fovDeg: number,
  size?: Size,
  maxYawDeg = 180,
): { image: FloatImage; yawDeg: number } {
  if (!(maxYawDeg >= 0)) throw new RangeError(`randomFovCrop: expected a maximum yaw >= 0 degrees, got ${maxYawDeg}`);
  const yawDeg = maxYawDeg > 0 ? rng.uniform(-maxYawDeg, maxYawDeg) : 0;
  const out = size ?? { height: pano.height, width: Math.max(1, Math.round((pano.width * fovDeg) / 360)) };
  return { image: fovCrop(pano, fovDeg, yawDeg, out), yawDeg };
}

/** Options of `augmentPair`. */
export interface PairOptions {
  /** Appearance pipeline of the ground panorama: MoCo v2 defaults but `resizedCrop: false`; its `flipP` is ignored. */
  ground?: AugmentOptions;
  /** Appearance pipeline of the aerial image: MoCo v2 defaults but `resizedCrop: false`; its `flipP` is ignored. */
  aerial?: AugmentOptions;
  /** Probability of the one horizontal flip shared by both views, default 0.5. */
  flipP?: number;
  /** Orientation noise: the panorama's yaw is uniform in [-yawNoiseDeg, yawNoiseDeg] (default 0: none). */
  yawNoiseDeg?: number;
  /** Limited field of view of the ground view in degrees (default 360: the whole panorama). */
  fovDeg?: number;
  /** Output size of the limited-FOV crop (default: panorama height, width in proportion to the FOV). */
  fovSize?: Size;
}

/** What `augmentPair` drew. */
export interface PairParams {
  /** The shared horizontal flip. */
  flip: boolean;
  /** Yaw applied to the panorama before the flip (circular shift, or the centre of the FOV crop); 0 without noise. */
  yawDeg: number;
  /**
   * Heading of the output ground view's centre relative to the output aerial image's north,
   * clockwise in degrees: `yawDeg`, negated when flipped (the flip mirrors azimuths).
   */
  headingDeg: number;
  /** Field of view of the ground output, 360 for the whole panorama. */
  fovDeg: number;
  /** The per-view appearance records (their `flip` equals the shared flip). */
  ground: AugmentParams;
  aerial: AugmentParams;
}

export interface AugmentedPair {
  ground: FloatImage;
  aerial: FloatImage;
  params: PairParams;
}

/**
 * Augments a (ground panorama, aerial image) pair for cross-view matching (thesis 003 section
 * 3.4.2: the MoCo v2 augmentation added to the downstream task).
 *
 * - Appearance (ColorJitter, RandomGrayscale, Gaussian blur) is drawn independently per view.
 * - ONE horizontal flip decision is shared by both views. The panorama's centre column faces
 *   north and its columns are azimuths; flipping it left-right maps azimuth θ to −θ about north.
 *   Flipping the north-up aerial image left-right swaps east and west, which is the same map
 *   θ → −θ. So flipping both keeps them a geometrically consistent pair, while flipping only one
 *   would turn the panorama into the view from a mirrored world. (With orientation noise or a
 *   limited FOV, the ground view centred at yaw ψ becomes centred at −ψ: `headingDeg`.)
 * - Random resized crop is off by default (`resizedCrop: false` for both views): cropping one
 *   view independently breaks the one-to-one alignment of the pair (the thesis notes it
 *   "destroyed the alignment" on VIGOR). It can still be switched on per view.
 * - Optional orientation noise (`yawNoiseDeg`, circular shift) and limited FOV (`fovDeg`) are
 *   applied to the panorama first, before its appearance pipeline.
 */
export function augmentPair(ground: FloatImage, aerial: FloatImage, rng: SeededRandom, opts: PairOptions = {}): AugmentedPair {
  const flipP = opts.flipP ?? MOCO_V2.flipP;
  checkP('flipP', flipP);
  const yawNoise = opts.yawNoiseDeg ?? 0;
  if (!(yawNoise >= 0)) throw new RangeError(`yawNoiseDeg: expected a maximum yaw >= 0 degrees, got ${yawNoise}`);
  const fovDeg = opts.fovDeg ?? 360;
  if (!(fovDeg > 0 && fovDeg <= 360)) throw new RangeError(`fovDeg: expected a field of view in (0, 360] degrees, got ${fovDeg}`);

  const flip = decide(rng, flipP);
  let g = ground;
  let yawDeg = 0;
  if (fovDeg < 360) {
    const r = randomFovCrop(ground, rng, fovDeg, opts.fovSize, yawNoise);
    g = r.image;
    yawDeg = r.yawDeg;
  } else if (yawNoise > 0) {
    const r = randomYaw(ground, rng, yawNoise);
    g = r.image;
    yawDeg = r.yawDeg;
  }
  const viewOpts = (o: AugmentOptions | undefined): AugmentOptions => ({
    ...o,
    resizedCrop: o?.resizedCrop ?? false,
    flipP: 0,
  });
  const gp = drawAugmentParams(rng, g.height, g.width, viewOpts(opts.ground));
  const ap = drawAugmentParams(rng, aerial.height, aerial.width, viewOpts(opts.aerial));
  gp.flip = flip;
  ap.flip = flip;
  return {
    ground: applyAugmentParams(g, gp),
    aerial: applyAugmentParams(aerial, ap),
    params: { flip, yawDeg, headingDeg: flip ? (yawDeg === 0 ? 0 : -yawDeg) : yawDeg, fovDeg, ground: gp, aerial: ap },
  };
}
