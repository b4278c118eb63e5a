/**
 * The seeded generator (lib/engine/rng.ts): determinism across runs and backends, state
 * round-trips, forks, the global `rng`/`seed()`, basic statistics and input validation.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, rng, seed, tf } from '../../lib/engine/index.js';
import { useBackend } from './parity_helpers.js';

/** The float32 bits of a tensor, for bitwise comparison. */
async function bits(t: tf.Tensor): Promise<Uint32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return new Uint32Array(Float32Array.from(v).buffer);
}

function draws(r: Rng, n: number, kind: 'uint' | 'random' | 'normal'): number[] {
  return Array.from({ length: n }, () => (kind === 'uint' ? r.nextUint32() : kind === 'random' ? r.random() : r.normal()));
}

beforeAll(async () => {
  await useBackend('cpu');
  await useBackend('wasm');
});

describe('Rng determinism', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`same seed gives bitwise identical normalTensor/uniformTensor on ${backend}`, async () => {
      await useBackend(backend);
      const shape = [3, 17, 5];
      for (const s of [0, 1, 42, 2 ** 31 - 1, 2 ** 40 + 7, -5]) {
        expect(await bits(new Rng(s).normalTensor(shape, 0.5, 2))).toEqual(await bits(new Rng(s).normalTensor(shape, 0.5, 2)));
        expect(await bits(new Rng(s).uniformTensor(shape, -1, 3))).toEqual(await bits(new Rng(s).uniformTensor(shape, -1, 3)));
      }
    });
  }

  it('the same seed gives the same bits on cpu and on wasm', async () => {
    await useBackend('cpu');
    const onCpu = await bits(new Rng(7).normalTensor([1000]));
    const uCpu = await bits(new Rng(7).uniformTensor([1000]));
    await useBackend('wasm');
    expect(await bits(new Rng(7).normalTensor([1000]))).toEqual(onCpu);
    expect(await bits(new Rng(7).uniformTensor([1000]))).toEqual(uCpu);
  });

  it('different seeds give different streams', async () => {
    await useBackend('cpu');
    const seen = new Set<string>();
    for (const s of [0, 1, 2, 3, 42, 1e6, 2 ** 32, 2 ** 32 + 1]) {
      const b = await bits(new Rng(s).normalTensor([64]));
      seen.add(Buffer.from(b.buffer).toString('hex'));
      expect(draws(new Rng(s), 16, 'uint')).not.toEqual(draws(new Rng(s + 1), 16, 'uint'));
    }
    expect(seen.size).toBe(8);
  });

  it('re-seeding a generator restarts its stream', () => {
    const r = new Rng(9);
    const a = draws(r, 50, 'normal');
    r.seed(9);
    expect(draws(r, 50, 'normal')).toEqual(a);
  });
});

describe('Rng state', () => {
  it('getState/setState round-trip reproduces the uint, uniform and (even-count) normal streams', () => {
    const r = new Rng(123);
    draws(r, 10, 'normal'); // an even number of normals: no spare normal is cached
    const st = r.getState();
    expect(st).toHaveLength(5);
    expect(st.slice(0, 4).every((v) => Number.isInteger(v) && v! >= 0 && v! < 2 ** 32)).toBe(true);
    expect(st[4]).toBeNull(); // no spare normal after an even count
    const a = { u: draws(r, 20, 'uint'), f: draws(r, 20, 'random'), n: draws(r, 20, 'normal') };
    const fresh = new Rng(999);
    fresh.setState(st);
    expect({ u: draws(fresh, 20, 'uint'), f: draws(fresh, 20, 'random'), n: draws(fresh, 20, 'normal') }).toEqual(a);
    // and back on the same generator
    r.setState(st);
    expect(draws(r, 20, 'uint')).toEqual(a.u);
    // the state is plain JSON (a checkpoint can store it)
    const r2 = new Rng(0);
    r2.setState(JSON.parse(JSON.stringify(st)));
    expect(draws(r2, 20, 'uint')).toEqual(a.u);
  });

  it('getState/setState round-trip reproduces the tensors drawn after it', async () => {
    await useBackend('cpu');
    const r = new Rng(5);
    r.uniformTensor([7]).dispose();
    const st = r.getState();
    const a = await bits(r.uniformTensor([33]));
    const b = await bits(r.normalTensor([32]));
    r.setState(st);
    expect(await bits(r.uniformTensor([33]))).toEqual(a);
    expect(await bits(r.normalTensor([32]))).toEqual(b);
  });

  it("round-trip after an odd number of normal draws reproduces the stream (the spare normal is part of the state)", () => {
    const r = new Rng(321);
    draws(r, 3, 'normal');
    const st = r.getState();
    const a = draws(r, 10, 'normal');
    const restored = new Rng(0);
    restored.setState(st);
    expect(draws(restored, 10, 'normal')).toEqual(a);
  });
});

