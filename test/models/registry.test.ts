/**
 * Every registered model, checked the same way (timm's tests/test_models.py: parametrised over
 * the registry, so a new model is tested by being registered):
 *   - at its quick size it builds from its record, its forward gives unit descriptors of its
 *     length, one backward pass gives a finite gradient for every trainable variable, and a few
 *     optimizer steps keep tf.memory().numTensors constant (nothing left once disposed);
 *   - its option schema refuses an option it does not list, with a CvglError;
 *   - its facts are what `cvgl params` prints, and they are the built model's own figures at the
 *     paper's input sizes (parameters, descriptor length, forward FLOPs).
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CvglError } from '../../lib/engine/errors.js';
import { Rng, initEngine, tf } from '../../lib/engine/index.js';
import { paramsCommand } from '../../lib/cli/models.js';
import { MODELS, MODEL_NAMES, buildModel, modelFacts, modelRecord, quickModel } from '../../lib/models/registry.js';

// wasm: the pure-JS cpu backend takes minutes for one backward pass of the quick sizes
beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

const B = 2;
/** Lets the worker answer vitest between long synchronous tests (else "Timeout calling onTaskUpdate"). */
const tick = () => new Promise((r) => setImmediate(r));
/** A batch of the views the quick size trains on (the aerial as the model sees it: polar or square). */
function batch(name: string, seed: number): { ground: tf.Tensor4D; aerial: tf.Tensor4D } {
  const q = modelRecord(name).quick, r = new Rng(seed);
  const a = q.aerial.polar ?? { height: q.aerial.size, width: q.aerial.size };
  return {
    ground: r.uniformTensor([B, q.ground.height, q.ground.width, 3]) as tf.Tensor4D,
    aerial: r.uniformTensor([B, a.height, a.width, 3]) as tf.Tensor4D,
  };
}

describe('the registry', () => {
  it('lists each record once, by its name', () => {
    expect(MODEL_NAMES).toEqual(MODELS.map((r) => r.name));
    expect(new Set(MODEL_NAMES).size).toBe(MODELS.length);
    for (const n of MODEL_NAMES) expect(modelRecord(n).name).toBe(n);
    // each entry cites its paper by number (/work/shared/papers: 000 MGTL … 003 thesis)
    for (const r of MODELS) expect(r.paper, r.name).toMatch(/\(00\d\)/);
  });

  it('refuses an unknown name with the names it knows', () => {
    expect(() => modelRecord('resnet')).toThrow(CvglError);
    expect(() => buildModel('resnet')).toThrow(/a model name: siamese-vgg, safa, cvft/);
    expect(() => quickModel('resnet')).toThrow(CvglError);
  });
});

for (const record of MODELS) {
  const name = record.name;
  describe(name, () => {
    it('quick size: builds from its record, unit descriptors of its length, finite gradients for every trainable variable', async () => {
      await tick();
      const before = tf.memory().numTensors;
      const { model, objective } = quickModel(name, 1);
      const { ground, aerial } = batch(name, 2);
      try {
        expect(model.name).toBe(name);
        const vars = model.variables();
        expect(vars.length).toBeGreaterThan(0);
        expect(model.paramCount()).toBe(vars.reduce((n, v) => n + v.size, 0));
        const e = model.embed(ground, aerial);
        expect(e.g.shape).toEqual([B, model.descriptorLength()]);
        expect(e.s.shape).toEqual([B, model.descriptorLength()]);
        const norms = tf.tidy(() => tf.concat([tf.norm(e.g, 'euclidean', 1), tf.norm(e.s, 'euclidean', 1)]));
        for (const x of norms.dataSync()) expect(x).toBeCloseTo(1, 4);
        tf.dispose([e.g, e.s, norms]);

        const { value, grads } = tf.variableGrads(() => objective(ground, aerial), vars);
        expect(Number.isFinite(value.dataSync()[0])).toBe(true);
        const missing = vars.filter((v) => !grads[v.name]).map((v) => v.name);
        expect(missing, 'trainable variables without a gradient').toEqual([]);
        const notFinite = vars.filter((v) => !tf.tidy(() => tf.all(tf.isFinite(grads[v.name]!)).dataSync()[0])).map((v) => v.name);
        expect(notFinite, 'gradients with NaN or Inf').toEqual([]);
        const total = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.abs(g)))).dataSync()[0]!);
        expect(total).toBeGreaterThan(0);
        tf.dispose([value, ...Object.values(grads)]);
      } finally {
        tf.dispose([ground, aerial]);
        model.afterStep?.(); // the unified MoCo holds its keys until the step is over
        model.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    }, 120_000);

    it('quick size: optimizer steps leave the tensor count constant, and nothing once disposed', async () => {
      await tick();
      const before = tf.memory().numTensors;
      const q = quickModel(name, 1);
      const { ground, aerial } = batch(name, 3);
      const opt = tf.train.adam(q.learningRate);
      const step = () => {
        const cost = opt.minimize(() => q.objective(ground, aerial), true, q.model.variables())!;
        q.model.afterStep?.();
        expect(Number.isFinite(cost.dataSync()[0])).toBe(true);
        cost.dispose();
      };
      step(); // Adam creates its moments on the first step
      const after1 = tf.memory().numTensors;
      step();
      expect(tf.memory().numTensors).toBe(after1);
      opt.dispose();
      tf.dispose([ground, aerial]);
      q.model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }, 120_000);

    it('option schema: its quick options are listed, an unknown option is a CvglError', () => {
      for (const k of Object.keys(record.quick.options)) expect(record.options).toContain(k);
      const before = tf.memory().numTensors;
      let err: unknown;
      try {
        buildModel(name, { ...record.quick.options, widthDivsor: 8 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CvglError);
      expect((err as Error).message).toMatch(/'widthDivsor'/);
      expect(tf.memory().numTensors).toBe(before); // refused before any weight exists
    });

    it('its facts are what `cvgl params --json` prints', async () => {
      const lines: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((x: string) => void lines.push(x));
      try {
        expect(await paramsCommand([name, '--json'])).toBe(0);
      } finally {
        log.mockRestore();
      }
      const { published, ...printed } = JSON.parse(lines.join('\n')) as Record<string, unknown>;
      expect(Array.isArray(published)).toBe(true);
      expect(printed).toEqual(modelFacts(name));
      const f = record.facts(record.paperSize);
      expect(printed).toEqual({ model: name, ...f, input: record.paperSize });
      expect(Object.values(f.breakdown).reduce((a, b) => a + b, 0)).toBe(f.params);
    });
  });
}

/**
 * The facts are analytic (no weights built); the model built at the paper's size must agree.
 * Full-size weights (30M to 82M values): one model at a time, disposed at once.
 */
describe('facts are the built model\'s own figures at the paper size', () => {
  for (const record of MODELS) {
    it(record.name, async () => {
      await tick();
      const f = modelFacts(record.name);
      const before = tf.memory().numTensors;
      const m = buildModel(record.name, {}, 1);
      try {
        // models with BatchNorm are counted as Keras does, moving statistics included (GeoCapsNet Table 4)
        const all = [...m.namedVariables().values()].reduce((n, v) => n + v.size, 0);
        expect(f.params).toBe(m.training !== undefined ? all : m.paramCount());
        expect(f.descriptorLength).toBe(m.descriptorLength());
        expect(f.forwardGflops).toBeCloseTo(m.flops(f.input.ground, f.input.aerial) / 1e9, 9);
      } finally {
        m.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    }, 120_000);
  }
});
