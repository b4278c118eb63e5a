/**
 * GeoCapsNet (paper 001; lib/models/geocapsnet.ts, lib/models/resnetx.ts):
 *  - squash + one GeoCaps layer with dynamic routing (Sec. 3.2), and one ResNetX bottleneck
 *    (Table 1) with BatchNorm in training mode (batch statistics, moving statistics updated) and
 *    inference mode: values and gradients against test/reference/geocapsnet_torch.py (float64),
 *    on cpu, wasm and webgpu (when an adapter exists); max|ours − torch| / max|torch| < 1e-4;
 *  - the whole model (widths / 16, small images) forward + backward and Adam steps with the
 *    Soft-TriHard loss (Eq. 2) on every backend, without tensor leaks, for every variant;
 *  - Table 4: I − II is exactly one set of capsule layers; our Keras-style totals; sizes.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CvglError, Rng, tf } from '../../lib/engine/index.js';
import { softTriHard } from '../../lib/losses/triplet.js';
import {
  GeoCapsNet,
  capsuleDims,
  dynamicRouting,
  geoCapsNetForwardMacs,
  geoCapsNetParamCount,
  squash,
  type GeoCapsNetVariant,
  type SquashForm,
} from '../../lib/models/geocapsnet.js';
import { Bottleneck, resnetxConvs, resnetxMacs, resnetxOutput, resnetxParamCount } from '../../lib/models/resnetx.js';
import { requireInCi } from '../ci_requirements.js';
import { relErr, useBackend } from '../engine/parity_helpers.js';
import { ReferenceDir, expectClose, findPython, normalArray as randn, size, testBackends, uniformArray as randu, type Arr } from '../reference_python.js';
import { GEOCAPSNET_PUBLISHED } from '../../lib/papers/geocapsnet/published.js';

const SCRIPT = fileURLToPath(new URL('../reference/geocapsnet_torch.py', import.meta.url));

const findTorch = () => findPython(['numpy', 'torch']);

const torchPy = findTorch();
const { backends: BACKENDS, webgpu } = await testBackends();



// ---------------------------------------------------------------------------------------------
// cases
// ---------------------------------------------------------------------------------------------

interface RoutingCase {
  name: string;
  iterations: number;
  u: Arr; // [B,N,din] before squash
  w: Arr; // [N,J,din,dout]
  r: { squash: Arr; v: Arr };
  form: SquashForm;
}

function routingCase(name: string, [B, N, J, din, dout]: number[], iterations: number, seed: number, form: SquashForm = 'sabour'): RoutingCase {
  const r = new Rng(seed);
  const arr = (shape: number[], std: number): Arr => ({ shape, data: randn(r, size(shape), std) });
  return {
    name,
    iterations,
    form,
    u: arr([B!, N!, din!], 0.7),
    w: arr([N!, J!, din!, dout!], 0.5),
    r: { squash: arr([B!, N!, din!], 1), v: arr([B!, J!, dout!], 1) },
  };
}

const ROUTING_CASES = [
  routingCase('routing_it4', [2, 12, 3, 8, 5], 4, 21), // the paper's 4 iterations, 8-d inputs
  routingCase('routing_it1', [3, 7, 4, 8, 6], 1, 22), // one round: uniform coupling
  routingCase('routing_it3', [1, 5, 2, 3, 4], 3, 23),
  // the Sec. 3.2 equation as printed (s/‖s‖²; reading geocapsnet.squash); u of std 0.7 in 8-d has ‖u‖ > 1, where the forms differ most
  routingCase('routing_it4_literal', [2, 12, 3, 8, 5], 4, 24, 'paper-literal'),
];

interface BottleneckCase {
  name: string;
  cin: number;
  mid: number;
  out: number;
  stride: number;
  projection: boolean;
  training: boolean;
  x: Arr; // [B,H,W,cin]
  seed: number;
}

function bottleneckCase(name: string, [B, H, W]: number[], cfg: Omit<BottleneckCase, 'name' | 'x' | 'seed'>, seed: number): BottleneckCase {
  const r = new Rng(seed);
  return { name, ...cfg, seed, x: { shape: [B!, H!, W!, cfg.cin], data: randn(r, B! * H! * W! * cfg.cin, 1, 0.3) } };
}

const BOTTLENECK_CASES = [
  bottleneckCase('bneck_proj_s2_train', [3, 5, 6], { cin: 6, mid: 4, out: 10, stride: 2, projection: true, training: true }, 31),
  bottleneckCase('bneck_proj_s2_infer', [3, 5, 6], { cin: 6, mid: 4, out: 10, stride: 2, projection: true, training: false }, 32),
  bottleneckCase('bneck_id_train', [2, 4, 4], { cin: 8, mid: 3, out: 8, stride: 1, projection: false, training: true }, 33),
  bottleneckCase('bneck_id_infer', [2, 4, 4], { cin: 8, mid: 3, out: 8, stride: 1, projection: false, training: false }, 34),
];

/** A bottleneck with the case's weights; BatchNorm γ, β and moving statistics set to random values. */
function buildBottleneck(c: BottleneckCase, prefix: string): Bottleneck {
  const blk = new Bottleneck({ cin: c.cin, mid: c.mid, out: c.out, stride: c.stride, projection: c.projection, name: `${prefix}/${c.name}`, rng: new Rng(c.seed) });
  const r = new Rng(c.seed + 1000);
  tf.tidy(() => {
    for (const [k, v] of blk.namedVariables()) {
    const n = v.size;
    if (k.endsWith('bn.gamma')) v.assign(tf.tensor(randu(r, n, 0.5, 1.5), v.shape));
    else if (k.endsWith('bn.beta') || k.endsWith('bn.moving_mean') || k.endsWith('.bias')) v.assign(tf.tensor(randn(r, n, 0.3), v.shape));
    else if (k.endsWith('bn.moving_variance')) v.assign(tf.tensor(randu(r, n, 0.5, 2), v.shape));
    }
  });
  return blk;
}

