/**
 * SAFA (thesis 003, Sec. 3.2 and appendix 6.1; lib/models/safa.ts):
 *  - the SPE module's forward pass and its gradients w.r.t. the feature map and every weight,
 *    against an independent PyTorch implementation written from the thesis' listing
 *    (test/reference/safa_torch.py, float64), on cpu, wasm and webgpu (the Mesa software
 *    adapter when there is no GPU);
 *  - the whole model (two reduced-width VGG16s + SPEs + L2 normalisation) forward and backward
 *    against the same script, weights copied by `namedVariables()` name;
 *  - a training step (thesis Eq. 3.4 loss, Adam) on every backend leaves no tensors behind;
 *  - parameter count, descriptor length and analytic FLOPs.
 *
 * Error measure (as test/engine/parity_helpers.ts): max|ours − torch| / max|torch|, per output
 * and per gradient, below 1e-4. The scalar differentiated is Σ_k Σ out_k · r_k with fixed random
 * r_k, so the incoming gradient is random rather than all ones.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CvglError, Rng, tf } from '../../lib/engine/index.js';
import { softTripletThesis } from '../../lib/losses/triplet.js';
import {
  Safa,
  safaFeatureHW,
  safaForwardMacs,
  safaParamCount,
  spatialAwareEmbedding,
  speMacs,
  speParamCount,
} from '../../lib/models/safa.js';
import { vgg16ConvMacs, vgg16Layers } from '../../lib/models/vgg16.js';
import { requireInCi } from '../ci_requirements.js';
import { relErr, useBackend } from '../engine/parity_helpers.js';
import { ReferenceDir, expectClose, findPython, normalArray as randn, size, testBackends, uniformArray as randu, type Arr } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/safa_torch.py', import.meta.url));

const findTorch = () => findPython(['numpy', 'torch']);

const torchPy = findTorch();
const { backends: BACKENDS, webgpu } = await testBackends();



// ---------------------------------------------------------------------------------------------
// cases
// ---------------------------------------------------------------------------------------------

interface SpeCase {
  kind: 'spe';
  name: string;
  D: number;
  fmp: Arr; // [B,H,W,C]
  params: Record<'fc1.weight' | 'fc1.bias' | 'fc2.weight' | 'fc2.bias', Arr>;
  r: Arr; // [B, D·C]
}

function speCase(name: string, [B, H, W, C]: [number, number, number, number], D: number, seed: number): SpeCase {
  const r = new Rng(seed);
  const n = H * W;
  const hid = Math.floor(n / 2);
  const lin = (fin: number, fout: number) => {
    const k = 1 / Math.sqrt(fin);
    const w: Arr = { shape: [fin, fout], data: randu(r, fin * fout, -k, k) };
    const b: Arr = { shape: [fout], data: randu(r, fout, -k, k) };
    return [w, b] as const;
  };
  const fmp = { shape: [B, H, W, C], data: randn(r, B * n * C) };
  const [w1, b1] = lin(n, hid);
  const [w2, b2] = lin(hid, D * n);
  return { kind: 'spe', name, D, fmp, params: { 'fc1.weight': w1, 'fc1.bias': b1, 'fc2.weight': w2, 'fc2.bias': b2 }, r: { shape: [B, D * C], data: randn(r, B * D * C) } };
}

const SPE_CASES = [
  // the thesis' map for 128x512 inputs (4x16), D = 8, a reduced C
  speCase('spe_4x16_D8', [2, 4, 16, 24], 8, 11),
  // odd sizes everywhere: n = 15, hidden 7, batch 3
  speCase('spe_3x5_D3', [3, 3, 5, 7], 3, 12),
];

/** The small SAFA of the model-level tests: widths / 16, different ground and aerial sizes. */
const TINY = { widthDivisor: 16, groundHW: [64, 128] as [number, number], aerialHW: [32, 96] as [number, number], D: 8 };
const TINY_SEED = 5;
const B = 2;

function tinyInputs(): { ground: Arr; aerial: Arr; rg: Arr; rs: Arr } {
  const r = new Rng(99);
  const C = 512 / TINY.widthDivisor;
  const img = ([h, w]: [number, number]) => ({ shape: [B, h, w, 3], data: randu(r, B * h * w * 3, 0, 1) });
  return {
    ground: img(TINY.groundHW),
    aerial: img(TINY.aerialHW),
    rg: { shape: [B, C * TINY.D], data: randn(r, B * C * TINY.D) },
    rs: { shape: [B, C * TINY.D], data: randn(r, B * C * TINY.D) },
  };
}

