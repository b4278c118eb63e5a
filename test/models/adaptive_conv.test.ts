/**
 * MDUIT's appearance-adaptive convolution (paper 004, Eq. 1; Sec. 3.1: 256 groups, 5x5) —
 * lib/models/adaptive_conv.ts, the batched per-sample dynamic group convolution:
 *   - against a per-sample, per-group loop of tf.conv2d (values and gradients w.r.t. x and W) on
 *     cpu and wasm;
 *   - against PyTorch's F.conv2d(x[b], W[b], groups=G) in float64 (test/reference/adaptive_conv_torch.py),
 *     values and gradients, on cpu and wasm;
 *   - the depthwise case (the paper's: one channel per group) and general groups; shape errors;
 *     no tensor or buffer leaks (evalWithGrads asserts them).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CvglError, Rng, tf, type BackendName } from '../../lib/engine/index.js';
import { dynamicGroupConv2d } from '../../lib/models/adaptive_conv.js';
import { requireInCi } from '../ci_requirements.js';
import { REL_TOL, evalWithGrads, randn, relErr, useBackend, type ArrayInput, type EvalResult } from '../engine/parity_helpers.js';
import { ReferenceDir, findPython } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/adaptive_conv_torch.py', import.meta.url));
const BACKENDS: BackendName[] = ['cpu', 'wasm'];
const py = findPython(['torch', 'numpy']);
requireInCi('PyTorch for the adaptive-convolution reference', py.python !== null, 'reason' in py ? py.reason : undefined);

interface Case {
  name: string;
  x: [number, number, number, number];
  /** [B, k, k, C/G, C'] */
  w: [number, number, number, number, number];
  groups: number;
}

const CASES: Case[] = [
  // the paper's setting at small size: one channel per group (c = c' = groups), 5x5
  { name: 'depthwise5', x: [3, 6, 7, 8], w: [3, 5, 5, 1, 8], groups: 8 },
  // general groups: 2 input and 3 output channels per group
  { name: 'groups3', x: [2, 5, 6, 6], w: [2, 3, 3, 2, 9], groups: 3 },
  // one group = an ordinary convolution with a per-sample filter
  { name: 'dense', x: [2, 4, 5, 3], w: [2, 3, 3, 3, 4], groups: 1 },
  // a channel multiplier (1 in, 2 out per group) and 5x5 on a map smaller than the kernel
  { name: 'multiplier', x: [2, 3, 4, 4], w: [2, 5, 5, 1, 8], groups: 4 },
];

function inputs(c: Case): ArrayInput[] {
  const r = new Rng(c.name.length * 31 + c.groups);
  const out = [c.x[0], c.x[1], c.x[2], c.w[4]];
  return [randn(r, 'x', c.x), randn(r, 'w', c.w, 0.5), randn(r, 'r', out, 1, false)];
}

/** Σ out · R: a scalar whose gradient is R pulled back through the convolution. */
const scalar = (c: Case) => (ts: tf.Tensor[]) => tf.sum(tf.mul(dynamicGroupConv2d(ts[0] as tf.Tensor4D, ts[1]!, c.groups), ts[2]!)) as tf.Scalar;

/** The same with one tf.conv2d per sample and group, concatenated (the formulation the batched one replaces). */
const loopScalar = (c: Case) => (ts: tf.Tensor[]) => {
  const [x, w, r] = ts as [tf.Tensor4D, tf.Tensor, tf.Tensor];
  const [b, , , cin] = c.x;
  const [, k, , cinG, cout] = c.w;
  const coutG = cout / c.groups;
  const rows: tf.Tensor4D[] = [];
  for (let s = 0; s < b; s++) {
    const parts: tf.Tensor4D[] = [];
    for (let g = 0; g < c.groups; g++) {
      const xs = tf.slice(x, [s, 0, 0, g * cinG], [1, -1, -1, cinG]) as tf.Tensor4D;
      const ws = tf.reshape(tf.slice(w, [s, 0, 0, 0, g * coutG], [1, k, k, cinG, coutG]), [k, k, cinG, coutG]) as tf.Tensor4D;
      parts.push(tf.conv2d(xs, ws, 1, 'same'));
    }
    rows.push(parts.length === 1 ? parts[0]! : tf.concat(parts, 3));
  }
  expect(cin).toBe(cinG * c.groups);
  return tf.sum(tf.mul(tf.concat(rows, 0), r)) as tf.Scalar;
};

function expectSame(label: string, got: EvalResult, ref: { value: Float32Array; grads: Map<string, Float32Array> }, tol = REL_TOL): void {
  const errs: Record<string, number> = { value: relErr(got.value, ref.value) };
  for (const g of got.grads) errs[`d/d${g.name}`] = relErr(g.data, ref.grads.get(g.name)!);
  const bad = Object.entries(errs).filter(([, e]) => !(e < tol));
  expect(bad.map(([k, e]) => `${k}: ${e.toExponential(2)}`), `${label}: relative errors above ${tol}`).toEqual([]);
}

