/**
 * The triplet losses of lib/losses/triplet.ts:
 *   - value and gradients (w.r.t. ground and aerial descriptors) against our float64 PyTorch
 *     reference test/reference/triplet_torch.py, on cpu, wasm and webgpu (where an adapter exists),
 *     batch sizes 1, 2, 7, 16, on normalised and raw (un-normalised) descriptors; relative error
 *     max|a − b| / max|b| below 1e-5 for the value and each gradient;
 *   - the same values from a naive per-triplet loop in plain float64 JS, written here;
 *   - finite values and gradients where γ·d is far beyond exp's float32 range;
 *   - no tensor left behind.
 * And SiameseVgg as a CrossViewModel.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initEngine, probeBackends, tf, type BackendName } from '../../lib/engine/index.js';
import {
  pairwiseDistances,
  softMarginTripletExhaustive,
  softplus,
  softTriHard,
  softTripletThesis,
} from '../../lib/losses/triplet.js';
import type { CrossViewModel } from '../../lib/models/model.js';
import { SiameseVgg, siameseVggDefaultDim, siameseVggForwardMacs, siameseVggParamCount } from '../../lib/models/siamese_vgg.js';
import { vgg16ConvMacs } from '../../lib/models/vgg16.js';
import { requireInCi } from '../ci_requirements.js';
import { relErr } from '../engine/parity_helpers.js';
import { findPython } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/triplet_torch.py', import.meta.url));
const TOL = 1e-5;

type LossName = 'cvft' | 'thesis' | 'thesis_mean' | 'thesis_gap' | 'thesis_mean_gap' | 'trihard' | 'trinone';
type LossFn = (g: tf.Tensor2D, s: tf.Tensor2D, p?: number) => tf.Scalar;
/** The thesis' loss under the readings of lib/papers/thesis/readings.ts (reduction, where γ acts). */
const thesisAs = (reduction: 'sum' | 'mean', gammaOn: 'exp' | 'gap'): LossFn => (g, s, p) => softTripletThesis(g, s, p, { reduction, gammaOn });
const LOSSES: Record<LossName, { fn: LossFn; param: number }> = {
  cvft: { fn: softMarginTripletExhaustive, param: 10 },
  thesis: { fn: softTripletThesis, param: 10 },
  thesis_mean: { fn: thesisAs('mean', 'exp'), param: 10 },
  thesis_gap: { fn: thesisAs('sum', 'gap'), param: 10 },
  thesis_mean_gap: { fn: thesisAs('mean', 'gap'), param: 10 },
  trihard: { fn: softTriHard, param: 15 },
  // GeoCapsNet Table 3's "Triplet": Eq. 2 without the mining
  trinone: { fn: (g, s, p) => softTriHard(g, s, p, 'none'), param: 15 },
};
const THESIS_READINGS_UNDER_TEST = ['thesis_mean', 'thesis_gap', 'thesis_mean_gap'] as const;

// ------------------------------------------------------------------------------------ inputs

interface Pairs {
  b: number;
  d: number;
  g: Float32Array;
  s: Float32Array;
}

/**
 * B pairs: s_i = g_i + noise (positives closer than most negatives, gaps of both signs); 'raw'
 * scales every row by a random factor in [0.05, 20], 'normalised' stores unit rows.
 */
function makePairs(seed: number, b: number, d: number, kind: 'normalised' | 'raw', noise = 0.8): Pairs {
  const r = new Rng(seed);
  const g = new Float64Array(b * d);
  const s = new Float64Array(b * d);
  for (let i = 0; i < b * d; i++) g[i] = r.normal();
  for (let i = 0; i < b * d; i++) s[i] = g[i]! + noise * r.normal();
  const out = (x: Float64Array) => {
    const y = new Float32Array(b * d);
    for (let i = 0; i < b; i++) {
      let n = 0;
      for (let k = 0; k < d; k++) n += x[i * d + k]! ** 2;
      const f = kind === 'normalised' ? 1 / Math.sqrt(n) : Math.exp(Math.log(0.05) + r.random() * Math.log(400));
      for (let k = 0; k < d; k++) y[i * d + k] = x[i * d + k]! * f;
    }
    return y;
  };
  return { b, d, g: out(g), s: out(s) };
}

// -------------------------------------------------------------------- naive float64 reference

