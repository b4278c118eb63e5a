/**
 * MGTL (paper 000; lib/models/mgtl.ts):
 *  - LayerNorm and the GKST block of Eq. 4–5 in its three readings (multi-head cross-attention,
 *    residual, then LN added ('literal'), an MLP behind the LN (default 'pre-ln-ffn'), or both
 *    ('literal-ffn')), values and gradients w.r.t. inputs and every weight, against an independent
 *    PyTorch implementation (test/reference/mgtl_torch.py, float64) on cpu, wasm and webgpu;
 *  - the whole model ('full' and 'naive' with the default block, 'full' with the literal one;
 *    widths / 16, 32x96 images, L = 2): descriptors and every weight's gradient against the same
 *    script's functional MGTL, weights copied by name;
 *  - the whole model (widths / 16, small images, small L) forward + backward with `mgtlLoss`
 *    and an Adam step on every backend, with no tensor leaks;
 *  - the variants and blocks build; analytic parameter counts and FLOPs against the built model
 *    and the paper's Tables 2 and 3 (the default block within 1% of Table 2's totals).
 *
 * Error measure: max|ours − torch| / max|torch| per output and gradient, below 1e-4; the scalar
 * differentiated is Σ out·r with fixed random r.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CvglError, Rng, tf } from '../../lib/engine/index.js';
import { softMarginTripletExhaustive } from '../../lib/losses/triplet.js';
import {
  GKST_BLOCKS,
  Mgtl,
  gkstBlock,
  mgtlForwardMacs,
  mgtlLoss,
  mgtlParamCount,
  type GkstBlock,
  type MgtlVariant,
} from '../../lib/models/mgtl.js';
import { vgg16ConvMacs } from '../../lib/models/vgg16.js';
import { layerNorm } from '../../lib/nn/norm.js';
import { modelFacts } from '../../lib/models/registry.js';
import { requireInCi } from '../ci_requirements.js';
import { REL_TOL, relErr, useBackend } from '../engine/parity_helpers.js';
import { ReferenceDir, expectClose, findPython, normalArray as randn, size, testBackends, uniformArray as randu, type Arr } from '../reference_python.js';
import { MGTL_PUBLISHED } from '../../lib/papers/mgtl/published.js';
import { publishedValue } from '../../lib/papers/published.js';

const SCRIPT = fileURLToPath(new URL('../reference/mgtl_torch.py', import.meta.url));

const findTorch = () => findPython(['numpy', 'torch']);

const torchPy = findTorch();
const { backends: BACKENDS, webgpu } = await testBackends();



interface Case {
  kind: 'layernorm' | 'gkst';
  name: string;
  heads: number;
  block?: GkstBlock;
  inputs: Record<string, Arr>; // insertion order = gradient order
  r: Arr;
}

function lnCase(name: string, shape: [number, number, number], seed: number): Case {
  const r = new Rng(seed);
  const c = shape[2];
  const n = shape[0] * shape[1] * c;
  return {
    kind: 'layernorm',
    name,
    heads: 1,
    inputs: {
      x: { shape, data: randn(r, n, 2) },
      ln_g: { shape: [c], data: randu(r, c, 0.5, 1.5) },
      ln_b: { shape: [c], data: randn(r, c, 0.1) },
    },
    r: { shape, data: randn(r, n) },
  };
}

function gkstCase(name: string, B: number, N: number, M: number, c: number, heads: number, seed: number, block: GkstBlock = 'literal'): Case {
  const r = new Rng(seed);
  // PyTorch's default initialisation range, U(±1/√fan_in)
  const w = (i = c, o = c): Arr => ({ shape: [i, o], data: randu(r, i * o, -1 / Math.sqrt(i), 1 / Math.sqrt(i)) });
  const b = (n = c, fin = c): Arr => ({ shape: [n], data: randu(r, n, -1 / Math.sqrt(fin), 1 / Math.sqrt(fin)) });
  const lnG = (): Arr => ({ shape: [c], data: randu(r, c, 0.5, 1.5) });
  const lnB = (): Arr => ({ shape: [c], data: randn(r, c, 0.1) });
  return {
    kind: 'gkst',
    name,
    heads,
    block,
    inputs: {
      x: { shape: [B, N, c], data: randn(r, B * N * c) },
      kv: { shape: [B, M, c], data: randn(r, B * M * c) },
      wq: w(), bq: b(), wk: w(), bk: b(), wv: w(), bv: b(), wo: w(), bo: b(),
      ln_g: lnG(),
      ln_b: lnB(),
      // the MLP c → 4c → c ('pre-ln-ffn', 'literal-ffn') and the LN of its own ('literal-ffn')
      ...(block === 'literal' ? {} : { w1: w(c, 4 * c), b1: b(4 * c, c), w2: w(4 * c, c), b2: b(c, 4 * c) }),
      ...(block === 'literal-ffn' ? { ffn_ln_g: lnG(), ffn_ln_b: lnB() } : {}),
    },
    r: { shape: [B, N, c], data: randn(r, B * N * c) },
  };
}

const CASES: Case[] = [
  lnCase('ln_2x5x24', [2, 5, 24], 21),
  // widths / 16 of the paper's block: c = 24, 6 heads; queries and keys of different lengths
  gkstCase('gkst_c24_h6', 2, 5, 7, 24, 6, 22),
  gkstCase('gkst_c12_h3', 3, 4, 4, 12, 3, 23),
  // the default block: Eq. 5's LN in front of a c → 4c → c GELU MLP
  gkstCase('gkst_preln_c24_h6', 2, 5, 7, 24, 6, 24, 'pre-ln-ffn'),
  gkstCase('gkst_preln_c12_h3', 3, 4, 4, 12, 3, 25, 'pre-ln-ffn'),
  gkstCase('gkst_lnffn_c12_h3', 2, 4, 6, 12, 3, 26, 'literal-ffn'),
];

type Outputs = Map<string, Float32Array>;
const torchOut = new Map<string, Outputs>();
let io: ReferenceDir | null = null;

/** Whole-model parity cases: widths / 16, 32x96 images (W' = 3), L = 2, batch 2. */
const MODEL_CASES: { name: string; variant: MgtlVariant; block?: GkstBlock; seed: number }[] = [
  { name: 'model_full', variant: 'full', seed: 31 },
  { name: 'model_naive', variant: 'naive', seed: 32 },
  { name: 'model_full_literal', variant: 'full', block: 'literal', seed: 33 },
];
const MODEL_OPTS = { widthDivisor: 16, groundHW: [32, 96] as [number, number], aerialHW: [32, 96] as [number, number], steps: 2 };