// ---------------------------------------------------------------------------------------------
// the torch run: one Python process for every case, in beforeAll
// ---------------------------------------------------------------------------------------------

type Outputs = Map<string, Float32Array>;
const torchOut = new Map<string, Outputs>();
let io: ReferenceDir | null = null;

async function runTorch(python: string): Promise<void> {
  const ref = new ReferenceDir('geocapsnet-torch-');
  io = ref;
  const cases: object[] = [];
  const wanted: Record<string, string[]> = {};
  for (const c of ROUTING_CASES) {
    ref.writeF32(`${c.name}.in.u.f32`, c.u.data);
    ref.writeF32(`${c.name}.param.w.f32`, c.w.data);
    ref.writeF32(`${c.name}.r.squash.f32`, c.r.squash.data);
    ref.writeF32(`${c.name}.r.v.f32`, c.r.v.data);
    cases.push({ kind: 'routing', name: c.name, iterations: c.iterations, squash: c.form, inputs: { u: c.u.shape }, params: { w: c.w.shape }, r: { squash: c.r.squash.shape, v: c.r.v.shape } });
    wanted[c.name] = ['out.squash', 'out.v', 'grad.u', 'grad.w'];
  }
  await useBackend('cpu');
  for (const c of BOTTLENECK_CASES) {
    const blk = buildBottleneck(c, 'ref');
    const params: Record<string, number[]> = {};
    const trainable: string[] = [];
    try {
      for (const [k, v] of blk.namedVariables()) {
        ref.writeF32(`${c.name}.param.${k}.f32`, Float32Array.from(await v.data()));
        params[k] = v.shape;
        if (v.trainable) trainable.push(k);
      }
    } finally {
      blk.dispose();
    }
    const H = Math.ceil(c.x.shape[1]! / c.stride);
    const W = Math.ceil(c.x.shape[2]! / c.stride);
    const rShape = [c.x.shape[0]!, H, W, c.out];
    ref.writeF32(`${c.name}.in.x.f32`, c.x.data);
    ref.writeF32(`${c.name}.r.y.f32`, randn(new Rng(c.seed + 2000), size(rShape)));
    cases.push({ kind: 'bottleneck', name: c.name, stride: c.stride, training: c.training, inputs: { x: c.x.shape }, params, trainable, r: { y: rShape } });
    const moving = c.training ? Object.keys(params).filter((k) => k.includes('moving')).map((k) => `out.${k}`) : [];
    wanted[c.name] = ['out.y', ...moving, 'grad.x', ...trainable.map((k) => `grad.${k}`)];
  }
  ref.run(python, SCRIPT, { cases });
  for (const [name, keys] of Object.entries(wanted)) torchOut.set(name, new Map(keys.map((k) => [k, ref.readF32(`${name}.${k}.f32`)])));
}

beforeAll(async () => {
  if (torchPy.python) await runTorch(torchPy.python);
});

afterAll(() => {
  io?.remove();
});


