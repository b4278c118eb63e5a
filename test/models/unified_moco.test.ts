/**
 * The unified double MoCo (thesis 003, appendix 6.5) — lib/models/unified_moco.ts:
 *   - two training steps as the trainer takes them (objective 'unified-infonce' through
 *     tf.variableGrads, SGD with momentum and weight decay, then `afterStep`) against the float64 PyTorch
 *     reference test/reference/unified_moco_torch.py on cpu and wasm: losses, the query encoders
 *     after Adam, the key encoders after the crossed momentum updates (k' follows the ground
 *     branch, k the aerial one), both queues and their pointer — with K = 6 and B = 4, so the
 *     second enqueue wraps around the ring;
 *   - keys start as copies of the query encoders they follow, also after `afterInitWeights`;
 *     `embed` is the query Siamese-VGG's; errors; no tensor leaks.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CvglError, Rng, tf, type BackendName } from '../../lib/engine/index.js';
import { UnifiedMoCo } from '../../lib/models/unified_moco.js';
import { buildObjective } from '../../lib/train/objective.js';
import { createOptimizer } from '../../lib/train/optimizers.js';
import { validateConfig } from '../../lib/train/config.js';
import { getPreset } from '../../lib/papers/presets.js';
import { requireInCi } from '../ci_requirements.js';
import { REL_TOL, relErr, useBackend } from '../engine/parity_helpers.js';
import { ReferenceDir, expectClose, findPython, uniformArray } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/unified_moco_torch.py', import.meta.url));
const BACKENDS: BackendName[] = ['cpu', 'wasm'];
const py = findPython(['torch', 'numpy']);
requireInCi('PyTorch for the unified MoCo reference', py.python !== null, 'reason' in py ? py.reason : undefined);

const SIZES = { widthDivisor: 16, dim: 16, queueSize: 6, batch: 4, ground: [32, 64] as const, aerial: 32, steps: 2 };
// SGD as in stage 1 (the trainer's optimizer is generic and tested against torch.optim on its own);
// Adam's normalised steps would turn float32 noise of near-zero gradients into lr-sized differences
const HP = { lr: 0.05, momentum: 0.9, weightDecay: 1e-4, m: 0.99, tau: 0.2 };
const newModel = () => new UnifiedMoCo({ widthDivisor: SIZES.widthDivisor, dim: SIZES.dim, queueSize: SIZES.queueSize, tau: HP.tau, momentum: HP.m, rng: new Rng(31) });
const gShape: [number, number, number, number] = [SIZES.batch, SIZES.ground[0], SIZES.ground[1], 3];
const sShape: [number, number, number, number] = [SIZES.batch, SIZES.aerial, SIZES.aerial, 3];

/** Our key-encoder names → the query parameter they follow (the reference's names). */
const keyToQuery = (name: string) => name.replace(/^key_(ground|aerial)\.features\./, '$1.features.').replace(/^key_(ground|aerial)\.classifier\./, 'head.classifier.');

interface Ref {
  init: Map<string, Float32Array>;
  losses: number[];
  q: Map<string, Float32Array>;
  kg: Map<string, Float32Array>;
  ka: Map<string, Float32Array>;
  queueGround: Float32Array;
  queueAerial: Float32Array;
  ptr: number;
  xs: { g: Float32Array; s: Float32Array }[];
}

let refPromise: Promise<Ref> | null = null;
const dirs: ReferenceDir[] = [];
afterAll(() => dirs.forEach((d) => d.remove()));