/** Distances D[i][j] = ‖ĝ_i − ŝ_j‖ of the normalised rows, by explicit differences, in float64. */
function naiveDistances({ b, d, g, s }: Pairs): number[][] {
  const unit = (x: Float32Array, i: number) => {
    let n = 0;
    for (let k = 0; k < d; k++) n += x[i * d + k]! ** 2;
    const f = 1 / Math.max(Math.sqrt(n), 1e-12);
    return Array.from({ length: d }, (_, k) => x[i * d + k]! * f);
  };
  const G = Array.from({ length: b }, (_, i) => unit(g, i));
  const S = Array.from({ length: b }, (_, i) => unit(s, i));
  return G.map((gi) => S.map((sj) => Math.sqrt(gi.reduce((n, v, k) => n + (v - sj[k]!) ** 2, 0))));
}

const sp = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/** Every loss triplet by triplet, as the papers write them. */
function naiveLoss(loss: LossName, p: Pairs, param: number): number {
  const D = naiveDistances(p);
  const b = p.b;
  if (loss === 'trihard') {
    if (b < 2) return 0;
    let sum = 0;
    for (let a = 0; a < b; a++) {
      let hardest = Infinity;
      for (let n = 0; n < b; n++) if (n !== a) hardest = Math.min(hardest, D[a]![n]!);
      sum += sp(param * (D[a]![a]! - hardest));
    }
    return sum / b;
  }
  if (loss === 'trinone') {
    if (b < 2) return 0;
    let sum = 0;
    for (let a = 0; a < b; a++) {
      let inner = 0;
      for (let n = 0; n < b; n++) if (n !== a) inner += sp(param * (D[a]![a]! - D[a]![n]!));
      sum += inner / (b - 1);
    }
    return sum / b;
  }
  let sum = 0;
  let count = 0;
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < b; j++) {
      if (j === i) continue;
      // anchor g_i, positive s_i, negative s_j; then anchor s_i, positive g_i, negative g_j
      for (const [dPos, dNeg] of [
        [D[i]![i]!, D[i]![j]!],
        [D[i]![i]!, D[j]![i]!],
      ] as const) {
        const gapScaled = loss === 'cvft' || loss === 'thesis_gap' || loss === 'thesis_mean_gap';
        sum += gapScaled ? sp(param * (dPos - dNeg)) : Math.log1p(param * Math.exp(dPos - dNeg));
        count += 1;
      }
    }
  }
  return loss === 'cvft' || loss === 'thesis_mean' || loss === 'thesis_mean_gap' ? sum / Math.max(count, 1) : sum;
}

// ---------------------------------------------------------------------------- our evaluation

interface Result {
  value: number;
  gradG: Float32Array;
  gradS: Float32Array;
}

/** Value and gradients on the active backend; asserts that no tensor is left behind. */
async function evaluate(fn: LossFn, p: Pairs, param: number): Promise<Result> {
  const before = tf.memory().numTensors;
  const g = tf.tensor2d(p.g, [p.b, p.d]);
  const s = tf.tensor2d(p.s, [p.b, p.d]);
  const { value, grads } = tf.valueAndGrads((a: tf.Tensor, c: tf.Tensor) => fn(a as tf.Tensor2D, c as tf.Tensor2D, param))([g, s]);
  const out: Result = {
    value: (await value.data())[0]!,
    gradG: Float32Array.from(await grads[0]!.data()),
    gradS: Float32Array.from(await grads[1]!.data()),
  };
  tf.dispose([g, s, value, ...grads]);
  expect(tf.memory().numTensors, 'tensors left behind').toBe(before);
  return out;
}

// ---------------------------------------------------------------------- the torch reference

const findTorch = () => findPython(['numpy', 'torch']);

interface TorchCase {
  label: string;
  loss: LossName;
  param: number;
  pairs: Pairs;
  tol: number;
}