describe('GeoCapsNet layers against PyTorch (test/reference/geocapsnet_torch.py)', () => {
  requireInCi("Debian's python3-torch (GeoCapsNet reference)", torchPy.python != null, 'reason' in torchPy ? torchPy.reason : undefined);
  requireInCi('a WebGPU adapter (hardware or Mesa software)', webgpu.available, webgpu.reason);

  for (const backend of BACKENDS) {
    it.skipIf(!torchPy.python).each(ROUTING_CASES.map((c) => [c.name, c] as const))(`squash + GeoCaps routing %s, forward + gradients (${backend})`, async (_n, c) => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const u = tf.tensor(c.u.data, c.u.shape);
      const w = tf.tensor(c.w.data, c.w.shape);
      const r1 = tf.tensor(c.r.squash.data, c.r.squash.shape);
      const r2 = tf.tensor(c.r.v.data, c.r.v.shape);
      const ours = new Map<string, Float32Array>();
      try {
        const f = (uu: tf.Tensor, ww: tf.Tensor) => {
          const sq = squash(uu, c.form);
          return { sq, v: dynamicRouting(sq as tf.Tensor3D, ww, c.iterations, c.form) };
        };
        const o = f(u, w);
        expect(o.v.shape).toEqual(c.r.v.shape);
        ours.set('out.squash', Float32Array.from(await o.sq.data()));
        ours.set('out.v', Float32Array.from(await o.v.data()));
        tf.dispose([o.sq, o.v]);
        const { value, grads } = tf.valueAndGrads((...x: tf.Tensor[]) => {
          const { sq, v } = f(x[0]!, x[1]!);
          return tf.add(tf.sum(tf.mul(sq, r1)), tf.sum(tf.mul(v, r2))) as tf.Scalar;
        })([u, w]);
        ours.set('grad.u', Float32Array.from(await grads[0]!.data()));
        ours.set('grad.w', Float32Array.from(await grads[1]!.data()));
        tf.dispose([value, ...grads]);
      } finally {
        tf.dispose([u, w, r1, r2]);
      }
      expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(before);
      expectClose(`${c.name} (${backend})`, ours, torchOut.get(c.name)!);
    });

    it.skipIf(!torchPy.python).each(BOTTLENECK_CASES.map((c) => [c.name, c] as const))(`ResNetX bottleneck %s, forward + gradients (${backend})`, async (_n, c) => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const blk = buildBottleneck(c, `ours-${backend}`);
      const x = tf.tidy(() => tf.variable(tf.tensor4d(c.x.data, c.x.shape as [number, number, number, number]), true, `geocapsnet-test-x-${backend}-${c.name}`));
      const rShape = [c.x.shape[0]!, Math.ceil(c.x.shape[1]! / c.stride), Math.ceil(c.x.shape[2]! / c.stride), c.out];
      const ry = tf.tensor(randn(new Rng(c.seed + 2000), size(rShape)), rShape);
      const ours = new Map<string, Float32Array>();
      try {
        const named = blk.namedVariables();
        const moving = [...named].filter(([, v]) => !v.trainable);
        const saved = moving.map(([, v]) => tf.clone(v));
        const y = blk.apply(x, c.training);
        expect(y.shape).toEqual(rShape);
        ours.set('out.y', Float32Array.from(await y.data()));
        y.dispose();
        if (c.training) for (const [k, v] of moving) ours.set(`out.${k}`, Float32Array.from(await v.data()));
        else for (const [j, [, v]] of moving.entries()) expect(relErr(Float32Array.from(await v.data()), Float32Array.from(await saved[j]!.data()))).toBe(0);
        for (const [j, [, v]] of moving.entries()) v.assign(saved[j]!);
        tf.dispose(saved);
        const trainable = [...named].filter(([, v]) => v.trainable);
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(blk.apply(x, c.training), ry)) as tf.Scalar, [x, ...trainable.map(([, v]) => v)]);
        ours.set('grad.x', Float32Array.from(await grads[x.name]!.data()));
        for (const [k, v] of trainable) ours.set(`grad.${k}`, Float32Array.from(await grads[v.name]!.data()));
        tf.dispose([value, ...Object.values(grads)]);
      } finally {
        tf.dispose([x, ry]);
        blk.dispose();
      }
      expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(before);
      const ref = new Map(torchOut.get(c.name)!);
      if (c.training) {
        // a convolution's bias before training-mode BatchNorm cancels (the batch mean absorbs it):
        // its gradient is exactly 0, so only float noise is left to compare — bound it absolutely
        const scale = Math.max(...[...ours].filter(([k]) => k.startsWith('grad.')).map(([, a]) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
        for (const k of [...ours.keys()].filter((k) => /^grad\.[a-z]+\.bias$/.test(k))) {
          for (const a of [ours.get(k)!, ref.get(k)!]) expect(a.reduce((m, x) => Math.max(m, Math.abs(x)), 0)).toBeLessThan(1e-5 * scale);
          ours.delete(k);
          ref.delete(k);
        }
      }
      expectClose(`${c.name} (${backend})`, ours, ref);
    });
  }
});