describe('dynamic group convolution against a per-sample loop of tf.conv2d', () => {
  for (const backend of BACKENDS) {
    for (const c of CASES) {
      it(`${c.name}: x [${c.x}], W [${c.w}], ${c.groups} groups — value, d/dx, d/dW (${backend})`, async () => {
        const ins = inputs(c);
        const loop = await evalWithGrads(backend, loopScalar(c), ins);
        const batched = await evalWithGrads(backend, scalar(c), ins);
        expect(batched.grads.map((g) => g.name)).toEqual(['x', 'w']);
        expectSame(`${c.name} on ${backend}`, batched, { value: loop.value, grads: new Map(loop.grads.map((g) => [g.name, g.data])) });
      });
    }
  }

  it('the output of sample b depends on W[b] only (one filter per sample)', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const r = new Rng(5);
    const x = r.normalTensor([2, 4, 4, 4]) as tf.Tensor4D;
    const w = r.normalTensor([2, 3, 3, 1, 4]);
    const w2 = tf.tidy(() => tf.concat([tf.slice(w, [0], [1]), tf.mul(tf.slice(w, [1], [1]), 3)], 0));
    const read = (t: tf.Tensor, s: number) => {
      const row = tf.slice(t, [s], [1]);
      const d = Float32Array.from(row.dataSync());
      row.dispose();
      return d;
    };
    const a = dynamicGroupConv2d(x, w, 4), b = dynamicGroupConv2d(x, w2, 4);
    expect(relErr(read(b, 0), read(a, 0))).toBe(0);
    expect(relErr(read(b, 1), read(a, 1).map((v) => 3 * v))).toBeLessThan(1e-6);
    tf.dispose([x, w, w2, a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects mismatched shapes with a CvglError', async () => {
    await useBackend('cpu');
    const x = tf.zeros([2, 4, 4, 6]) as tf.Tensor4D;
    const bad: [number[], number][] = [
      [[2, 3, 3, 1, 6], 4], // 4 groups do not divide 6 channels
      [[1, 3, 3, 1, 6], 6], // one filter for two samples
      [[2, 4, 4, 1, 6], 6], // even kernel
      [[2, 3, 3, 2, 6], 6], // C/G = 1, not 2
      [[2, 3, 3, 6], 1], // rank 4
    ];
    for (const [shape, groups] of bad) {
      const w = tf.zeros(shape);
      expect(() => dynamicGroupConv2d(x, w, groups), `w [${shape}], ${groups} groups`).toThrow(CvglError);
      w.dispose();
    }
    x.dispose();
  });
});

const dirs: ReferenceDir[] = [];
afterAll(() => dirs.forEach((d) => d.remove()));
let torchRef: Promise<Map<string, { value: Float32Array; grads: Map<string, Float32Array> }>> | null = null;

function reference(python: string) {
  torchRef ??= (async () => {
    const dir = new ReferenceDir('cvgl-adaptive-conv-');
    dirs.push(dir);
    for (const c of CASES) {
      const [x, w, r] = inputs(c);
      dir.writeF32(`${c.name}_x.f32`, x!.data as Float32Array);
      dir.writeF32(`${c.name}_w.f32`, w!.data as Float32Array);
      dir.writeF32(`${c.name}_r.f32`, r!.data as Float32Array);
    }
    dir.run(python, SCRIPT, { cases: CASES });
    return new Map(
      CASES.map((c) => [c.name, { value: dir.readF32(`${c.name}_loss.f32`), out: dir.readF32(`${c.name}_out.f32`), grads: new Map([['x', dir.readF32(`${c.name}_gx.f32`)], ['w', dir.readF32(`${c.name}_gw.f32`)]]) }] as const),
    );
  })();
  return torchRef;
}

describe.skipIf(py.python === null)('dynamic group convolution against PyTorch F.conv2d(groups=G), per sample', () => {
  for (const backend of BACKENDS) {
    it(`all cases: outputs, d/dx and d/dW of Σ out·R (${backend})`, async () => {
      const ref = await reference(py.python!);
      for (const c of CASES) {
        const ins = inputs(c);
        const got = await evalWithGrads(backend, scalar(c), ins);
        expectSame(`${c.name} vs torch on ${backend}`, got, ref.get(c.name)!);
        // the output tensor itself, not only its weighted sum
        const before = tf.memory().numTensors;
        const out = tf.tidy(() => dynamicGroupConv2d(tf.tensor4d(ins[0]!.data as Float32Array, c.x), tf.tensor(ins[1]!.data as Float32Array, c.w), c.groups));
        const refOut = (ref.get(c.name)! as unknown as { out: Float32Array }).out;
        expect(relErr(Float32Array.from(await out.data()), refOut), `${c.name} output on ${backend}`).toBeLessThan(REL_TOL);
        out.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }
    });
  }
});
