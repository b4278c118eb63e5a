/**
 * MoCov2 (thesis 003, Sec. 3.1.1, Algorithm 1) — lib/models/moco.ts and lib/losses/infonce.ts:
 *   - InfoNCE (Eq. 3.1): value and gradient w.r.t. q against a direct float64 computation on
 *     cpu and wasm; zero gradient to k and the queue (stop-gradient); finite at tiny τ;
 *   - two MoCo steps (SGD lr 0.015, momentum 0.9, wd 1e-4; m = 0.999; τ = 0.2) against the
 *     float64 PyTorch reference test/reference/moco_torch.py on cpu and wasm: losses, f_q after
 *     the SGD updates, f_k after the momentum updates (Eq. 3.2), the queue and its pointer;
 *   - the queue's FIFO wrap-around and the K % B error; the exported query backbone loading back
 *     into a fresh Vgg16; no tensor leaks.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CvglError, Rng, tf, type BackendName } from '../../lib/engine/index.js';
import { infoNce } from '../../lib/losses/infonce.js';
import { MoCo } from '../../lib/models/moco.js';
import { Vgg16 } from '../../lib/models/vgg16.js';
import { loadVgg16Weights } from '../../lib/models/weight_import.js';
import { createOptimizer } from '../../lib/train/optimizers.js';
import { mocoStep } from '../../lib/train/pretrain.js';
import { requireInCi } from '../ci_requirements.js';
import { REL_TOL, relErr, useBackend } from '../engine/parity_helpers.js';
import { ReferenceDir, expectClose, findPython, normalArray, uniformArray } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/moco_torch.py', import.meta.url));
const BACKENDS: BackendName[] = ['cpu', 'wasm'];
const py = findPython(['torch', 'numpy']);
requireInCi('PyTorch for the MoCo reference', py.python !== null, 'reason' in py ? py.reason : undefined);

// ------------------------------------------------------------------------------ InfoNCE

/** Eq. 3.1 and its gradient w.r.t. q, in float64, written out. */
function infoNce64(q: Float32Array, k: Float32Array, queue: Float32Array, b: number, d: number, kq: number, tau: number) {
  const unit = (x: Float32Array, i: number) => {
    const r = Array.from({ length: d }, (_, j) => x[i * d + j]!);
    const n = Math.max(Math.hypot(...r), 1e-12);
    return { u: r.map((v) => v / n), n };
  };
  let loss = 0;
  const grad = new Float64Array(b * d);
  for (let i = 0; i < b; i++) {
    const { u: qi, n } = unit(q, i);
    const keys = [unit(k, i).u, ...Array.from({ length: kq }, (_, j) => Array.from({ length: d }, (_, c) => queue[j * d + c]!))];
    const z = keys.map((c) => c.reduce((s, v, t) => s + v * qi[t]!, 0) / tau);
    const mx = Math.max(...z);
    const lse = mx + Math.log(z.reduce((s, v) => s + Math.exp(v - mx), 0));
    loss += (lse - z[0]!) / b;
    // dL/dq̂ = (Σ_j p_j c_j − c_0) / (τ B); dL/dq = (I − q̂q̂ᵀ) dL/dq̂ / ‖q‖
    const gh = Array.from({ length: d }, (_, t) => (keys.reduce((s, c, j) => s + Math.exp(z[j]! - lse) * c[t]!, 0) - keys[0]![t]!) / (tau * b));
    const dot = gh.reduce((s, v, t) => s + v * qi[t]!, 0);
    for (let t = 0; t < d; t++) grad[i * d + t] = (gh[t]! - dot * qi[t]!) / n;
  }
  return { loss, grad: Float32Array.from(grad) };
}

function unitRows(a: Float32Array, d: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length / d; i++) {
    let n = 0;
    for (let t = 0; t < d; t++) n += a[i * d + t]! ** 2;
    for (let t = 0; t < d; t++) out[i * d + t] = a[i * d + t]! / Math.sqrt(n);
  }
  return out;
}