function modelInputs(seed: number): { ground: Arr; aerial: Arr; rg: Arr; rs: Arr } {
  const r = new Rng(seed + 1000);
  const img = (): Arr => ({ shape: [2, 32, 96, 3], data: randu(r, 2 * 32 * 96 * 3, 0, 1) });
  return { ground: img(), aerial: img(), rg: { shape: [2, 72], data: randn(r, 144) }, rs: { shape: [2, 72], data: randn(r, 144) } };
}

async function runTorch(python: string): Promise<void> {
  const ref = new ReferenceDir('mgtl-torch-');
  io = ref;
  const modelSpecs: object[] = [];
  await useBackend('cpu');
  for (const mc of MODEL_CASES) {
    const m = new Mgtl({ ...MODEL_OPTS, variant: mc.variant, ...(mc.block ? { block: mc.block } : {}), rng: new Rng(mc.seed) });
    const params: Record<string, number[]> = {};
    try {
      for (const [k, v] of m.namedVariables()) {
        ref.writeF32(`${mc.name}.param.${k}.f32`, Float32Array.from(await v.data()));
        params[k] = v.shape;
      }
    } finally {
      m.dispose();
    }
    const inp = modelInputs(mc.seed);
    ref.writeF32(`${mc.name}.in.ground.f32`, inp.ground.data);
    ref.writeF32(`${mc.name}.in.aerial.f32`, inp.aerial.data);
    ref.writeF32(`${mc.name}.r.g.f32`, inp.rg.data);
    ref.writeF32(`${mc.name}.r.s.f32`, inp.rs.data);
    // the block the model was built with (its default when the case names none)
    modelSpecs.push({ kind: 'model', name: mc.name, variant: mc.variant, block: m.block, steps: MODEL_OPTS.steps, heads: 6, inputs: { ground: inp.ground.shape, aerial: inp.aerial.shape }, r: inp.rg.shape, params });
    torchKeys.set(mc.name, ['out.g', 'out.s', ...Object.keys(params).map((k) => `grad.${k}`)]);
  }
  const cases = CASES.map((c) => {
    for (const [k, a] of Object.entries(c.inputs)) ref.writeF32(`${c.name}.in.${k}.f32`, a.data);
    ref.writeF32(`${c.name}.r.out.f32`, c.r.data);
    return { kind: c.kind, name: c.name, heads: c.heads, block: c.block, inputs: Object.fromEntries(Object.entries(c.inputs).map(([k, a]) => [k, a.shape])), r: c.r.shape };
  });
  ref.run(python, SCRIPT, { cases: [...cases, ...modelSpecs] });
  for (const c of CASES) {
    const keys = ['out.out', ...Object.keys(c.inputs).map((k) => `grad.${k}`)];
    torchOut.set(c.name, new Map(keys.map((k) => [k, ref.readF32(`${c.name}.${k}.f32`)])));
  }
  for (const [name, keys] of torchKeys) torchOut.set(name, new Map(keys.map((k) => [k, ref.readF32(`${name}.${k}.f32`)])));
}
const torchKeys = new Map<string, string[]>();

