/**
 * The seeded generator itself, without TensorFlow.js: worker threads (image pipeline, synthetic
 * world) import this file alone. `Rng` in rng.ts adds the tensor helpers.
 *
 * Generator: xoshiro128** (Blackman & Vigna) on four 32-bit words, seeded through splitmix32.
 */

/** The four generator words, and the cached second draw of the last normal pair (or null). */
export type RngState = [number, number, number, number, (number | null)?];

function splitmix32(x: number): () => number {
  let s = x >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class SeededRandom {
  private s: Uint32Array = new Uint32Array(4);
  private spareNormal: number | null = null;

  constructor(seedValue = 0) {
    this.seed(seedValue);
  }

  /** Re-seeds this generator; any integer (or integer-valued number) is accepted. */
  seed(n: number): void {
    if (!Number.isFinite(n)) throw new RangeError(`seed must be a finite number, got ${n}`);
    const hi = Math.floor(n / 2 ** 32);
    const next = splitmix32((n >>> 0) ^ Math.imul(hi >>> 0, 0x27d4eb2d));
    for (let i = 0; i < 4; i++) this.s[i] = next();
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
    this.spareNormal = null;
  }

  getState(): RngState {
    return [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!, this.spareNormal];
  }

  setState(state: RngState): void {
    const words = Array.isArray(state) ? state.slice(0, 4) : [];
    const spare = Array.isArray(state) ? state[4] ?? null : null;
    if (
      !Array.isArray(state) ||
      (state.length !== 4 && state.length !== 5) ||
      words.some((v) => !Number.isInteger(v)) ||
      (spare !== null && !Number.isFinite(spare))
    ) {
      throw new TypeError(`an RNG state is four integers and an optional spare normal, got ${JSON.stringify(state)}`);
    }
    this.s.set(words.map((v) => (v as number) >>> 0));
    this.spareNormal = spare;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const st = this.s;
    let s0 = st[0]!, s1 = st[1]!, s2 = st[2]!, s3 = st[3]!;
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  random(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0) || !Number.isInteger(n)) throw new RangeError(`int(n) needs a positive integer, got ${n}`);
    return Math.floor(this.random() * n);
  }

  /** Standard normal draw (Marsaglia polar method). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.random() - 1;
      v = 2 * this.random() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * m;
    return u * m;
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.random() < p;
  }

  /** An independent generator seeded from this one (for workers or sub-streams). */
  fork(): SeededRandom {
    const r = new SeededRandom();
    r.setState(this.forkState());
    return r;
  }

  protected forkState(): RngState {
    return [this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32() | 1];
  }
}
