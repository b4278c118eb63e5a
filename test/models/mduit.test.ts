/**
 * The MDUIT model (paper 004) — lib/models/mduit.ts, its layers from lib/nn,
 * lib/train/mduit_step.ts:
 *   - its layers against PyTorch (instance norm, GeM pooling with a trainable p, nearest
 *     upsampling), values and gradients, on cpu and wasm;
 *   - shapes of E_c, E_a (the per-sample filter W_t), G, H, D_i, D_a; the paper's initialisation;
 *   - D_a's split first convolution equals the convolution of the concatenated pair; the networks
 *     run on a concatenated batch give the numbers of separate calls;
 *   - one forward/backward + Adam step of the whole model for every Table 1 variant on cpu and
 *     wasm: the losses are finite, the right variables move (the frozen VGG16 does not), no tensor
 *     leaks from the second step on; errors.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CvglError, Rng, tf, type BackendName } from '../../lib/engine/index.js';
import { instanceNorm } from '../../lib/nn/norm.js';
import { gemPool } from '../../lib/nn/pool.js';
import { upsample2x } from '../../lib/nn/resize.js';
import { Mduit } from '../../lib/models/mduit.js';
import { createOptimizer } from '../../lib/train/optimizers.js';
import { generatorTerms, mduitStep, MDUIT_VARIANTS, variantHasI2i, type MduitBatch } from '../../lib/train/mduit_step.js';
import { requireInCi } from '../ci_requirements.js';
import { REL_TOL, evalWithGrads, randn, relErr, useBackend, type ArrayInput } from '../engine/parity_helpers.js';
import { ReferenceDir, findPython } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/conv_layers_torch.py', import.meta.url));
const BACKENDS: BackendName[] = ['cpu', 'wasm'];
const py = findPython(['torch', 'numpy']);
requireInCi('PyTorch for the layer references', py.python !== null, 'reason' in py ? py.reason : undefined);

interface Case {
  name: string;
  kind: string;
  args?: Record<string, number>;
  inputs: ArrayInput[];
  fn: (t: tf.Tensor[]) => tf.Scalar;
}

function cases(): Case[] {
  const r = new Rng(31);
  const x = randn(r, 'x', [2, 5, 6, 4], 1.5);
  const pos = { ...randn(r, 'x', [2, 5, 6, 4]), data: randn(r, 'x', [2, 5, 6, 4]).data.map((v) => Math.abs(v) + 0.05) };
  return [
    { name: 'in', kind: 'instance_norm', inputs: [x, randn(r, 'r', [2, 5, 6, 4], 1, false)], fn: ([a, b]) => tf.sum(tf.mul(instanceNorm(a as tf.Tensor4D), b!)) },
    {
      name: 'gem', kind: 'gem', args: { eps: 1e-6 },
      // mixed signs: the clamp at ε is part of the operation
      inputs: [x, { name: 'p', shape: [], data: Float32Array.of(2.6), dtype: 'float32', grad: true }, randn(r, 'r', [2, 4], 1, false)],
      fn: ([a, p, b]) => tf.sum(tf.mul(gemPool(a as tf.Tensor4D, p!), b!)),
    },
    {
      name: 'gemPositive', kind: 'gem', args: { eps: 1e-6 },
      inputs: [pos, { name: 'p', shape: [], data: Float32Array.of(3), dtype: 'float32', grad: true }, randn(r, 'r', [2, 4], 1, false)],
      fn: ([a, p, b]) => tf.sum(tf.mul(gemPool(a as tf.Tensor4D, p!), b!)),
    },
    { name: 'up', kind: 'upsample', inputs: [randn(r, 'x', [2, 3, 4, 5]), randn(r, 'r', [2, 6, 8, 5], 1, false)], fn: ([a, b]) => tf.sum(tf.mul(upsample2x(a as tf.Tensor4D), b!)) },
  ];
}

const dirs: ReferenceDir[] = [];
afterAll(() => dirs.forEach((d) => d.remove()));
let refs: Promise<Map<string, { value: number; grads: Map<string, Float32Array> }>> | null = null;
function reference(python: string) {
  refs ??= (async () => {
    const dir = new ReferenceDir('cvgl-layers-');
    dirs.push(dir);
    const cs = cases();
    for (const c of cs) for (const i of c.inputs) dir.writeF32(`${c.name}_${i.name}.f32`, i.data as Float32Array);
    dir.run(python, SCRIPT, { cases: cs.map((c) => ({ name: c.name, kind: c.kind, args: c.args ?? {}, inputs: c.inputs.map((i) => [i.name, i.shape, i.grad]) })) });
    return new Map(cs.map((c) => [c.name, { value: dir.readF32(`${c.name}_value.f32`)[0]!, grads: new Map(c.inputs.filter((i) => i.grad).map((i) => [i.name, dir.readF32(`${c.name}_grad_${i.name}.f32`)])) }] as const));
  })();
  return refs;
}

describe.skipIf(py.python === null)('MDUIT layers against PyTorch', () => {
  for (const backend of BACKENDS) {
    for (const c of cases()) {
      it(`${c.name} (${c.kind}): value and gradients (${backend})`, async () => {
        const ref = (await reference(py.python!)).get(c.name)!;
        const got = await evalWithGrads(backend, c.fn, c.inputs);
        expect(Math.abs(got.value[0]! - ref.value) / Math.abs(ref.value), `${c.name} value`).toBeLessThan(REL_TOL);
        for (const g of got.grads) expect(relErr(g.data, ref.grads.get(g.name)!), `${c.name} d/d${g.name}`).toBeLessThan(REL_TOL);
      });
    }
  }
});

const SMALL = { widthDivisor: 32, contentResBlocks: 1, generatorResBlocks: 1, discriminatorLayers: 2, embedDim: 8 } as const;
const img = (r: Rng, b: number, h = 16, w = 24) => tf.tidy(() => tf.sub(tf.mul(r.uniformTensor([b, h, w, 3]), 2), 1)) as tf.Tensor4D;

describe('MDUIT model', () => {
  it('shapes of E_c, E_a, G, H, D_i, D_a; the paper\'s N(0, 0.001²) initialisation', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const m = new Mduit({ ...SMALL, rng: new Rng(1) });
    const r = new Rng(2);
    const x = img(r, 3), y = img(r, 3);
    try {
      expect(m.sizes).toEqual({ c: 8, groups: 8, kernel: 5, filterSize: 200, embedDim: 8 });
      const f = m.content(x);
      expect(f.shape).toEqual([3, 4, 6, 8]);
      const w = m.appearance(y);
      expect(w.shape).toEqual([3, 5, 5, 1, 8]);
      const out = tf.tidy(() => m.generate(m.adapt(f, w)));
      expect(out.shape).toEqual([3, 16, 24, 3]);
      const v = await out.data();
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(1);
      const z = m.project(f);
      expect(z.shape).toEqual([3, 8]);
      for (const row of z.arraySync() as number[][]) expect(Math.hypot(...row)).toBeCloseTo(1, 5);
      expect(tf.tidy(() => m.discriminateImage(x).shape)).toEqual([3, 4, 6, 1]);
      expect(tf.tidy(() => m.discriminateAppearance(x, y).shape)).toEqual([3, 4, 6, 1]);
      tf.dispose([f, w, out, z]);
      // N(0, 0.001²) weights, zero biases (the frozen VGG16 keeps its own He initialisation)
      const ws = [...m.namedVariables()].filter(([n]) => n.endsWith('.weight') && !n.includes('vgg')).flatMap(([, t]) => Array.from(t.dataSync()));
      const sd = Math.sqrt(ws.reduce((a, v) => a + v * v, 0) / ws.length);
      expect(sd).toBeGreaterThan(0.0009);
      expect(sd).toBeLessThan(0.0011);
      expect([...m.namedVariables()].filter(([n]) => n.endsWith('.bias') && !n.includes('vgg')).every(([, t]) => t.dataSync().every((v) => v === 0))).toBe(true);
      expect([...m.namedVariables()].filter(([n]) => n.includes('vgg')).every(([, t]) => !t.trainable)).toBe(true);
      expect([...m.generatorVariables().keys()].some((n) => n.startsWith('disc_'))).toBe(false);
      expect([...m.discriminatorVariables().keys()].every((n) => n.startsWith('disc_'))).toBe(true);
    } finally {
      tf.dispose([x, y]);
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('D_a on a pair = one convolution of the concatenated channels; a concatenated batch = separate calls', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const m = new Mduit({ ...SMALL, rng: new Rng(5), init: { kind: 'torch-default' } });
    const r = new Rng(6);
    const [a, b, c] = [img(r, 2), img(r, 2), img(r, 2)];
    try {
      const split = m.discriminateAppearance(a, b);
      const w = m.namedVariables();
      const direct = tf.tidy(() => {
        let h = tf.leakyRelu(tf.add(tf.conv2d(tf.concat([a, b], 3) as tf.Tensor4D, w.get('disc_appearance.conv0.weight')! as tf.Tensor4D, 2, 'same'), w.get('disc_appearance.conv0.bias')!), 0.2) as tf.Tensor4D;
        h = tf.leakyRelu(tf.add(tf.conv2d(h, w.get('disc_appearance.conv1.weight')! as tf.Tensor4D, 2, 'same'), w.get('disc_appearance.conv1.bias')!), 0.2) as tf.Tensor4D;
        return tf.add(tf.conv2d(h, w.get('disc_appearance.out.weight')! as tf.Tensor4D, 1, 'same'), w.get('disc_appearance.out.bias')!);
      });
      expect(relErr(Float32Array.from(split.dataSync()), Float32Array.from(direct.dataSync()))).toBeLessThan(1e-5);
      const [both, sep] = tf.tidy(() => [m.content(tf.concat([a, c]) as tf.Tensor4D), tf.concat([m.content(a), m.content(c)])].map((t) => Float32Array.from(t.dataSync())));
      expect(relErr(both!, sep!)).toBeLessThan(1e-5);
      tf.dispose([split, direct]);
    } finally {
      tf.dispose([a, b, c]);
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('checks its options and refuses translation calls without the I2I module', async () => {
    await useBackend('cpu');
    expect(() => new Mduit({ widthDivisor: 3 })).toThrow(CvglError);
    expect(() => new Mduit({ ...SMALL, kernel: 4 })).toThrow(CvglError);
    expect(() => new Mduit({ ...SMALL, groups: 3 })).toThrow(CvglError);
    expect(() => new Mduit({ ...SMALL, init: { kind: 'normal', std: 0 } })).toThrow(CvglError);
    const m = new Mduit({ ...SMALL, i2i: false, rng: new Rng(1) });
    const x = img(new Rng(1), 1);
    expect(() => m.appearance(x)).toThrow(/i2i: true/);
    expect(m.paramCount()).toBeGreaterThan(0);
    x.dispose();
    m.dispose();
  });
});

function batchFor(variant: (typeof MDUIT_VARIANTS)[number], r: Rng, b: number, nNeg: number, bank: boolean): MduitBatch {
  const batch: MduitBatch = { source: img(r, b), negatives: bank ? { z: tf.tidy(() => r.normalTensor([b, nNeg, 8])) as tf.Tensor3D } : { images: img(r, b * nNeg), nNeg } };
  if (variantHasI2i(variant)) Object.assign(batch, { target: img(r, b), targetSame: img(r, b), targetNeg: img(r, b), sourceNeg: img(r, b) });
  else batch.jittered = img(r, b);
  return batch;
}

const disposeBatch = (b: MduitBatch) =>
  tf.dispose([b.source, 'z' in b.negatives ? b.negatives.z : b.negatives.images, ...[b.target, b.targetSame, b.targetNeg, b.sourceNeg, b.jittered].filter((t): t is tf.Tensor4D => !!t)]);

describe('one MDUIT training step (Eq. 6), every Table 1 variant', () => {
  for (const backend of BACKENDS) {
    for (const variant of MDUIT_VARIANTS) {
      it(`${variant}: forward, backward, Adam on both players; the right variables move; no leaks (${backend})`, async () => {
        await useBackend(backend);
        const base = tf.memory().numTensors;
        const m = new Mduit({ ...SMALL, rng: new Rng(3), init: { kind: 'torch-default' }, i2i: variantHasI2i(variant) });
        const opt = { generator: createOptimizer({ kind: 'adam', lr: 2e-4, beta1: 0.5 }), discriminator: variantHasI2i(variant) ? createOptimizer({ kind: 'adam', lr: 2e-4, beta1: 0.5 }) : null };
        const r = new Rng(4);
        const snapshot = (vars: Map<string, tf.Variable>) => new Map([...vars].map(([k, v]) => [k, Float32Array.from(v.dataSync())]));
        const g0 = snapshot(m.generatorVariables()), d0 = snapshot(m.discriminatorVariables());
        const frozen0 = snapshot(new Map([...m.namedVariables()].filter(([n]) => n.includes('vgg'))));
        try {
          let after = -1;
          for (let s = 0; s < 3; s++) {
            const batch = batchFor(variant, r, 2, 3, s === 1);
            const l = await mduitStep(m, batch, variant, opt, 2e-4);
            disposeBatch(batch);
            expect(Number.isFinite(l.generator), `generator loss ${l.generator}`).toBe(true);
            if (variantHasI2i(variant)) {
              expect(Number.isFinite(l.discriminator)).toBe(true);
              for (const k of ['advImage', 'advAppearance', 'recSelf', 'recCycle', 'conContent', 'conAppearance', 'contrastive'] as const) expect(Number.isFinite(l.terms[k]), k).toBe(true);
            } else {
              expect(l.discriminator).toBeNaN();
              expect(l.terms.recSelf).toBeNaN();
              expect(l.terms.contrastive).toBeGreaterThanOrEqual(0);
            }
            if (after < 0) after = tf.memory().numTensors; // Adam's slots appear on the first step
            else expect(tf.memory().numTensors, `tensors leaked by step ${s} on ${backend}`).toBe(after);
          }
          const moved = (before: Map<string, Float32Array>, vars: Map<string, tf.Variable>) => [...vars].filter(([k, v]) => relErr(Float32Array.from(v.dataSync()), before.get(k)!) > 0).map(([k]) => k);
          expect(moved(g0, m.generatorVariables()).length, 'generator-side variables updated').toBe(m.generatorVariables().size);
          expect(moved(d0, m.discriminatorVariables()).length).toBe(m.discriminatorVariables().size);
          expect(moved(frozen0, new Map([...m.namedVariables()].filter(([n]) => n.includes('vgg'))))).toEqual([]);
          if (variantHasI2i(variant)) expect(m.discriminatorVariables().size).toBeGreaterThan(0);
        } finally {
          opt.generator.dispose();
          opt.discriminator?.dispose();
          m.dispose();
        }
        expect(tf.memory().numTensors, `tensors left on ${backend}`).toBe(base);
      });
    }
  }

  it('a batch without what the variant needs is a CvglError; the I2I terms are Eq. 3–5 of the batch', async () => {
    await useBackend('cpu');
    const m = new Mduit({ ...SMALL, rng: new Rng(3), init: { kind: 'torch-default' } });
    const r = new Rng(9);
    const b = batchFor('woI2i', r, 2, 2, true);
    expect(() => tf.tidy(() => generatorTerms(m, b, 'full').terms.recSelf)).toThrow(CvglError);
    const full = batchFor('full', r, 2, 2, true);
    // Eq. 3: the self-reconstruction term is the L1 between G(f_s ⊗ W_s) and I_s
    const got = tf.tidy(() => generatorTerms(m, full, 'full').terms.recSelf.dataSync()[0]!);
    const want = tf.tidy(() => tf.mean(tf.abs(tf.sub(m.generate(m.adapt(m.content(full.source), m.appearance(full.source))), full.source))).dataSync()[0]!);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
    disposeBatch(b);
    disposeBatch(full);
    m.dispose();
  });
});
