/**
 * CVFT (paper 002; lib/models/sinkhorn.ts, lib/models/cvft.ts):
 *  - Sinkhorn (Eq. 1–3) values and gradients against test/reference/cvft_torch.py, which applies
 *    Eq. 2–3 literally (exp first, then divisions) in float64, while ours iterates in the log
 *    domain in float32; square, rectangular with marginals, and a sharp λ = 100 case;
 *  - the transport head (cost generation, Sinkhorn, Eq. 5) forward and gradients w.r.t. the
 *    ground map and every weight, the weights taken from a model by `namedVariables()` name;
 *  - the affine STN sampler (lib/nn/spatial_transformer.ts) against torch's affine_grid + grid_sample;
 *    all on cpu, wasm and webgpu (Mesa's software adapter when there is no GPU);
 *  - Sinkhorn sums to its marginals (also where exp(−λC) underflows float32) (resize and TPS:
 *    test/nn/);
 *  - the whole model (widthDivisor 16, small images) forward + backward on every backend, and a
 *    training step that leaves no tensors behind; every ablation variant builds and runs;
 *  - descriptor lengths of Table 4, parameter counts and FLOPs.
 *
 * Error measure (as test/engine/parity_helpers.ts): max|ours − torch| / max|torch| per output
 * and per gradient, below 1e-4. Each case's scalar is Σ out·r with fixed random r.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CvglError, Rng, tf } from '../../lib/engine/index.js';
import {
  CVFT_FEATURE_HW,
  CVFT_VARIANTS,
  Cvft,
  cvftDescriptorLength,
  cvftForwardFlops,
  cvftHead,
  cvftParamBreakdown,
  cvftParamCount,
  reduceMap,
  type CvftDim,
  type CvftOptions,
} from '../../lib/models/cvft.js';
import { sinkhorn, sinkhornFlops } from '../../lib/models/sinkhorn.js';
import { vgg16ConvMacs } from '../../lib/models/vgg16.js';
import { affineTransform } from '../../lib/nn/spatial_transformer.js';
import { requireInCi } from '../ci_requirements.js';
import { REL_TOL, relErr, useBackend } from '../engine/parity_helpers.js';
import { findPython, testBackends } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/cvft_torch.py', import.meta.url));

const findTorch = () => findPython(['numpy', 'torch']);

const torchPy = findTorch();
const { backends: BACKENDS, webgpu } = await testBackends();

interface Arr {
  shape: number[];
  data: Float32Array;
}
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const randn = (r: Rng, shape: number[], std = 1, mean = 0): Arr => ({ shape, data: Float32Array.from({ length: size(shape) }, () => mean + std * r.normal()) });
const randu = (r: Rng, shape: number[], lo = 0, hi = 1): Arr => ({ shape, data: Float32Array.from({ length: size(shape) }, () => lo + (hi - lo) * r.random()) });
const T = (a: Arr) => tf.tensor(a.data, a.shape, 'float32');

// ---------------------------------------------------------------------------------------------
// the cases, shared by torch and every backend
// ---------------------------------------------------------------------------------------------

interface Case {
  name: string;
  mode: 'sinkhorn' | 'head' | 'affine' | 'reduce';
  params: Record<string, number>;
  inputs: Record<string, Arr>;
  grad: string[];
  /** our outputs (by the names torch writes) and the scalar Σ out·r, from tensors of the inputs */
  run: (x: Record<string, tf.Tensor>) => { outputs: Record<string, tf.Tensor>; loss: tf.Scalar };
}

const wsum = (y: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(y, r)) as tf.Scalar;

function sinkhornCase(name: string, cost: Arr, lambda: number, iterations: number, seed: number, marg?: { row: Arr; col: Arr }): Case {
  const r = new Rng(seed);
  const inputs: Record<string, Arr> = { cost, r: randn(r, cost.shape) };
  if (marg) Object.assign(inputs, marg);
  return {
    name,
    mode: 'sinkhorn',
    params: { lambda, iterations },
    inputs,
    grad: ['cost'],
    run: (x) => {
      const plan = sinkhorn(x.cost!, { lambda, iterations, rowMarginal: x.row, colMarginal: x.col });
      return { outputs: { plan }, loss: wsum(plan, x.r!) };
    },
  };
}

