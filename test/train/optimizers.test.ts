/**
 * The optimizers of lib/train/optimizers.ts against torch.optim (Debian's PyTorch, float64):
 * Adam with and without L2 weight decay, MDUIT's β1 = 0.5, SGD with momentum, weight decay and
 * Nesterov, a learning rate that changes between steps; and the schedules against
 * torch.optim.lr_scheduler (MultiStepLR) and their definitions. Also: slots survive a
 * save/restore exactly, and nothing leaks. On the `native` backend Adam is one addon kernel per
 * variable: compared with torch and with the element-wise ops it replaces.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initEngine, probeBackends, tf } from '../../lib/engine/index.js';
import { createOptimizer, type OptimizerConfig } from '../../lib/train/optimizers.js';
import { scheduleFactor } from '../../lib/train/schedules.js';
import { requireInCi } from '../ci_requirements.js';
import { relErr } from '../engine/parity_helpers.js';
import { ReferenceDir, findPython, normalArray } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/optim_torch.py', import.meta.url));
const py = findPython(['torch', 'numpy']);
const nativeAvailable = (await probeBackends()).find((b) => b.name === 'native')!.available;
requireInCi('python3 with torch (optimizer reference)', py.python !== null, 'reason' in py ? py.reason : undefined);

const SHAPE = [3, 5];
const STEPS = 6;
const CASES: { name: string; config: OptimizerConfig; torch: Record<string, unknown> }[] = [
  { name: 'adam', config: { kind: 'adam', lr: 1e-2 }, torch: {} },
  { name: 'adam_wd', config: { kind: 'adam', lr: 1e-2, weightDecay: 1e-2 }, torch: { weight_decay: 1e-2 } },
  { name: 'adam_mduit', config: { kind: 'adam', lr: 2e-2, beta1: 0.5, beta2: 0.999 }, torch: { betas: [0.5, 0.999] } },
  { name: 'adam_mduit_fused', config: { kind: 'adam', lr: 2e-2, beta1: 0.5, beta2: 0.999, fused: true }, torch: { betas: [0.5, 0.999] } },
  { name: 'adam_wd_fused', config: { kind: 'adam', lr: 1e-2, weightDecay: 1e-2, fused: true }, torch: { weight_decay: 1e-2 } },
  { name: 'sgd', config: { kind: 'sgd', lr: 0.05 }, torch: {} },
  { name: 'sgd_moco', config: { kind: 'sgd', lr: 0.03, momentum: 0.9, weightDecay: 1e-4 }, torch: { momentum: 0.9, weight_decay: 1e-4 } },
  { name: 'sgd_nesterov', config: { kind: 'sgd', lr: 0.03, momentum: 0.9, nesterov: true }, torch: { momentum: 0.9, nesterov: true } },
];

describe.runIf(py.python)('optimizers vs torch.optim', () => {
  const ref = new ReferenceDir('cvgl-optim-');
  const r = new Rng(11);
  const n = SHAPE[0]! * SHAPE[1]!;
  const init = normalArray(r, n);
  const grads = Array.from({ length: STEPS }, () => normalArray(r, n, 0.5));
  // a schedule-like learning rate that changes between steps
  const lrScale = [1, 1, 0.5, 0.5, 0.25, 0.1];
  let torchVersion = '';

  beforeAll(async () => {
    await initEngine({ backend: 'cpu' });
    ref.writeF32('init.f32', init);
    grads.forEach((g, i) => ref.writeF32(`g${i}.f32`, g));
    ref.run(py.python!, SCRIPT, {
      cases: CASES.map((c) => ({ name: c.name, kind: c.config.kind, options: c.torch, lrs: lrScale.map((k) => k * c.config.lr), shape: SHAPE, init: 'init.f32', grads: grads.map((_, i) => `g${i}.f32`) })),
      multistep: { milestones: [3, 5], gamma: 0.1, epochs: 8 },
    });
    torchVersion = JSON.parse(readFileSync(join(ref.dir, 'out.json'), 'utf8')).torch;
  });
  afterAll(() => ref.remove());

  /** `c` for STEPS steps on the current backend: its update relative to torch's, and no leaks. */
  const runCase = (c: (typeof CASES)[number]) => {
    const before = tf.memory().numTensors;
    const v = tf.tidy(() => tf.variable(tf.tensor(init, SHAPE), true));
    const opt = createOptimizer(c.config);
    for (let i = 0; i < STEPS; i++) {
      const g = tf.tensor(grads[i]!, SHAPE);
      opt.apply(new Map([['p', v]]), new Map([['p', g]]), lrScale[i]! * c.config.lr);
      g.dispose();
    }
    const ours = v.dataSync() as Float32Array;
    const theirs = ref.readF32(`${c.name}.f32`);
    expect(opt.steps).toBe(STEPS);
    opt.dispose();
    v.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // the update is what is compared: relative to the distance travelled
    return relErr(ours.map((x, i) => x - init[i]!), theirs.map((x, i) => x - init[i]!));
  };

  for (const c of CASES) {
    it(`${c.name} matches torch after ${STEPS} steps`, () => {
      expect(runCase(c), `${c.name} vs torch ${torchVersion}`).toBeLessThan(1e-5);
    });
  }

  // on `native` Adam is one addon kernel per variable (ADAM_KERNEL): the same comparison there
  for (const c of CASES.filter((c) => c.config.kind === 'adam' && !('fused' in c.config))) {
    it.runIf(nativeAvailable)(`${c.name} on native (fused kernel) matches torch after ${STEPS} steps`, async () => {
      await initEngine({ backend: 'native' });
      try {
        expect(runCase(c), `${c.name} (native) vs torch ${torchVersion}`).toBeLessThan(1e-5);
      } finally {
        await initEngine({ backend: 'cpu' });
      }
    });
  }

  it('MultiStepLR factors equal the step schedule', () => {
    const out = JSON.parse(readFileSync(join(ref.dir, 'out.json'), 'utf8')) as { multistep: number[] };
    const ours = out.multistep.map((_, epoch) => scheduleFactor({ kind: 'step', milestones: [3, 5], gamma: 0.1 }, { epoch, stepInEpoch: 0, stepsPerEpoch: 10, globalStep: epoch * 10 }));
    for (let i = 0; i < ours.length; i++) expect(ours[i]).toBeCloseTo(out.multistep[i]!, 12);
  });
});