beforeAll(async () => {
  if (torchPy.python) await runTorch(torchPy.python);
});
afterAll(() => {
  io?.remove();
});


function apply(c: Case, t: Record<string, tf.Tensor>): tf.Tensor {
  if (c.kind === 'layernorm') return layerNorm(t.x!, t.ln_g!, t.ln_b!);
  const w = {
    wq: t.wq!, bq: t.bq!, wk: t.wk!, bk: t.bk!, wv: t.wv!, bv: t.bv!, wo: t.wo!, bo: t.bo!, lnG: t.ln_g!, lnB: t.ln_b!,
    ...(t.w1 ? { mlp: { w1: t.w1, b1: t.b1!, w2: t.w2!, b2: t.b2! } } : {}),
    ...(t.ffn_ln_g ? { ffnLnG: t.ffn_ln_g, ffnLnB: t.ffn_ln_b! } : {}),
  };
  return gkstBlock(c.block!, t.x as tf.Tensor3D, t.kv as tf.Tensor3D, w, c.heads);
}

describe('MGTL blocks against PyTorch (test/reference/mgtl_torch.py)', () => {
  requireInCi("Debian's python3-torch (MGTL reference)", torchPy.python != null, 'reason' in torchPy ? torchPy.reason : undefined);
  requireInCi('a WebGPU adapter (hardware or Mesa software)', webgpu.available, webgpu.reason);

  for (const backend of BACKENDS) {
    it.skipIf(!torchPy.python).each(CASES.map((c) => [c.name, c] as const))(`%s forward + gradients (${backend})`, async (_n, c) => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const names = Object.keys(c.inputs);
      const ts = names.map((k) => tf.tensor(c.inputs[k]!.data, c.inputs[k]!.shape));
      const r = tf.tensor(c.r.data, c.r.shape);
      const ours = new Map<string, Float32Array>();
      try {
        const { value, grads } = tf.valueAndGrads((...x: tf.Tensor[]) => tf.sum(tf.mul(apply(c, Object.fromEntries(names.map((k, i) => [k, x[i]!]))), r)) as tf.Scalar)(ts);
        const out = apply(c, Object.fromEntries(names.map((k, i) => [k, ts[i]!])));
        expect(out.shape).toEqual(c.r.shape);
        ours.set('out.out', Float32Array.from(await out.data()));
        for (const [j, g] of grads.entries()) ours.set(`grad.${names[j]}`, Float32Array.from(await g.data()));
        tf.dispose([value, out, ...grads]);
      } finally {
        tf.dispose([...ts, r]);
      }
      expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(before);
      const ref = new Map(torchOut.get(c.name)!);
      if (c.kind === 'gkst') {
        // ∂/∂b_K is exactly 0 (softmax ignores the constant q·b_K added to every key's score):
        // both sides must be zero up to rounding, measured against the scale of ∂/∂b_Q
        const scale = Math.max(...ref.get('grad.bq')!.map(Math.abs));
        for (const a of [ours.get('grad.bk')!, ref.get('grad.bk')!]) expect(Math.max(...a.map(Math.abs)) / scale).toBeLessThan(REL_TOL);
        ours.delete('grad.bk');
        ref.delete('grad.bk');
      }
      expectClose(`${c.name} (${backend})`, ours, ref);
    });

    it.skipIf(!torchPy.python).each(MODEL_CASES.map((c) => [c.name, c] as const))(`whole model %s, L = 2: descriptors + every weight gradient (${backend})`, async (_n, mc) => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const m = new Mgtl({ ...MODEL_OPTS, variant: mc.variant, ...(mc.block ? { block: mc.block } : {}), rng: new Rng(mc.seed) });
      const inp = modelInputs(mc.seed);
      const [ground, aerial, rg, rs] = [inp.ground, inp.aerial, inp.rg, inp.rs].map((a) => tf.tensor(a.data, a.shape));
      const ours = new Map<string, Float32Array>();
      try {
        const e = m.embed(ground as tf.Tensor4D, aerial as tf.Tensor4D);
        ours.set('out.g', Float32Array.from(await e.g.data()));
        ours.set('out.s', Float32Array.from(await e.s.data()));
        tf.dispose([e.g, e.s]);
        const { value, grads } = tf.variableGrads(() => {
          const { g, s } = m.embed(ground as tf.Tensor4D, aerial as tf.Tensor4D);
          return tf.add(tf.sum(tf.mul(g, rg!)), tf.sum(tf.mul(s, rs!))) as tf.Scalar;
        }, m.variables());
        for (const [k, v] of m.namedVariables()) ours.set(`grad.${k}`, Float32Array.from(await grads[v.name]!.data()));
        tf.dispose([value, ...Object.values(grads)]);
      } finally {
        tf.dispose([ground!, aerial!, rg!, rs!]);
        m.dispose();
      }
      expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(before);
      const ref = new Map(torchOut.get(mc.name)!);
      // ∂/∂b_K of every attention block is exactly 0 (see above): zero up to rounding on both sides
      const scale = Math.max(...[...ref].filter(([k]) => k.startsWith('grad.')).map(([, a]) => Math.max(...a.map(Math.abs))));
      for (const k of [...ref.keys()].filter((k) => k.endsWith('.attn.k.bias'))) {
        for (const a of [ours.get(k)!, ref.get(k)!]) expect(Math.max(...a.map(Math.abs)) / scale, k).toBeLessThan(REL_TOL);
        ours.delete(k);
        ref.delete(k);
      }
      // The query and key projections reach the output only through the softmax's Jacobian, whose
      // gradients form by cancellation: a float32 network's rounding there is of the order of the
      // attention's other gradients (PyTorch's own float32 differs from its float64 by 1e-4 to
      // 1e-3 on them, either block), so they are measured against the scale of all four
      // projections of their attention (∂W_Q, ∂W_K, ∂W_V, ∂W_O and biases). The blocks' own
      // tests above still measure them alone.
      for (const k of [...ref.keys()].filter((k) => /\.attn\.[qk]\.(weight|bias)$/.test(k))) {
        const attn = k.replace(/\.[qk]\.(weight|bias)$/, '');
        const proj = [...ref].filter(([n]) => n.startsWith(`${attn}.`)).map(([, a]) => a);
        const a = ours.get(k)!;
        const b = ref.get(k)!;
        const diff = Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
        const denom = Math.max(...proj.map((p) => Math.max(...p.map(Math.abs))));
        expect(diff / denom, `${k} (in the scale of ${attn})`).toBeLessThan(REL_TOL);
        ours.delete(k);
        ref.delete(k);
      }
      // Each layer's bias is measured together with its weight (one affine map [W; b]): through
      // a whole float32 network, a small bias gradient formed by cancellation (the query bias of
      // near-uniform attention) carries rounding of the order of the weight gradient's.
      for (const k of [...ref.keys()].filter((k) => k.endsWith('.bias'))) {
        const wk = k.replace(/\.bias$/, '.weight');
        const rw = ref.get(wk);
        if (!rw) continue;
        const a = ours.get(k)!;
        const b = ref.get(k)!;
        const diff = Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
        const denom = Math.max(...b.map(Math.abs), ...rw.map(Math.abs));
        expect(diff / denom, `${k} (with ${wk})`).toBeLessThan(REL_TOL);
        ours.delete(k);
        ref.delete(k);
      }
      expectClose(`${mc.name} (${backend})`, ours, ref);
    });
  }
});