/** The head case takes its cost-generation weights from a real model, by namedVariables() name. */
function headCase(name: string, b: number, lambda: number, iterations: number, seed: number): Case {
  const r = new Rng(seed);
  const model = new Cvft({ widthDivisor: 16, rng: new Rng(seed + 1), name: `head${seed}` });
  const nv = model.namedVariables();
  const get = (k: string): Arr => {
    const v = nv.get(k)!;
    return { shape: v.shape, data: Float32Array.from(v.dataSync()) };
  };
  const [h, w] = model.featureHW;
  const c = model.channels;
  const n = h * w;
  const inputs: Record<string, Arr> = {
    f: randu(r, [b, h, w, c], 0, 2),
    conv_w: get('cost.conv.weight'),
    conv_b: get('cost.conv.bias'),
    fc_w: get('cost.fc.weight'),
    fc_b: get('cost.fc.bias'),
    r_t: randn(r, [b, h, w, c]),
    r_p: randn(r, [b, n, n]),
    r_c: randn(r, [b, n, n]),
  };
  model.dispose();
  return {
    name,
    mode: 'head',
    params: { lambda, iterations },
    inputs,
    grad: ['f', 'conv_w', 'conv_b', 'fc_w', 'fc_b'],
    run: (x) => {
      const o = cvftHead(x.f as tf.Tensor4D, { convW: x.conv_w!, convB: x.conv_b!, fcW: x.fc_w!, fcB: x.fc_b! }, { lambda, iterations });
      const loss = tf.addN([wsum(o.transported, x.r_t!), wsum(o.plan, x.r_p!), wsum(o.cost, x.r_c!)]) as tf.Scalar;
      return { outputs: { cost: o.cost, plan: o.plan, transported: o.transported }, loss };
    },
  };
}

function affineCase(name: string, seed: number): Case {
  const r = new Rng(seed);
  const b = 2;
  const theta = randn(r, [b, 6], 0.25);
  for (let i = 0; i < b; i++) {
    theta.data[i * 6]! += 1;
    theta.data[i * 6 + 4]! += 1;
  }
  return {
    name,
    mode: 'affine',
    params: {},
    inputs: { f: randn(r, [b, 5, 6, 3]), theta, r: randn(r, [b, 5, 6, 3]) },
    grad: ['f', 'theta'],
    run: (x) => {
      const out = affineTransform(x.f as tf.Tensor4D, x.theta as tf.Tensor2D);
      return { outputs: { out }, loss: wsum(out, x.r!) };
    },
  };
}

/** conv5_3 → 1x1 conv + ReLU → area resize to 8x8 (the default reduction), at the released code's conv5_3 sizes. */
function reduceCase(name: string, hw: [number, number], seed: number): Case {
  const r = new Rng(seed);
  const c5 = 16, c = 8, b = 2;
  return {
    name,
    mode: 'reduce',
    params: { out_h: 8, out_w: 8 },
    inputs: { f: randn(r, [b, ...hw, c5]), conv_w: randn(r, [1, 1, c5, c], 0.3), conv_b: randn(r, [c], 0.1), r: randn(r, [b, 8, 8, c]) },
    grad: ['f', 'conv_w', 'conv_b'],
    run: (x) => {
      const out = reduceMap(x.f as tf.Tensor4D, { w: x.conv_w!, b: x.conv_b!, stride: 1 }, [8, 8], 'area');
      return { outputs: { out }, loss: wsum(out, x.r!) };
    },
  };
}

