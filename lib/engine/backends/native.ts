/**
 * The `native` backend: the wasm backend (XNNPACK element-wise ops, pooling, reductions, our
 * registered kernels) with its hot kernels — convolutions and their gradients, batched matrix
 * products — run by oneDNN (the library PyTorch's CPU convolutions use; Debian `libdnnl-dev`)
 * through our N-API addon `build/cvgl_native.node`, built from `native/cvgl_native.cc` at install
 * (`bin/build-native.mjs`). The addon reads and writes the wasm heap in place: no copies.
 *
 * Why on wasm and not on the plain-JS `cpu` backend: with oneDNN convolutions the cpu backend's
 * JavaScript element-wise kernels (Multiply, Add, RealDiv, MaxPoolGrad, …) dominate a step.
 * The price is wasm32's 4 GiB heap, which `cvgl bench` meets with micro-batches.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import { pair } from '../kernels/kernel_call.js';
import { RELU_GRAD_KERNEL } from '../kernels/relu_grad.js';
import { BN_GRAD_KERNEL, BN_MOMENTS_KERNEL, SCALE_SHIFT_KERNEL } from '../kernels/batch_norm.js';
import { startWasm } from './wasm.js';

const require = createRequire(import.meta.url);
export const NATIVE_ADDON = fileURLToPath(new URL('../../../build/cvgl_native.node', import.meta.url));

export interface NativeAddon {
  conv2d(mode: 0 | 1 | 2, a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array): void;
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array): void;
  adam(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, outP: Float32Array, outM: Float32Array, outV: Float32Array, h: Float32Array): void;
  sumLeading(x: Float32Array, out: Float32Array, dims: Int32Array): void;
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, dims: Int32Array): void;
  /** Absent from an addon built before it (rebuild with npm run build:native): tfjs ops then. */
  bnMoments?(x: Float32Array, mean: Float32Array, variance: Float32Array, dims: Int32Array): void;
  scaleShift?(x: Float32Array, scale: Float32Array, shift: Float32Array, out: Float32Array, dims: Int32Array): void;
  bnGrad?(dy: Float32Array, x: Float32Array, mean: Float32Array, r: Float32Array, gamma: Float32Array, dx: Float32Array, dGamma: Float32Array, dBeta: Float32Array, dims: Int32Array): void;
  binary(op: 0 | 1 | 2 | 3 | 4, a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array): void;
  setThreads(n: number): void;
  threads(): number;
  version(): string;
}

let addon: NativeAddon | null = null;
let loadError: string | null = null;

/** The addon, or null with the reason in `nativeUnavailable()`. */
export function loadNative(): NativeAddon | null {
  if (addon || loadError) return addon;
  if (!existsSync(NATIVE_ADDON)) {
    loadError =
      'the oneDNN addon is not built (npm run setup:system installs libdnnl-dev and g++, then `npm run build:native`)';
    return null;
  }
  try {
    // libgomp reads this when the addon loads. Its default lets idle OpenMP threads spin, which
    // on a small machine takes the cores from the wasm thread pool running the other kernels.
    process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
    addon = require(NATIVE_ADDON) as NativeAddon;
  } catch (e) {
    loadError = `the oneDNN addon did not load: ${(e as Error).message.split('\n')[0]} (npm run setup:system, then npm run build:native)`;
  }
  return addon;
}

export function nativeUnavailable(): string | null {
  loadNative();
  return loadError;
}

/** The wasm backend's API that the kernels below use. */
interface Backend {
  incRef(dataId: TensorInfo['dataId']): void;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

/** dims for the addon's conv2d; oneDNN wants the bottom/right padding that gives exactly the output size. */
function convDims(xShape: number[], filterShape: number[], attrs: NamedAttrMap) {
  const strides = pair(attrs.strides as number | number[]);
  const dilations = pair(attrs.dilations as number | number[] | undefined);
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    attrs.pad as any,
    attrs.dimRoundingMode as any,
  );
  const [n, h, w, c] = xShape as [number, number, number, number];
  const [kh, kw, , o] = filterShape as [number, number, number, number];
  const { top, left } = info.padInfo;
  const bottom = Math.max(0, (info.outHeight - 1) * strides[0] + (kh - 1) * dilations[0] + 1 - h - top);
  const right = Math.max(0, (info.outWidth - 1) * strides[1] + (kw - 1) * dilations[1] + 1 - w - left);
  const dims = new Int32Array([n, h, w, c, kh, kw, o, info.outHeight, info.outWidth, ...strides, ...dilations, top, left, bottom, right]);
  return { dims, outShape: [n, info.outHeight, info.outWidth, o] };
}

