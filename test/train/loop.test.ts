/**
 * The one training loop (lib/train/loop.ts) on toy tasks (a linear model, SGD with momentum, a
 * seeded generator drawn every step), so the loop itself is what is tested:
 *   - resume is exact: 2 epochs straight = 1 epoch + resume, and = stopped mid-epoch + resume
 *     (weights, optimizer slots, generator state, metric log);
 *   - tasks that checkpoint only at epoch ends redo the interrupted epoch, with the same result;
 *   - the NaN/Inf guard stops before the update, naming the step; custom updates use it too;
 *   - maxSeconds, combined optimizers, a task without a step.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../lib/engine/index.js';
import { CvglError } from '../../lib/engine/errors.js';
import { Rng } from '../../lib/engine/rng.js';
import { loadCheckpoint } from '../../lib/train/checkpoint.js';
import { createOptimizer } from '../../lib/train/optimizers.js';
import { combineOptimizers, DivergedError, openRun, runLoop, type LoopOptions, type LoopTask } from '../../lib/train/loop.js';

let tmp = '';
beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-loop-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Toy {
  task: LoopTask<{ x: tf.Tensor2D; y: tf.Tensor1D }>;
  w: tf.Variable;
  dispose(): void;
}

/**
 * y = x·[1, −2, 3] + noise, 4 steps per epoch; the noise comes from the task's generator (so its
 * state must be restored), the inputs from (epoch, step) (so the batch source must start at `from`).
 * `nanAt`: the global step (1-based) whose batch holds a NaN.
 */
function toy(o: { epochs?: number; nanAt?: number; custom?: boolean; withinEpoch?: boolean } = {}): Toy {
  const w = tf.variable(tf.zeros([3]), true, `toy_w_${Math.random().toString(36).slice(2)}`);
  const rng = new Rng(7);
  const optimizer = createOptimizer({ kind: 'sgd', lr: 0.05, momentum: 0.9 });
  const trainable = new Map([['w', w]]);
  const steps = 4;
  const batchOf = (epoch: number, s: number) => {
    const r = new Rng(100 * epoch + s);
    const x = Array.from({ length: 12 }, () => r.uniform(-1, 1));
    if (o.nanAt === epoch * steps + s + 1) x[0] = NaN;
    const noise = Array.from({ length: 4 }, () => 0.01 * rng.uniform(-1, 1));
    const y = [0, 1, 2, 3].map((i) => x[3 * i]! - 2 * x[3 * i + 1]! + 3 * x[3 * i + 2]! + noise[i]!);
    return { x: tf.tensor2d(x, [4, 3]), y: tf.tensor1d(y) };
  };
  const lossOf = (b: { x: tf.Tensor2D; y: tf.Tensor1D }) => tf.tidy(() => tf.mean(tf.square(tf.sub(tf.squeeze(tf.matMul(b.x, tf.reshape(w, [3, 1]))), b.y))) as tf.Scalar);
  const task: LoopTask<{ x: tf.Tensor2D; y: tf.Tensor1D }> = {
    model: { name: 'toy', namedVariables: () => trainable },
    optimizer,
    rng,
    config: { toy: true },
    epochs: o.epochs ?? 2,
    lr: (p) => (p.epoch === 0 ? 0.05 : 0.02),
    async epoch(epoch, from) {
      async function* gen() {
        for (let s = from; s < steps; s++) yield batchOf(epoch, s);
      }
      return { steps, batches: gen() };
    },
    release: (b) => tf.dispose([b.x, b.y]),
    checkpointWithinEpoch: o.withinEpoch,
  };
  if (o.custom) {
    task.update = async (b, ctx) => {
      const { value, grads } = tf.variableGrads(() => lossOf(b), [w]);
      const loss = (await value.data())[0]!;
      try {
        ctx.check({ loss });
        optimizer.apply(trainable, new Map([['w', grads[w.name]!]]), ctx.lr);
      } finally {
        tf.dispose([value, ...Object.values(grads)]);
      }
      return { loss, extra: { custom: 1 } };
    };
  } else {
    task.trainable = trainable;
    task.loss = lossOf;
  }
  return { task, w, dispose: () => (optimizer.dispose(), w.dispose()) };
}