const D = 24;
const CASES: TorchCase[] = [];
{
  let seed = 100;
  for (const loss of ['cvft', 'thesis', 'trihard', 'trinone', ...THESIS_READINGS_UNDER_TEST] as const) {
    for (const b of [1, 2, 7, 16]) {
      for (const kind of ['normalised', 'raw'] as const) {
        CASES.push({ label: `${loss} B=${b} ${kind}`, loss, param: LOSSES[loss].param, pairs: makePairs(seed++, b, D, kind), tol: TOL });
      }
    }
  }
  // far from the defaults: γ·d in the thousands (CVFT, GeoCapsNet), γ·exp(d) near 1e30 (thesis).
  CASES.push({ label: 'cvft B=7 γ=1000', loss: 'cvft', param: 1000, pairs: makePairs(200, 7, D, 'raw'), tol: TOL });
  CASES.push({ label: 'trihard B=7 α=1000', loss: 'trihard', param: 1000, pairs: makePairs(201, 7, D, 'raw'), tol: TOL });
  CASES.push({ label: 'trinone B=7 α=1000', loss: 'trinone', param: 1000, pairs: makePairs(203, 7, D, 'raw'), tol: TOL });
  CASES.push({ label: 'thesis B=7 γ=1e30', loss: 'thesis', param: 1e30, pairs: makePairs(202, 7, D, 'raw'), tol: TOL });
  CASES.push({ label: 'thesis mean/gap B=7 γ=1000', loss: 'thesis_mean_gap', param: 1000, pairs: makePairs(204, 7, D, 'raw'), tol: TOL });
}

const torch = findTorch();
const webgpu = (await probeBackends()).find((b) => b.name === 'webgpu')!;
const BACKEND_LIST: BackendName[] = ['cpu', 'wasm', ...(webgpu.available ? (['webgpu'] as const) : [])];