function buildCases(): Case[] {
  const r = new Rng(20200207);
  const rowM = randu(r, [2, 5], 0.5, 1.5);
  const colM = randu(r, [2, 7], 0.5, 1.5);
  for (let b = 0; b < 2; b++) {
    // equal total mass per matrix: scale the column marginal to the row marginal's sum
    const sa = rowM.data.slice(b * 5, b * 5 + 5).reduce((s, v) => s + v, 0);
    const sb = colM.data.slice(b * 7, b * 7 + 7).reduce((s, v) => s + v, 0);
    for (let j = 0; j < 7; j++) colM.data[b * 7 + j]! *= sa / sb;
  }
  return [
    sinkhornCase('sinkhorn-square', randn(r, [2, 6, 6]), 2, 10, 1),
    sinkhornCase('sinkhorn-rect-marginals', randu(r, [2, 5, 7]), 5, 30, 2, { row: rowM, col: colM }),
    sinkhornCase('sinkhorn-sharp', randu(r, [1, 16, 16]), 100, 20, 3),
    sinkhornCase('sinkhorn-one-iteration', randn(r, [3, 4, 4]), 1, 1, 4),
    headCase('head-8x8', 2, 100, 20, 5),
    headCase('head-8x8-lambda10', 1, 10, 5, 6),
    affineCase('affine', 7),
    reduceCase('reduce-area-ground-7x38', [7, 38], 8),
    reduceCase('reduce-area-aerial-16x16', [16, 16], 9),
  ];
}

// ---------------------------------------------------------------------------------------------
// torch, once
// ---------------------------------------------------------------------------------------------

type TorchResult = Record<string, Record<string, Float32Array>>;