describe('InfoNCE (thesis Eq. 3.1)', () => {
  for (const backend of BACKENDS) {
    it(`value and gradient w.r.t. q match float64; no gradient to k or the queue (${backend})`, async () => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const r = new Rng(11);
      for (const [b, d, kq, tau] of [[4, 16, 16, 0.2], [3, 8, 40, 0.07], [1, 5, 2, 1]] as const) {
        const qa = normalArray(r, b * d, 2);
        const ka = normalArray(r, b * d, 0.5);
        const queueA = unitRows(normalArray(r, kq * d), d);
        const ref = infoNce64(qa, ka, queueA, b, d, kq, tau);
        const [q, k, queue] = [tf.tensor2d(qa, [b, d]), tf.tensor2d(ka, [b, d]), tf.tensor2d(queueA, [kq, d])];
        const { value, grads } = tf.valueAndGrads((a: tf.Tensor, c: tf.Tensor, e: tf.Tensor) => infoNce(a as tf.Tensor2D, c as tf.Tensor2D, e as tf.Tensor2D, tau))([q, k, queue]);
        const v = (await value.data())[0]!;
        expect(Math.abs(v - ref.loss) / Math.abs(ref.loss), `loss B=${b} D=${d} K=${kq} τ=${tau}`).toBeLessThan(REL_TOL);
        expect(relErr(Float32Array.from(await grads[0]!.data()), ref.grad), `dL/dq B=${b}`).toBeLessThan(REL_TOL);
        for (const g of grads.slice(1)) expect(Math.max(...(await g.data()).map(Math.abs))).toBe(0);
        tf.dispose([q, k, queue, value, ...grads]);
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('is finite where exp(logit) overflows float32 (τ = 0.005), and checks shapes', async () => {
    await useBackend('cpu');
    const r = new Rng(3);
    const d = 6;
    const qa = unitRows(normalArray(r, 2 * d), d);
    const queueA = unitRows(normalArray(r, 5 * d), d);
    const ref = infoNce64(qa, qa, queueA, 2, d, 5, 0.005);
    const v = tf.tidy(() => infoNce(tf.tensor2d(qa, [2, d]), tf.tensor2d(qa, [2, d]), tf.tensor2d(queueA, [5, d]), 0.005));
    expect(Math.abs(v.dataSync()[0]! - ref.loss)).toBeLessThan(1e-3 + 1e-4 * Math.abs(ref.loss));
    v.dispose();
    expect(() => tf.tidy(() => infoNce(tf.zeros([2, 4]), tf.zeros([2, 3]), tf.zeros([5, 4])))).toThrow(CvglError);
  });
});

// ------------------------------------------------------------------- MoCo against PyTorch

const SIZES = { widthDivisor: 16, dim: 16, queueSize: 16, batch: 4, hw: 32, steps: 2 };
const HP = { lr: 0.015, momentum: 0.9, weightDecay: 1e-4, m: 0.999, tau: 0.2 };
const newMoCo = () => new MoCo({ widthDivisor: SIZES.widthDivisor, dim: SIZES.dim, queueSize: SIZES.queueSize, tau: HP.tau, momentum: HP.m, rng: new Rng(21) });
const stripQ = (name: string) => name.replace(/^encoder_q\./, '');

interface Ref {
  init: Map<string, Float32Array>;
  losses: number[];
  q: Map<string, Float32Array>;
  k: Map<string, Float32Array>;
  queue: Float32Array;
  ptr: number;
  xs: { xq: Float32Array; xk: Float32Array }[];
}

let refPromise: Promise<Ref> | null = null;
const dirs: ReferenceDir[] = [];
afterAll(() => dirs.forEach((d) => d.remove()));

/** Runs the PyTorch reference once on the initial state of `newMoCo()` (the same on every backend). */
function reference(python: string): Promise<Ref> {
  refPromise ??= (async () => {
    await useBackend('cpu');
    const m = newMoCo();
    const dir = new ReferenceDir('cvgl-moco-');
    dirs.push(dir);
    const init = new Map<string, Float32Array>();
    const params: [string, number[]][] = [];
    for (const [name, v] of m.queryVariables()) {
      const a = Float32Array.from(await v.data());
      init.set(name, a);
      params.push([stripQ(name), v.shape]);
      dir.writeF32(`param_${stripQ(name)}.f32`, a);
    }
    dir.writeF32('queue.f32', Float32Array.from(await m.queue.data()));
    m.dispose();
    const r = new Rng(99);
    const shape = [SIZES.batch, SIZES.hw, SIZES.hw, 3];
    const n = shape.reduce((a, b) => a * b, 1);
    const xs = Array.from({ length: SIZES.steps }, (_, s) => {
      const x = { xq: uniformArray(r, n, 0, 1), xk: uniformArray(r, n, 0, 1) };
      dir.writeF32(`xq${s}.f32`, x.xq);
      dir.writeF32(`xk${s}.f32`, x.xk);
      return x;
    });
    dir.run(python, SCRIPT, { divisor: SIZES.widthDivisor, dim: SIZES.dim, K: SIZES.queueSize, ...HP, steps: SIZES.steps, params, x: shape });
    const read = (p: string) => new Map(params.map(([name]) => [`encoder_q.${name}`, dir.readF32(`${p}_${name}.f32`)]));
    return {
      init,
      losses: Array.from({ length: SIZES.steps }, (_, s) => dir.readF32(`loss${s}.f32`)[0]!),
      q: read('q'),
      k: read('k'),
      queue: dir.readF32('queue_out.f32'),
      ptr: dir.readF32('ptr.f32')[0]!,
      xs,
    };
  })();
  return refPromise;
}

describe.skipIf(py.python === null)('MoCo steps against PyTorch (Algorithm 1)', () => {
  for (const backend of BACKENDS) {
    it(`${SIZES.steps} steps, VGG16 widths / 16, 32x32, B = 4, K = 16, dim 16: loss, f_q, f_k, queue, pointer (${backend})`, async () => {
      const ref = await reference(py.python!);
      await useBackend(backend);
      const base = tf.memory().numTensors;
      const m = newMoCo();
      const opt = createOptimizer({ kind: 'sgd', lr: HP.lr, momentum: HP.momentum, weightDecay: HP.weightDecay });
      const shape: [number, number, number, number] = [SIZES.batch, SIZES.hw, SIZES.hw, 3];
      try {
        for (const [name, v] of m.queryVariables()) expect(relErr(Float32Array.from(await v.data()), ref.init.get(name)!), name).toBe(0);
        // f_k.params = f_q.params at the start
        for (const [name, v] of m.keyVariables()) expect(relErr(Float32Array.from(await v.data()), ref.init.get(name.replace('encoder_k.', 'encoder_q.'))!)).toBe(0);
        // MoCo.loss (no update) is the first step's loss
        const l0 = tf.tidy(() => m.loss(tf.tensor4d(ref.xs[0]!.xq, shape), tf.tensor4d(ref.xs[0]!.xk, shape)));
        expect(Math.abs(l0.dataSync()[0]! - ref.losses[0]!) / ref.losses[0]!, 'MoCo.loss').toBeLessThan(REL_TOL);
        l0.dispose();
        const losses: number[] = [];
        let afterFirst = -1;
        for (const { xq, xk } of ref.xs) {
          const [a, b] = [tf.tensor4d(xq, shape), tf.tensor4d(xk, shape)];
          losses.push(await mocoStep(m, opt, a, b, HP.lr));
          tf.dispose([a, b]);
          if (afterFirst < 0) afterFirst = tf.memory().numTensors; // the first step made SGD's momentum slots
          else expect(tf.memory().numTensors, `tensors leaked by a MoCo step on ${backend}`).toBe(afterFirst);
        }
        const lossErr = Math.max(...losses.map((l, s) => Math.abs(l - ref.losses[s]!) / Math.abs(ref.losses[s]!)));
        expect(lossErr, `losses ${losses} vs torch ${ref.losses}`).toBeLessThan(REL_TOL);
        const read = async (vars: Map<string, tf.Variable>, rename = (s: string) => s) =>
          new Map(await Promise.all([...vars].map(async ([k, v]) => [rename(k), Float32Array.from(await v.data())] as const)));
        const q = await read(m.queryVariables());
        const k = await read(m.keyVariables(), (s) => s.replace('encoder_k.', 'encoder_q.'));
        expectClose(`f_q after ${SIZES.steps} SGD steps (${backend})`, q, ref.q);
        expectClose(`f_k after ${SIZES.steps} momentum updates (${backend})`, k, ref.k);
        // the updates themselves (θ_T − θ_0), a stricter view than the parameters; bound 1e-3, not
        // 1e-4: θ is stored in float32, so θ_T − θ_0 carries ~ulp(|θ|) ≈ 3e-8 against updates of
        // ~1e-4 in the smallest-moving tensor (the same 1.9e-4 on cpu and wasm)
        const delta = (a: Map<string, Float32Array>) => new Map([...a].map(([n, v]) => [n, v.map((x, i) => x - ref.init.get(n)![i]!)] as const));
        const deltaErr = Math.max(...[...delta(q)].map(([n, d]) => relErr(d, delta(ref.q).get(n)!)));
        expect(deltaErr, 'relative error of the SGD updates θ_T − θ_0').toBeLessThan(1e-3);
        const queue = Float32Array.from(await m.queue.data());
        expect(relErr(queue, ref.queue), 'queue after enqueue').toBeLessThan(REL_TOL);
        expect(m.pointer()).toBe(ref.ptr);
        if (process.env.PARITY_VERBOSE) {
          const worst = (a: Map<string, Float32Array>, b: Map<string, Float32Array>) => Math.max(...[...a].map(([n, v]) => relErr(v, b.get(n)!)));
          console.log(`moco ${backend}: loss ${lossErr.toExponential(2)}, f_q ${worst(q, ref.q).toExponential(2)}, Δf_q ${deltaErr.toExponential(2)}, f_k ${worst(k, ref.k).toExponential(2)}, queue ${relErr(queue, ref.queue).toExponential(2)}`);
        }
      } finally {
        opt.dispose();
        m.dispose();
      }
      expect(tf.memory().numTensors, `tensors left after dispose on ${backend}`).toBe(base);
    });
  }
});

// ----------------------------------------------------------------- queue, export, errors

describe('MoCo queue and backbone export', () => {
  it('enqueue is FIFO by batches and wraps around; K % B != 0 is a CvglError; the queue starts as unit keys', async () => {
    await useBackend('cpu');
    const base = tf.memory().numTensors;
    const m = new MoCo({ widthDivisor: 64, dim: 4, queueSize: 8, rng: new Rng(2) });
    try {
      const q0 = m.queue.arraySync() as number[][];
      for (const row of q0) expect(Math.hypot(...row)).toBeCloseTo(1, 5);
      const batch = (v: number) => tf.fill([4, 4], v) as tf.Tensor2D;
      for (const [v, ptr] of [[1, 4], [2, 0], [3, 4]] as const) {
        const b = batch(v);
        m.enqueue(b);
        b.dispose();
        expect(m.pointer()).toBe(ptr);
      }
      const rows = (m.queue.arraySync() as number[][]).map((r) => r[0]);
      expect(rows).toEqual([3, 3, 3, 3, 2, 2, 2, 2]); // batch 3 replaced the oldest (batch 1)
      // batch sizes that change (each dividing K) wrap past the end: pointer 4, batch of 2 → 6, batch of 4 → rows 6, 7, 0, 1
      const two = tf.fill([2, 4], 5) as tf.Tensor2D;
      m.enqueue(two);
      const four = tf.tensor2d([6, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8, 8, 9, 9, 9, 9], [4, 4]);
      m.enqueue(four);
      tf.dispose([two, four]);
      expect(m.pointer()).toBe(2);
      expect((m.queue.arraySync() as number[][]).map((r) => r[0])).toEqual([8, 9, 3, 3, 5, 5, 6, 7]);
      const odd = tf.zeros([3, 4]) as tf.Tensor2D;
      expect(() => m.enqueue(odd)).toThrow(CvglError);
      expect(() => m.enqueue(odd)).toThrow(/multiple of B/);
      const x = tf.zeros([3, 32, 32, 3]) as tf.Tensor4D;
      const opt = createOptimizer({ kind: 'sgd', lr: 0.1 });
      await expect(mocoStep(m, opt, x, x, 0.1)).rejects.toThrow(CvglError);
      tf.dispose([odd, x]);
      opt.dispose();
      expect(() => new MoCo({ queueSize: 0 })).toThrow(CvglError);
      // checkpoint names
      const names = [...m.namedVariables().keys()];
      expect(names).toContain('encoder_q.features.0.weight');
      expect(names).toContain('encoder_k.classifier.2.bias');
      expect(names.slice(-2)).toEqual(['queue', 'queue_ptr']);
    } finally {
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(base);
  });

  it('momentumUpdate is Eq. 3.2; the exported query backbone loads into a fresh Vgg16 with identical outputs', async () => {
    await useBackend('cpu');
    const base = tf.memory().numTensors;
    const m = new MoCo({ widthDivisor: 16, dim: 8, queueSize: 8, rng: new Rng(4) });
    const fresh = new Vgg16({ name: 'fresh', widthDivisor: 16, rng: new Rng(77) });
    const dir = new ReferenceDir('cvgl-moco-export-');
    try {
      const w = m.encoderQ.fc2.w;
      const kw = m.encoderK.fc2.w;
      const k0 = Float32Array.from(await kw.data());
      tf.tidy(() => w.assign(tf.add(w, 1)));
      m.momentumUpdate(0.9);
      const k1 = await kw.data();
      k1.forEach((v, i) => expect(v).toBeCloseTo(0.9 * k0[i]! + 0.1 * (k0[i]! + 1), 5));

      const path = join(dir.dir, 'encoder_q.safetensors');
      const written = await m.exportBackbone(path);
      expect(written).toContain('features.28.weight');
      const rep = await loadVgg16Weights(fresh, path);
      expect(rep.loaded.length).toBe(26);
      const x = new Rng(5).uniformTensor([2, 32, 32, 3]) as tf.Tensor4D;
      const a = m.encoderQ.vgg.apply(x);
      const b = fresh.apply(x);
      expect(relErr(Float32Array.from(await b.data()), Float32Array.from(await a.data()))).toBe(0);
      tf.dispose([x, a, b]);
      expect(m.backboneVariables().length).toBe(26);
    } finally {
      m.dispose();
      fresh.dispose();
      dir.remove();
    }
    expect(tf.memory().numTensors).toBe(base);
  });
});