describe('Rng.fork', () => {
  it('is deterministic, and the child does not disturb the parent', () => {
    const p1 = new Rng(77);
    const c1 = p1.fork();
    const p2 = new Rng(77);
    const c2 = p2.fork();
    const childDraws = draws(c1, 100, 'uint'); // use c1 heavily, c2 not at all
    expect(draws(p1, 50, 'uint')).toEqual(draws(p2, 50, 'uint'));
    expect(draws(c2, 100, 'uint')).toEqual(childDraws);
  });

  it('gives streams independent of the parent and of sibling forks', () => {
    const p = new Rng(78);
    const a = p.fork();
    const b = p.fork();
    const pa = draws(p, 1000, 'uint');
    const aa = draws(a, 1000, 'uint');
    const ba = draws(b, 1000, 'uint');
    const overlap = (x: number[], y: number[]) => x.filter((v) => new Set(y).has(v)).length;
    // 1000 of 2^32 values: a shared value is already unlikely (p ≈ 2e-4), a shifted copy impossible
    expect(overlap(aa, pa)).toBeLessThanOrEqual(1);
    expect(overlap(aa, ba)).toBeLessThanOrEqual(1);
    expect(overlap(ba, pa)).toBeLessThanOrEqual(1);
    // and uncorrelated: the mean of a·b for uniforms centred at 0 is near 0
    const ua = draws(p.fork(), 20000, 'random');
    const ub = draws(p.fork(), 20000, 'random');
    const corr = ua.reduce((s, v, i) => s + (v - 0.5) * (ub[i]! - 0.5), 0) / ua.length / (1 / 12);
    expect(Math.abs(corr)).toBeLessThan(0.05);
  });
});

describe('the global rng', () => {
  it('seed(n) resets the global generator to new Rng(n)', async () => {
    await useBackend('cpu');
    seed(42);
    const a = await bits(rng.normalTensor([100]));
    rng.uniformTensor([13]).dispose(); // move it on
    seed(42);
    expect(await bits(rng.normalTensor([100]))).toEqual(a);
    expect(await bits(new Rng(42).normalTensor([100]))).toEqual(a);
    seed(43);
    expect(await bits(rng.normalTensor([100]))).not.toEqual(a);
    seed(0);
  });
});

describe('statistics', () => {
  it('100k normals have mean ≈ 0 and std ≈ 1; normalTensor honours mean and std', async () => {
    await useBackend('cpu');
    const n = 100_000;
    const v = (await new Rng(2024).normalTensor([n]).data()) as Float32Array;
    const mean = v.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
    // standard error of the mean is 1/√n ≈ 0.0032 and of the std ≈ 0.0022: 6σ bounds
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(sd - 1)).toBeLessThan(0.015);
    // tails: P(|z| > 3) ≈ 0.0027
    const tail = v.filter((x) => Math.abs(x) > 3).length / n;
    expect(tail).toBeGreaterThan(0.0015);
    expect(tail).toBeLessThan(0.004);

    const w = (await new Rng(2025).normalTensor([n], 3, 2).data()) as Float32Array;
    const m2 = w.reduce((s, x) => s + x, 0) / n;
    const s2 = Math.sqrt(w.reduce((s, x) => s + (x - m2) ** 2, 0) / (n - 1));
    expect(Math.abs(m2 - 3)).toBeLessThan(0.04);
    expect(Math.abs(s2 - 2)).toBeLessThan(0.03);
  });

  it('uniforms stay in [lo, hi) with mean and variance of U(lo, hi); int(n) is in range', async () => {
    await useBackend('cpu');
    const n = 100_000;
    const v = (await new Rng(11).uniformTensor([n], -2, 6).data()) as Float32Array;
    expect(v.every((x) => x >= -2 && x < 6)).toBe(true);
    const mean = v.reduce((s, x) => s + x, 0) / n;
    const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
    expect(Math.abs(mean - 2)).toBeLessThan(0.05); // se = 8/√12/√n ≈ 0.0073
    expect(Math.abs(variance - 64 / 12)).toBeLessThan(0.1);
    const r = new Rng(12);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[r.int(7)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600); // se ≈ 93
  });
});

describe('bad inputs', () => {
  it('throw with a message', () => {
    expect(() => seed(NaN)).toThrow(RangeError);
    expect(() => seed(Infinity)).toThrow(/finite/);
    expect(() => new Rng(NaN)).toThrow(RangeError);
    const r = new Rng(1);
    expect(() => r.int(0)).toThrow(RangeError);
    expect(() => r.int(-3)).toThrow(/positive integer/);
    expect(() => r.int(2.5)).toThrow(RangeError);
    expect(() => r.setState([1, 2] as any)).toThrow(TypeError);
    expect(() => r.setState([1, 2, 3, 4.5] as any)).toThrow(/four integers/);
    expect(() => r.setState('1,2,3,4' as any)).toThrow(TypeError);
    expect(() => r.normalTensor([2, -1])).toThrow(/bad tensor shape/);
    expect(() => r.uniformTensor([1.5])).toThrow(RangeError);
  });

  it('a failed seed() leaves the global generator as it was', () => {
    seed(5);
    const st = rng.getState();
    expect(() => seed(NaN)).toThrow();
    expect(rng.getState()).toEqual(st);
    seed(0);
  });
});