// ---------------------------------------------------------------------------------------------

const TINY_HW: [number, number] = [128, 128]; // ResNetX map 4x4 → PrimaryCaps 2x2
const STEP_HW: [number, number] = [96, 96]; // ResNetX map 3x3 → PrimaryCaps 1x1 (kept small: the cpu backend is slow)

describe('GeoCapsNet training step', () => {
  for (const backend of BACKENDS) {
    // variant II differs only in sharing the head: one backend suffices for it
    for (const variant of backend === 'wasm' ? (['I', 'II'] as const) : (['I'] as const)) {
      it(`variant ${variant}, widths / 16, 96x96: forward, backward, Adam on Soft-TriHard (Eq. 2) without tensor leaks (${backend})`, async () => {
        await useBackend(backend);
        const base = tf.memory().numTensors;
        const m = new GeoCapsNet({ variant, widthDivisor: 16, groundHW: STEP_HW, aerialHW: STEP_HW, routingIterations: 4, rng: new Rng(7), name: `gcn-${backend}-${variant}` });
        const r = new Rng(8);
        const B = 3;
        const ground = tf.tensor4d(randu(r, B * 96 * 96 * 3, 0, 1), [B, 96, 96, 3]);
        const aerial = tf.tensor4d(randu(r, B * 96 * 96 * 3, 0, 1), [B, 96, 96, 3]);
        const opt = tf.train.adam(1e-3);
        const step = async (): Promise<number> => {
          const cost = tf.tidy(() => opt.minimize(() => {
            const { g, s } = m.embed(ground, aerial);
            return softTriHard(g, s, 15);
          }, true, m.variables())!);
          const v = (await cost.data())[0]!;
          cost.dispose();
          return v;
        };
        try {
          const { g, s } = m.embed(ground, aerial);
          expect(g.shape).toEqual([B, m.descriptorLength()]);
          expect(s.shape).toEqual([B, 8]); // 2 GeoCaps capsules of 4 dims at widths / 16
          const norms = tf.tidy(() => tf.concat([tf.norm(g, 'euclidean', 1), tf.norm(s, 'euclidean', 1)]));
          for (const n of await norms.data()) expect(n).toBeCloseTo(1, 5);
          tf.dispose([g, s, norms]);

          const mm = m.namedVariables().get('ground.conv1.bn.moving_mean')!;
          const mm0 = Float32Array.from(await mm.data());
          const capsW = m.namedVariables().get(variant === 'I' ? 'ground.geocaps.weight' : 'caps.geocaps.weight')!;
          const w0 = Float32Array.from(await capsW.data());
          const first = await step(); // creates Adam's moment slots
          const after1 = tf.memory().numTensors;
          const second = await step();
          expect(tf.memory().numTensors, `tensors leaked by a training step on ${backend}`).toBe(after1);
          expect(Number.isFinite(first) && Number.isFinite(second)).toBe(true);
          expect(relErr(Float32Array.from(await capsW.data()), w0)).toBeGreaterThan(0);
          expect(relErr(Float32Array.from(await mm.data()), mm0)).toBeGreaterThan(0); // moving stats updated in training mode

          m.training = false; // inference: moving statistics, no updates
          const mm1 = Float32Array.from(await mm.data());
          const e = m.embed(ground, aerial);
          tf.dispose([e.g, e.s]);
          expect(relErr(Float32Array.from(await mm.data()), mm1)).toBe(0);
        } finally {
          opt.dispose();
          tf.dispose([ground, aerial]);
          m.dispose();
        }
        expect(tf.memory().numTensors, `tensors left after dispose on ${backend}`).toBe(base);
      });
    }
  }
});

