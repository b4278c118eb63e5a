/**
 * The engine's accurate log1p (lib/engine/ops/log1p.ts) on every backend here (cpu, wasm,
 * native when its addon is built, webgpu when an adapter is):
 *  - against float64 Math.log1p of the same float32 inputs, from 1e-38 to 1e6 and from −1e-38 to
 *    −0.999, within 5 float32 ε relative (Goldberg's bound for this formula); 0 → 0, −1 → −∞;
 *  - its gradient 1/(1 + y);
 *  - against torch.log1p (test/reference/log1p_torch.py), float32 values and gradient;
 *  - why it exists: tfjs' own Log1p returns 0 for 1e-10 on wasm (log(1 + y) in float32).
 * On webgpu the tensors here are small enough for tfjs to hand the ops to its CPU kernels; the
 * threshold is set to 0 so that the shaders run (their log is what the webgpu formula avoids).
 */
import { describe, expect, it } from 'vitest';
import { accurateLog1p, probeBackends, tf, type BackendName } from '../../lib/engine/index.js';
import { requireInCi } from '../ci_requirements.js';
import { useBackend } from './parity_helpers.js';
import { ReferenceDir, findPython } from '../reference_python.js';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../reference/log1p_torch.py', import.meta.url));
const available = new Set((await probeBackends()).filter((b) => b.available).map((b) => b.name));
const BACKENDS = (['cpu', 'wasm', 'native', 'webgpu'] as BackendName[]).filter((b) => available.has(b));
const torchPy = findPython(['numpy', 'torch']);

/** The backend, on webgpu with every op on the GPU (no CPU hand-off of small tensors). */
async function onBackend(backend: BackendName): Promise<void> {
  await useBackend(backend);
  if (backend === 'webgpu') tf.env().set('WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD', 0);
}

/** Goldberg's Theorem 4 bound, 5ε, with ε = 2^−24 the float32 unit roundoff. */
const REL = 5 * 2 ** -24;

function inputs(): Float32Array {
  const xs: number[] = [];
  for (let e = -38; e <= 6; e += 0.25) xs.push(10 ** e);
  for (let e = -38; e < 0; e += 0.25) xs.push(-(10 ** e));
  for (let v = -0.999; v < 1; v += 0.0137) xs.push(v);
  for (let v = -0.6; v < 1.2; v += 0.003) xs.push(v); // around the webgpu formula's switch at −0.5 and 1
  xs.push(2 ** -24, 2 ** -23, 3 * 2 ** -25, 0.5, -0.5, 1, 3);
  return Float32Array.from(xs);
}

/** Worst relative error of `got` against `want` (float64), where want is finite and nonzero. */
function worstRel(x: Float32Array, got: ArrayLike<number>, want: (x: number) => number): { rel: number; at: number } {
  let rel = 0;
  let at = NaN;
  for (let i = 0; i < x.length; i++) {
    const w = want(x[i]!);
    const r = Math.abs(got[i]! - w) / Math.abs(w);
    if (!(r <= rel)) [rel, at] = [r, x[i]!];
  }
  return { rel, at };
}

describe.each(BACKENDS)('accurate log1p on %s', (backend) => {
  it('equals float64 Math.log1p within 5 float32 ε over 1e-38 … 1e6 and −0.999 … −1e-38', async () => {
    await onBackend(backend);
    const before = tf.memory().numTensors;
    const x = inputs();
    const t = tf.tensor1d(x);
    const y = accurateLog1p(t);
    const { rel, at } = worstRel(x, await y.data(), Math.log1p);
    expect(rel, `worst at y = ${at}`).toBeLessThanOrEqual(REL);
    const edge = tf.tensor1d([0, -1, -0]);
    const e = accurateLog1p(edge);
    expect(Array.from(await e.data())).toEqual([0, -Infinity, -0]);
    tf.dispose([t, y, edge, e]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('its gradient is 1/(1 + y)', async () => {
    await onBackend(backend);
    const x = Float32Array.from([1e-30, 1e-7, 0.25, -0.5, 3, 1e5]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(accurateLog1p(t)))(tf.tensor1d(x));
    expect(worstRel(x, await g.data(), (v) => 1 / (1 + v)).rel).toBeLessThanOrEqual(REL);
    g.dispose();
  });
});

describe('against torch.log1p (test/reference/log1p_torch.py)', () => {
  requireInCi('python3 with torch (log1p reference; CVGL_PYTHON to override)', torchPy.python != null, 'reason' in torchPy ? torchPy.reason : undefined);
  if (torchPy.python == null) return;

  it.each(BACKENDS)('values and gradients on %s within 5 ε of torch float32 and float64', async (backend) => {
    const x = inputs().filter((v) => v > -1);
    const dir = new ReferenceDir('cvgl-log1p-');
    try {
      dir.writeF32('x.f32', x);
      dir.run(torchPy.python!, SCRIPT, { x: 'x.f32' });
      const y32 = dir.readF32('y32.f32');
      const y64 = dir.readF32('y64.f32');
      const g32 = dir.readF32('grad32.f32');
      await onBackend(backend);
      const t = tf.tensor1d(x);
      const { value, grads } = tf.valueAndGrads((u: tf.Tensor) => tf.sum(accurateLog1p(u)) as tf.Scalar)([t]);
      const ours = await tf.tidy(() => accurateLog1p(t)).data();
      const byIndex = (ref: Float32Array) => (v: number) => ref[x.indexOf(v)]!;
      const nonzero = x.filter((v) => v !== 0);
      const at = (a: ArrayLike<number>) => nonzero.map((v) => a[x.indexOf(v)]!);
      expect(worstRel(nonzero, at(ours), byIndex(y32)).rel).toBeLessThanOrEqual(REL);
      expect(worstRel(nonzero, at(ours), byIndex(y64)).rel).toBeLessThanOrEqual(REL);
      expect(worstRel(x, await grads[0]!.data(), byIndex(g32)).rel).toBeLessThanOrEqual(REL);
      tf.dispose([t, value, grads]);
    } finally {
      dir.remove();
    }
  });
});

describe('why the engine has its own log1p', () => {
  it.runIf(available.has('wasm'))("tfjs' Log1p on wasm is log(1 + y) in float32: log1p(1e-10) comes out 0", async () => {
    await useBackend('wasm');
    const y = tf.log1p(tf.scalar(1e-10));
    expect((await y.data())[0]).toBe(0);
    y.dispose();
  });
});
