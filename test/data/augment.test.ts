/**
 * Image augmentations (lib/data/augment.ts, lib/data/image_ops.ts): the deterministic ops against
 * torchvision.transforms.functional (test/reference/augment_torchvision.py, one Python run for all
 * cases), and the random pipelines' seeding, rates and cross-view geometry.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../lib/engine/random.js';
import type { FloatImage } from '../../lib/data/image.js';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  circularShift,
  columnAzimuth,
  crop,
  fovCrop,
  gaussianBlur,
  gaussianBlurSigma,
  gaussianKernelSize,
  grayscale,
  hflip,
  resizeBilinear,
  resizedCrop,
} from '../../lib/data/image_ops.js';
import {
  applyAugmentParams,
  augment,
  augmentPair,
  drawAugmentParams,
  roundHalfEven,
  sampleResizedCropBox,
} from '../../lib/data/augment.js';
import { requireInCi } from '../ci_requirements.js';

const SCRIPT = fileURLToPath(new URL('../reference/augment_torchvision.py', import.meta.url));

function findTorchvision(): { python: string } | { python: null; reason: string } {
  const python = process.env.CVGL_PYTHON ?? '/usr/bin/python3';
  const r = spawnSync(python, ['-c', 'import numpy, torch, torchvision; print(torchvision.__version__)'], { encoding: 'utf8' });
  if (r.error) return { python: null, reason: `${python} cannot run: ${r.error.message}` };
  if (r.status !== 0) return { python: null, reason: `${python} lacks numpy/torch/torchvision: ${r.stderr.trim().split('\n').pop()}` };
  return { python };
}

/** A random RGB image with grey pixels, saturated primaries, 0 and 1 mixed in (hue edge cases). */
function testImage(width: number, height: number, seed: number): FloatImage {
  const rng = new SeededRandom(seed);
  const data = new Float32Array(width * height * 3);
  const specials = [
    [0, 0, 0], [1, 1, 1], [0.5, 0.5, 0.5], [1, 0, 0], [0, 1, 0], [0, 0, 1],
    [1, 1, 0], [0, 1, 1], [1, 0, 1], [0.3, 0.3, 0.7], [0.7, 0.7, 0.2], [0.2, 0.9, 0.9],
  ];
  for (let i = 0; i < width * height; i++) {
    const sp = i % 7 === 3 ? specials[((i / 7) | 0) % specials.length] : undefined;
    for (let k = 0; k < 3; k++) data[i * 3 + k] = sp ? sp[k]! : rng.random();
  }
  return { width, height, channels: 3, data };
}