const heap = (b: Backend, t: TensorInfo): Float32Array => b.typedArrayFromHeap(t);
const nhwc = (attrs: NamedAttrMap) => ((attrs.dataFormat as string | undefined) ?? 'NHWC') === 'NHWC';

/** How many calls of each kernel the addon ran (not handed to wasm), since the process started. */
export const nativeCalls: Record<string, number> = {};
const counted = (kernel: string) => (nativeCalls[kernel] = (nativeCalls[kernel] ?? 0) + 1);

/**
 * A native kernel that hands anything it does not cover (NCHW, non-float32, broadcasts) to the
 * wasm kernel. `run` allocates its output before it takes views of the heap: an allocation can
 * grow the heap, which detaches the views taken earlier.
 */
function kernel(name: string, run: (inputs: Record<string, TensorInfo>, backend: Backend, attrs: NamedAttrMap) => TensorInfo | null): KernelConfig {
  const fallback = tf.getKernel(name, 'wasm')!;
  return {
    kernelName: name,
    backendName: 'native',
    kernelFunc: (args) => {
      const r = run(args.inputs as Record<string, TensorInfo>, args.backend as Backend, args.attrs as NamedAttrMap);
      if (r) counted(name);
      return r ?? (fallback.kernelFunc(args) as TensorInfo);
    },
  };
}

/**
 * The fused Adam update of one variable (`runKernel(ADAM_KERNEL, { p, g, m, v }, { h })` → [p', m',
 * v']); `h` as the addon's `adam` takes it. Registered on `native` only: lib/train/optimizers.ts
 * uses it there and the same update as tfjs ops elsewhere. Not differentiable (optimizers run
 * outside any tape).
 */
export const ADAM_KERNEL = 'CvglAdam';

/**
 * When one shape (leading 1s dropped) is the trailing part of the other, strictly smaller, and
 * the other has at least its rank: the operands as [outer, inner] and [inner]. Else null.
 */
function trailingBroadcast(a: number[], b: number[]): { outer: number; inner: number; smallA: boolean } | null {
  const size = (s: number[]) => s.reduce((p, q) => p * q, 1);
  const na = size(a), nb = size(b);
  if (na === nb || na === 0 || nb === 0) return null; // same size: the wasm kernel (XNNPACK)
  const smallA = na < nb;
  const [big, small] = smallA ? [b, a] : [a, b];
  if (small.length > big.length) return null;
  const core = small.slice(small.findIndex((d) => d !== 1) === -1 ? small.length : small.findIndex((d) => d !== 1));
  if (core.some((d, i) => d !== big[big.length - core.length + i])) return null;
  const inner = size(core);
  return { outer: size(big) / inner, inner, smallA };
}

/** The leading axes 0..k-1 of a rank-r tensor (k < r), as `Sum` gets them (any order, negative allowed), or 0. */
function leadingAxes(axis: number | number[], rank: number): number {
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((p, q) => p - q);
  if (axes.length === 0 || axes.length >= rank || axes.some((a, i) => a !== i)) return 0;
  return axes.length;
}