/** The tiny model: widths / 16 (C = 32, c = 24, 6 heads), 32x96 images (pool5 1x3, W' = 3). */
const TINY = { widthDivisor: 16, groundHW: [32, 96] as [number, number], aerialHW: [32, 96] as [number, number] };

describe('MGTL training step', () => {
  for (const backend of BACKENDS) {
    it(`forward + backward of mgtlLoss, Adam, L = 2, full variant: no tensor leaks (${backend})`, async () => {
      await useBackend(backend);
      const base = tf.memory().numTensors;
      const m = new Mgtl({ ...TINY, steps: 2, rng: new Rng(3) });
      const r = new Rng(4);
      const B = 2;
      const ground = tf.tensor4d(randu(r, B * 32 * 96 * 3, 0, 1), [B, 32, 96, 3]);
      const aerial = tf.tensor4d(randu(r, B * 32 * 96 * 3, 0, 1), [B, 32, 96, 3]);
      const opt = tf.train.adam(1e-3);
      const step = async (): Promise<number> => {
        const cost = tf.tidy(() => opt.minimize(() => mgtlLoss(m.forwardWithAux(ground, aerial)), true, m.variables())!);
        const v = (await cost.data())[0]!;
        cost.dispose();
        return v;
      };
      try {
        const out = m.forwardWithAux(ground, aerial);
        expect(out.g.shape).toEqual([B, m.descriptorLength()]);
        expect(out.s.shape).toEqual([B, 24 * 3]);
        expect(out.generated).toHaveLength(2);
        for (const x of out.generated) for (const t of [x.LG, x.FG, x.LS, x.FS]) expect(t.shape).toEqual([B, 3, 24]);
        const norms = tf.tidy(() => tf.concat([tf.norm(out.g, 'euclidean', 1), tf.norm(out.s, 'euclidean', 1)]));
        for (const n of await norms.data()) expect(n).toBeCloseTo(1, 5);
        // Eq. 9 with λ = 0.05: triplet (Eq. 7) + λ Σ_l MSE + MSE (Eq. 8)
        const parts = tf.tidy(() => {
          const gen = out.generated.map((x) => tf.add(tf.mean(tf.squaredDifference(x.LG, x.FG)), tf.mean(tf.squaredDifference(x.LS, x.FS))));
          return tf.stack([mgtlLoss(out), softMarginTripletExhaustive(out.g, out.s, 10), tf.addN(gen)]);
        });
        const [total, trip, gen] = await parts.data();
        expect(gen!).toBeGreaterThan(0);
        expect(total!).toBeCloseTo(trip! + 0.05 * gen!, 5);
        tf.dispose([out.g, out.s, norms, parts, ...out.generated.flatMap((x) => [x.LG, x.FG, x.LS, x.FS])]);

        // every variable gets a gradient, and a finite one
        const { value, grads } = tf.variableGrads(() => mgtlLoss(m.forwardWithAux(ground, aerial)), m.variables());
        expect(Object.keys(grads)).toHaveLength(m.variables().length);
        const finite = tf.tidy(() => tf.stack(Object.values(grads).map((g) => tf.all(tf.isFinite(g)).toFloat())).min());
        expect((await finite.data())[0]).toBe(1);
        tf.dispose([value, finite, ...Object.values(grads)]);

        const w0 = Float32Array.from(await m.steps[0]!.g2s!.layers[0]!.w.data());
        const first = await step();
        const after1 = tf.memory().numTensors;
        const second = await step();
        expect(tf.memory().numTensors, `tensors leaked by a training step on ${backend}`).toBe(after1);
        expect(Number.isFinite(first) && Number.isFinite(second)).toBe(true);
        expect(relErr(Float32Array.from(await m.steps[0]!.g2s!.layers[0]!.w.data()), w0)).toBeGreaterThan(0);
      } finally {
        opt.dispose();
        tf.dispose([ground, aerial]);
        m.dispose();
      }
      expect(tf.memory().numTensors, `tensors left after dispose on ${backend}`).toBe(base);
    });
  }
});

