/**
 * MDUIT's loss terms (paper 004, Eq. 2–6) — lib/losses/mduit.ts — each against a float64
 * PyTorch reference written from the equations (test/reference/mduit_losses_torch.py), values and
 * gradients w.r.t. every differentiable input, on cpu and wasm; hinges with active and inactive
 * samples in one batch; NCE's negatives receive no gradient; shape errors. No leaks (evalWithGrads).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CvglError, Rng, tf, type BackendName } from '../../lib/engine/index.js';
import {
  adversarialG,
  appearanceAdversarialD,
  appearanceConsistency,
  contentConsistency,
  imageAdversarialD,
  l1Loss,
  mduitObjective,
  MDUIT_MARGIN_C,
  MDUIT_TAU,
  nceLoss,
} from '../../lib/losses/mduit.js';
import { requireInCi } from '../ci_requirements.js';
import { REL_TOL, evalWithGrads, relErr, useBackend, type ArrayInput } from '../engine/parity_helpers.js';
import { ReferenceDir, findPython, normalArray } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/mduit_losses_torch.py', import.meta.url));
const BACKENDS: BackendName[] = ['cpu', 'wasm'];
const py = findPython(['torch', 'numpy']);
requireInCi('PyTorch for the MDUIT loss references', py.python !== null, 'reason' in py ? py.reason : undefined);

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const f32 = (name: string, shape: number[], data: Float32Array, grad = true): ArrayInput => ({ name, shape, data, dtype: 'float32', grad });

/** x + scale_b · noise, one scale per sample (rows of the leading axis). */
function perturb(r: Rng, x: Float32Array, shape: number[], scales: number[], base?: (v: number) => number): Float32Array {
  const per = size(shape) / shape[0]!;
  const noise = normalArray(r, x.length);
  return x.map((v, i) => (base ? base(v) : v) + scales[Math.floor(i / per)]! * noise[i]!);
}

function unitRows(a: Float32Array, d: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length / d; i++) {
    const n = Math.hypot(...a.subarray(i * d, (i + 1) * d));
    for (let t = 0; t < d; t++) out[i * d + t] = a[i * d + t]! / n;
  }
  return out;
}

interface Term {
  name: string;
  kind: string;
  args?: Record<string, number>;
  inputs: ArrayInput[];
  fn: (ts: tf.Tensor[]) => tf.Scalar;
}

function terms(): Term[] {
  const r = new Rng(2024);
  const logit = (shape: number[]) => normalArray(r, size(shape), 2);
  const fShape = [4, 3, 3, 6];
  const fs = normalArray(r, size(fShape));
  // per sample: (‖f_s − f_s→t‖², ‖f_s − f_s−‖²) ≈ (0.01, 1) inactive, (1, 0.01) active, (0.25, 0.3) active near the margin, (0.09, 1) inactive
  const fst = perturb(r, fs, fShape, [0.1, 1, 0.5, 0.3]);
  const fsn = perturb(r, fs, fShape, [1, 0.1, 0.55, 1]);
  const wShape = [3, 5, 5, 1, 4];
  const wt = normalArray(r, size(wShape));
  const wst = perturb(r, wt, wShape, [0.05, 0.7, 0.05]);
  // W_t− ≈ −W_t (inactive), unrelated (active), ≈ W_t (active, large)
  const wtn = Float32Array.from(normalArray(r, size(wShape)).map((v, i) => {
    const s = Math.floor(i / (size(wShape) / 3));
    return s === 0 ? -wt[i]! + 0.05 * v : s === 1 ? v : wt[i]! + 0.05 * v;
  }));
  const [b, n, k] = [3, 16, 8];
  const zs = normalArray(r, b * k, 2);
  const zst = perturb(r, zs, [b, k], [0.3, 1, 3]);
  const neg = unitRows(normalArray(r, b * n * k), k);
  return [
    {
      name: 'advImageD', kind: 'image_adv_d',
      inputs: [f32('real_s', [2, 3, 3, 1], logit([2, 3, 3, 1])), f32('real_t', [2, 3, 3, 1], logit([2, 3, 3, 1])), f32('fake', [2, 3, 3, 1], logit([2, 3, 3, 1]))],
      fn: ([a, c, d]) => imageAdversarialD(a!, c!, d!),
    },
    {
      name: 'advAppearanceD', kind: 'appearance_adv_d',
      inputs: [f32('same', [2, 2, 2, 1], logit([2, 2, 2, 1])), f32('fake', [2, 2, 2, 1], logit([2, 2, 2, 1]))],
      fn: ([a, c]) => appearanceAdversarialD(a!, c!),
    },
    { name: 'advG', kind: 'adv_g', inputs: [f32('fake', [2, 3, 3, 1], logit([2, 3, 3, 1]))], fn: ([a]) => adversarialG(a!) },
    {
      name: 'l1', kind: 'l1',
      inputs: [f32('a', [2, 8, 8, 3], normalArray(r, 384)), f32('b', [2, 8, 8, 3], normalArray(r, 384))],
      fn: ([a, c]) => l1Loss(a!, c!),
    },
    {
      name: 'contentCon', kind: 'content_con', args: { margin: MDUIT_MARGIN_C },
      inputs: [f32('fs', fShape, fs), f32('fst', fShape, fst), f32('fsn', fShape, fsn)],
      fn: ([a, c, d]) => contentConsistency(a!, c!, d!),
    },
    {
      name: 'appearanceCon', kind: 'appearance_con',
      inputs: [f32('wt', wShape, wt), f32('wst', wShape, wst), f32('wtn', wShape, wtn)],
      fn: ([a, c, d]) => appearanceConsistency(a!, c!, d!),
    },
    {
      name: 'nce', kind: 'nce', args: { tau: MDUIT_TAU },
      inputs: [f32('zs', [b, k], zs), f32('zst', [b, k], zst), f32('neg', [b, n, k], neg, false)],
      fn: ([a, c, d]) => nceLoss(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor3D),
    },
    {
      name: 'objective', kind: 'objective',
      inputs: Array.from({ length: 7 }, (_, i) => f32(`t${i}`, [], Float32Array.of(0.1 + 0.37 * i))),
      fn: (t) => {
        const [advImage, advAppearance, recSelf, recCycle, conContent, conAppearance, contrastive] = t as tf.Scalar[];
        return mduitObjective({ advImage: advImage!, advAppearance: advAppearance!, recSelf: recSelf!, recCycle: recCycle!, conContent: conContent!, conAppearance: conAppearance!, contrastive: contrastive! });
      },
    },
  ];
}

