/**
 * The polar transform (SAFA Eq. 1, lib/data/polar_grid.ts and lib/data/polar.ts):
 *   - against a per-pixel reference written here from the formula (no shared code with the grid),
 *     on random images, on cpu, wasm and native (native skipped when its addon is not built);
 *   - geometry: north in the centre column, east at 3/4 width, south at the edges, west at 1/4,
 *     the aerial's edge in the top row;
 *   - the plain-TS polarTransformImage against the tensor version (float32 and uint8);
 *   - no tensor leaks; bad shapes give a CvglError.
 */
import { describe, expect, it } from 'vitest';
import { CvglError, SeededRandom, initEngine, probeBackends, tf, type BackendName } from '../../lib/engine/index.js';
import { polarGrid, polarTransform, polarTransformImage } from '../../lib/data/polar.js';
import type { FloatImage, RgbImage } from '../../lib/data/image.js';
import { maxAbsDiff } from '../engine/parity_helpers.js';

const nativeStatus = (await probeBackends()).find((b) => b.name === 'native')!;

/**
 * The reference: for each output pixel, θ = 2π(j + 0.5)/W − π, r = (S/2)(H − i)/H,
 * aerial point (column S/2 + r sinθ, row S/2 − r cosθ) with pixel centres at k + 0.5, bilinear
 * with the coordinate clamped to [0, S − 1] (same as replicating the border), in float64.
 */
function reference(src: Float32Array, n: number, S: number, C: number, H: number, W: number): Float64Array {
  const out = new Float64Array(n * H * W * C);
  const px = (b: number, y: number, x: number, c: number): number => src[((b * S + y) * S + x) * C + c]!;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        const theta = (2 * Math.PI * (j + 0.5)) / W - Math.PI;
        const r = ((S / 2) * (H - i)) / H;
        const col = S / 2 + r * Math.sin(theta);
        const row = S / 2 - r * Math.cos(theta);
        const x = Math.min(Math.max(col - 0.5, 0), S - 1);
        const y = Math.min(Math.max(row - 0.5, 0), S - 1);
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        const x1 = Math.min(x0 + 1, S - 1);
        const y1 = Math.min(y0 + 1, S - 1);
        const ax = x - x0;
        const ay = y - y0;
        for (let c = 0; c < C; c++) {
          const top = px(b, y0, x0, c) * (1 - ax) + px(b, y0, x1, c) * ax;
          const bottom = px(b, y1, x0, c) * (1 - ax) + px(b, y1, x1, c) * ax;
          out[((b * H + i) * W + j) * C + c] = top * (1 - ay) + bottom * ay;
        }
      }
    }
  }
  return out;
}

function randomImages(seed: number, n: number, S: number, C: number): Float32Array {
  const rng = new SeededRandom(seed);
  const a = new Float32Array(n * S * S * C);
  for (let k = 0; k < a.length; k++) a[k] = rng.random();
  return a;
}


/** Runs polarTransform on the current backend and reads the result back. */
function transform(data: Float32Array, n: number, S: number, C: number, H: number, W: number): Float32Array {
  const x = tf.tensor4d(data, [n, S, S, C]);
  const y = polarTransform(x, H, W);
  expect(y.shape).toEqual([n, H, W, C]);
  expect(y.dtype).toBe('float32');
  const out = y.dataSync() as Float32Array;
  x.dispose();
  y.dispose();
  return out;
}

const cases = [
  { S: 8, H: 4, W: 16, n: 2, C: 3 },
  { S: 17, H: 9, W: 31, n: 3, C: 2 },
  { S: 64, H: 32, W: 128, n: 2, C: 1 },
  { S: 256, H: 128, W: 512, n: 1, C: 3 },
];

const backends: { name: BackendName; available: boolean }[] = [
  { name: 'cpu', available: true },
  { name: 'wasm', available: true },
  { name: 'native', available: nativeStatus.available },
];