function nativeKernels(nat: NativeAddon): KernelConfig[] {
  const f32 = (...ts: TensorInfo[]) => ts.every((t) => t.dtype === 'float32');
  /** x summed over its leading axes (`attrs.axis`, `keepDims`) by the addon's column sums, or null where it does not apply. */
  const sumLeadingOf = (x: TensorInfo, b: Backend, attrs: NamedAttrMap): { out: TensorInfo; rows: number; cols: number } | null => {
    if (!f32(x)) return null;
    const k = leadingAxes(attrs.axis as number | number[], x.shape.length);
    if (!k) return null;
    const rows = x.shape.slice(0, k).reduce((p, q) => p * q, 1);
    const kept = x.shape.slice(k);
    const cols = kept.reduce((p, q) => p * q, 1);
    if (rows === 0 || cols === 0) return null;
    const out = b.makeOutput(attrs.keepDims ? [...x.shape.slice(0, k).map(() => 1), ...kept] : kept, 'float32');
    nat.sumLeading(heap(b, x), heap(b, out), new Int32Array([rows, cols]));
    return { out, rows, cols };
  };
  return [
    kernel('Conv2D', ({ x, filter }, b, attrs) => {
      if (!nhwc(attrs) || !f32(x!, filter!)) return null;
      const { dims, outShape } = convDims(x!.shape, filter!.shape, attrs);
      const out = b.makeOutput(outShape, 'float32');
      nat.conv2d(0, heap(b, x!), heap(b, filter!), heap(b, out), dims);
      return out;
    }),
    kernel('Conv2DBackpropInput', ({ dy, filter }, b, attrs) => {
      if (!nhwc(attrs) || !f32(dy!, filter!)) return null;
      const inputShape = attrs.inputShape as number[];
      const { dims } = convDims(inputShape, filter!.shape, attrs);
      const out = b.makeOutput(inputShape, 'float32');
      nat.conv2d(1, heap(b, dy!), heap(b, filter!), heap(b, out), dims);
      return out;
    }),
    kernel('Conv2DBackpropFilter', ({ x, dy }, b, attrs) => {
      if (!nhwc(attrs) || !f32(x!, dy!)) return null;
      const filterShape = attrs.filterShape as number[];
      const { dims } = convDims(x!.shape, filterShape, attrs);
      const out = b.makeOutput(filterShape, 'float32');
      nat.conv2d(2, heap(b, x!), heap(b, dy!), heap(b, out), dims);
      return out;
    }),
    kernel('BatchMatMul', ({ a, b: bt }, b, attrs) => {
      if (!f32(a!, bt!)) return null;
      const ta = Boolean(attrs.transposeA);
      const tb = Boolean(attrs.transposeB);
      const ra = a!.shape.length;
      const rb = bt!.shape.length;
      const batchA = a!.shape.slice(0, -2);
      const batchB = bt!.shape.slice(0, -2);
      const nA = batchA.reduce((p, q) => p * q, 1);
      const nB = batchB.reduce((p, q) => p * q, 1);
      const sameBatch = batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i]);
      if (!sameBatch && nB !== 1) return null; // other broadcasts: the wasm kernel
      const m = ta ? a!.shape[ra - 1]! : a!.shape[ra - 2]!;
      const k = ta ? a!.shape[ra - 2]! : a!.shape[ra - 1]!;
      const n = tb ? bt!.shape[rb - 2]! : bt!.shape[rb - 1]!;
      // batch shape as tfjs broadcasts it (e.g. [m,k] x [1,k,n] gives [1,m,n])
      const batch = tf.backend_util.assertAndGetBroadcastShape(batchA, batchB);
      const out = b.makeOutput([...batch, m, n], 'float32');
      nat.matmul(heap(b, a!), heap(b, bt!), heap(b, out), new Int32Array([nA, m, k, n, ta ? 1 : 0, tb ? 1 : 0, sameBatch ? 0 : 1]));
      return out;
    }),
    // tfjs-core clones every tensor a gradient saves (engine.saveTensorsForBackwardMode) and
    // wasm's Identity copies it: every saved activation of a step is copied once more.
    // Tensors are immutable, so the clone can share the data, as on the cpu backend.
    kernel('Identity', ({ x }, b) => {
      if (x!.dtype === 'string') return null;
      b.incRef(x!.dataId);
      return { dataId: x!.dataId, shape: x!.shape, dtype: x!.dtype };
    }),
    // a bias add or per-channel scale ([N, H, W, C] op [C]): wasm's binary kernels take a
    // per-element index path for any broadcast; equal shapes stay on XNNPACK
    ...(['Add', 'Sub', 'Multiply', 'RealDiv'] as const).map((name, op) =>
      kernel(name, ({ a, b: bt }, b) => {
        if (!f32(a!, bt!)) return null;
        const rows = trailingBroadcast(a!.shape, bt!.shape);
        if (!rows) return null;
        const out = b.makeOutput(rows.smallA ? bt!.shape : a!.shape, 'float32');
        nat.binary(op as 0 | 1 | 2 | 3, heap(b, a!), heap(b, bt!), heap(b, out), new Int32Array([rows.outer, rows.inner, rows.smallA ? 1 : 0]));
        return out;
      }),
    ),
    // a bias's gradient (dy summed over N, H, W): wasm would transpose dy first
    kernel('Sum', ({ x }, b, attrs) => sumLeadingOf(x!, b, attrs)?.out ?? null),
    // BatchNorm's batch moments (tf.moments over N, H, W): wasm transposes x to put the reduced
    // axes last first, a quarter of a GeoCapsNet step at quick size. The addon's column sums
    // add the rows in the order wasm's Mean adds the transposed values (from 0, row by row), and
    // the quotient is wasm's `sum / reduce_size` (a float32 division: the double quotient
    // rounded to float32 is the same number), so the result is bit for bit wasm's.
    kernel('Mean', ({ x }, b, attrs) => {
      const r = sumLeadingOf(x!, b, attrs);
      if (!r) return null;
      const o = heap(b, r.out);
      for (let c = 0; c < r.cols; c++) o[c] = o[c]! / r.rows;
      return r.out;
    }),
    // the semantics of lib/engine/kernels/max_pool_grad.ts (tfjs cpu), multithreaded
    kernel('MaxPoolGrad', ({ dy, input }, b, attrs) => {
      if (!f32(dy!, input!)) return null;
      const info = tf.backend_util.computePool2DInfo(
        input!.shape as [number, number, number, number],
        attrs.filterSize as any,
        attrs.strides as any,
        1,
        attrs.pad as any,
        attrs.dimRoundingMode as any,
      );
      const out = b.makeOutput(input!.shape, 'float32');
      const dims = new Int32Array([
        info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
        info.effectiveFilterHeight, info.effectiveFilterWidth, info.strideHeight, info.strideWidth,
        info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
      ]);
      nat.maxPoolGrad(heap(b, input!), heap(b, dy!), heap(b, out), dims);
      return out;
    }),
  ];
}