describe('triplet losses against the PyTorch reference', () => {
  requireInCi("Debian's python3-torch (the losses' reference; CVGL_PYTHON to override)", torch.python != null, 'reason' in torch ? torch.reason : undefined);
  let ref: { value: number; grad_g: number[]; grad_s: number[] }[] = [];
  const worst = new Map<string, number>();

  beforeAll(() => {
    if (!torch.python) return;
    const dir = mkdtempSync(join(tmpdir(), 'cvgl-triplet-'));
    try {
      const cases = CASES.map((c, i) => {
        writeFileSync(join(dir, `g${i}.f32`), Buffer.from(c.pairs.g.buffer));
        writeFileSync(join(dir, `s${i}.f32`), Buffer.from(c.pairs.s.buffer));
        return { loss: c.loss, param: c.param, b: c.pairs.b, d: c.pairs.d, g: `g${i}.f32`, s: `s${i}.f32` };
      });
      writeFileSync(join(dir, 'spec.json'), JSON.stringify({ cases }));
      const r = spawnSync(torch.python, [SCRIPT, join(dir, 'spec.json'), join(dir, 'out.json')], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`triplet_torch.py failed (${r.status}): ${r.stderr}`);
      ref = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')).results;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  afterAll(() => {
    if (worst.size) console.log(`triplet losses vs torch, max relative error:\n${[...worst].map(([k, v]) => `  ${k.padEnd(16)} ${v.toExponential(2)}`).join('\n')}`);
  });

  describe.each(BACKEND_LIST)('on %s', (backend) => {
    it.skipIf(!torch.python)('every case: value and both gradients', async () => {
      await initEngine({ backend });
      expect(tf.getBackend()).toBe(backend);
      expect(ref).toHaveLength(CASES.length);
      for (const [i, c] of CASES.entries()) {
        const got = await evaluate(LOSSES[c.loss].fn, c.pairs, c.param);
        const want = ref[i]!;
        const errs = {
          value: relErr(Float32Array.of(got.value), Float32Array.of(want.value)),
          'd/dg': relErr(got.gradG, Float32Array.from(want.grad_g)),
          'd/ds': relErr(got.gradS, Float32Array.from(want.grad_s)),
        };
        const max = Math.max(...Object.values(errs));
        const key = `${c.loss} ${backend}`;
        worst.set(key, Math.max(worst.get(key) ?? 0, max));
        const detail = Object.entries(errs).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ');
        expect(max, `${c.label} on ${backend}: ${detail} (value ${got.value} vs ${want.value})`).toBeLessThan(c.tol);
        if (c.pairs.b === 1) expect([got.value, ...got.gradG, ...got.gradS].every((v) => v === 0), `${c.label}: no triplet, zero`).toBe(true);
      }
    });
  });
});

// --------------------------------------------------------------------------- without torch

describe('triplet losses (cpu and wasm, no reference needed)', () => {
  describe.each(['cpu', 'wasm'] as const)('on %s', (backend) => {
    beforeAll(async () => {
      await initEngine({ backend });
    });

    it('each loss equals the naive per-triplet loop (B = 1 … 6, raw and normalised rows)', async () => {
      let seed = 300;
      for (const loss of ['cvft', 'thesis', 'trihard', 'trinone', ...THESIS_READINGS_UNDER_TEST] as const) {
        for (const b of [1, 2, 3, 4, 6]) {
          for (const kind of ['normalised', 'raw'] as const) {
            const p = makePairs(seed++, b, 10, kind);
            const got = await evaluate(LOSSES[loss].fn, p, LOSSES[loss].param);
            const want = naiveLoss(loss, p, LOSSES[loss].param);
            expect(Math.abs(got.value - want) / Math.max(Math.abs(want), 1e-12), `${loss} B=${b} ${kind}: ${got.value} vs ${want}`).toBeLessThan(TOL);
          }
        }
      }
    });

    it('the exhaustive loss is the mean of 2B(B−1) triplets and the thesis loss their (γ-shifted) sum', async () => {
      // identical rows everywhere: every distance is 0, every gap 0
      const b = 5;
      const p: Pairs = { b, d: 3, g: new Float32Array(b * 3).fill(1), s: new Float32Array(b * 3).fill(1) };
      expect((await evaluate(softMarginTripletExhaustive, p, 10)).value).toBeCloseTo(Math.log(2), 6);
      expect((await evaluate(softTripletThesis, p, 10)).value).toBeCloseTo(2 * b * (b - 1) * Math.log(11), 3);
      expect((await evaluate(softTriHard, p, 15)).value).toBeCloseTo(Math.log(2), 6);
      expect((await evaluate(LOSSES.trinone.fn, p, 15)).value).toBeCloseTo(Math.log(2), 6);
      // the thesis readings: the mean divides by 2B(B−1); γ on the gap leaves log 2 at gap 0
      expect((await evaluate(LOSSES.thesis_mean.fn, p, 10)).value).toBeCloseTo(Math.log(11), 5);
      expect((await evaluate(LOSSES.thesis_gap.fn, p, 10)).value).toBeCloseTo(2 * b * (b - 1) * Math.log(2), 3);
      expect((await evaluate(LOSSES.thesis_mean_gap.fn, p, 10)).value).toBeCloseTo(Math.log(2), 6);
    });

    it("GeoCapsNet's Triplet (mining 'none') is Eq. 2 with the min replaced by the mean over B − 1 negatives", async () => {
      // one anchor whose negatives sit at different distances: the mined and the unmined loss differ
      const p = makePairs(500, 5, 8, 'normalised');
      const D = naiveDistances(p);
      const perAnchor = D.map((row, a) => row.reduce((t, dan, n) => (n === a ? t : t + sp(15 * (row[a]! - dan))), 0) / 4);
      const want = perAnchor.reduce((t, x) => t + x, 0) / 5;
      const none = (await evaluate(LOSSES.trinone.fn, p, 15)).value;
      const hard = (await evaluate(softTriHard, p, 15)).value;
      expect(Math.abs(none - want) / want).toBeLessThan(TOL);
      // the hardest negative gives the largest term of each anchor: mining can only raise the loss
      expect(hard).toBeGreaterThan(none);
      const z = tf.zeros([2, 3]) as tf.Tensor2D;
      expect(() => softTriHard(z, z, 15, 'semi-hard' as never)).toThrow(/mining/);
      z.dispose();
    });

    it('the thesis loss: γ on the gap scales its gradient with γ, γ on exp only shifts it; bad options are refused', async () => {
      const p = makePairs(500, 5, 8, 'normalised');
      const norm = (r: Result) => Math.hypot(...r.gradG, ...r.gradS);
      const [gap1, gap100] = [await evaluate(LOSSES.thesis_mean_gap.fn, p, 1), await evaluate(LOSSES.thesis_mean_gap.fn, p, 100)];
      const [exp1, exp100] = [await evaluate(LOSSES.thesis_mean.fn, p, 1), await evaluate(LOSSES.thesis_mean.fn, p, 100)];
      // d/dgap softplus(γ·gap) = γ·σ(γ·gap): grows with γ on violating triplets; σ(gap + ln γ) ≤ 1 cannot
      expect(norm(gap100) / norm(gap1)).toBeGreaterThan(5);
      expect(norm(exp100) / norm(exp1)).toBeLessThan(5);
      const a = tf.zeros([3, 4]) as tf.Tensor2D;
      expect(() => softTripletThesis(a, a, 10, { reduction: 'avg' as 'mean' })).toThrow(/reduction/);
      expect(() => softTripletThesis(a, a, 10, { gammaOn: 'log' as 'gap' })).toThrow(/gammaOn/);
      a.dispose();
    });

    it('pairwiseDistances is the Euclidean distance matrix, raw rows too', async () => {
      const r = new Rng(7);
      const g = r.normalTensor([4, 5]) as tf.Tensor2D;
      const s = r.normalTensor([3, 5], 0, 3) as tf.Tensor2D;
      const got = pairwiseDistances(g, s);
      const want = tf.tidy(() => tf.norm(tf.sub(tf.expandDims(g, 1), tf.expandDims(s, 0)), 'euclidean', 2));
      expect(got.shape).toEqual([4, 3]);
      expect(relErr(Float32Array.from(await got.data()), Float32Array.from(await want.data()))).toBeLessThan(1e-5);
      tf.dispose([g, s, got, want]);
    });

    it('stays finite where γ·d overflows exp in float32, and tends to the hinge', async () => {
      const p = makePairs(400, 6, 12, 'raw', 4); // noisy positives: violating triplets on both sides
      const D = naiveDistances(p);
      // a naive log(1 + exp(γ·gap)) overflows here: the test would catch a non-stable form
      const gapsOf = D.flatMap((row, i) => row.map((dij) => D[i]![i]! - dij)); // d_pos − d_neg, ground anchors
      expect(Math.max(...gapsOf), 'the batch has violating triplets').toBeGreaterThan(0.01);
      const naive = tf.tidy(() => tf.log(tf.add(1, tf.exp(tf.mul(1e4, tf.tensor1d(gapsOf))))));
      expect(Array.from(await naive.data()).some((v) => v === Infinity)).toBe(true);
      naive.dispose();
      for (const [loss, param] of [
        ['cvft', 1e4],
        ['trihard', 1e4],
        ['trinone', 1e4],
        ['thesis', 1e35],
      ] as const) {
        const got = await evaluate(LOSSES[loss].fn, p, param);
        const want = naiveLoss(loss, p, param);
        expect(Number.isFinite(got.value) && [...got.gradG, ...got.gradS].every(Number.isFinite), `${loss}: finite`).toBe(true);
        expect(Math.abs(got.value - want) / want, `${loss}: ${got.value} vs ${want}`).toBeLessThan(1e-4);
      }
      // the limit γ → ∞ of the CVFT mean: γ·mean(max(gap, 0))
      let hinge = 0;
      for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) if (i !== j) hinge += Math.max(D[i]![i]! - D[i]![j]!, 0) + Math.max(D[i]![i]! - D[j]![i]!, 0);
      expect(naiveLoss('cvft', p, 1e4) / ((1e4 * hinge) / 60)).toBeCloseTo(1, 4);
    });

    it('softplus: accurate from −1e5 to 1e5, gradient σ(x)', async () => {
      const xs = [-1e5, -80, -30, -10, -1, 0, 1, 10, 30, 80, 1e5];
      const x = tf.tensor1d(xs);
      const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => tf.sum(softplus(t)) as tf.Scalar)([x]);
      const y = tf.tidy(() => softplus(x));
      const [ys, dys] = [await y.data(), await grads[0]!.data()];
      xs.forEach((v, i) => {
        const want = sp(v);
        expect(Math.abs(ys[i]! - want), `softplus(${v})`).toBeLessThanOrEqual(Math.max(2e-7 * want, 1e-37));
        expect(Math.abs(dys[i]! - 1 / (1 + Math.exp(-v))), `σ(${v})`).toBeLessThan(1e-7);
      });
      tf.dispose([x, value, y, ...grads]);
    });

    it('rejects mismatched shapes and non-positive γ', () => {
      const a = tf.zeros([3, 4]) as tf.Tensor2D;
      const c = tf.zeros([2, 4]) as tf.Tensor2D;
      for (const fn of [softMarginTripletExhaustive, softTripletThesis, softTriHard]) {
        expect(() => fn(a, c)).toThrow(/same shape \[B, D\]/);
        expect(() => fn(a, a, 0)).toThrow(/> 0/);
        expect(() => fn(a, a, NaN)).toThrow(/> 0/);
      }
      tf.dispose([a, c]);
    });
  });
});