// ---------------------------------------------------------------------------------------------
// the torch run: one Python process for every case, in beforeAll
// ---------------------------------------------------------------------------------------------

type Outputs = Map<string, Float32Array>; // 'out.<k>' and 'grad.<k>'
const torchOut = new Map<string, Outputs>();
let io: ReferenceDir | null = null;

async function runTorch(python: string): Promise<void> {
  const ref = new ReferenceDir('safa-torch-');
  io = ref;
  const cases: object[] = [];
  const wanted: Record<string, string[]> = {};
  for (const c of SPE_CASES) {
    ref.writeF32(`${c.name}.in.fmp.f32`, c.fmp.data);
    ref.writeF32(`${c.name}.r.feat.f32`, c.r.data);
    for (const [k, a] of Object.entries(c.params)) ref.writeF32(`${c.name}.param.${k}.f32`, a.data);
    cases.push({
      kind: 'spe',
      name: c.name,
      D: c.D,
      inputs: { fmp: c.fmp.shape },
      r: { feat: c.r.shape },
      params: Object.fromEntries(Object.entries(c.params).map(([k, a]) => [k, a.shape])),
    });
    wanted[c.name] = ['out.feat', 'grad.fmp', ...Object.keys(c.params).map((k) => `grad.${k}`)];
  }
  // the tiny model's weights, exactly as the seeded Rng draws them on every backend
  await useBackend('cpu');
  const m = new Safa({ ...TINY, rng: new Rng(TINY_SEED) });
  const params: Record<string, number[]> = {};
  try {
    for (const [k, v] of m.namedVariables()) {
      ref.writeF32(`tiny.param.${k}.f32`, Float32Array.from(await v.data()));
      params[k] = v.shape;
    }
  } finally {
    m.dispose();
  }
  const inp = tinyInputs();
  ref.writeF32('tiny.in.ground.f32', inp.ground.data);
  ref.writeF32('tiny.in.aerial.f32', inp.aerial.data);
  ref.writeF32('tiny.r.g.f32', inp.rg.data);
  ref.writeF32('tiny.r.s.f32', inp.rs.data);
  cases.push({
    kind: 'safa',
    name: 'tiny',
    widthDivisor: TINY.widthDivisor,
    groundHW: TINY.groundHW,
    aerialHW: TINY.aerialHW,
    D: TINY.D,
    inputs: { ground: inp.ground.shape, aerial: inp.aerial.shape },
    r: { g: inp.rg.shape, s: inp.rs.shape },
    params,
  });
  wanted.tiny = ['out.g', 'out.s', ...Object.keys(params).map((k) => `grad.${k}`)];

  ref.run(python, SCRIPT, { cases });
  for (const [name, keys] of Object.entries(wanted)) torchOut.set(name, new Map(keys.map((k) => [k, ref.readF32(`${name}.${k}.f32`)])));
}

beforeAll(async () => {
  if (torchPy.python) await runTorch(torchPy.python);
});

afterAll(() => {
  io?.remove();
});


// ---------------------------------------------------------------------------------------------