/** ReLU's gradient dy · step(x) in one pass (lib/engine/kernels/relu_grad.ts uses it where registered). */
function reluGradKernel(nat: NativeAddon): KernelConfig {
  return {
    kernelName: RELU_GRAD_KERNEL,
    backendName: 'native',
    kernelFunc: ({ inputs, backend }) => {
      const b = backend as unknown as Backend;
      const { dy, x } = inputs as Record<'dy' | 'x', TensorInfo>;
      if (dy.dtype !== 'float32' || x.dtype !== 'float32' || dy.shape.join() !== x.shape.join()) {
        throw new Error(`${RELU_GRAD_KERNEL}: dy and x must be float32 tensors of one shape`);
      }
      const out = b.makeOutput(x.shape, 'float32');
      const n = x.shape.reduce((p, q) => p * q, 1);
      if (n > 0) nat.binary(4, heap(b, dy), heap(b, x), heap(b, out), new Int32Array([1, n, 0]));
      counted(RELU_GRAD_KERNEL);
      return out;
    },
  };
}

/** lib/engine/kernels/batch_norm.ts' fused kernels (none when the addon predates them). */
function batchNormKernels(nat: NativeAddon): KernelConfig[] {
  const { bnMoments, bnGrad, scaleShift } = nat;
  if (!bnMoments || !bnGrad || !scaleShift) return [];
  const channels = (t: TensorInfo) => t.shape[t.shape.length - 1]!;
  const rowsOf = (t: TensorInfo) => t.shape.slice(0, -1).reduce((p, q) => p * q, 1);
  const check = (name: string, ok: boolean) => {
    if (!ok) throw new Error(`${name}: float32 [N, H, W, C] maps with per-channel [C] vectors expected`);
  };
  return [
    {
      kernelName: BN_MOMENTS_KERNEL,
      backendName: 'native',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as Backend;
        const { x } = inputs as { x: TensorInfo };
        check(BN_MOMENTS_KERNEL, x.dtype === 'float32' && x.shape.length === 4 && rowsOf(x) > 0 && channels(x) > 0);
        const c = channels(x);
        const outs = [b.makeOutput([c], 'float32'), b.makeOutput([c], 'float32')];
        bnMoments.call(nat, heap(b, x), heap(b, outs[0]!), heap(b, outs[1]!), new Int32Array([rowsOf(x), c]));
        counted(BN_MOMENTS_KERNEL);
        return outs;
      },
    },
    {
      kernelName: SCALE_SHIFT_KERNEL,
      backendName: 'native',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as Backend;
        const { x, scale, shift } = inputs as Record<'x' | 'scale' | 'shift', TensorInfo>;
        const c = channels(x);
        check(SCALE_SHIFT_KERNEL, [x, scale, shift].every((t) => t.dtype === 'float32') && x.shape.length === 4 && [scale, shift].every((t) => t.shape.length === 1 && t.shape[0] === c) && rowsOf(x) > 0 && c > 0);
        const out = b.makeOutput(x.shape, 'float32');
        scaleShift.call(nat, heap(b, x), heap(b, scale), heap(b, shift), heap(b, out), new Int32Array([rowsOf(x), c]));
        counted(SCALE_SHIFT_KERNEL);
        return out;
      },
    },
    {
      kernelName: BN_GRAD_KERNEL,
      backendName: 'native',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as Backend;
        const { dy, x, mean, r, gamma } = inputs as Record<'dy' | 'x' | 'mean' | 'r' | 'gamma', TensorInfo>;
        const c = channels(x);
        check(BN_GRAD_KERNEL, [dy, x, mean, r, gamma].every((t) => t.dtype === 'float32') && x.shape.length === 4 && dy.shape.join() === x.shape.join() && [mean, r, gamma].every((t) => t.shape.length === 1 && t.shape[0] === c) && rowsOf(x) > 0 && c > 0);
        const outs = [b.makeOutput(x.shape, 'float32'), b.makeOutput([c], 'float32'), b.makeOutput([c], 'float32')];
        const rows = rowsOf(x);
        bnGrad.call(nat, heap(b, dy), heap(b, x), heap(b, mean), heap(b, r), heap(b, gamma), heap(b, outs[0]!), heap(b, outs[1]!), heap(b, outs[2]!), new Int32Array([rows, c, rows]));
        counted(BN_GRAD_KERNEL);
        return outs;
      },
    },
  ];
}