describe('GeoCapsNet size (Table 4)', () => {
  it('ResNetX of Table 1: 224x224 → 112, 56, 56, 28, 14, 7x7x2048', () => {
    const convs = resnetxConvs([224, 224]);
    const at = (n: string) => convs.find((c) => c.name === n)!.outHW;
    expect(at('conv1')).toEqual([112, 112]);
    expect(at('conv2')).toEqual([56, 56]);
    expect(at('conv3_3.c')).toEqual([56, 56]);
    expect(at('conv4_4.c')).toEqual([28, 28]);
    expect(at('conv5_6.c')).toEqual([14, 14]);
    expect(resnetxOutput([224, 224])).toEqual({ hw: [7, 7], channels: 2048 });
    expect(convs.length).toBe(2 + 3 * 16 + 4);
  });

  it('I − II is exactly one set of capsule layers, as in Table 4 (17,826,048)', () => {
    const P = GEOCAPSNET_PUBLISHED;
    expect(P.params.I - P.params.II).toBe(17_826_048);
    expect(P.capsuleLayerParams).toBe(P.params.I - P.params.II);
    // PrimaryCaps: 32 capsules x 8 kernels of 3x3x2048 + bias; GeoCaps: (5·5·32) x 32 matrices 8x64
    expect(9 * 2048 * 256 + 256 + 800 * 32 * 8 * 64).toBe(17_826_048);
    for (const keras of [true, false]) {
      expect(geoCapsNetParamCount('I', { keras }) - geoCapsNetParamCount('II', { keras })).toBe(P.capsuleLayerParams);
    }
  });

  it('our Keras-style totals, and the residual against Table 4 stated in GEOCAPSNET_PUBLISHED', () => {
    expect(resnetxParamCount(1, true)).toBe(22_995_904);
    expect(geoCapsNetParamCount('II', { keras: true })).toBe(2 * 22_995_904 + 17_826_048);
    expect(geoCapsNetParamCount('II', { keras: true })).toBe(63_817_856);
    expect(geoCapsNetParamCount('I', { keras: true })).toBe(81_643_904);
    // the residual is per ResNetX, the same in both variants
    expect(GEOCAPSNET_PUBLISHED.params.II - geoCapsNetParamCount('II', { keras: true })).toBe(2 * 560_384);
    expect(GEOCAPSNET_PUBLISHED.params.I - geoCapsNetParamCount('I', { keras: true })).toBe(2 * 560_384);
    expect(GEOCAPSNET_PUBLISHED.explanation.total).toContain('560,384');
    // trainable only: BatchNorm moving statistics (2 per channel of every BN) excluded
    const bnChannels = resnetxConvs().reduce((n, c) => n + c.cout, 0);
    expect(geoCapsNetParamCount('I', { keras: false })).toBe(81_643_904 - 2 * 2 * bnChannels);
    // FC ablation (Fig. 5): 7·7·2048 → 2048 per head
    expect(geoCapsNetParamCount('resnetx-fc-II', { keras: true })).toBe(2 * 22_995_904 + 100_352 * 2048 + 2048);
  });

  it('every variant builds; paramCount and namedVariables agree with the analytic counts (widths / 16)', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const names: Record<GeoCapsNetVariant, string> = { I: 'geocapsnet-i', II: 'geocapsnet-ii', 'resnetx-fc-I': 'resnetx-fc-i', 'resnetx-fc-II': 'resnetx-fc-ii' };
    for (const variant of Object.keys(names) as GeoCapsNetVariant[]) {
      const opts = { widthDivisor: 16, groundHW: TINY_HW, aerialHW: TINY_HW };
      const m = new GeoCapsNet({ ...opts, variant, rng: new Rng(1), name: `size-${variant}` });
      try {
        expect(m.name).toBe(names[variant]);
        expect(m.paramCount()).toBe(geoCapsNetParamCount(variant, { ...opts, keras: false }));
        expect([...m.namedVariables().values()].reduce((n, v) => n + v.size, 0)).toBe(geoCapsNetParamCount(variant, { ...opts, keras: true }));
        expect(new Set(m.variables().map((v) => v.name)).size).toBe(m.variables().length);
        const x = tf.zeros([2, ...TINY_HW, 3]) as tf.Tensor4D;
        const e = m.embed(x, x);
        expect(e.g.shape).toEqual([2, m.descriptorLength()]);
        tf.dispose([x, e.g, e.s]);
      } finally {
        m.dispose();
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('full width: 2048-long descriptors, capsule weight shapes, flops', async () => {
    expect(capsuleDims(1)).toEqual({ nPrimary: 32, primaryDim: 8, nGeo: 32, geoDim: 64 });
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    // variant II at full width only for its shapes would allocate 65M floats; widths / 2 keep it quick
    const m = new GeoCapsNet({ variant: 'II', widthDivisor: 2, rng: new Rng(0), name: 'full' });
    try {
      expect(m.paramCount()).toBe(geoCapsNetParamCount('II', { keras: false, widthDivisor: 2 }));
      const named = m.namedVariables();
      expect(named.get('caps.primarycaps.weight')!.shape).toEqual([3, 3, 1024, 8 * 16]);
      expect(named.get('caps.geocaps.weight')!.shape).toEqual([5 * 5 * 16, 16, 8, 32]);
      expect(named.get('ground.conv6_3.c.weight')!.shape).toEqual([1, 1, 256, 1024]);
    } finally {
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    // flops at full width, analytic: PrimaryCaps 5·5·9·2048·256, û 800·32·8·64, routing (2·4−1)·800·32·64
    const head = 5 * 5 * 9 * 2048 * 256 + 800 * 32 * 8 * 64 + 7 * 800 * 32 * 64;
    expect(geoCapsNetForwardMacs('I', [224, 224], [224, 224])).toBe(2 * resnetxMacs([224, 224]) + 2 * head);
    expect(geoCapsNetForwardMacs('resnetx-fc-II', [224, 224], [224, 224])).toBe(2 * resnetxMacs([224, 224]) + 2 * 100_352 * 2048);
    const t = new GeoCapsNet({ widthDivisor: 16, groundHW: TINY_HW, aerialHW: TINY_HW, routingIterations: 3, rng: new Rng(3), name: 'flops' });
    try {
      expect(t.flops(TINY_HW, TINY_HW)).toBe(2 * geoCapsNetForwardMacs('I', TINY_HW, TINY_HW, 16, 3));
      expect(() => t.flops([224, 224], TINY_HW)).toThrow(CvglError);
    } finally {
      t.dispose();
    }
  });

  it("squash 'paper-literal' (Sec. 3.2 as printed) changes the descriptors of the same weights; the default is Sabour's", async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const build = (squash?: SquashForm) => new GeoCapsNet({ widthDivisor: 16, groundHW: TINY_HW, aerialHW: TINY_HW, rng: new Rng(5), name: `sq-${squash}`, ...(squash ? { squash } : {}) });
    const [byDefault, sabour, literal] = [build(), build('sabour'), build('paper-literal')];
    expect(byDefault.squash).toBe('sabour');
    const x = new Rng(6).uniformTensor([2, ...TINY_HW, 3]) as tf.Tensor4D;
    try {
      const out = async (m: GeoCapsNet) => {
        const e = m.embed(x, x);
        const g = Float32Array.from(await e.g.data());
        tf.dispose([e.g, e.s]);
        return g;
      };
      const [d, s, l] = [await out(byDefault), await out(sabour), await out(literal)];
      expect(relErr(d, s)).toBe(0);
      expect(relErr(l, s)).toBeGreaterThan(1e-3);
    } finally {
      x.dispose();
      for (const m of [byDefault, sabour, literal]) m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('says what to do on too small images, unequal batches or a bad variant', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    expect(() => new GeoCapsNet({ widthDivisor: 16, groundHW: [32, 32] })).toThrow(/at least 3x3/);
    expect(() => new GeoCapsNet({ widthDivisor: 16, variant: 'II', groundHW: [128, 128], aerialHW: [96, 96] })).toThrow(/equal input sizes/);
    expect(() => new GeoCapsNet({ variant: 'III' as GeoCapsNetVariant })).toThrow(CvglError);
    expect(() => new GeoCapsNet({ routingIterations: 0 })).toThrow(/routing iterations/);
    expect(() => new GeoCapsNet({ squash: 'hinton' as SquashForm })).toThrow(/squash form/);
    expect(tf.memory().numTensors).toBe(before);
    const m = new GeoCapsNet({ widthDivisor: 16, groundHW: TINY_HW, aerialHW: TINY_HW, rng: new Rng(2), name: 'errs' });
    const a = tf.zeros([1, ...TINY_HW, 3]) as tf.Tensor4D;
    const b = tf.zeros([2, ...TINY_HW, 3]) as tf.Tensor4D;
    const c = tf.zeros([1, 96, 96, 3]) as tf.Tensor4D;
    try {
      expect(() => m.embed(a, b)).toThrow(/equal size/);
      expect(() => m.embed(c, a)).toThrow(/4x4 ResNetX map/);
    } finally {
      tf.dispose([a, b, c]);
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