describe('MGTL variants and size', () => {
  const variants: MgtlVariant[] = ['full', 'naive', 'wo-cmi'];

  const cases = variants.flatMap((v) => GKST_BLOCKS.map((b, i) => [v, 1 + i, b] as const));
  it.each(cases)('%s, L = %i, block %s: builds, embeds, analytic count = built count', async (variant, L, block) => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const m = new Mgtl({ ...TINY, variant, steps: L, block, rng: new Rng(7) });
    const ground = tf.zeros([2, 32, 96, 3]) as tf.Tensor4D;
    const aerial = tf.ones([2, 32, 96, 3]) as tf.Tensor4D;
    try {
      expect(m.paramCount()).toBe(m.variables().reduce((n, v) => n + v.size, 0));
      expect(m.paramCount()).toBe(mgtlParamCount(variant, L, { widthDivisor: 16, positions: 3, block }));
      expect(m.flops(TINY.groundHW, TINY.aerialHW)).toBe(2 * mgtlForwardMacs(TINY.groundHW, TINY.aerialHW, variant, L, { widthDivisor: 16, block }));
      // the MLP's weights under the names of its reading (a checkpoint of one block does not load into another)
      const names = [...m.namedVariables().keys()];
      expect(names.includes('steps.0.ground.mlp.0.weight')).toBe(block === 'pre-ln-ffn');
      expect(names.includes('steps.0.ground.ffn.ln.weight')).toBe(block === 'literal-ffn');
      expect(new Set(m.variables().map((v) => v.name)).size).toBe(m.namedVariables().size);
      const out = m.forwardWithAux(ground, aerial);
      expect(out.g.shape).toEqual([2, 72]);
      expect(out.generated).toHaveLength(variant === 'wo-cmi' ? 0 : L);
      tf.dispose([out.g, out.s, ...out.generated.flatMap((x) => [x.LG, x.FG, x.LS, x.FS])]);
      const e = m.embed(ground, aerial);
      tf.dispose([e.g, e.s]);
      if (variant === 'naive') expect(m.namedVariables().get('steps.0.g2s.enc.0.weight')!.shape).toEqual([1, 3, 24, 96]);
      if (variant === 'full') expect(m.namedVariables().get('steps.0.s2g.dec.1.weight')!.shape).toEqual([96, 24]);
    } finally {
      tf.dispose([ground, aerial]);
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("'vgg16' (Table 2 row 1): the two backbones alone, pool5 averaged over height, no generated knowledge", async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const m = new Mgtl({ ...TINY, variant: 'vgg16', rng: new Rng(7) });
    const ground = new Rng(3).uniformTensor([2, 32, 96, 3]) as tf.Tensor4D;
    const aerial = tf.ones([2, 32, 96, 3]) as tf.Tensor4D;
    try {
      expect(m.steps).toHaveLength(0);
      expect(m.paramCount()).toBe(m.variables().reduce((n, v) => n + v.size, 0));
      expect(m.paramCount()).toBe(mgtlParamCount('vgg16', 6, { widthDivisor: 16, positions: 3 }));
      expect([...m.namedVariables().keys()].every((k) => k.startsWith('ground.features') || k.startsWith('aerial.features'))).toBe(true);
      const out = m.forwardWithAux(ground, aerial);
      expect(out.g.shape).toEqual([2, m.descriptorLength()]);
      expect(m.descriptorLength()).toBe((512 / 16) * 3);
      expect(out.generated).toHaveLength(0);
      // the descriptor is the L2-normalised height-mean of pool5, flattened
      const direct = tf.tidy(() => {
        const f = tf.reshape(tf.mean(m.ground.apply(ground), 1), [2, -1]);
        return tf.div(f, tf.norm(f, 'euclidean', 1, true));
      });
      expect(Array.from(out.g.dataSync()).map((v) => v.toFixed(5))).toEqual(Array.from(direct.dataSync()).map((v) => v.toFixed(5)));
      tf.dispose([out.g, out.s, direct]);
    } finally {
      tf.dispose([ground, aerial]);
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(mgtlParamCount('vgg16', 6)).toBe(2 * 14_714_688);
  });

  it('full-width counts beside Tables 2 and 3 (128x640 inputs, W\' = 20, L = 6)', () => {
    const vgg = 2 * 14_714_688;
    const fcPe = 2 * (512 * 384 + 384) + 2 * 20 * 384;
    const attnBlock = 4 * (384 * 384 + 384) + 4 * 384; // MH + two LNs (Eq. 6's and Eq. 5's)
    const mlp = 384 * 1536 + 1536 + 1536 * 384 + 384; // c → 4c → c
    const gen = 2 * (384 * 1536 + 1536 + 1536 * 384 + 384);
    // the default block is Eq. 5's LN in front of the MLP: exactly one MLP per block more than Eq. 5 as printed
    expect(mgtlParamCount('wo-cmi', 6)).toBe(mgtlParamCount('wo-cmi', 6, { block: 'pre-ln-ffn' }));
    expect(mgtlParamCount('wo-cmi', 6, { block: 'literal' })).toBe(vgg + fcPe + 12 * attnBlock);
    expect(mgtlParamCount('full', 6, { block: 'literal' })).toBe(vgg + fcPe + 12 * attnBlock + 12 * gen);
    expect(mgtlParamCount('wo-cmi', 6)).toBe(vgg + fcPe + 12 * (attnBlock + mlp));
    expect(mgtlParamCount('full', 6)).toBe(vgg + fcPe + 12 * (attnBlock + mlp) + 12 * gen);
    expect(mgtlParamCount('full', 6, { block: 'literal-ffn' })).toBe(vgg + fcPe + 12 * (attnBlock + mlp + 2 * 384) + 12 * gen);
    expect(mgtlParamCount('wo-cmi', 6, { block: 'literal' })).toBe(36_953_472);
    expect(mgtlParamCount('full', 6, { block: 'literal' })).toBe(65_311_104);
    expect(mgtlParamCount('wo-cmi', 6)).toBe(51_132_288);
    expect(mgtlParamCount('full', 6)).toBe(79_489_920);
    expect(mgtlParamCount('wo-cmi', 6, { block: 'literal-ffn' })).toBe(51_141_504);
    expect(mgtlParamCount('full', 6, { block: 'literal-ffn' })).toBe(79_499_136);
    // CMI: 12 generators, 28.36M, against the paper's 79.27M − 50.92M = 28.35M
    expect(Math.abs(12 * gen - (MGTL_PUBLISHED.params.full.value - MGTL_PUBLISHED.params.woCmi.value))).toBeLessThan(0.02e6);
    // VGG16 only: 29.43M against 29.42M
    expect(Math.abs(vgg - MGTL_PUBLISHED.params.vgg16Only.value)).toBeLessThan(0.01e6);
    expect(mgtlParamCount('naive', 6)).toBe(vgg + fcPe + 12 * (attnBlock + mlp) + 12 * 2 * (3 * 384 * 1536 + 1536 + 3 * 1536 * 384 + 384));
    expect(MGTL_PUBLISHED.explanation.length).toBeGreaterThan(3);
  });

  it("Table 2's two GKST rows: the default block within 1% (what `cvgl params mgtl` prints), Eq. 5 as printed far outside", () => {
    const rows = [['wo-cmi', 'VGG16 + w/o (CMI)'], ['full', 'VGG16 + w/ (CMI)']] as const;
    for (const [variant, row] of rows) {
      const published = publishedValue('mgtl', 'Table 2', row, 'Param.↓') * 1e6;
      const rel = (block: GkstBlock) => Math.abs(mgtlParamCount(variant, 6, { block }) / published - 1);
      expect(rel('pre-ln-ffn'), `${row}, pre-ln-ffn`).toBeLessThan(0.01);
      expect(rel('literal'), `${row}, literal`).toBeGreaterThan(0.15);
    }
    // the facts `cvgl params mgtl --json` prints are the default full model's
    expect(modelFacts('mgtl').params).toBe(mgtlParamCount('full', 6));
    expect(Math.abs(modelFacts('mgtl').params / (publishedValue('mgtl', 'Table 2', 'VGG16 + w/ (CMI)', 'Param.↓') * 1e6) - 1)).toBeLessThan(0.01);
    expect(MGTL_PUBLISHED.params.full.value).toBeCloseTo(publishedValue('mgtl', 'Table 2', 'VGG16 + w/ (CMI)', 'Param.↓') * 1e6, 0);
  });

  it('flops = 2 x (convolutions + FC + attention + MLPs + generators)', async () => {
    const conv = (h: number, w: number, div = 1) => vgg16ConvMacs(h, w, 'pool5', div).reduce((n, l) => n + l.macs, 0);
    const P = 20;
    const c = 384;
    const attn = 4 * P * c * c + 2 * P * P * c;
    const mlp = 2 * P * c * 4 * c;
    expect(mgtlForwardMacs([128, 640], [128, 640], 'wo-cmi', 6, { block: 'literal' })).toBe(2 * conv(128, 640) + 2 * P * 512 * c + 12 * attn);
    expect(mgtlForwardMacs([128, 640], [128, 640], 'wo-cmi', 6)).toBe(2 * conv(128, 640) + 2 * P * 512 * c + 12 * (attn + mlp));
    expect(mgtlForwardMacs([128, 640], [128, 640], 'wo-cmi', 6, { block: 'literal-ffn' })).toBe(2 * conv(128, 640) + 2 * P * 512 * c + 12 * (attn + mlp));
    expect(mgtlForwardMacs([128, 640], [128, 640], 'full', 6) - mgtlForwardMacs([128, 640], [128, 640], 'wo-cmi', 6)).toBe(12 * 4 * P * c * 4 * c);
    await useBackend('cpu');
    const m = new Mgtl({ ...TINY, steps: 2, rng: new Rng(2) });
    try {
      const p = 3;
      const cc = 24;
      const expected = 2 * (2 * conv(32, 96, 16) + 2 * p * 32 * cc + 2 * (2 * (4 * p * cc * cc + 2 * p * p * cc + 2 * p * cc * 4 * cc) + 2 * 4 * p * cc * 4 * cc));
      expect(m.flops(TINY.groundHW, TINY.aerialHW)).toBe(expected);
      expect(() => m.flops([128, 640], TINY.aerialHW)).toThrow(CvglError);
      expect(m.descriptorLength()).toBe(72);
    } finally {
      m.dispose();
    }
  });

  it('says what to do on bad options or inputs of another width', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    expect(() => new Mgtl({ ...TINY, groundHW: [32, 64] })).toThrow(/equally wide/);
    expect(() => new Mgtl({ ...TINY, steps: 0 })).toThrow(CvglError);
    expect(() => new Mgtl({ ...TINY, heads: 5 })).toThrow(/heads/);
    expect(() => new Mgtl({ ...TINY, block: 'ffn' as GkstBlock })).toThrow(/'pre-ln-ffn', 'literal', 'literal-ffn'/);
    expect(tf.memory().numTensors).toBe(before);
    const m = new Mgtl({ ...TINY, steps: 1, rng: new Rng(1) });
    const g = tf.zeros([1, 32, 64, 3]) as tf.Tensor4D;
    const a = tf.zeros([2, 32, 96, 3]) as tf.Tensor4D;
    try {
      expect(() => m.embed(g, g)).toThrow(/3 positions wide/);
      const ok = tf.zeros([1, 32, 96, 3]) as tf.Tensor4D;
      expect(() => m.embed(ok, a)).toThrow(/equal size/);
      ok.dispose();
    } finally {
      tf.dispose([g, a]);
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