function reference(python: string): Promise<Ref> {
  refPromise ??= (async () => {
    await useBackend('cpu');
    const m = newModel();
    const dir = new ReferenceDir('cvgl-unified-moco-');
    dirs.push(dir);
    const init = new Map<string, Float32Array>();
    const params: [string, number[]][] = [];
    for (const [name, v] of m.query.namedVariables()) {
      const a = Float32Array.from(await v.data());
      init.set(name, a);
      params.push([name, v.shape]);
      dir.writeF32(`param_${name}.f32`, a);
    }
    dir.writeF32('queue_ground.f32', Float32Array.from(await m.queueGround.data()));
    dir.writeF32('queue_aerial.f32', Float32Array.from(await m.queueAerial.data()));
    m.dispose();
    const r = new Rng(77);
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const xs = Array.from({ length: SIZES.steps }, (_, s) => {
      const x = { g: uniformArray(r, size(gShape), 0, 1), s: uniformArray(r, size(sShape), 0, 1) };
      dir.writeF32(`xg${s}.f32`, x.g);
      dir.writeF32(`xs${s}.f32`, x.s);
      return x;
    });
    dir.run(python, SCRIPT, { divisor: SIZES.widthDivisor, dim: SIZES.dim, K: SIZES.queueSize, ...HP, steps: SIZES.steps, params, xg: gShape, xs: sShape });
    const read = (prefix: string, names: string[]) => new Map(names.map((n) => [n, dir.readF32(`${prefix}_${n}.f32`)]));
    const names = params.map(([n]) => n);
    const keyNames = (branch: string) => names.filter((n) => n.startsWith(`${branch}.`) || n.startsWith('head.'));
    return {
      init,
      losses: Array.from({ length: SIZES.steps }, (_, s) => dir.readF32(`loss${s}.f32`)[0]!),
      q: read('q', names),
      kg: read('kg', keyNames('ground')),
      ka: read('ka', keyNames('aerial')),
      queueGround: dir.readF32('queue_ground_out.f32'),
      queueAerial: dir.readF32('queue_aerial_out.f32'),
      ptr: dir.readF32('ptr.f32')[0]!,
      xs,
    };
  })();
  return refPromise;
}

async function values(vars: Map<string, tf.Variable>, rename = (s: string) => s): Promise<Map<string, Float32Array>> {
  return new Map(await Promise.all([...vars].map(async ([k, v]) => [rename(k), Float32Array.from(await v.data())] as const)));
}

function keyVars(m: UnifiedMoCo, prefix: 'key_ground' | 'key_aerial'): Map<string, tf.Variable> {
  return new Map([...m.namedVariables()].filter(([n]) => n.startsWith(`${prefix}.`)));
}

describe.skipIf(py.python === null)('unified MoCo steps against PyTorch (appendix 6.5)', () => {
  for (const backend of BACKENDS) {
    it(`${SIZES.steps} trainer steps, widths / 16, ground 32x64, aerial 32x32, B = 4, K = 6 (ring wraps), dim 16: losses, q/q', k/k', queues (${backend})`, async () => {
      const ref = await reference(py.python!);
      await useBackend(backend);
      const base = tf.memory().numTensors;
      const m = newModel();
      const opt = createOptimizer({ kind: 'sgd', lr: HP.lr, momentum: HP.momentum, weightDecay: HP.weightDecay });
      try {
        // keys start as the query encoders they follow
        expectClose('k\' = q at the start', await values(keyVars(m, 'key_ground'), keyToQuery), new Map([...ref.init].filter(([n]) => !n.startsWith('aerial.'))));
        expectClose('k = q\' at the start', await values(keyVars(m, 'key_aerial'), keyToQuery), new Map([...ref.init].filter(([n]) => !n.startsWith('ground.'))));
        const objective = buildObjective(m, { kind: 'unified-infonce' });
        const trainable = new Map([...m.namedVariables()].filter(([, v]) => v.trainable));
        expect([...trainable.keys()].sort()).toEqual([...ref.init.keys()].sort()); // only q, q' and the head train
        const nameOf = new Map([...trainable].map(([n, v]) => [v.name, n]));
        const losses: number[] = [];
        let afterFirst = -1;
        for (const { g, s } of ref.xs) {
          const [xg, xs] = [tf.tensor4d(g, gShape), tf.tensor4d(s, sShape)];
          // the trainer's step (lib/train/trainer.ts)
          const { value, grads } = tf.variableGrads(() => objective(xg, xs), [...trainable.values()]);
          losses.push((await value.data())[0]!);
          opt.apply(trainable, new Map(Object.entries(grads).map(([k, v]) => [nameOf.get(k)!, v])), HP.lr);
          tf.dispose([value, xg, xs, ...Object.values(grads)]);
          m.afterStep();
          if (afterFirst < 0) afterFirst = tf.memory().numTensors; // SGD's momentum slots appear at the first step
          else expect(tf.memory().numTensors, `tensors leaked by a step on ${backend}`).toBe(afterFirst);
        }
        const lossErr = Math.max(...losses.map((l, i) => Math.abs(l - ref.losses[i]!) / Math.abs(ref.losses[i]!)));
        expect(lossErr, `losses ${losses} vs torch ${ref.losses}`).toBeLessThan(REL_TOL);
        const q = await values(m.query.namedVariables());
        expectClose(`q, q' and the head after ${SIZES.steps} SGD steps (${backend})`, q, ref.q);
        // the updates themselves (θ_T − θ_0): every parameter moved, as in torch (bound as in moco.test.ts)
        const delta = (a: Map<string, Float32Array>) => new Map([...a].map(([n, v]) => [n, v.map((x, i) => x - ref.init.get(n)![i]!)] as const));
        const deltaErr = Math.max(...[...delta(q)].map(([n, d]) => relErr(d, delta(ref.q).get(n)!)));
        expect(deltaErr, 'relative error of the SGD updates θ_T − θ_0').toBeLessThan(1e-3);
        expectClose(`k' (follows the ground branch) after ${SIZES.steps} momentum updates (${backend})`, await values(keyVars(m, 'key_ground'), keyToQuery), ref.kg);
        expectClose(`k (follows the aerial branch) after ${SIZES.steps} momentum updates (${backend})`, await values(keyVars(m, 'key_aerial'), keyToQuery), ref.ka);
        expect(relErr(Float32Array.from(await m.queueGround.data()), ref.queueGround), 'queue of ground keys').toBeLessThan(REL_TOL);
        expect(relErr(Float32Array.from(await m.queueAerial.data()), ref.queueAerial), 'queue of satellite keys').toBeLessThan(REL_TOL);
        expect(m.pointer()).toBe(ref.ptr);
        expect(ref.ptr).toBe((2 * SIZES.batch) % SIZES.queueSize);
      } finally {
        opt.dispose();
        m.dispose();
      }
      expect(tf.memory().numTensors, `tensors left after dispose on ${backend}`).toBe(base);
    }, 120_000);
  }
});