for (const be of backends) {
  describe.skipIf(!be.available)(`polarTransform on ${be.name}`, () => {
    it.each(cases.map((c) => [`S=${c.S} → ${c.H}×${c.W}, N=${c.n}, C=${c.C}`, c] as const))(
      'matches the per-pixel reference: %s',
      async (_label, c) => {
        await initEngine({ backend: be.name });
        expect(tf.getBackend()).toBe(be.name);
        const data = randomImages(1000 + c.S, c.n, c.S, c.C);
        const before = tf.memory().numTensors;
        const got = transform(data, c.n, c.S, c.C, c.H, c.W);
        expect(tf.memory().numTensors).toBe(before);
        const want = reference(data, c.n, c.S, c.C, c.H, c.W);
        expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
      },
    );

    it('gives the same numbers as cpu (bitwise) and int32 input is cast', async () => {
      const c = { S: 17, H: 9, W: 31, n: 2, C: 3 };
      const data = randomImages(7, c.n, c.S, c.C);
      await initEngine({ backend: 'cpu' });
      const want = transform(data, c.n, c.S, c.C, c.H, c.W);
      await initEngine({ backend: be.name });
      const got = transform(data, c.n, c.S, c.C, c.H, c.W);
      expect(maxAbsDiff(got, want)).toBe(0);

      const ints = Int32Array.from(data, (v) => Math.round(v * 255));
      const before = tf.memory().numTensors;
      const x = tf.tensor4d(ints, [c.n, c.S, c.S, c.C], 'int32');
      const y = polarTransform(x, c.H, c.W);
      expect(y.dtype).toBe('float32');
      expect(maxAbsDiff(y.dataSync(), reference(Float32Array.from(ints), c.n, c.S, c.C, c.H, c.W))).toBeLessThan(1e-3);
      x.dispose();
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}

describe('geometry', () => {
  /** A Gaussian blob (σ = 1.5 px) on a black S×S one-channel aerial, at offset (east, north) from the centre. */
  function blob(S: number, east: number, north: number): Float32Array {
    const a = new Float32Array(S * S);
    const cx = S / 2 + east;
    const cy = S / 2 - north;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        a[y * S + x] = Math.exp(-(dx * dx + dy * dy) / (2 * 1.5 * 1.5));
      }
    }
    return a;
  }

  function argmax(S: number, H: number, W: number, east: number, north: number): { row: number; col: number } {
    const img = polarTransformImage({ width: S, height: S, channels: 1, data: blob(S, east, north) }, H, W);
    let best = -1;
    let at = 0;
    for (let k = 0; k < img.data.length; k++) {
      if (img.data[k]! > best) {
        best = img.data[k]!;
        at = k;
      }
    }
    return { row: Math.floor(at / W), col: at % W };
  }

  it('north of the camera lands in the centre column(s)', () => {
    // odd W: column (W − 1)/2 looks exactly north
    expect(argmax(65, 32, 129, 0, 12).col).toBe(64);
    // even W: north lies between columns W/2 − 1 and W/2
    expect([63, 64]).toContain(argmax(64, 32, 128, 0, 12).col);
  });

  it('east lands at 3/4 width, south at the edges, west at 1/4 width', () => {
    // W = 130: column 3W/4 − 0.5 = 97 looks exactly east, column W/4 − 0.5 = 32 exactly west
    expect(argmax(65, 32, 130, 12, 0).col).toBe(97);
    expect(argmax(65, 32, 130, -12, 0).col).toBe(32);
    expect([0, 129]).toContain(argmax(65, 32, 130, 0, -12).col);
    expect([95, 96]).toContain(argmax(64, 32, 128, 12, 0).col);
  });

  it('distance from the camera maps to rows: the edge at the top, the centre at the bottom', () => {
    const S = 65;
    const H = 32;
    // r_i = (S/2)(H − i)/H ⇒ i = H(1 − r/(S/2))
    const near = argmax(S, H, 128, 0, 30.5); // r = 30.5 of 32.5
    expect(near.row).toBeLessThanOrEqual(3);
    expect(Math.abs(near.row - H * (1 - 30.5 / 32.5))).toBeLessThanOrEqual(1);
    const mid = argmax(S, H, 128, 16.25, 0);
    expect(Math.abs(mid.row - H / 2)).toBeLessThanOrEqual(1);
    const centre = argmax(S, H, 128, 0, 1);
    expect(centre.row).toBeGreaterThanOrEqual(H - 2);
  });

  it('the grid: row 0 reaches the aerial edge, weights sum to 1, indices in range', () => {
    const S = 16;
    const g = polarGrid(S, 8, 32);
    expect(polarGrid(S, 8, 32)).toBe(g); // cached
    expect(g.index.length).toBe(8 * 32 * 4);
    for (let p = 0; p < 8 * 32; p++) {
      const w = g.weight[p * 4]! + g.weight[p * 4 + 1]! + g.weight[p * 4 + 2]! + g.weight[p * 4 + 3]!;
      expect(Math.abs(w - 1)).toBeLessThan(1e-6);
      for (let k = 0; k < 4; k++) {
        expect(g.index[p * 4 + k]!).toBeGreaterThanOrEqual(0);
        expect(g.index[p * 4 + k]!).toBeLessThan(S * S);
      }
    }
    // north at row 0: continuous point (S/2 ± ε, 0) → border row 0 only
    const j = 15; // θ = 2π·15.5/32 − π, just west of north
    for (let k = 0; k < 4; k++) expect(Math.floor(g.index[j * 4 + k]! / S)).toBe(0);
  });
});

describe('polarTransformImage (plain TS) against polarTransform', () => {
  it('float32: same values; channels from the field or from the data length', async () => {
    await initEngine({ backend: 'cpu' });
    for (const c of [
      { S: 17, H: 9, W: 31, C: 3 },
      { S: 64, H: 32, W: 128, C: 4 },
    ]) {
      const data = randomImages(55 + c.S, 1, c.S, c.C);
      const img: FloatImage = { width: c.S, height: c.S, channels: c.C, data };
      const out = polarTransformImage(img, c.H, c.W);
      expect(out.width).toBe(c.W);
      expect(out.height).toBe(c.H);
      expect(out.channels).toBe(c.C);
      expect(out.data).toBeInstanceOf(Float32Array);
      const t = transform(data, 1, c.S, c.C, c.H, c.W);
      expect(maxAbsDiff(out.data, t)).toBeLessThan(1e-6);
      const noField = polarTransformImage({ width: c.S, height: c.S, data }, c.H, c.W);
      expect(maxAbsDiff(noField.data, out.data)).toBe(0);
    }
  });

  it('uint8: within 1 of the float result, rounded and clamped', async () => {
    await initEngine({ backend: 'cpu' });
    const S = 64;
    const H = 32;
    const W = 128;
    const rng = new SeededRandom(9);
    const bytes = new Uint8Array(S * S * 3);
    for (let k = 0; k < bytes.length; k++) bytes[k] = rng.int(256);
    bytes.fill(255, 0, S * 3 * 4); // a saturated band at the north edge
    const img: RgbImage = { width: S, height: S, data: bytes };
    const out = polarTransformImage(img, H, W);
    expect(out.data).toBeInstanceOf(Uint8Array);
    expect(out.data.length).toBe(H * W * 3);
    const t = transform(Float32Array.from(bytes), 1, S, 3, H, W);
    expect(maxAbsDiff(out.data, t)).toBeLessThanOrEqual(1);
    expect(maxAbsDiff(out.data, Array.from(t, (v) => Math.min(255, Math.floor(v + 0.5))))).toBeLessThanOrEqual(1);
    expect(out.data.some((v) => v === 255)).toBe(true);
  });
});

describe('bad input', () => {
  it('non-square, too small or non-4D tensors, and bad output sizes give a CvglError', async () => {
    await initEngine({ backend: 'cpu' });
    const before = tf.memory().numTensors;
    const cases: [number[], number, number][] = [
      [[1, 8, 9, 3], 4, 16],
      [[1, 1, 1, 3], 4, 16],
      [[1, 8, 8, 0], 4, 16],
      [[8, 8, 3], 4, 16],
      [[1, 8, 8, 3], 0, 16],
      [[1, 8, 8, 3], 4, 2.5],
    ];
    for (const [shape, H, W] of cases) {
      const x = tf.zeros(shape);
      expect(() => polarTransform(x as tf.Tensor4D, H, W), `shape [${shape}] → ${H}×${W}`).toThrow(CvglError);
      x.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(() => polarGrid(1, 4, 16)).toThrow(CvglError);
    expect(() => polarGrid(8, -1, 16)).toThrow(CvglError);
  });

  it('polarTransformImage: non-square, too small or inconsistent data give a CvglError', () => {
    expect(() => polarTransformImage({ width: 8, height: 9, data: new Uint8Array(8 * 9 * 3) }, 4, 16)).toThrow(CvglError);
    expect(() => polarTransformImage({ width: 1, height: 1, data: new Uint8Array(3) }, 4, 16)).toThrow(CvglError);
    expect(() => polarTransformImage({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3 + 1) }, 4, 16)).toThrow(CvglError);
    expect(() => polarTransformImage({ width: 8, height: 8, channels: 3, data: new Float32Array(8 * 8 * 4) }, 4, 16)).toThrow(CvglError);
    expect(() => polarTransformImage({ width: 8, height: 8, data: new Float32Array(0) }, 4, 16)).toThrow(CvglError);
    try {
      polarTransformImage({ width: 8, height: 9, data: new Uint8Array(8 * 9 * 3) }, 4, 16);
    } catch (e) {
      const err = e as CvglError;
      expect(err.expected).toMatch(/square/);
      expect(err.found).toMatch(/8×9/);
      expect(err.fix.length).toBeGreaterThan(0);
    }
  });
});
