/**
 * NetVLAD, the baseline row of MDUIT's Table 1 — lib/models/netvlad.ts: the NetVLAD layer (soft
 * assignment, residual aggregation, intra-normalisation, L2) and the triplet ranking loss
 * against PyTorch (test/reference/conv_layers_torch.py), values and gradients on cpu and wasm;
 * the model's descriptor (size K·D, unit rows), its data-driven initialisation, no leaks, errors.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CvglError, Rng, tf, type BackendName } from '../../lib/engine/index.js';
import { NetVlad, netvladLayer, netvladTripletLoss } from '../../lib/models/netvlad.js';
import { requireInCi } from '../ci_requirements.js';
import { REL_TOL, evalWithGrads, randn, relErr, useBackend, type ArrayInput } from '../engine/parity_helpers.js';
import { ReferenceDir, findPython } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/conv_layers_torch.py', import.meta.url));
const BACKENDS: BackendName[] = ['cpu', 'wasm'];
const py = findPython(['torch', 'numpy']);
requireInCi('PyTorch for the NetVLAD reference', py.python !== null, 'reason' in py ? py.reason : undefined);

function unitLast(a: ArrayInput, d: number): ArrayInput {
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < a.data.length / d; i++) {
    const n = Math.hypot(...Array.from(a.data.subarray(i * d, (i + 1) * d)));
    for (let t = 0; t < d; t++) out[i * d + t] = a.data[i * d + t]! / n;
  }
  return { ...a, data: out };
}

function cases() {
  const r = new Rng(77);
  const [b, h, w, d, k] = [2, 3, 4, 6, 5];
  return [
    {
      name: 'netvlad', kind: 'netvlad', args: {},
      inputs: [unitLast(randn(r, 'x', [b, h, w, d]), d), randn(r, 'w', [d, k], 3), randn(r, 'b', [k], 0.5), randn(r, 'c', [k, d], 0.4), randn(r, 'r', [b, k * d], 1, false)],
      fn: ([x, wt, bt, c, rt]: tf.Tensor[]) => tf.sum(tf.mul(netvladLayer(x as tf.Tensor4D, wt as tf.Tensor2D, bt as tf.Tensor1D, c as tf.Tensor2D), rt!)) as tf.Scalar,
    },
    {
      name: 'triplet', kind: 'triplet', args: { margin: 0.1 },
      inputs: [randn(r, 'q', [3, 4], 0.5), randn(r, 'p', [3, 4], 0.5), randn(r, 'n', [3, 5, 4], 0.5)],
      fn: ([q, p, n]: tf.Tensor[]) => netvladTripletLoss(q as tf.Tensor2D, p as tf.Tensor2D, n as tf.Tensor3D, 0.1),
    },
  ];
}

const dirs: ReferenceDir[] = [];
afterAll(() => dirs.forEach((d) => d.remove()));
let refs: Promise<Map<string, { value: number; grads: Map<string, Float32Array> }>> | null = null;
function reference(python: string) {
  refs ??= (async () => {
    const dir = new ReferenceDir('cvgl-netvlad-');
    dirs.push(dir);
    const cs = cases();
    for (const c of cs) for (const i of c.inputs) dir.writeF32(`${c.name}_${i.name}.f32`, i.data as Float32Array);
    dir.run(python, SCRIPT, { cases: cs.map((c) => ({ name: c.name, kind: c.kind, args: c.args, inputs: c.inputs.map((i) => [i.name, i.shape, i.grad]) })) });
    return new Map(cs.map((c) => [c.name, { value: dir.readF32(`${c.name}_value.f32`)[0]!, grads: new Map(c.inputs.filter((i) => i.grad).map((i) => [i.name, dir.readF32(`${c.name}_grad_${i.name}.f32`)])) }] as const));
  })();
  return refs;
}

describe.skipIf(py.python === null)('NetVLAD layer and triplet ranking loss against PyTorch', () => {
  for (const backend of BACKENDS) {
    for (const c of cases()) {
      it(`${c.name}: value and gradients (${backend})`, async () => {
        const ref = (await reference(py.python!)).get(c.name)!;
        const got = await evalWithGrads(backend, c.fn, c.inputs);
        expect(ref.value).not.toBe(0);
        expect(Math.abs(got.value[0]! - ref.value) / Math.abs(ref.value), `${c.name} value`).toBeLessThan(REL_TOL);
        for (const g of got.grads) expect(relErr(g.data, ref.grads.get(g.name)!), `${c.name} d/d${g.name}`).toBeLessThan(REL_TOL);
      });
    }
  }
});

describe('NetVLAD model', () => {
  it('K·D unit descriptors; initialisation from data sets w = 2αc, b = −α‖c‖²; no leaks; errors', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const m = new NetVlad({ widthDivisor: 32, clusters: 3, rng: new Rng(1) });
    const r = new Rng(2);
    const x = tf.tidy(() => tf.sub(tf.mul(r.uniformTensor([2, 32, 32, 3]), 2), 1)) as tf.Tensor4D;
    try {
      expect(m.descriptorLength()).toBe(3 * 16);
      const f = m.localFeatures(x);
      expect(f.shape).toEqual([2, 2, 2, 16]);
      const flat = tf.reshape(f, [-1, 16]) as tf.Tensor2D;
      m.initFromDescriptors(flat, new Rng(3));
      const c = m.centroids.arraySync() as number[][];
      const w = m.assignW.arraySync() as number[][], b = m.assignB.arraySync() as number[];
      c.forEach((row, k) => {
        expect(Math.hypot(...row)).toBeCloseTo(1, 5);
        row.forEach((v, j) => expect(w[j]![k]).toBeCloseTo(2 * m.alpha * v, 4));
        expect(b[k]).toBeCloseTo(-m.alpha, 4);
      });
      const z = m.embedImages(x);
      expect(z.shape).toEqual([2, 48]);
      for (const row of z.arraySync() as number[][]) expect(Math.hypot(...row)).toBeCloseTo(1, 5);
      tf.dispose([f, flat, z]);
      const few = tf.zeros([2, 16]) as tf.Tensor2D;
      expect(() => m.initFromDescriptors(few, new Rng(1))).toThrow(CvglError);
      few.dispose();
      const q = tf.zeros([2, 4]) as tf.Tensor2D, n = tf.zeros([3, 1, 4]) as tf.Tensor3D;
      expect(() => netvladTripletLoss(q, q, n)).toThrow(CvglError);
      tf.dispose([q, n]);
      expect(() => new NetVlad({ clusters: 0 })).toThrow(CvglError);
    } finally {
      x.dispose();
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