function adamKernel(nat: NativeAddon): KernelConfig {
  return {
    kernelName: ADAM_KERNEL,
    backendName: 'native',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as Backend;
      const { p, g, m, v } = inputs as Record<'p' | 'g' | 'm' | 'v', TensorInfo>;
      if (![p, g, m, v].every((t) => t && t.dtype === 'float32' && t.shape.length === p.shape.length && t.shape.every((d, i) => d === p.shape[i]))) {
        throw new Error(`${ADAM_KERNEL}: p, g, m and v must be float32 tensors of one shape`);
      }
      const outs = [b.makeOutput(p.shape, 'float32'), b.makeOutput(p.shape, 'float32'), b.makeOutput(p.shape, 'float32')];
      const h = Float32Array.from((attrs?.h ?? []) as number[]);
      nat.adam(heap(b, p), heap(b, g), heap(b, m), heap(b, v), heap(b, outs[0]!), heap(b, outs[1]!), heap(b, outs[2]!), h);
      counted(ADAM_KERNEL);
      return outs;
    },
  };
}

export const NATIVE_KERNELS = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', 'Sum', 'Mean', 'MaxPoolGrad', 'Identity', 'Add', 'Sub', 'Multiply', 'RealDiv'] as const;

let started: { threads: number; version: string } | null = null;

/**
 * Starts wasm (once), registers `native` as the same backend instance under its own name with
 * wasm's kernels and ours, selects it, and sets oneDNN's thread count.
 */
export async function startNative(threads: number): Promise<{ threads: number; version: string }> {
  const nat = loadNative();
  if (!nat) throw new Error(loadError ?? 'the oneDNN addon is unavailable');
  if (!started) {
    await startWasm(threads);
    const wasm = tf.findBackend('wasm');
    if (!wasm) throw new Error('the wasm backend, which native runs on, did not start');
    tf.registerBackend('native', () => wasm, -1);
    // CVGL_NATIVE_SKIP=Adam,CvglAdam,…: leave these to wasm (or to tfjs ops), to bisect numerics
    const skip = new Set((process.env.CVGL_NATIVE_SKIP ?? '').split(',').map((k) => k.trim()).filter(Boolean));
    const ours = new Set<string>(NATIVE_KERNELS.filter((k) => !skip.has(k)));
    for (const k of tf.getKernelsForBackend('wasm')) {
      if (!ours.has(k.kernelName)) tf.registerKernel({ ...k, backendName: 'native' });
    }
    for (const k of [...nativeKernels(nat), adamKernel(nat), reluGradKernel(nat), ...batchNormKernels(nat)]) {
      if (!skip.has(k.kernelName)) tf.registerKernel(k);
    }
  }
  nat.setThreads(Math.max(1, Math.floor(threads)));
  if (!(await tf.setBackend('native'))) throw new Error('the native backend did not start');
  started = { threads: nat.threads(), version: nat.version() };
  return started;
}
