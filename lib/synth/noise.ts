/**
 * Deterministic hashing and value noise for the synthetic world. Every random quantity of the
 * world is a pure function of (world seed, integer coordinates), so any worker can regenerate
 * any block on its own and two runs with the same seed agree bit for bit.
 */

/** 32-bit integer hash of up to four integers (a murmur3-style finaliser over a mixed sum). */
export function hash4(a: number, b: number, c = 0, d = 0): number {
  let h = Math.imul(a | 0, 0x9e3779b1) ^ Math.imul(b | 0, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= Math.imul(c | 0, 0xc2b2ae3d) ^ Math.imul(d | 0, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Uniform [0,1) from a hash of up to four integers. */
export function hash01(a: number, b: number, c = 0, d = 0): number {
  return hash4(a, b, c, d) / 4294967296;
}

/** A small stream of uniforms derived from one key (for placing several things in one block). */
export class HashStream {
  private k = 0;
  constructor(private readonly a: number, private readonly b: number, private readonly c: number) {}
  next(): number {
    return hash01(this.a, this.b, this.c, this.k++);
  }
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

const smooth = (t: number) => t * t * (3 - 2 * t);

/** Value noise in [0,1) on a lattice of spacing 1, smoothly interpolated. */
export function valueNoise(seed: number, x: number, y: number): number {
  const xi = Math.floor(x), yi = Math.floor(y);
  const fx = smooth(x - xi), fy = smooth(y - yi);
  const a = hash01(seed, xi, yi), b = hash01(seed, xi + 1, yi);
  const c = hash01(seed, xi, yi + 1), d = hash01(seed, xi + 1, yi + 1);
  const top = a + (b - a) * fx;
  const bottom = c + (d - c) * fx;
  return top + (bottom - top) * fy;
}

/** Two-octave fractal value noise in [0,1). `scale` is the feature size in world units. */
export function fbm2(seed: number, x: number, y: number, scale: number): number {
  const u = x / scale, v = y / scale;
  return (valueNoise(seed, u, v) * 2 + valueNoise(seed + 1, u * 2.03, v * 2.03)) / 3;
}

/** A periodic table of two-octave value noise (256 x 256 lattice units) sampled bilinearly:
 *  the per-pixel texture of the renderers at the cost of four array reads. */
export class NoiseTable {
  private static readonly cache = new Map<number, NoiseTable>();
  static readonly N = 256;
  private readonly v = new Float32Array(NoiseTable.N * NoiseTable.N);

  private constructor(seed: number) {
    const N = NoiseTable.N;
    // octaves with integer periods that divide N keep the table seamless
    for (let j = 0; j < N; j++) {
      for (let i = 0; i < N; i++) {
        const a = periodicNoise(seed, i / 8, j / 8, N / 8);
        const b = periodicNoise(seed + 1, i / 4, j / 4, N / 4);
        const c = hash01(seed + 2, i, j);
        this.v[j * N + i] = (a * 4 + b * 2 + c) / 7;
      }
    }
  }

  static for(seed: number): NoiseTable {
    let t = NoiseTable.cache.get(seed);
    if (!t) {
      t = new NoiseTable(seed);
      NoiseTable.cache.set(seed, t);
    }
    return t;
  }

  /** Noise in [0,1) at (x, y) in lattice units (feature size about 4-8 units). */
  at(x: number, y: number): number {
    const N = NoiseTable.N;
    const xf = Math.floor(x), yf = Math.floor(y);
    const fx = x - xf, fy = y - yf;
    const i0 = xf & (N - 1), j0 = yf & (N - 1);
    const i1 = (i0 + 1) & (N - 1), j1 = (j0 + 1) & (N - 1);
    const v = this.v;
    const a = v[j0 * N + i0]!, b = v[j0 * N + i1]!, c = v[j1 * N + i0]!, d = v[j1 * N + i1]!;
    const top = a + (b - a) * fx, bottom = c + (d - c) * fx;
    return top + (bottom - top) * fy;
  }
}

function periodicNoise(seed: number, x: number, y: number, period: number): number {
  const xi = Math.floor(x), yi = Math.floor(y);
  const fx = smooth(x - xi), fy = smooth(y - yi);
  const w = (i: number) => ((i % period) + period) % period;
  const a = hash01(seed, w(xi), w(yi)), b = hash01(seed, w(xi + 1), w(yi));
  const c = hash01(seed, w(xi), w(yi + 1)), d = hash01(seed, w(xi + 1), w(yi + 1));
  const top = a + (b - a) * fx, bottom = c + (d - c) * fx;
  return top + (bottom - top) * fy;
}
