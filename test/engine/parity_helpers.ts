/**
 * Helpers for backend parity tests: evaluate a scalar function and its gradients with respect
 * to all (float) inputs on one backend, read everything back to Float32Arrays, and compare
 * against the `cpu` reference backend.
 *
 * Relative error, as used throughout these tests:
 *
 *     relErr(a, b) = max_i |a_i − b_i| / max(max_i |b_i|, TINY)
 *
 * where b is the reference (cpu) and a the backend under test; it is computed separately for
 * the function's value and for each gradient, and a NaN/Inf anywhere or a size mismatch counts
 * as an infinite error.
 */
import { expect } from 'vitest';
import { initEngine, tf, type BackendName, type Rng } from '../../lib/engine/index.js';

/** Largest absolute difference of two equally long arrays (their lengths are checked first). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export const TINY = 1e-12;
/** The bound: "max relative error below 1e-4". */
export const REL_TOL = 1e-4;

export interface ArrayInput {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
  dtype: 'float32' | 'int32';
  /** Differentiate with respect to this input (default: true for float32, never for int32). */
  grad: boolean;
}

/** N(0, std²) float32 input from the seeded generator (same draws as `rng.normalTensor`). */
export function randn(rng: Rng, name: string, shape: number[], std = 1, grad = true): ArrayInput {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = std * rng.normal();
  return { name, shape, data, dtype: 'float32', grad };
}

/** Uniform [lo, hi) float32 input from the seeded generator. */
export function randu(rng: Rng, name: string, shape: number[], lo = 0, hi = 1, grad = true): ArrayInput {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * rng.random();
  return { name, shape, data, dtype: 'float32', grad };
}

/** int32 input (indices), never differentiated. */
export function ints(name: string, shape: number[], values: number[]): ArrayInput {
  return { name, shape, data: Int32Array.from(values), dtype: 'int32', grad: false };
}

export type ScalarFn = (xs: tf.Tensor[]) => tf.Scalar;

export interface EvalResult {
  backend: string;
  value: Float32Array;
  /** One entry per differentiated input, in input order. */
  grads: { name: string; data: Float32Array }[];
}

/**
 * Makes `name` the active tfjs backend through `initEngine` (which registers our wasm kernels
 * and gradients, and reselects a backend started before). Asserts that the backend really is
 * active, so that a parity test can never compare cpu with cpu.
 */
export async function useBackend(name: BackendName): Promise<void> {
  const info = await initEngine({ backend: name });
  expect(info.backend).toBe(name);
  expect(tf.getBackend()).toBe(name);
}

function numDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

/**
 * Value of `f(inputs)` and its gradients with respect to every differentiable input on `backend`.
 * Disposes everything it made, and asserts that neither the engine's tensor count nor the
 * backend's data-buffer count changed (a kernel that leaks backend buffers shows up here too).
 */
export async function evalWithGrads(backend: BackendName, f: ScalarFn, inputs: ArrayInput[]): Promise<EvalResult> {
  await useBackend(backend);
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = numDataIds();
  const ts = inputs.map((i) => tf.tensor(i.data, i.shape, i.dtype));
  const diff = inputs.map((inp, k) => (inp.grad && inp.dtype === 'float32' ? k : -1)).filter((k) => k >= 0);
  const made: tf.Tensor[] = [];
  let result: EvalResult;
  try {
    let value: tf.Tensor;
    let grads: tf.Tensor[] = [];
    if (diff.length === 0) {
      value = tf.tidy(() => f(ts));
    } else {
      const vg = tf.valueAndGrads((...d: tf.Tensor[]) => {
        const all = ts.slice();
        diff.forEach((k, j) => (all[k] = d[j]!));
        return f(all);
      });
      const r = vg(diff.map((k) => ts[k]!));
      value = r.value;
      grads = r.grads;
    }
    made.push(value, ...grads);
    expect(value.size, 'f must return a scalar').toBe(1);
    result = {
      backend,
      value: Float32Array.from(await value.data()),
      grads: await Promise.all(
        grads.map(async (g, j) => {
          const inp = inputs[diff[j]!]!;
          expect(g.shape, `shape of d/d${inp.name}`).toEqual(inp.shape);
          return { name: inp.name, data: Float32Array.from(await g.data()) };
        }),
      ),
    };
  } finally {
    tf.dispose(made);
    tf.dispose(ts);
  }
  expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(tensorsBefore);
  expect(numDataIds(), `backend buffers leaked on ${backend}`).toBe(buffersBefore);
  return result;
}

/** max|a−b| / max(max|b|, TINY); b is the reference. NaN/Inf or a size mismatch give Infinity. */
export function relErr(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return Infinity;
    num = Math.max(num, Math.abs(x - y));
    den = Math.max(den, Math.abs(y));
  }
  return num / Math.max(den, TINY);
}

export interface ParityReport {
  label: string;
  /** Relative error of the value and of each gradient ('d/dx'), the reference being cpu. */
  errors: Record<string, number>;
  max: number;
}

export function compareResults(label: string, got: EvalResult, ref: EvalResult): ParityReport {
  const errors: Record<string, number> = { value: relErr(got.value, ref.value) };
  expect(got.grads.map((g) => g.name)).toEqual(ref.grads.map((g) => g.name));
  got.grads.forEach((g, j) => (errors[`d/d${g.name}`] = relErr(g.data, ref.grads[j]!.data)));
  return { label, errors, max: Math.max(...Object.values(errors)) };
}

export interface ParityOptions {
  /** Backend under test. */
  backend: BackendName;
  /** A different formulation of the same function for the cpu reference (default: f itself). */
  refFn?: ScalarFn;
  /** Reference backend (default cpu). */
  refBackend?: BackendName;
}

/** Runs f on the reference backend (cpu) and on `opts.backend`, and compares. */
export async function parity(label: string, f: ScalarFn, inputs: ArrayInput[], opts: ParityOptions): Promise<ParityReport> {
  const ref = await evalWithGrads(opts.refBackend ?? 'cpu', opts.refFn ?? f, inputs);
  const got = await evalWithGrads(opts.backend, f, inputs);
  return compareResults(label, got, ref);
}

/** Asserts the bound, with every error in the failure message so that it names the culprit. */
export function expectWithin(rep: ParityReport, tol = REL_TOL): void {
  const detail = Object.entries(rep.errors)
    .map(([k, v]) => `${k}: ${v.toExponential(2)}`)
    .join(', ');
  expect(rep.max, `${rep.label}: relative errors ${detail} (bound ${tol})`).toBeLessThan(tol);
}

/** Largest error seen per op family, printed at the end of a file for the record. */
export class ErrorLog {
  private readonly worst = new Map<string, { err: number; label: string; cases: number }>();
  add(family: string, rep: ParityReport): void {
    if (process.env.PARITY_VERBOSE) {
      const detail = Object.entries(rep.errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ');
      console.log(`${rep.label}: ${detail}`);
    }
    const w = this.worst.get(family);
    if (!w) this.worst.set(family, { err: rep.max, label: rep.label, cases: 1 });
    else {
      w.cases += 1;
      if (rep.max > w.err) Object.assign(w, { err: rep.max, label: rep.label });
    }
  }
  table(): string {
    return [...this.worst.entries()]
      .map(([fam, w]) => `  ${fam.padEnd(22)} ${String(w.cases).padStart(3)} case(s)  max rel err ${w.err.toExponential(2)}  (${w.label})`)
      .join('\n');
  }
}