function maxAbsDiff(a: FloatImage, b: FloatImage): number {
  expect([a.height, a.width, a.channels]).toEqual([b.height, b.width, b.channels]);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

interface RefCase {
  name: string;
  image: 'a' | 'small';
  op: string;
  args?: Record<string, unknown>;
  ours: (img: FloatImage) => FloatImage;
  tol: number;
}

const IMAGES = { a: testImage(53, 37, 1), small: testImage(7, 5, 2) };

const CASES: RefCase[] = [
  ...[0, 0.6, 1, 1.4, 2.5].map((f): RefCase => ({
    name: `brightness ${f}`, image: 'a', op: 'adjust_brightness', args: { factor: f }, ours: (i) => adjustBrightness(i, f), tol: 1e-5,
  })),
  ...[0, 0.6, 1.4, 2.5].map((f): RefCase => ({
    name: `contrast ${f}`, image: 'a', op: 'adjust_contrast', args: { factor: f }, ours: (i) => adjustContrast(i, f), tol: 1e-5,
  })),
  ...[0, 0.6, 1.4, 2.5].map((f): RefCase => ({
    name: `saturation ${f}`, image: 'a', op: 'adjust_saturation', args: { factor: f }, ours: (i) => adjustSaturation(i, f), tol: 1e-5,
  })),
  ...[-0.5, -0.3, -0.1, -0.01, 0, 0.05, 0.1, 0.37, 0.5].map((f): RefCase => ({
    name: `hue ${f}`, image: 'a', op: 'adjust_hue', args: { factor: f }, ours: (i) => adjustHue(i, f), tol: 1e-5,
  })),
  { name: 'grayscale', image: 'a', op: 'rgb_to_grayscale', ours: grayscale, tol: 1e-5 },
  ...([
    [3, 3, 0.1, 0.1],
    [3, 3, 0.5, 0.5],
    [7, 5, 1.3, 0.8],
    [13, 13, 2, 2],
    [1, 9, 1, 1.5],
  ] as const).map(([kx, ky, sx, sy]): RefCase => ({
    name: `gaussian_blur k=${kx}x${ky} sigma=${sx},${sy}`, image: 'a', op: 'gaussian_blur',
    args: { kernel_size: [kx, ky], sigma: [sx, sy] },
    ours: (i) => gaussianBlur(i, { x: kx, y: ky }, { x: sx, y: sy }), tol: 1e-5,
  })),
  {
    // sigma 2 wants a 13x13 kernel: clipped to the 7x5 image, reflect padding right up to its limit
    name: 'gaussian_blur clipped to a 7x5 image', image: 'small', op: 'gaussian_blur',
    args: { kernel_size: [7, 5], sigma: [2, 2] }, ours: (i) => gaussianBlurSigma(i, 2), tol: 1e-5,
  },
  ...([
    [{ top: 3, left: 5, height: 20, width: 30 }, [37, 53]],
    [{ top: 3, left: 5, height: 20, width: 30 }, [9, 13]],
    [{ top: 0, left: 0, height: 37, width: 53 }, [64, 17]],
    [{ top: 10, left: 20, height: 27, width: 33 }, [27, 33]],
    [{ top: 1, left: 2, height: 7, width: 5 }, [224, 224]],
  ] as const).map(([box, [h, w]]): RefCase => ({
    name: `resized_crop ${JSON.stringify(box)} -> ${h}x${w}`, image: 'a', op: 'resized_crop',
    args: { ...box, size: [h, w] }, ours: (i) => resizedCrop(i, box, { height: h, width: w }), tol: 1e-5,
  })),
  {
    name: 'resize 37x53 -> 20x80', image: 'a', op: 'resize', args: { size: [20, 80] },
    ours: (i) => resizeBilinear(i, { height: 20, width: 80 }), tol: 1e-5,
  },
  {
    name: 'crop reaching outside (zero padded)', image: 'a', op: 'crop', args: { top: 30, left: -2, height: 10, width: 10 },
    ours: (i) => crop(i, { top: 30, left: -2, height: 10, width: 10 }), tol: 0,
  },
  { name: 'hflip', image: 'a', op: 'hflip', ours: hflip, tol: 0 },
];

describe('image ops match torchvision.transforms.functional', () => {
  const tv = findTorchvision();
  requireInCi("Debian's python3-torchvision (augmentation reference)", tv.python != null, 'reason' in tv ? tv.reason : undefined);
  const dir = mkdtempSync(join(tmpdir(), 'cvgl-augment-'));
  let refs: FloatImage[] = [];

  beforeAll(() => {
    if (!tv.python) return;
    const images: Record<string, { file: string; height: number; width: number }> = {};
    for (const [k, img] of Object.entries(IMAGES)) {
      writeFileSync(join(dir, `${k}.f32`), Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength));
      images[k] = { file: `${k}.f32`, height: img.height, width: img.width };
    }
    const spec = { images, cases: CASES.map((c) => ({ image: c.image, op: c.op, args: c.args ?? {} })) };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const r = spawnSync(tv.python, [SCRIPT, join(dir, 'spec.json'), dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`augment_torchvision.py failed (exit ${r.status}): ${r.stderr}`);
    const shapes = JSON.parse(r.stdout.trim().split('\n').pop()!) as [number, number][];
    refs = shapes.map(([height, width], i) => {
      const buf = readFileSync(join(dir, `case_${i}.f32`));
      const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      return { height, width, channels: 3, data };
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!tv.python).each(CASES.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = CASES[i]!;
    const input = IMAGES[c.image];
    const before = new Float32Array(input.data);
    const ours = c.ours(input);
    expect(input.data).toEqual(before); // inputs are not mutated
    expect(ours.data).not.toBe(input.data);
    const d = maxAbsDiff(ours, refs[i]!);
    if (process.env.CVGL_AUGMENT_DIFFS) console.log(`${c.name}: ${d}`);
    expect(d, `${c.name}: max |ours - torchvision| = ${d}`).toBeLessThanOrEqual(c.tol);
  });
});

describe('deterministic op details', () => {
  it('kernel size is 2 ceil(3 sigma) + 1, clipped to the largest odd size within the image', () => {
    expect(gaussianKernelSize(0.1, 100)).toBe(3);
    expect(gaussianKernelSize(1, 100)).toBe(7);
    expect(gaussianKernelSize(2, 100)).toBe(13);
    expect(gaussianKernelSize(2, 8)).toBe(7);
    expect(gaussianKernelSize(2, 1)).toBe(1);
  });

  it('rounds halves to even like Python', () => {
    expect([0.5, 1.5, 2.5, 2.4, 2.6, -1.5, -2.5].map(roundHalfEven)).toEqual([0, 2, 2, 2, 3, -2, -2]);
  });

  it('circular shift: 360 degrees is the identity, 90 moves the north column to a quarter width', () => {
    const pano = testImage(64, 4, 3);
    expect(circularShift(pano, 360).image.data).toEqual(pano.data);
    expect(circularShift(pano, -720).image.data).toEqual(pano.data);
    const north = 32; // column whose azimuth is 0 (its left edge)
    expect(columnAzimuth(north, 64)).toBeCloseTo(360 / 64 / 2);
    const col = (img: FloatImage, x: number) => Array.from({ length: img.height * 3 }, (_, i) => img.data[(((i / 3) | 0) * img.width + x) * 3 + (i % 3)]);
    const r90 = circularShift(pano, 90);
    expect(r90.yawDeg).toBe(90);
    expect(r90.shift).toBe(16);
    expect(col(r90.image, 16)).toEqual(col(pano, north)); // camera turned right: content moves left
    expect(col(circularShift(pano, -90).image, 48)).toEqual(col(pano, north));
    const odd = circularShift(pano, 10); // 10 deg = 1.78 columns -> 2 columns = 11.25 deg applied
    expect(odd.yawDeg).toBeCloseTo(11.25);
  });

  it('fov crop: 360 degrees at yaw 0 is the panorama, 90 degrees is the centred window, wrapping the seam', () => {
    const pano = testImage(360, 6, 4);
    expect(fovCrop(pano, 360, 0, { height: 6, width: 360 }).data).toEqual(pano.data);
    expect(fovCrop(pano, 90, 0, { height: 6, width: 90 }).data).toEqual(crop(pano, { top: 0, left: 135, height: 6, width: 90 }).data);
    const back = fovCrop(pano, 90, 180, { height: 6, width: 90 });
    const left = crop(pano, { top: 0, left: 315, height: 6, width: 45 });
    const right = crop(pano, { top: 0, left: 0, height: 6, width: 45 });
    for (let y = 0; y < 6; y++) {
      expect(back.data.subarray(y * 270, y * 270 + 135)).toEqual(left.data.subarray(y * 135, (y + 1) * 135));
      expect(back.data.subarray(y * 270 + 135, (y + 1) * 270)).toEqual(right.data.subarray(y * 135, (y + 1) * 135));
    }
    // resized: output size honoured, values stay within the input range
    const small = fovCrop(pano, 70, 33, { height: 4, width: 20 });
    expect([small.height, small.width]).toEqual([4, 20]);
  });

  it('a left-right flip mirrors azimuths about north: flip(view at yaw) = view at -yaw of the flipped panorama', () => {
    const pano = testImage(72, 5, 5);
    const f = hflip(pano);
    for (const yaw of [0, 30, -85, 170]) {
      expect(hflip(circularShift(pano, yaw).image).data).toEqual(circularShift(f, -yaw).image.data);
      const size = { height: 5, width: 18 };
      const a = hflip(fovCrop(pano, 90, yaw, size));
      const b = fovCrop(f, 90, -yaw, size);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
    }
  });
});

describe('MoCo v2 pipeline (thesis 003 appendix 6.2)', () => {
  const img = testImage(48, 40, 6);

  it('same seed gives the same output, another seed another', () => {
    const a = augment(img, new SeededRandom(7), { size: 32 });
    const b = augment(img, new SeededRandom(7), { size: 32 });
    const c = augment(img, new SeededRandom(8), { size: 32 });
    expect(b.params).toEqual(a.params);
    expect(b.image.data).toEqual(a.image.data);
    expect([a.image.height, a.image.width]).toEqual([32, 32]);
    expect(c.image.data).not.toEqual(a.image.data);
  });

  it('does not mutate its input and replays from its parameter record', () => {
    const before = new Float32Array(img.data);
    const rng = new SeededRandom(11);
    for (let i = 0; i < 10; i++) {
      const r = augment(img, rng);
      expect(applyAugmentParams(img, r.params).data).toEqual(r.image.data);
      expect([r.image.height, r.image.width]).toEqual([img.height, img.width]);
      for (const v of r.image.data) expect(v >= 0 && v <= 1).toBe(true);
    }
    expect(img.data).toEqual(before);
  });

  it('applies jitter / grayscale / blur / flip at rates 0.8 / 0.2 / 0.5 / 0.5 with crops of 0.2..1 of the area', () => {
    const rng = new SeededRandom(123);
    const n = 2000, H = 224, W = 224;
    let jit = 0, gray = 0, blur = 0, flip = 0;
    const areas: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = drawAugmentParams(rng, H, W);
      if (p.jitter) {
        jit++;
        expect([...p.jitter.order].sort()).toEqual(['brightness', 'contrast', 'hue', 'saturation']);
        for (const k of ['brightness', 'contrast', 'saturation'] as const) {
          expect(p.jitter[k]).toBeGreaterThanOrEqual(0.6);
          expect(p.jitter[k]).toBeLessThanOrEqual(1.4);
        }
        expect(Math.abs(p.jitter.hue)).toBeLessThanOrEqual(0.1);
      }
      if (p.gray) gray++;
      if (p.blurSigma !== null) {
        blur++;
        expect(p.blurSigma).toBeGreaterThanOrEqual(0.1);
        expect(p.blurSigma).toBeLessThanOrEqual(2);
      }
      if (p.flip) flip++;
      const c = p.crop!;
      expect(c.top >= 0 && c.left >= 0 && c.top + c.height <= H && c.left + c.width <= W).toBe(true);
      areas.push((c.height * c.width) / (H * W));
      const ratio = c.width / c.height;
      expect(ratio).toBeGreaterThan(0.75 * 0.98);
      expect(ratio).toBeLessThan((4 / 3) * 1.02);
    }
    expect(jit / n).toBeCloseTo(0.8, 1);
    expect(Math.abs(jit / n - 0.8)).toBeLessThan(0.035);
    expect(Math.abs(gray / n - 0.2)).toBeLessThan(0.035);
    expect(Math.abs(blur / n - 0.5)).toBeLessThan(0.04);
    expect(Math.abs(flip / n - 0.5)).toBeLessThan(0.04);
    // rounding w and h to whole pixels moves the area by at most ~1/100 of the side here
    expect(Math.min(...areas)).toBeGreaterThanOrEqual(0.2 * 0.98);
    expect(Math.min(...areas)).toBeLessThan(0.23);
    expect(Math.max(...areas)).toBeLessThanOrEqual(1);
    expect(Math.max(...areas)).toBeGreaterThan(0.9);
  });

  it('falls back to the centred crop with the ratio clamped after 10 misses', () => {
    // a 1 x 100 strip: no box with ratio in [3/4, 4/3] fits, so the central 1x1 crop is taken
    const box = sampleResizedCropBox(new SeededRandom(1), 1, 100);
    expect(box).toEqual({ top: 0, left: 49, height: 1, width: 1 });
    const tall = sampleResizedCropBox(new SeededRandom(1), 100, 1);
    expect(tall).toEqual({ top: 49, left: 0, height: 1, width: 1 });
  });

  it('resizedCrop: false never crops', () => {
    const rng = new SeededRandom(5);
    for (let i = 0; i < 500; i++) expect(drawAugmentParams(rng, 40, 48, { resizedCrop: false }).crop).toBeNull();
    const r = augment(img, rng, { resizedCrop: false, jitterP: 0, grayP: 0, blurP: 0, flipP: 0 });
    expect(r.image.data).toEqual(img.data);
    expect(r.image.data).not.toBe(img.data);
  });
});

describe('augmentPair', () => {
  const ground = testImage(64, 16, 9);
  const aerial = testImage(24, 24, 10);
  const off = { jitterP: 0, grayP: 0, blurP: 0 };

  it('flips ground and aerial together, at rate 0.5, and keeps the crop off by default', () => {
    const rng = new SeededRandom(21);
    let flips = 0;
    const n = 400;
    for (let i = 0; i < n; i++) {
      const r = augmentPair(ground, aerial, rng, { ground: off, aerial: off });
      expect(r.params.ground.flip).toBe(r.params.flip);
      expect(r.params.aerial.flip).toBe(r.params.flip);
      expect(r.params.ground.crop).toBeNull();
      expect(r.params.aerial.crop).toBeNull();
      const g = r.params.flip ? hflip(ground) : ground;
      const a = r.params.flip ? hflip(aerial) : aerial;
      expect(maxAbsDiff(r.ground, g)).toBe(0);
      expect(maxAbsDiff(r.aerial, a)).toBe(0);
      if (r.params.flip) flips++;
    }
    expect(Math.abs(flips / n - 0.5)).toBeLessThan(0.09);
  });

  it('draws appearance independently per view and is seeded', () => {
    const a = augmentPair(ground, aerial, new SeededRandom(3), { flipP: 1 });
    const b = augmentPair(ground, aerial, new SeededRandom(3), { flipP: 1 });
    expect(b.params).toEqual(a.params);
    expect(b.ground.data).toEqual(a.ground.data);
    expect(a.params.flip).toBe(true);
    const rng = new SeededRandom(4);
    let differ = 0;
    for (let i = 0; i < 50; i++) {
      const r = augmentPair(ground, aerial, rng);
      if (JSON.stringify(r.params.ground.jitter) !== JSON.stringify(r.params.aerial.jitter)) differ++;
    }
    expect(differ).toBeGreaterThan(40);
  });

  it('orientation noise and limited FOV report the yaw and the heading after the flip', () => {
    const rng = new SeededRandom(8);
    for (let i = 0; i < 50; i++) {
      const r = augmentPair(ground, aerial, rng, { ground: off, aerial: off, yawNoiseDeg: 45 });
      expect(Math.abs(r.params.yawDeg)).toBeLessThanOrEqual(45 + 360 / 64 / 2);
      expect(r.params.headingDeg).toBe(r.params.flip ? -r.params.yawDeg || 0 : r.params.yawDeg);
      const g = circularShift(ground, r.params.yawDeg).image;
      expect(r.ground.data).toEqual((r.params.flip ? hflip(g) : g).data);
    }
    const f = augmentPair(ground, aerial, rng, { ground: off, aerial: off, fovDeg: 90, yawNoiseDeg: 180 });
    expect([f.ground.height, f.ground.width]).toEqual([16, 16]);
    expect(f.params.fovDeg).toBe(90);
    const sized = augmentPair(ground, aerial, rng, { fovDeg: 120, fovSize: { height: 8, width: 12 } });
    expect([sized.ground.height, sized.ground.width]).toEqual([8, 12]);
  });
});