function runTorch(cases: Case[]): TorchResult {
  const dir = mkdtempSync(join(tmpdir(), 'cvft-torch-'));
  try {
    const spec = {
      cases: cases.map((c) => ({
        name: c.name,
        mode: c.mode,
        params: c.params,
        grad: c.grad,
        inputs: Object.fromEntries(
          Object.entries(c.inputs).map(([k, a]) => {
            const file = `${c.name}.in.${k}.f32`;
            writeFileSync(join(dir, file), Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength));
            return [k, { file, shape: a.shape }];
          }),
        ),
      })),
    };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const p = spawnSync(torchPy.python!, [SCRIPT, dir], { encoding: 'utf8' });
    if (p.status !== 0) throw new Error(`cvft_torch.py failed (${p.status}): ${p.stderr}`);
    const res = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as { cases: Record<string, Record<string, { file: string }>> };
    const out: TorchResult = {};
    for (const [cname, files] of Object.entries(res.cases)) {
      out[cname] = {};
      for (const [k, f] of Object.entries(files)) {
        const buf = readFileSync(join(dir, f.file));
        out[cname]![k] = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const worst: string[] = [];
afterAll(() => {
  if (worst.length) console.log(`CVFT vs torch, max relative error per case and backend:\n${worst.join('\n')}`);
});

describe('CVFT against PyTorch (test/reference/cvft_torch.py)', () => {
  requireInCi('python3 with torch (CVFT reference; CVGL_PYTHON to override)', torchPy.python != null, 'reason' in torchPy ? torchPy.reason : undefined);
  if (torchPy.python == null) return;
  let cases: Case[] = [];
  let ref: TorchResult = {};

  it('the reference runs', async () => {
    await useBackend('cpu');
    cases = buildCases();
    ref = runTorch(cases);
    expect(Object.keys(ref).sort()).toEqual(cases.map((c) => c.name).sort());
  });

  describe.each(BACKENDS)('on %s', (backend) => {
    it('Sinkhorn, transport head, affine STN and the area reduction: values and gradients within 1e-4', async () => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const errs: string[] = [];
      for (const c of cases) {
        const xs = Object.fromEntries(Object.entries(c.inputs).map(([k, a]) => [k, T(a)]));
        const outs = tf.tidy(() => c.run(xs).outputs);
        const gradFn = tf.grads((...g: tf.Tensor[]) => {
          const all = { ...xs };
          c.grad.forEach((k, i) => (all[k] = g[i]!));
          return c.run(all).loss;
        });
        const grads = gradFn(c.grad.map((k) => xs[k]!));
        const got: Record<string, Float32Array> = {};
        for (const [k, t] of Object.entries(outs)) got[k] = Float32Array.from(await t.data());
        for (const [i, k] of c.grad.entries()) got[`d_${k}`] = Float32Array.from(await grads[i]!.data());
        tf.dispose([xs, outs, grads]);
        const rep: string[] = [];
        for (const [k, v] of Object.entries(got)) {
          const want = ref[c.name]![k];
          expect(want, `${c.name}: torch wrote ${k}`).toBeDefined();
          const e = relErr(v, want!);
          rep.push(`${k} ${e.toExponential(1)}`);
          expect(e, `${c.name} on ${backend}: ${k} (relative error)`).toBeLessThan(REL_TOL);
        }
        errs.push(`  ${backend.padEnd(7)} ${c.name.padEnd(26)} ${rep.join(', ')}`);
      }
      worst.push(...errs);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Sinkhorn properties (no torch needed)
// ---------------------------------------------------------------------------------------------

async function arr(t: tf.Tensor): Promise<Float32Array> {
  const v = Float32Array.from(await t.data());
  t.dispose();
  return v;
}

function maxAbsDiff(a: Float32Array, b: Float32Array | number): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - (typeof b === 'number' ? b : b[i]!)));
  return m;
}

describe.each(BACKENDS)('Sinkhorn on %s', (backend) => {
  it('rows and columns sum to the marginals (Eq. 2 defaults, custom ones, and where exp(−λC) underflows)', async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const r = new Rng(11);
    // converged square: doubly stochastic
    const c1 = T(randn(r, [2, 10, 10]));
    const p1 = sinkhorn(c1, { lambda: 1, iterations: 200 });
    expect(maxAbsDiff(await arr(tf.sum(p1, 2)), 1)).toBeLessThan(1e-5);
    expect(maxAbsDiff(await arr(tf.sum(p1, 1)), 1)).toBeLessThan(1e-5);
    // rectangular with marginals a [B,N], b [M]; Σa = Σb
    const a = tf.tensor2d([[1, 2, 3, 2], [0.5, 0.5, 4, 3]]);
    const b = tf.tensor1d([2, 2, 2, 1, 1]);
    const c2 = T(randu(r, [2, 4, 5]));
    const p2 = sinkhorn(c2, { lambda: 3, iterations: 300, rowMarginal: a, colMarginal: b });
    expect(maxAbsDiff(await arr(tf.sum(p2, 2)), Float32Array.from(await a.data()))).toBeLessThan(1e-4);
    expect(maxAbsDiff(await arr(tf.sum(p2, 1)), Float32Array.from([2, 2, 2, 1, 1, 2, 2, 2, 1, 1]))).toBeLessThan(1e-5);
    // λ·C up to 1000: exp(−λC) is 0 in float32 for almost every entry, the log domain is not
    const c3 = T(randu(r, [1, 8, 8]));
    const p3 = await arr(sinkhorn(c3, { lambda: 1000, iterations: 50 }));
    expect(p3.every(Number.isFinite)).toBe(true);
    const t3 = tf.tensor3d(p3, [1, 8, 8]);
    expect(maxAbsDiff(await arr(tf.sum(t3, 1)), 1)).toBeLessThan(1e-5);
    // m = 0 is C' itself (Eq. 3)
    const p0 = await arr(sinkhorn(c1, { lambda: 0.5, iterations: 0 }));
    const k0 = await arr(tf.tidy(() => tf.exp(tf.mul(c1, -0.5))));
    expect(maxAbsDiff(p0, k0) / Math.max(...k0)).toBeLessThan(1e-6);
    tf.dispose([c1, p1, a, b, c2, p2, c3, t3]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('log-domain iteration equals the plain Eq. 2–3 where the latter is safe in float32', async () => {
    await useBackend(backend);
    const r = new Rng(12);
    const c = T(randn(r, [2, 7, 7]));
    const ours = await arr(sinkhorn(c, { lambda: 1.5, iterations: 7 }));
    const plain = tf.tidy(() => {
      let k = tf.exp(tf.mul(c, -1.5));
      for (let i = 0; i < 7; i++) {
        k = tf.div(k, tf.sum(k, 2, true));
        k = tf.div(k, tf.sum(k, 1, true));
      }
      return k;
    });
    expect(relErr(ours, await arr(plain))).toBeLessThan(1e-5);
    c.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// the whole model
// ---------------------------------------------------------------------------------------------

/** CVFT's loss (Eq. 6), exhaustive mini-batch, γ = 10, written out here to keep this test self-contained. */
function softMargin(g: tf.Tensor2D, s: tf.Tensor2D): tf.Scalar {
  const d = tf.sqrt(tf.maximum(tf.sub(2, tf.mul(2, tf.matMul(g, s, false, true))), 1e-12));
  const pos = tf.sum(tf.mul(d, tf.eye(g.shape[0])), 1, true); // d_pos = D[i,i]
  const off = tf.sub(1, tf.eye(g.shape[0]));
  const term = (gap: tf.Tensor) => tf.sum(tf.mul(tf.softplus(tf.mul(gap, 10)), off));
  return tf.div(tf.add(term(tf.sub(pos, d)), term(tf.sub(tf.transpose(pos), d))), 2 * g.shape[0] * (g.shape[0] - 1)) as tf.Scalar;
}

describe.each(BACKENDS)('Cvft (widthDivisor 16, small images) on %s', (backend) => {
  it('forward + backward; a training step leaves no tensors behind', async () => {
    await useBackend(backend);
    const start = tf.memory().numTensors;
    const r = new Rng(21);
    const model = new Cvft({ widthDivisor: 16, rng: r, name: `cvft-${backend}` });
    const ground = r.uniformTensor([3, 32, 64, 3]) as tf.Tensor4D; // conv5_3 2x4 → 8x8
    const aerial = r.uniformTensor([3, 48, 48, 3]) as tf.Tensor4D; // conv5_3 3x3 → 8x8
    const e = model.embed(ground, aerial);
    expect(e.g.shape).toEqual([3, model.descriptorLength()]);
    expect(e.s.shape).toEqual([3, 256]);
    const norms = await arr(tf.norm(e.g, 'euclidean', 1));
    expect(maxAbsDiff(norms, 1)).toBeLessThan(1e-5);
    tf.dispose([e.g, e.s]);
    const maps = model.maps(ground, aerial);
    expect(maps.plan!.shape).toEqual([3, 64, 64]);
    expect(maxAbsDiff(await arr(tf.sum(maps.plan!, 1)), 1)).toBeLessThan(1e-4);
    tf.dispose(maps as unknown as tf.TensorContainer);

    const vars = model.variables();
    const opt = tf.train.adam(1e-4);
    const counts: number[] = [];
    for (let step = 0; step < 3; step++) {
      const { value, grads } = tf.variableGrads(() => {
        const { g, s } = model.embed(ground, aerial);
        return softMargin(g, s);
      }, vars);
      expect(Number.isFinite(await value.data().then((v) => v[0]!))).toBe(true);
      for (const [k, gr] of Object.entries(grads)) {
        const gv = await gr.data();
        expect(gv.every(Number.isFinite), `finite d/d${k}`).toBe(true);
      }
      if (step === 0) {
        // every variable the loss reaches has a gradient, including the cost-generation block
        expect(Object.keys(grads).sort()).toEqual(vars.map((v) => v.name).sort());
        const fc = Float32Array.from(await grads[model.namedVariables().get('cost.fc.weight')!.name]!.data());
        expect(fc.some((v) => v !== 0)).toBe(true);
      }
      opt.applyGradients(grads as Parameters<typeof opt.applyGradients>[0]);
      tf.dispose([value, grads]);
      counts.push(tf.memory().numTensors);
    }
    expect(counts[2], `tensor counts after steps: ${counts}`).toBe(counts[1]);
    opt.dispose();
    model.dispose();
    tf.dispose([ground, aerial]);
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('ablation variants (Table 1, Table 3) build and run', () => {
  it.each(CVFT_VARIANTS)('%s (wasm)', async (variant) => {
    await useBackend('wasm');
    const start = tf.memory().numTensors;
    const r = new Rng(31);
    const model = new Cvft({ variant, widthDivisor: 16, rng: r, name: `abl-${variant}` });
    expect(model.paramCount()).toBe(cvftParamCount({ variant, widthDivisor: 16 }));
    const ground = r.uniformTensor([2, 32, 64, 3]) as tf.Tensor4D;
    const aerial = r.uniformTensor([2, 32, 32, 3]) as tf.Tensor4D;
    const vars = model.variables();
    const { value, grads } = tf.variableGrads(() => {
      const { g, s } = model.embed(ground, aerial);
      expect(g.shape).toEqual([2, model.descriptorLength()]);
      expect(s.shape).toEqual([2, model.descriptorLength()]);
      return softMargin(g, s);
    }, vars);
    expect(Number.isFinite((await value.data())[0]!)).toBe(true);
    expect(Object.keys(grads).length).toBe(vars.length);
    for (const g of Object.values(grads)) expect((await g.data()).every(Number.isFinite)).toBe(true);
    if (variant.startsWith('stn')) {
      // at the identity initialisation the STN reproduces its input
      const m = model.maps(ground, aerial);
      expect(maxAbsDiff(await arr(m.transported!), await arr(m.ground))).toBeLessThan(1e-5);
      tf.dispose(m as unknown as tf.TensorContainer);
    }
    tf.dispose([value, grads, ground, aerial]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('rejects an unknown resize with a CvglError naming both', () => {
    expect(() => cvftDescriptorLength({ resize: 'nearest' as never })).toThrow(/'area' or 'bilinear-tf1'/);
  });

  it('the released-code reduction (3x3 stride 2) runs too', async () => {
    await useBackend('cpu');
    const r = new Rng(32);
    const model = new Cvft({ reduction: 'released-code', widthDivisor: 16, rng: r, name: 'abl-rc' });
    const e = model.embed(r.uniformTensor([1, 32, 64, 3]) as tf.Tensor4D, r.uniformTensor([1, 64, 64, 3]) as tf.Tensor4D);
    expect(e.g.shape).toEqual([1, 256]);
    tf.dispose([e.g, e.s]);
    model.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// every conv5_3 position reaches the descriptor (issue 23 item 2)
// ---------------------------------------------------------------------------------------------

/**
 * The gradient of Σ (descriptors · r) w.r.t. both conv5_3 maps at the released code's sizes
 * (112x616 panoramas → 7x38, 256x256 aerials → 16x16), at full width; the positions whose
 * gradient is zero in every channel.
 */
async function deadPositions(opts: CvftOptions, name: string): Promise<{ ground: number; aerial: number }> {
  const r = new Rng(41);
  const model = new Cvft({ ...opts, rng: r, name });
  try {
    const g5 = tf.relu(r.normalTensor([1, 7, 38, 512])) as tf.Tensor4D;
    const a5 = tf.relu(r.normalTensor([1, 16, 16, 512])) as tf.Tensor4D;
    const d = model.descriptorLength();
    const rg = r.normalTensor([1, d]), ra = r.normalTensor([1, d]);
    const [dg, da] = tf.grads((g: tf.Tensor, a: tf.Tensor) => {
      const e = model.embedFromConv5(g as tf.Tensor4D, a as tf.Tensor4D);
      return tf.add(tf.sum(tf.mul(e.g, rg)), tf.sum(tf.mul(e.s, ra))) as tf.Scalar;
    })([g5, a5]);
    const dead = async (t: tf.Tensor) => (await tf.tidy(() => tf.max(tf.abs(t), -1)).data()).filter((v) => v === 0).length;
    const out = { ground: await dead(dg!), aerial: await dead(da!) };
    tf.dispose([g5, a5, rg, ra, dg!, da!]);
    return out;
  } finally {
    model.dispose();
  }
}

describe('every conv5_3 position reaches the descriptor (authors\' sizes: aerial 16x16, ground 7x38)', () => {
  it('the default (1x1 reduction, area resize): no position without a gradient, full and wo/ CVFT', async () => {
    await useBackend('cpu');
    expect(await deadPositions({}, 'cover-full')).toEqual({ ground: 0, aerial: 0 });
    expect(await deadPositions({ variant: 'wo-cvft' }, 'cover-wo')).toEqual({ ground: 0, aerial: 0 });
    expect(await deadPositions({ reduction: 'released-code' }, 'cover-rc')).toEqual({ ground: 0, aerial: 0 });
  }, 120_000);

  it("the old default ('bilinear-tf1'): three quarters of the aerial positions and most ground columns get none", async () => {
    await useBackend('cpu');
    const d = await deadPositions({ resize: 'bilinear-tf1' }, 'cover-bilinear');
    expect(d.aerial).toBe(16 * 16 * 3 / 4);
    // 38 → 8 reads x = 4.75·i: columns 0, 4-5, 9-10, 14-15, 19, 23-24, 28-29, 33-34 (14 of 38)
    expect(d.ground).toBe(7 * (38 - 14));
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// sizes
// ---------------------------------------------------------------------------------------------

describe('descriptor lengths, parameters, FLOPs', () => {
  it('Table 4: 4096 / 2048 / 1536 / 512 from the spatial size, 64 channels kept', async () => {
    for (const dim of [4096, 2048, 1536, 512] as CvftDim[]) {
      expect(cvftDescriptorLength({ dim })).toBe(dim);
      const [h, w] = CVFT_FEATURE_HW[dim];
      expect(h * w * 64).toBe(dim);
      expect(cvftDescriptorLength({ dim, variant: 'wo-cvft' })).toBe(dim);
    }
    expect(cvftDescriptorLength({ variant: 'vgg-global-pooling' })).toBe(512);
    await useBackend('cpu');
    for (const dim of [4096, 1536] as CvftDim[]) {
      const m = new Cvft({ dim, widthDivisor: 16, name: `dim${dim}` });
      expect(m.descriptorLength()).toBe(dim / 16);
      const x = [tf.zeros([1, 32, 64, 3]) as tf.Tensor4D, tf.zeros([1, 32, 32, 3]) as tf.Tensor4D] as const;
      const e = m.embed(...x);
      expect(e.g.shape).toEqual([1, dim / 16]);
      tf.dispose([e.g, e.s, ...x]);
      m.dispose();
    }
  });

  it('parameters at full width, by part', () => {
    const vgg = 2 * 14_714_688;
    expect(cvftParamBreakdown()).toEqual({ vgg, reduce: 2 * 32_832, regression: 65 + 266_240, total: 29_761_345 });
    expect(cvftParamCount({ reduction: 'released-code' })).toBe(vgg + 2 * 294_976 + 65 + 266_240);
    expect(cvftParamCount({ variant: 'wo-cvft' })).toBe(vgg + 2 * 32_832);
    expect(cvftParamCount({ variant: 'vgg-global-pooling' })).toBe(vgg);
    expect(cvftParamCount({ variant: 'stn-affine' })).toBe(vgg + 2 * 32_832 + 65 + 64 * 6 + 6);
    expect(cvftParamCount({ variant: 'stn-tps' })).toBe(vgg + 2 * 32_832 + 65 + 64 * 32 + 32);
    expect(cvftParamCount({ dim: 512 })).toBe(vgg + 2 * 32_832 + 65 + 8 * 64 + 64);
  });

  it('FLOPs: the backbone, the reduction and resizes, the head', () => {
    const G: [number, number] = [112, 616];
    const A: [number, number] = [256, 256];
    const conv = [...vgg16ConvMacs(...G, 'conv5_3'), ...vgg16ConvMacs(...A, 'conv5_3')].reduce((n, l) => n + l.macs, 0);
    expect(cvftForwardFlops(G, A, { variant: 'vgg-global-pooling' })).toBe(2 * conv);
    // 1x1 reduce on 7x38 and 16x16 maps, both resized to 8x8: area windows (7 → 8 rows: 14 taps,
    // 38 → 8 columns: 44; 16 → 8: 16 each way), bilinear 4 taps per value
    const reduce = (7 * 38 + 16 * 16) * 512 * 64;
    const wo = 2 * (conv + reduce + (14 * 44 + 16 * 16) * 64);
    expect(cvftForwardFlops(G, A, { variant: 'wo-cvft' })).toBe(wo);
    expect(cvftForwardFlops(G, A, { variant: 'wo-cvft', resize: 'bilinear-tf1' })).toBe(2 * (conv + reduce + 2 * 4 * 64 * 64));
    const head = 2 * (64 * 64 + 64 * 4096 + 64 * 64 * 64) + sinkhornFlops(64, 64, 20);
    expect(cvftForwardFlops(G, A)).toBe(wo + head);
    expect(cvftForwardFlops(G, A) / 1e9).toBeGreaterThan(20);
  });

  it('rejects unknown variants and dimensions with a CvglError', () => {
    expect(() => new Cvft({ variant: 'nope' as never })).toThrow(CvglError);
    expect(() => cvftDescriptorLength({ dim: 1000 as never })).toThrow(CvglError);
    expect(() => sinkhorn(tf.zeros([2, 2, 2, 2]))).toThrow(CvglError);
  });
});