describe('unified MoCo: descriptors, key copies, errors', () => {
  it('embed is the query Siamese-VGG; afterInitWeights re-copies the keys; afterStep needs a loss; the preset is valid', async () => {
    await useBackend('cpu');
    const base = tf.memory().numTensors;
    const m = newModel();
    try {
      const g = new Rng(3).uniformTensor(gShape) as tf.Tensor4D;
      const s = new Rng(4).uniformTensor(sShape) as tf.Tensor4D;
      const a = m.embed(g, s), b = m.query.embed(g, s);
      expect(relErr(Float32Array.from(await a.g.data()), Float32Array.from(await b.g.data()))).toBe(0);
      expect(a.g.shape).toEqual([SIZES.batch, SIZES.dim]);
      tf.dispose([a.g, a.s, b.g, b.s]);
      // as if weights were loaded into the query branches: the keys follow after afterInitWeights
      const w = m.ground.namedVariables().get('features.0.weight')!;
      tf.tidy(() => w.assign(tf.add(w, 1)));
      const kw = keyVars(m, 'key_ground').get('key_ground.features.0.weight')!;
      expect(relErr(Float32Array.from(await kw.data()), Float32Array.from(await w.data()))).toBeGreaterThan(0.01);
      m.afterInitWeights();
      expect(relErr(Float32Array.from(await kw.data()), Float32Array.from(await w.data()))).toBe(0);
      expect(() => m.afterStep()).toThrow(CvglError);
      expect(() => tf.tidy(() => m.loss(g, tf.zeros([3, 32, 32, 3]) as tf.Tensor4D))).toThrow(CvglError);
      tf.dispose([g, s]);
      expect(() => new UnifiedMoCo({ queueSize: 0 })).toThrow(CvglError);
      // a second model of the same architecture can be alive (its query encoders are a Siamese-VGG
      // like the first's): tfjs names differ, the model's own names do not
      const m2 = newModel();
      expect([...m2.namedVariables().keys()]).toEqual([...m.namedVariables().keys()]);
      expect(m2.ground.variables()[0]!.name).not.toBe(m.ground.variables()[0]!.name);
      m2.dispose();
    } finally {
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(base);
    const c = validateConfig(getPreset('thesis.appendix65.unified'));
    expect(c.loss.kind).toBe('unified-infonce');
    expect(() => validateConfig({ ...c, loss: { kind: 'soft-triplet-thesis' } })).toThrow(/unified-infonce/);
  });
});