describe('optimizer state and schedules', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'cpu' });
  });

  it('a restored optimizer continues exactly like the original', async () => {
    const r = new Rng(3);
    const init = normalArray(r, 8), gs = Array.from({ length: 4 }, () => normalArray(r, 8));
    const run = (restoreAt: number | null) => {
      const v = tf.tidy(() => tf.variable(tf.tensor(init), true));
      let opt = createOptimizer({ kind: 'adam', lr: 0.1, weightDecay: 0.01 });
      for (let i = 0; i < gs.length; i++) {
        if (i === restoreAt) {
          const saved = new Map([...opt.slots()].map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() as Float32Array }]));
          const steps = opt.steps;
          opt.dispose();
          opt = createOptimizer({ kind: 'adam', lr: 0.1, weightDecay: 0.01 });
          opt.restore(saved, steps);
        }
        const g = tf.tensor(gs[i]!);
        opt.apply(new Map([['w', v]]), new Map([['w', g]]), 0.1);
        g.dispose();
      }
      const out = Array.from(v.dataSync());
      opt.dispose();
      v.dispose();
      return out;
    };
    expect(run(2)).toEqual(run(null));
  });

  it('fused Adam moves several variables exactly as per-variable Adam; checks its variables and gradients; restores', () => {
    const before = tf.memory().numTensors;
    const r = new Rng(5);
    const shapes = [[3, 4], [5], [2, 2, 2]];
    const inits = shapes.map((sh) => normalArray(r, sh.reduce((a, b) => a * b, 1)));
    const gs = Array.from({ length: 5 }, () => shapes.map((sh) => normalArray(r, sh.reduce((a, b) => a * b, 1), 0.3)));
    const run = (fused: boolean, restoreAt = -1) => {
      const vars = new Map(shapes.map((sh, i) => [`w${i}`, tf.tidy(() => tf.variable(tf.tensor(inits[i]!, sh), true))] as const));
      const config = { kind: 'adam', lr: 0.05, beta1: 0.5, weightDecay: 1e-3, fused } as const;
      let opt = createOptimizer(config);
      gs.forEach((step, k) => {
        if (k === restoreAt) {
          const saved = new Map([...opt.slots()].map(([key, t]) => [key, { shape: t.shape, data: t.dataSync() as Float32Array }]));
          const steps = opt.steps;
          opt.dispose();
          opt = createOptimizer(config);
          opt.restore(saved, steps);
        }
        const grads = new Map(step.map((g, i) => [`w${i}`, tf.tensor(g, shapes[i]!)] as const));
        opt.apply(vars, grads, 0.05 * (k < 3 ? 1 : 0.5));
        tf.dispose([...grads.values()]);
      });
      const out = [...vars.values()].map((v) => Array.from(v.dataSync()));
      opt.dispose();
      tf.dispose([...vars.values()]);
      return out;
    };
    const plain = run(false);
    expect(run(true)).toEqual(plain); // the same float32 arithmetic, bit for bit
    expect(run(true, 2)).toEqual(plain);
    // a missing gradient, or other variables than at the first step, are refused
    const a = tf.tidy(() => tf.variable(tf.zeros([2]), true)), b = tf.tidy(() => tf.variable(tf.zeros([3]), true));
    const g = tf.ones([2]);
    const opt = createOptimizer({ kind: 'adam', lr: 0.1, fused: true });
    expect(() => opt.apply(new Map([['a', a], ['b', b]]), new Map([['a', g]]), 0.1)).toThrow(/a gradient for every variable/);
    opt.apply(new Map([['a', a]]), new Map([['a', g]]), 0.1);
    expect(() => opt.apply(new Map([['b', b]]), new Map([['b', g]]), 0.1)).toThrow(/the same variables/);
    expect([...opt.slots().keys()]).toEqual(['m/*', 'v/*']);
    opt.dispose();
    tf.dispose([a, b, g]);
    expect(tf.memory().numTensors).toBe(before);
  });

  // the kernel against the element-wise ops it replaces, on the same heap (wasm), with a variable
  // large enough (> 2^15 values) for the addon's threads, several steps, and weight decay
  it.runIf(nativeAvailable)('native Adam kernel = Adam as tfjs ops on wasm (40,000 values, 4 steps, weight decay)', async () => {
    const r = new Rng(9);
    const n = 40_000;
    const init = normalArray(r, n), gs = Array.from({ length: 4 }, () => normalArray(r, n, 0.3));
    const run = async (backend: 'wasm' | 'native') => {
      await initEngine({ backend });
      const v = tf.tidy(() => tf.variable(tf.tensor(init), true));
      const opt = createOptimizer({ kind: 'adam', lr: 1e-3, weightDecay: 1e-4, beta1: 0.8 });
      for (const [i, gi] of gs.entries()) {
        const g = tf.tensor(gi);
        opt.apply(new Map([['w', v]]), new Map([['w', g]]), 1e-3 * (i + 1));
        g.dispose();
      }
      const out = { p: v.dataSync() as Float32Array, m: opt.slots().get('m/w')!.dataSync() as Float32Array, s: opt.slots().get('v/w')!.dataSync() as Float32Array };
      opt.dispose();
      v.dispose();
      return out;
    };
    try {
      const ops = await run('wasm');
      const fused = await run('native');
      expect(relErr(fused.m, ops.m)).toBeLessThan(1e-6);
      expect(relErr(fused.s, ops.s)).toBeLessThan(1e-6);
      expect(relErr(fused.p.map((x, i) => x - init[i]!), ops.p.map((x, i) => x - init[i]!))).toBeLessThan(1e-6);
    } finally {
      await initEngine({ backend: 'cpu' });
    }
  });

  it('restoring slots of another optimizer is refused', () => {
    const opt = createOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9 });
    expect(() => opt.restore(new Map([['m/w', { shape: [1], data: new Float32Array(1) }]]), 1)).toThrow(/another optimizer/);
    opt.dispose();
  });

  it('bad optimizer settings give a CvglError naming the field', () => {
    expect(() => createOptimizer({ kind: 'adam', lr: -1 })).toThrow(/optimizer\.lr/);
    expect(() => createOptimizer({ kind: 'adam', lr: 1e-3, beta1: 1 })).toThrow(/beta1/);
    expect(() => createOptimizer({ kind: 'rmsprop' as 'sgd', lr: 1 })).toThrow(/optimizer\.kind/);
  });

  it('linear-to-zero (MDUIT: 35 constant epochs, 15 of decay) and warm-up', () => {
    const s = { kind: 'linear-to-zero', constantEpochs: 35, decayEpochs: 15 } as const;
    const at = (epoch: number, stepInEpoch = 0) => scheduleFactor(s, { epoch, stepInEpoch, stepsPerEpoch: 100, globalStep: 1e6 });
    expect(at(0)).toBe(1);
    expect(at(35)).toBe(1);
    expect(at(35, 50)).toBeCloseTo(1 - 0.5 / 15, 12);
    expect(at(42, 50)).toBeCloseTo(0.5, 12);
    expect(at(50)).toBe(0);
    const w = { kind: 'constant', warmupSteps: 4 } as const;
    expect([0, 1, 2, 3, 4, 100].map((globalStep) => scheduleFactor(w, { epoch: 0, stepInEpoch: 0, stepsPerEpoch: 10, globalStep }))).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
  });
});