const dirs: ReferenceDir[] = [];
afterAll(() => dirs.forEach((d) => d.remove()));
let refs: Promise<Map<string, { value: number; grads: Map<string, Float32Array> }>> | null = null;

function reference(python: string) {
  refs ??= (async () => {
    const dir = new ReferenceDir('cvgl-mduit-losses-');
    dirs.push(dir);
    const ts = terms();
    for (const t of ts) for (const i of t.inputs) dir.writeF32(`${t.name}_${i.name}.f32`, i.data as Float32Array);
    dir.run(python, SCRIPT, { terms: ts.map((t) => ({ name: t.name, kind: t.kind, args: t.args ?? {}, inputs: t.inputs.map((i) => [i.name, i.shape, i.grad]) })) });
    return new Map(
      ts.map((t) => [t.name, { value: dir.readF32(`${t.name}_value.f32`)[0]!, grads: new Map(t.inputs.filter((i) => i.grad).map((i) => [i.name, dir.readF32(`${t.name}_grad_${i.name}.f32`)])) }] as const),
    );
  })();
  return refs;
}

describe.skipIf(py.python === null)('MDUIT loss terms against PyTorch (Eq. 2–6)', () => {
  for (const backend of BACKENDS) {
    for (const t of terms()) {
      it(`${t.name} (${t.kind}): value and gradients (${backend})`, async () => {
        const ref = (await reference(py.python!)).get(t.name)!;
        const got = await evalWithGrads(backend, t.fn, t.inputs);
        const vErr = Math.abs(got.value[0]! - ref.value) / Math.max(Math.abs(ref.value), 1e-12);
        expect(vErr, `${t.name} value ${got.value[0]} vs torch ${ref.value}`).toBeLessThan(REL_TOL);
        expect(ref.value, `${t.name}: a test whose loss is 0 could not see a wrong gradient`).not.toBe(0);
        for (const g of got.grads) expect(relErr(g.data, ref.grads.get(g.name)!), `${t.name} d/d${g.name} on ${backend}`).toBeLessThan(REL_TOL);
      });
    }
  }
});

describe('MDUIT loss details', () => {
  it('the hinges are active in some samples and not in others (so the tests see both branches)', async () => {
    await useBackend('cpu');
    const ts = terms();
    const byName = (n: string) => ts.find((t) => t.name === n)!;
    const perSample = (t: Term, f: (x: tf.Tensor[]) => tf.Tensor) =>
      tf.tidy(() => f(t.inputs.map((i) => tf.tensor(i.data, i.shape))).arraySync() as number[]);
    const con = perSample(byName('contentCon'), ([a, b, c]) => {
      const mse = (x: tf.Tensor, y: tf.Tensor) => tf.mean(tf.square(tf.sub(x, y)), [1, 2, 3]);
      return tf.add(tf.sub(mse(a!, b!), mse(a!, c!)), MDUIT_MARGIN_C);
    });
    expect(con.map((v) => v > 0)).toEqual([false, true, true, false]);
    const app = perSample(byName('appearanceCon'), ([a, b, c]) => {
      const cos = (x: tf.Tensor, y: tf.Tensor) => {
        const [x2, y2] = [tf.reshape(x, [3, -1]), tf.reshape(y, [3, -1])];
        return tf.div(tf.sum(tf.mul(x2, y2), 1), tf.mul(tf.norm(x2, 'euclidean', 1), tf.norm(y2, 'euclidean', 1)));
      };
      return tf.add(tf.sub(1, cos(a!, b!)), cos(a!, c!));
    });
    expect(app.map((v) => v > 0)).toEqual([false, true, true]);
  });

  it('NCE: no gradient reaches the negatives; τ and shapes are checked', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const r = new Rng(8);
    const [zs, zst, neg] = [r.normalTensor([2, 4]), r.normalTensor([2, 4]), r.normalTensor([2, 5, 4])] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor3D];
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => nceLoss(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor3D))([zs, zst, neg]);
    expect(Math.max(...grads[2]!.dataSync().map(Math.abs))).toBe(0);
    expect(Math.max(...grads[1]!.dataSync().map(Math.abs))).toBeGreaterThan(0); // the positive is differentiable (Eq. 5)
    tf.dispose([value, ...grads]);
    expect(() => nceLoss(zs, zst, neg, 0)).toThrow(CvglError);
    const wrong = tf.zeros([3, 5, 4]) as tf.Tensor3D;
    expect(() => nceLoss(zs, zst, wrong)).toThrow(CvglError);
    expect(() => contentConsistency(zs, zst, wrong)).toThrow(CvglError);
    expect(() => appearanceConsistency(zs, zst, wrong)).toThrow(CvglError);
    expect(() => l1Loss(zs, wrong)).toThrow(CvglError);
    tf.dispose([zs, zst, neg, wrong]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