// ---------------------------------------------------------------------------- Siamese-VGG

describe('SiameseVgg is a CrossViewModel', () => {
  it("name, descriptors, named variables, sizes (appendix 6.1's MLP head)", async () => {
    await initEngine({ backend: 'wasm' });
    const before = tf.memory().numTensors;
    const r = new Rng(11);
    const m: CrossViewModel = new SiameseVgg({ rng: r, widthDivisor: 16, head: 'mlp' }); // compile-time conformance
    expect(m.name).toBe('siamese-vgg');
    expect(m.descriptorLength()).toBe(128);

    const ground = r.uniformTensor([2, 32, 64, 3]) as tf.Tensor4D;
    const aerial = r.uniformTensor([2, 32, 32, 3]) as tf.Tensor4D;
    const { g, s } = m.embed(ground, aerial);
    expect(g.shape).toEqual([2, 128]);
    expect(s.shape).toEqual([2, 128]);
    const norm = tf.tidy(() => tf.norm(tf.concat([g, s]), 'euclidean', 1));
    for (const n of await norm.data()) expect(n).toBeCloseTo(1, 5);
    tf.dispose([ground, aerial, g, s, norm]);

    const named = m.namedVariables();
    const vars = m.variables();
    expect(named.size).toBe(2 * 26 + 4); // 13 convolutions x (weight, bias) per branch + the head
    expect([...named.values()]).toEqual(vars); // same variables, same order
    expect(new Set(named.values()).size).toBe(named.size);
    const names = [...named.keys()];
    expect(names.slice(0, 2)).toEqual(['ground.features.0.weight', 'ground.features.0.bias']);
    expect(names.slice(26, 28)).toEqual(['aerial.features.0.weight', 'aerial.features.0.bias']);
    expect(names.slice(-4)).toEqual(['head.classifier.0.weight', 'head.classifier.0.bias', 'head.classifier.2.weight', 'head.classifier.2.bias']);
    for (const n of names) expect(n).toMatch(/^(ground|aerial)\.features\.\d+\.(weight|bias)$|^head\.classifier\.[02]\.(weight|bias)$/);
    expect(named.get('ground.features.28.weight')!.shape).toEqual([3, 3, 32, 32]);
    expect(named.get('head.classifier.2.weight')!.shape).toEqual([32, 128]);

    expect(m.paramCount()).toBe(siameseVggParamCount(16, undefined, 'mlp'));
    expect(m.flops([112, 616], [256, 256])).toBe(2 * siameseVggForwardMacs([112, 616], [256, 256], 16, undefined, 'mlp'));
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the default head is Sec. 4.2's: global average pooling and one shared FC layer, 4096 ÷ widthDivisor long", async () => {
    await initEngine({ backend: 'wasm' });
    const before = tf.memory().numTensors;
    const r = new Rng(12);
    const m = new SiameseVgg({ rng: r, widthDivisor: 16 });
    expect(m.headKind).toBe('fc');
    expect(m.descriptorLength()).toBe(256);
    const ground = r.uniformTensor([2, 32, 64, 3]) as tf.Tensor4D;
    const aerial = r.uniformTensor([2, 32, 32, 3]) as tf.Tensor4D;
    const { g, s } = m.embed(ground, aerial);
    expect(g.shape).toEqual([2, 256]);
    // the head is one linear layer on the pooled map: normalise(mean(f)·W + b), shared by the branches
    const want = tf.tidy(() => {
      const z = tf.add(tf.matMul(tf.mean(m.aerial.apply(aerial), [1, 2]) as tf.Tensor2D, m.fc1.w), m.fc1.b);
      return tf.div(z, tf.norm(z, 'euclidean', 1, true));
    });
    expect(relErr(Float32Array.from(await s.data()), Float32Array.from(await want.data()))).toBeLessThan(1e-5);
    expect(m.fc2).toBeNull();
    expect([...m.namedVariables().keys()].slice(-2)).toEqual(['head.fc.weight', 'head.fc.bias']);
    expect(m.paramCount()).toBe(siameseVggParamCount(16));
    expect(() => new SiameseVgg({ head: 'gap' as 'fc' })).toThrow(/head/);
    tf.dispose([ground, aerial, g, s, want]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  const torchModel = findTorch();
  it.skipIf(!torchModel.python)('both heads: the parameter count and descriptor shape of the PyTorch twin (test/reference/siamese_step_torch.py)', async () => {
    await initEngine({ backend: 'wasm' });
    const script = fileURLToPath(new URL('../reference/siamese_step_torch.py', import.meta.url));
    for (const [head, d] of [['fc', 1], ['fc', 16], ['mlp', 1], ['mlp', 16]] as const) {
      const r = spawnSync(torchModel.python!, [script, '--count-only', '--head', head, '--width-divisor', String(d), '--batch', '1', '--ground', '32', '64', '--aerial', '32', '32'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const got = JSON.parse(r.stdout) as { params: number; descriptor: number[] };
      expect(siameseVggParamCount(d, undefined, head), `${head} ÷${d}`).toBe(got.params);
      expect(got.descriptor, `${head} ÷${d}`).toEqual([1, siameseVggDefaultDim(head, d)]);
    }
    expect(siameseVggParamCount()).toBe(31_530_624);
  });

  it.skipIf(!torchModel.python)('both heads: descriptors equal those of the PyTorch twin with the same weights (forward parity)', async () => {
    await initEngine({ backend: 'wasm' });
    const script = fileURLToPath(new URL('../reference/siamese_step_torch.py', import.meta.url));
    const before = tf.memory().numTensors;
    for (const head of ['fc', 'mlp'] as const) {
      const r = new Rng(head === 'fc' ? 21 : 22);
      const m = new SiameseVgg({ rng: r, widthDivisor: 16, head });
      const ground = r.uniformTensor([2, 32, 64, 3]) as tf.Tensor4D;
      const aerial = r.uniformTensor([2, 32, 32, 3]) as tf.Tensor4D;
      const dir = mkdtempSync(join(tmpdir(), 'cvgl-siamese-'));
      try {
        const write = async (file: string, t: tf.Tensor) => {
          writeFileSync(join(dir, file), Buffer.from(Float32Array.from(await t.data()).buffer));
          return { file, shape: t.shape };
        };
        const tensors: Record<string, { file: string; shape: number[] }> = {};
        let k = 0;
        for (const [name, v] of m.namedVariables()) tensors[name] = await write(`w${k++}.f32`, v);
        const spec = { divisor: 16, head, dim: m.descriptorLength(), tensors, ground: await write('ground.f32', ground), aerial: await write('aerial.f32', aerial) };
        writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
        const p = spawnSync(torchModel.python!, [script, '--forward', join(dir, 'spec.json'), join(dir, 'out.json')], { encoding: 'utf8' });
        expect(p.status, p.stderr).toBe(0);
        const want = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { g: number[]; s: number[]; shape: number[] };
        const { g, s } = m.embed(ground, aerial);
        expect(want.shape, head).toEqual(g.shape);
        expect(relErr(Float32Array.from(await g.data()), Float32Array.from(want.g)), `${head}: ground`).toBeLessThan(1e-4);
        expect(relErr(Float32Array.from(await s.data()), Float32Array.from(want.s)), `${head}: aerial`).toBeLessThan(1e-4);
        tf.dispose([g, s]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        tf.dispose([ground, aerial]);
        m.dispose();
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('full width: 31,530,624 (Sec. 4.2 head) or 29,757,696 (appendix MLP) parameters and the FLOPs of two VGG16s + the head (counted, not built)', () => {
    expect(siameseVggParamCount()).toBe(31_530_624);
    expect(siameseVggParamCount(1, undefined, 'mlp')).toBe(29_757_696);
    const conv = (h: number, w: number) => vgg16ConvMacs(h, w).reduce((n, l) => n + l.macs, 0);
    const mlp = 2 * (512 * 512 + 512 * 128);
    const fc = 2 * 512 * 4096;
    expect(2 * siameseVggForwardMacs([224, 224], [224, 224], 1, undefined, 'mlp')).toBe(2 * (2 * 15_346_630_656 + mlp));
    expect(2 * siameseVggForwardMacs([112, 616], [256, 256], 1, undefined, 'mlp')).toBe(2 * (conv(112, 616) + conv(256, 256) + mlp));
    expect(2 * siameseVggForwardMacs([112, 616], [256, 256])).toBe(2 * (conv(112, 616) + conv(256, 256) + fc));
  });
});