describe('SAFA against PyTorch (test/reference/safa_torch.py)', () => {
  requireInCi("Debian's python3-torch (SAFA reference)", torchPy.python != null, 'reason' in torchPy ? torchPy.reason : undefined);
  requireInCi('a WebGPU adapter (hardware or Mesa software)', webgpu.available, webgpu.reason);

  for (const backend of BACKENDS) {
    it.skipIf(!torchPy.python).each(SPE_CASES.map((c) => [c.name, c] as const))(`SPE %s forward + gradients (${backend})`, async (_n, c) => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const names = ['fmp', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'] as const;
      const arrs = [c.fmp, c.params['fc1.weight'], c.params['fc1.bias'], c.params['fc2.weight'], c.params['fc2.bias']];
      const ts = arrs.map((a) => tf.tensor(a.data, a.shape));
      const r = tf.tensor(c.r.data, c.r.shape);
      const ours = new Map<string, Float32Array>();
      try {
        const feat = spatialAwareEmbedding(ts[0] as tf.Tensor4D, { w: ts[1]!, b: ts[2]! }, { w: ts[3]!, b: ts[4]! }, c.D);
        expect(feat.shape).toEqual(c.r.shape);
        ours.set('out.feat', Float32Array.from(await feat.data()));
        feat.dispose();
        const { value, grads } = tf.valueAndGrads((...x: tf.Tensor[]) =>
          tf.sum(tf.mul(spatialAwareEmbedding(x[0] as tf.Tensor4D, { w: x[1]!, b: x[2]! }, { w: x[3]!, b: x[4]! }, c.D), r)) as tf.Scalar,
        )(ts);
        for (const [j, g] of grads.entries()) ours.set(`grad.${names[j]}`, Float32Array.from(await g.data()));
        tf.dispose([value, ...grads]);
      } finally {
        tf.dispose([...ts, r]);
      }
      expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(before);
      expectClose(`SPE ${c.name} (${backend})`, ours, torchOut.get(c.name)!);
    });

    it.skipIf(!torchPy.python)(`tiny SAFA embed forward + weight gradients (${backend})`, async () => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const m = new Safa({ ...TINY, rng: new Rng(TINY_SEED) });
      const inp = tinyInputs();
      const [ground, aerial, rg, rs] = [inp.ground, inp.aerial, inp.rg, inp.rs].map((a) => tf.tensor(a.data, a.shape));
      const ours = new Map<string, Float32Array>();
      try {
        const e = m.embed(ground as tf.Tensor4D, aerial as tf.Tensor4D);
        ours.set('out.g', Float32Array.from(await e.g.data()));
        ours.set('out.s', Float32Array.from(await e.s.data()));
        tf.dispose([e.g, e.s]);
        const named = m.namedVariables();
        const { value, grads } = tf.variableGrads(() => {
          const { g, s } = m.embed(ground as tf.Tensor4D, aerial as tf.Tensor4D);
          return tf.add(tf.sum(tf.mul(g, rg!)), tf.sum(tf.mul(s, rs!))) as tf.Scalar;
        }, m.variables());
        for (const [k, v] of named) ours.set(`grad.${k}`, Float32Array.from(await grads[v.name]!.data()));
        tf.dispose([value, ...Object.values(grads)]);
      } finally {
        tf.dispose([ground!, aerial!, rg!, rs!]);
        m.dispose();
      }
      expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(before);
      expectClose(`tiny SAFA (${backend})`, ours, torchOut.get('tiny')!);
    });
  }
});

describe('SAFA training step', () => {
  for (const backend of BACKENDS) {
    it(`Adam on the thesis' loss (Eq. 3.4), ground and aerial 32x64, widths / 16: no tensor leaks (${backend})`, async () => {
      await useBackend(backend);
      const base = tf.memory().numTensors;
      const m = new Safa({ widthDivisor: 16, groundHW: [32, 64], aerialHW: [32, 64], rng: new Rng(3) });
      const r = new Rng(4);
      const ground = tf.tensor4d(randu(r, 3 * 32 * 64 * 3, 0, 1), [3, 32, 64, 3]);
      const aerial = tf.tensor4d(randu(r, 3 * 32 * 64 * 3, 0, 1), [3, 32, 64, 3]);
      const opt = tf.train.adam(1e-3);
      const step = async (): Promise<number> => {
        const cost = tf.tidy(
          () =>
            opt.minimize(() => {
              const { g, s } = m.embed(ground, aerial);
              return softTripletThesis(g, s);
            }, true, m.variables())!,
        );
        const v = (await cost.data())[0]!;
        cost.dispose();
        return v;
      };
      try {
        const { g, s } = m.embed(ground, aerial);
        expect(g.shape).toEqual([3, m.descriptorLength()]);
        expect(s.shape).toEqual([3, 32 * 8]);
        const norms = tf.tidy(() => tf.concat([tf.norm(g, 'euclidean', 1), tf.norm(s, 'euclidean', 1)]));
        for (const n of await norms.data()) expect(n).toBeCloseTo(1, 5);
        tf.dispose([g, s, norms]);

        const w0 = Float32Array.from(await m.groundSpe.fc2.w.data());
        const first = await step(); // creates Adam's moment slots
        const after1 = tf.memory().numTensors;
        const second = await step();
        expect(tf.memory().numTensors, `tensors leaked by a training step on ${backend}`).toBe(after1);
        expect(Number.isFinite(first) && Number.isFinite(second)).toBe(true);
        expect(relErr(Float32Array.from(await m.groundSpe.fc2.w.data()), w0)).toBeGreaterThan(0);
      } finally {
        opt.dispose();
        tf.dispose([ground, aerial]);
        m.dispose();
      }
      expect(tf.memory().numTensors, `tensors left after dispose on ${backend}`).toBe(base);
    });
  }
});