const quiet: LoopOptions = { progress: false, log: () => undefined };
const anyConfig = (c: unknown) => c;
const metricSteps = (out: string) => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { globalStep: number; loss: number; type: string });

async function run(out: string, o: Parameters<typeof toy>[0] & { resume?: boolean } & LoopOptions = {}) {
  const t = toy(o);
  try {
    const path = openRun(out, o.resume, 'toy run');
    const ck = path ? await loadCheckpoint(path, anyConfig) : null;
    const r = await runLoop(t.task, { ...quiet, ...o, out, resumeFrom: ck });
    return { r, w: Array.from(await t.w.data()), slots: Array.from(await t.task.optimizer.slots().get('momentum/w')!.data()), rng: t.task.rng.getState() };
  } finally {
    t.dispose();
  }
}

describe('runLoop', () => {
  for (const custom of [false, true]) {
    it(`resume is exact: straight = one epoch + resume = stopped mid-epoch + resume (${custom ? 'custom update' : 'gradient'} task)`, async () => {
      const tag = custom ? 'c' : 'g';
      const a = await run(join(tmp, `${tag}-straight`), { custom });
      expect(a.r.globalStep).toBe(8);
      expect(a.r.stopped).toBe('finished');
      const b1 = await run(join(tmp, `${tag}-epochs`), { custom, epochs: 1 });
      expect([b1.r.epoch, b1.r.globalStep]).toEqual([1, 4]);
      const b2 = await run(join(tmp, `${tag}-epochs`), { custom, resume: true });
      const c1 = await run(join(tmp, `${tag}-mid`), { custom, maxSteps: 3 });
      expect([c1.r.stopped, c1.r.epoch, c1.r.stepInEpoch]).toEqual(['max-steps', 0, 3]);
      const c2 = await run(join(tmp, `${tag}-mid`), { custom, resume: true, maxSteps: 2 });
      const c3 = await run(join(tmp, `${tag}-mid`), { custom, resume: true });
      for (const x of [b2, c3]) {
        expect(x.r.globalStep).toBe(8);
        expect(x.w).toEqual(a.w);
        expect(x.slots).toEqual(a.slots);
        expect(x.rng).toEqual(a.rng);
      }
      expect([...c1.r.losses, ...c2.r.losses, ...c3.r.losses]).toEqual(a.r.losses);
      const la = metricSteps(join(tmp, `${tag}-straight`));
      for (const d of ['epochs', 'mid']) expect(metricSteps(join(tmp, `${tag}-${d}`))).toEqual(la.map((l) => ({ ...l, seconds: expect.any(Number) })));
      if (custom) expect((la[0] as unknown as { custom: number }).custom).toBe(1);
      else expect(la[0]).toHaveProperty('gradNorm');
      // the last checkpoint holds the same weights
      const ca = await loadCheckpoint(join(tmp, `${tag}-straight`, 'checkpoints', 'last.safetensors'), anyConfig);
      const cc = await loadCheckpoint(join(tmp, `${tag}-mid`, 'checkpoints', 'last.safetensors'), anyConfig);
      expect(Array.from(cc.model.get('w')!.data)).toEqual(Array.from(ca.model.get('w')!.data));
      expect(cc.state.config).toEqual({ toy: true });
    });
  }

  it('a task that checkpoints only at epoch ends redoes an interrupted epoch, with the same result', async () => {
    const a = await run(join(tmp, 'ep-straight'), { withinEpoch: false });
    const b1 = await run(join(tmp, 'ep-split'), { withinEpoch: false, maxSteps: 6 });
    expect([b1.r.stopped, b1.r.globalStep]).toEqual(['max-steps', 6]);
    const ck = await loadCheckpoint(join(tmp, 'ep-split', 'checkpoints', 'last.safetensors'), anyConfig);
    expect([ck.state.epoch, ck.state.stepInEpoch, ck.state.globalStep]).toEqual([1, 0, 4]);
    const b2 = await run(join(tmp, 'ep-split'), { withinEpoch: false, resume: true });
    expect(b2.r.losses).toEqual(a.r.losses.slice(4));
    expect(b2.w).toEqual(a.w);
    expect(metricSteps(join(tmp, 'ep-split')).map((l) => l.globalStep)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  for (const custom of [false, true]) {
    it(`the NaN guard stops before the update, naming the step and the last checkpoint (${custom ? 'custom update' : 'gradient'} task)`, async () => {
      const out = join(tmp, `nan-${custom}`);
      const good = await run(join(tmp, `nan-ref-${custom}`), { custom, maxSteps: 5 });
      const t = toy({ custom, nanAt: 6 });
      try {
        const err = await runLoop(t.task, { ...quiet, out }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DivergedError);
        expect((err as DivergedError).step).toBe(6);
        expect((err as Error).message).toMatch(/a finite loss and gradient[\s\S]*loss NaN at epoch 2, step 2 \(global step 6\)/);
        expect((err as Error).message).toContain(join(out, 'checkpoints', 'last.safetensors'));
        // the weights of step 5: the NaN step changed nothing
        expect(Array.from(await t.w.data())).toEqual(good.w);
        expect(metricSteps(out).map((l) => l.globalStep)).toEqual([1, 2, 3, 4, 5]);
      } finally {
        t.dispose();
      }
    });
  }

  it('maxSeconds stops after the step that reaches it; no run folder writes nothing', async () => {
    const t = toy();
    try {
      const r = await runLoop(t.task, { ...quiet, maxSeconds: 0 });
      expect([r.stopped, r.globalStep, r.checkpoint]).toEqual(['max-seconds', 1, null]);
    } finally {
      t.dispose();
    }
  });

  it('refuses a task without a step and an existing run without resume', async () => {
    const t = toy();
    try {
      delete t.task.loss;
      await expect(runLoop(t.task, quiet)).rejects.toThrow(CvglError);
    } finally {
      t.dispose();
    }
    expect(() => openRun(join(tmp, 'g-straight'), false, 'toy run')).toThrow(/already holds a checkpoint/);
    expect(() => openRun(join(tmp, 'nowhere'), true, 'toy run')).toThrow(/no such folder/);
  });

  it('combined optimizers save and restore each part under its key', async () => {
    const v = tf.variable(tf.ones([2]), true, 'combine_v');
    const a = createOptimizer({ kind: 'adam', lr: 0.1 }), b = createOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9 });
    const a2 = createOptimizer({ kind: 'adam', lr: 0.1 }), b2 = createOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9 });
    try {
      const vars = new Map([['v', v]]);
      const g = tf.tensor1d([0.5, -1]);
      a.apply(vars, new Map([['v', g]]), 0.1);
      b.apply(vars, new Map([['v', g]]), 0.1);
      g.dispose();
      const both = combineOptimizers({ generator: a, discriminator: b });
      const slots = both.slots();
      expect([...slots.keys()].every((k) => k.startsWith('generator/') || k.startsWith('discriminator/'))).toBe(true);
      const saved = new Map(await Promise.all([...slots].map(async ([k, t]) => [k, { shape: t.shape, data: (await t.data()) as Float32Array }] as const)));
      const again = combineOptimizers({ generator: a2, discriminator: b2 });
      again.restore(saved, both.steps);
      expect(again.steps).toBe(1);
      for (const [k, t] of again.slots()) expect(Array.from(await t.data()), k).toEqual(Array.from(saved.get(k)!.data));
      expect(() => both.apply(vars, new Map(), 0.1)).toThrow(CvglError);
    } finally {
      for (const o of [a, b, a2, b2]) o.dispose();
      v.dispose();
    }
  });
});