describe('SAFA size', () => {
  const vggParams = (div: number) => vgg16Layers('pool5', div).reduce((n, l) => n + (l.kind === 'conv' ? 9 * l.cin * l.cout + l.cout : 0), 0);

  it('full width, 128x512 ground and polar aerial: 4096-long descriptors, 29,467,328 parameters', async () => {
    await useBackend('cpu');
    expect(safaFeatureHW([128, 512])).toEqual([4, 16]);
    // SPE on 4x16 = 64 positions: fc1 64→32 (2,048 + 32), fc2 32→8·64 (16,384 + 512)
    expect(speParamCount([4, 16], 8)).toBe(18_976);
    expect(vggParams(1)).toBe(14_714_688);
    expect(safaParamCount()).toBe(2 * 14_714_688 + 2 * 18_976);
    expect(safaParamCount()).toBe(29_467_328);
    const before = tf.memory().numTensors;
    const m = new Safa({ rng: new Rng(0) });
    try {
      expect(m.descriptorLength()).toBe(4096);
      expect(m.paramCount()).toBe(29_467_328);
      expect(m.paramCount()).toBe(m.variables().reduce((n, v) => n + v.size, 0));
      const named = m.namedVariables();
      expect(named.size).toBe(2 * (26 + 4));
      expect(named.get('ground.features.0.weight')!.shape).toEqual([3, 3, 3, 64]);
      expect(named.get('aerial.features.28.weight')!.shape).toEqual([3, 3, 512, 512]);
      expect(named.get('ground.spe.fc1.weight')!.shape).toEqual([64, 32]);
      expect(named.get('aerial.spe.fc2.weight')!.shape).toEqual([32, 512]);
      expect(new Set(m.variables().map((v) => v.name)).size).toBe(named.size);
    } finally {
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the thesis' CVACT sizes (ground 112x616, aerial 256x256)", () => {
    // pool5 maps 3x19 (57 → 28 → 456) and 8x8 (64 → 32 → 512)
    expect(speParamCount([3, 19], 8)).toBe(57 * 28 + 28 + 28 * 456 + 456);
    expect(safaParamCount([112, 616], [256, 256])).toBe(2 * 14_714_688 + 14_848 + 18_976);
  });

  it('paramCount equals the sum of variable sizes and safaParamCount at reduced width', async () => {
    await useBackend('cpu');
    const m = new Safa({ ...TINY, rng: new Rng(1) });
    try {
      expect(m.paramCount()).toBe(m.variables().reduce((n, v) => n + v.size, 0));
      expect(m.paramCount()).toBe(safaParamCount(TINY.groundHW, TINY.aerialHW, TINY.widthDivisor, TINY.D));
      expect(m.descriptorLength()).toBe(32 * 8);
    } finally {
      m.dispose();
    }
  });

  it('flops = 2 x (VGG16 conv MACs + SPE MACs) of both branches', async () => {
    const conv = (h: number, w: number, div = 1) => vgg16ConvMacs(h, w, 'pool5', div).reduce((n, l) => n + l.macs, 0);
    // full width, 128x512 each: SPE = 64·32 + 32·512 + 8·64·512 = 280,576 MACs per branch
    expect(speMacs([4, 16], 512, 8)).toBe(280_576);
    expect(safaForwardMacs([128, 512], [128, 512])).toBe(2 * conv(128, 512) + 2 * 280_576);
    await useBackend('cpu');
    const m = new Safa({ ...TINY, rng: new Rng(2) });
    try {
      const spe = (hw: [number, number]) => {
        const n = hw[0] * hw[1];
        const hid = Math.floor(n / 2);
        return n * hid + hid * 8 * n + 8 * n * 32;
      };
      const expected = 2 * (conv(64, 128, 16) + conv(32, 96, 16) + spe([2, 4]) + spe([1, 3]));
      expect(m.flops(TINY.groundHW, TINY.aerialHW)).toBe(expected);
      expect(() => m.flops([128, 512], TINY.aerialHW)).toThrow(CvglError);
    } finally {
      m.dispose();
    }
  });

  it('says what to do on inputs of another size, unequal batches or too small a map', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const m = new Safa({ ...TINY, rng: new Rng(3) });
    const g = tf.zeros([1, 32, 64, 3]) as tf.Tensor4D;
    const a = tf.zeros([1, ...TINY.aerialHW, 3]) as tf.Tensor4D;
    const a2 = tf.zeros([2, ...TINY.aerialHW, 3]) as tf.Tensor4D;
    try {
      expect(() => m.embed(g, a)).toThrow(/2x4 feature map/);
      const ok = tf.zeros([1, ...TINY.groundHW, 3]) as tf.Tensor4D;
      expect(() => m.embed(ok, a2)).toThrow(/equal size/);
      ok.dispose();
    } finally {
      tf.dispose([g, a, a2]);
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(() => new Safa({ groundHW: [16, 64] })).toThrow(/at least 32x64/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
