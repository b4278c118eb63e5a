/**
 * The `native` backend (oneDNN convolutions and matmuls on the wasm heap) against `cpu`: values
 * and gradients, max relative error max|a − b| / max(max|b|, 1e-12) below 1e-4 (the bound of
 * grad_parity.test.ts). Every kernel native replaces — Conv2D, Conv2DBackpropInput,
 * Conv2DBackpropFilter, BatchMatMul, Sum over leading axes, MaxPoolGrad, Mean over leading axes (bit for bit wasm's), the fused BatchNorm moments and gradient (bit for bit the tfjs ops), broadcast Add/Sub/Mul/Div, ReLU's gradient — over strides, paddings, dilations, odd sizes and batch
 * sizes 1 and 3; plus a small VGG-like net end to end. Required under CI; locally a missing
 * addon skips these with a warning (npm run setup:system && npm run build:native).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Rng, probeBackends, tf } from '../../lib/engine/index.js';
import { nativeCalls } from '../../lib/engine/backends/native.js';
import { BN_GRAD_KERNEL, BN_MOMENTS_KERNEL, SCALE_SHIFT_KERNEL, batchMoments, batchMomentsOps, batchNormGrad, batchNormGradOps, scaleShift, scaleShiftOps } from '../../lib/engine/kernels/batch_norm.js';
import { requireInCi } from '../ci_requirements.js';
import { ErrorLog, expectWithin, parity, randn, randu, useBackend, type ArrayInput, type ScalarFn } from './parity_helpers.js';

const status = (await probeBackends()).find((b) => b.name === 'native')!;
const available = status.available;
const log = new ErrorLog();
const wsum = (y: tf.Tensor, r: tf.Tensor): tf.Scalar => tf.sum(tf.mul(y, r));
/** Runs `f` and says how many times the addon (not the wasm fallback) ran `kernel` meanwhile. */
async function nativeRuns(kernel: string, f: () => Promise<void>): Promise<number> {
  const before = nativeCalls[kernel] ?? 0;
  await f();
  return (nativeCalls[kernel] ?? 0) - before;
}

async function check(family: string, f: ScalarFn, inputs: ArrayInput[]): Promise<void> {
  const rep = await parity(`${family} (native)`, f, inputs, { backend: 'native' });
  log.add(family, rep);
  expectWithin(rep);
}

afterAll(() => {
  if (available) console.log(`native vs cpu, max relative error per op:\n${log.table()}`);
});

type ConvCase = { n: number; h: number; w: number; cin: number; cout: number; k: [number, number]; s: [number, number]; d: [number, number]; pad: 'same' | 'valid' | 'explicit' };

/** A seeded sweep: kernel sizes × stride/dilation settings × paddings, odd and even sizes, batch 1 and 3. */
function convCases(): ConvCase[] {
  const r = new Rng(2024);
  const out: ConvCase[] = [];
  const kernels: [number, number][] = [[1, 1], [3, 3], [5, 5], [3, 1], [2, 2]];
  const sd: { s: [number, number]; d: [number, number] }[] = [
    { s: [1, 1], d: [1, 1] },
    { s: [2, 2], d: [1, 1] },
    { s: [2, 1], d: [1, 1] },
    { s: [1, 1], d: [2, 2] },
  ];
  for (const k of kernels) {
    for (const { s, d } of sd) {
      for (const pad of ['same', 'valid', 'explicit'] as const) {
        // at least the dilated kernel's extent, so that 'valid' has an output
        const eh = (k[0] - 1) * d[0] + 1;
        const ew = (k[1] - 1) * d[1] + 1;
        out.push({ n: r.int(2) === 0 ? 1 : 3, h: Math.max(5, eh) + r.int(9), w: Math.max(5, ew) + r.int(9), cin: 1 + r.int(6), cout: 1 + r.int(6), k, s, d, pad });
      }
    }
  }
  return out;
}

describe(`native vs cpu (${available ? status.device : 'unavailable'})`, () => {
  requireInCi('the native backend (oneDNN addon)', available, status.reason);

  it.skipIf(!available).each(
    convCases().map((c) => [`x[${c.n},${c.h},${c.w},${c.cin}] k${c.k.join('x')}→${c.cout} s[${c.s}] d[${c.d}] ${c.pad}`, c] as const),
  )('conv2d %s: value, dx, dW', async (_label, c) => {
    const r = new Rng(c.h * 100 + c.w * 10 + c.cin);
    const pad = c.pad === 'explicit' ? ([[0, 0], [1, 2], [0, 1], [0, 0]] as tf.backend_util.ExplicitPadding) : c.pad;
    const fshape: [number, number, number, number] = [c.k[0], c.k[1], c.cin, c.cout];
    const info = tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.cin], fshape, c.s, c.d, pad);
    const inputs = [randn(r, 'x', [c.n, c.h, c.w, c.cin]), randn(r, 'w', fshape, 0.5), randn(r, 'r', [c.n, info.outHeight, info.outWidth, c.cout])];
    await check('conv2d', ([x, w, rr]) => wsum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, pad, 'NHWC', c.d), rr!), inputs);
  });

  // above 2e7 multiply-accumulates the addon switches to oneDNN's blocked layouts (with reorders)
  // and, for 3x3 stride 1 on large images, to Winograd: the sweep above is all below, these above
  it.skipIf(!available).each([
    { x: [1, 32, 41, 32], k: 3, o: 64, s: 1, pad: 'same' as const },
    { x: [2, 65, 80, 24], k: 3, o: 48, s: 2, pad: 'valid' as const },
  ])('conv2d on blocked layouts: x[$x] k$k→$o s$s $pad', async ({ x, k, o, s, pad }) => {
    const r = new Rng(x[1]! + o);
    const fshape: [number, number, number, number] = [k, k, x[3]!, o];
    const info = tf.backend_util.computeConv2DInfo(x as [number, number, number, number], fshape, s, 1, pad);
    expect(x[0]! * info.outHeight * info.outWidth * o * k * k * x[3]!).toBeGreaterThan(2e7);
    const inputs = [randn(r, 'x', x), randn(r, 'w', fshape, 0.1), randn(r, 'r', [x[0]!, info.outHeight, info.outWidth, o])];
    await check('conv2d (blocked)', ([xt, w, rr]) => wsum(tf.conv2d(xt as tf.Tensor4D, w as tf.Tensor4D, s, pad), rr!), inputs);
  });

  // 3x3 stride 1 on >= 1024 output pixels: oneDNN's Winograd kernels (on AVX-512 CPUs). The loss
  // is Σ y² (a weighted sum Σ y·r of 229k terms cancels to a value whose relative error says
  // little: 1.1e-4 there while y itself, its gradient d/dr, was within 1.6e-6)
  it.skipIf(!available)('conv2d 3x3 stride 1 on a 56x64x64 image (Winograd): value, dx, dW', async () => {
    const r = new Rng(56);
    const inputs = [randn(r, 'x', [1, 56, 64, 64]), randn(r, 'w', [3, 3, 64, 64], 0.05)];
    await check('conv2d (Winograd)', ([x, w]) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'))), inputs);
  });

  it.skipIf(!available)('conv2dTranspose stride 2 (Conv2DBackpropInput forward, Conv2D and filter gradient backward)', async () => {
    const r = new Rng(7);
    const inputs = [randn(r, 'y', [3, 4, 5, 3]), randn(r, 'w', [3, 3, 2, 3], 0.4), randn(r, 'r', [3, 7, 9, 2])];
    await check('conv2dTranspose', ([y, w, rr]) => wsum(tf.conv2dTranspose(y as tf.Tensor4D, w as tf.Tensor4D, [3, 7, 9, 2], 2, 'same'), rr!), inputs);
  });

  it.skipIf(!available).each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('matMul transposeA=%s transposeB=%s', async (ta, tb) => {
    const r = new Rng(ta ? 11 : 12 + (tb ? 1 : 0));
    const [m, k, n] = [5, 7, 3];
    const inputs = [randn(r, 'a', ta ? [k, m] : [m, k]), randn(r, 'b', tb ? [n, k] : [k, n]), randn(r, 'r', [m, n])];
    await check('matMul', ([a, b, rr]) => wsum(tf.matMul(a!, b!, ta, tb), rr!), inputs);
  });

  // the broadcast operand gets no gradient: tfjs-core 4.22's BatchMatMul gradient does not sum
  // over broadcast batches (it throws on every backend, cpu included)
  it.skipIf(!available)('batched matMul (rank 4), and a broadcast second operand (batch 3 × batch 1)', async () => {
    const r = new Rng(13);
    const inputs = [randn(r, 'a', [2, 3, 4, 6]), randn(r, 'b', [2, 3, 5, 6]), randn(r, 'c', [3, 4, 6]), randn(r, 'd', [1, 6, 2], 1, false)];
    await check(
      'batched matMul',
      ([a, b, c, d]) => tf.add(tf.sum(tf.square(tf.matMul(a!, b!, false, true))), tf.sum(tf.square(tf.matMul(c!, d!)))) as tf.Scalar,
      inputs,
    );
  });

  it.skipIf(!available)('rank 2 × batch-1 operand keeps the broadcast batch axis, as on cpu (forward)', async () => {
    const r = new Rng(15);
    const run = async (backend: 'cpu' | 'native') => {
      await useBackend(backend);
      const c = r.normalTensor([12, 6]);
      const d = r.normalTensor([1, 6, 2]);
      const y = tf.matMul(c, d);
      const out = { shape: y.shape, values: await y.data() };
      tf.dispose([c, d, y]);
      return out;
    };
    const seed = r.getState();
    const ref = await run('cpu');
    r.setState(seed);
    const got = await run('native');
    expect(got.shape).toEqual([1, 12, 2]);
    expect(got.shape).toEqual(ref.shape);
    for (let i = 0; i < ref.values.length; i++) expect(got.values[i]).toBeCloseTo(ref.values[i]!, 5);
  });

  it.skipIf(!available)('a small VGG-like net: two convs, pool, dense', async () => {
    const r = new Rng(14);
    const inputs = [randn(r, 'x', [3, 12, 16, 3]), randn(r, 'w1', [3, 3, 3, 8], 0.3), randn(r, 'w2', [3, 3, 8, 8], 0.2), randn(r, 'fc', [8 * 6 * 8, 4], 0.1)];
    await check(
      'small VGG',
      ([x, w1, w2, fc]) => {
        const h1 = tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'));
        const h2 = tf.maxPool(tf.relu(tf.conv2d(h1, w2 as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
        return tf.sum(tf.square(tf.matMul(tf.reshape(h2, [3, -1]), fc!)));
      },
      inputs,
    );
  });

  // one operand broadcast along the other's leading axes (bias add, per-channel scale, scalar):
  // the addon's binary kernel; the gradients reduce over the broadcast axes
  it.skipIf(!available).each([
    { a: [2, 5, 6, 7], b: [7] },
    { a: [7], b: [3, 4, 7] },
    { a: [4, 9], b: [1, 9] },
    { a: [3, 40, 50, 20], b: [1, 1, 20] },
    { a: [2, 3, 4], b: [] as number[] },
    { a: [5, 6], b: [2, 1, 6] },
  ])('add, sub, mul, div: [$a] with [$b]', async ({ a, b }) => {
    const runs = await nativeRuns('Add', () => binaryCase(a, b));
    // [5, 6] with [2, 1, 6] broadcasts both ways: the wasm kernel's case
    if (b.length > a.length && a.length === 2) expect(runs).toBe(0);
    else expect(runs).toBeGreaterThan(0);
  });

  async function binaryCase(a: number[], b: number[]): Promise<void> {
    const r = new Rng(a.length * 10 + b.length);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a, b);
    // the divisor kept away from 0
    const inputs = [randn(r, 'a', a), randn(r, 'b', b), randu(r, 'c', b, 0.5, 2), randu(r, 'd', a, 0.5, 2), randn(r, 'r', outShape)];
    await check('broadcast binary', ([x, y, z, w, rr]) => {
      const sum = tf.addN([tf.add(x!, y!), tf.sub(y!, x!), tf.mul(x!, y!), tf.div(x!, z!), tf.div(y!, w!)]);
      expect(sum.shape).toEqual(outShape);
      return wsum(sum, rr!);
    }, inputs);
  }

  // ReLU's gradient as one addon pass (lib/engine/kernels/relu_grad.ts) instead of cast, step, mul
  it.skipIf(!available)('relu: value and gradient in one pass', async () => {
    const r = new Rng(21);
    const inputs = [randn(r, 'x', [3, 7, 9, 5]), randn(r, 'r', [3, 7, 9, 5])];
    const runs = await nativeRuns('CvglReluGrad', () => check('relu', ([x, rr]) => wsum(tf.relu(x!), rr!), inputs));
    expect(runs).toBeGreaterThan(0);
  });

  it.skipIf(!available)('relu gradient at 0, negative, NaN and with infinite dy: as on cpu', async () => {
    const grad = async (backend: 'cpu' | 'native') => {
      await useBackend(backend);
      const x = tf.tensor([-1, 0, 2, NaN, -3, 4]);
      const dy = tf.tensor([1, 2, 3, 4, Infinity, -Infinity]);
      const g = tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy);
      const out = Array.from(await g.data());
      tf.dispose([x, dy, g]);
      return out;
    };
    const ref = await grad('cpu');
    expect(ref.slice(0, 3)).toEqual([0, 0, 3]);
    expect(await grad('native')).toEqual(ref);
  });

  // a bias gradient is a Sum over N, H, W: the addon's sumLeading (leading axes only; others fall back)
  it.skipIf(!available).each([
    { shape: [3, 5, 7, 4], axis: [0, 1, 2], keepDims: false },
    { shape: [3, 5, 7, 4], axis: [1, 0], keepDims: true },
    { shape: [1, 9, 130], axis: [0, -2], keepDims: false },
    { shape: [257, 3], axis: 0, keepDims: false },
    { shape: [3, 5, 7, 4], axis: [0, 2], keepDims: false },
    { shape: [6, 9], axis: 1, keepDims: true },
  ])('sum over axes $axis of [$shape] keepDims $keepDims', async ({ shape, axis, keepDims }) => {
    const r = new Rng(shape.reduce((p, q) => p * q, 1));
    const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + shape.length : a));
    const outShape = shape.flatMap((d, i) => (axes.includes(i) ? (keepDims ? [1] : []) : [d]));
    const inputs = [randn(r, 'x', shape), randn(r, 'r', outShape)];
    const leading = [...axes].sort((p, q) => p - q).every((a, i) => a === i) && axes.length < shape.length;
    const runs = await nativeRuns('Sum', () =>
      check('sum', ([x, rr]) => {
        const y = tf.sum(x!, axis, keepDims);
        expect(y.shape).toEqual(outShape);
        return wsum(y, rr!);
      }, inputs),
    );
    // the loss's full sum and non-leading axes go to wasm; leading ones to the addon
    expect(runs > 0).toBe(leading);
  });

  // BatchNorm's moments are Means over N, H, W: the addon's column sums then a float32 division,
  // the same numbers as wasm's Mean (which transposes first) bit for bit, so runs do not change
  it.skipIf(!available).each([
    { shape: [32, 9, 36, 16], axis: [0, 1, 2], keepDims: false },
    { shape: [4, 5, 7, 3], axis: [0, 1, 2], keepDims: true },
    { shape: [257, 130], axis: 0, keepDims: false },
    { shape: [3, 5, 7, 4], axis: [1, 2], keepDims: false },
  ])('mean over axes $axis of [$shape] keepDims $keepDims is wasm\'s, bit for bit', async ({ shape, axis, keepDims }) => {
    const r = new Rng(7 + shape.length);
    const x = randn(r, 'x', shape);
    const mean = async (backend: 'wasm' | 'native') => {
      await useBackend(backend);
      const t = tf.tensor(x.data, shape);
      const y = tf.mean(t, axis, keepDims);
      const out = { shape: y.shape, bits: Array.from(new Uint32Array((await y.data()).slice().buffer)) };
      tf.dispose([t, y]);
      return out;
    };
    const ref = await mean('wasm');
    const runs = await nativeRuns('Mean', async () => {
      expect(await mean('native')).toEqual(ref);
    });
    expect(runs > 0).toBe(axis !== undefined && Array.isArray(axis) ? axis[0] === 0 : axis === 0);
  });

  // training BatchNorm's moments, value (x·s + t) and gradient, one addon kernel each (ResNetX, GeoCapsNet): the
  // same float32 numbers as the tfjs ops they replace on this backend, so runs do not change;
  // several column blocks (C > 64), one row, > 2^15 values (threads)
  it.skipIf(!available).each([
    { shape: [32, 9, 36, 16] },
    { shape: [2, 3, 5, 130] },
    { shape: [1, 1, 1, 7] },
    { shape: [3, 4, 4, 64] },
  ])('fused BatchNorm moments, value and gradient of [$shape] are the tfjs ops\' bit for bit', async ({ shape }) => {
    await useBackend('native');
    const r = new Rng(shape[3]! * 31 + shape[0]!);
    const c = shape[3]!;
    const [x, dy] = [randn(r, 'x', shape, 3), randn(r, 'dy', shape)].map((i) => tf.tensor4d(i.data, shape as [number, number, number, number])) as [tf.Tensor4D, tf.Tensor4D];
    const gamma = tf.tensor1d(randn(r, 'g', [c]).data);
    const bits = async (ts: tf.Tensor[]) => Promise.all(ts.map(async (t) => ({ shape: t.shape, bits: Array.from(new Uint32Array((await t.data()).slice().buffer)) })));
    const both = async (fusedRun: boolean) => {
      const m = fusedRun ? batchMoments(x) : batchMomentsOps(x);
      const rs = tf.rsqrt(tf.add(m.variance, 1e-3)) as tf.Tensor1D;
      const g = fusedRun ? batchNormGrad(dy, x, m.mean, rs, gamma) : batchNormGradOps(dy, x, m.mean, rs, gamma);
      const shift = tf.neg(m.mean) as tf.Tensor1D;
      const y = fusedRun ? scaleShift(x, rs, shift) : scaleShiftOps(x, rs, shift);
      const out = await bits([m.mean, m.variance, ...g, y]);
      tf.dispose([m.mean, m.variance, rs, ...g, shift, y]);
      return out;
    };
    const ref = await both(false);
    const runs = await nativeRuns(BN_MOMENTS_KERNEL, async () => {
      const grads = await nativeRuns(BN_GRAD_KERNEL, async () => {
        const got = await both(true);
        // per output: its shape and how many values differ in any bit (a short message, not a diff of 10^5 values)
        const differing = (a: typeof ref) => a.map((o, i) => ({ shape: o.shape, differ: o.bits.filter((b, j) => b !== ref[i]!.bits[j]).length }));
        expect(differing(got)).toEqual(ref.map((o) => ({ shape: o.shape, differ: 0 })));
      });
      expect(grads).toBe(1);
      expect(nativeCalls[SCALE_SHIFT_KERNEL] ?? 0).toBeGreaterThan(0);
    });
    expect(runs).toBe(1);
    tf.dispose([x, dy, gamma]);
  });

  // the addon's MaxPoolGrad: the first maximum of each window gets dy (cpu's rule), overlapping
  // windows accumulate, padding gets nothing, all-negative windows keep their gradient; > 2^15
  // values run on several threads (by image when windows overlap, by output row when not)
  it.skipIf(!available).each([
    { x: [2, 8, 10, 5], k: 2, s: 2, pad: 'valid' as const, shift: 0 },
    { x: [1, 7, 9, 20], k: 3, s: 2, pad: 'same' as const, shift: 0 },
    { x: [3, 6, 5, 3], k: 3, s: 1, pad: 'same' as const, shift: -10 },
    { x: [2, 40, 52, 17], k: 3, s: 2, pad: 'valid' as const, shift: 0 },
    { x: [2, 41, 52, 17], k: 2, s: 2, pad: 'same' as const, shift: 0 },
  ])('maxPool k$k s$s $pad of [$x] (values shifted by $shift): value and gradient', async ({ x, k, s, pad, shift }) => {
    const r = new Rng(x[1]! * 7 + k);
    const info = tf.backend_util.computePool2DInfo(x as [number, number, number, number], k, s, 1, pad);
    const inputs = [randn(r, 'x', x), randn(r, 'r', [x[0]!, info.outHeight, info.outWidth, x[3]!])];
    const runs = await nativeRuns('MaxPoolGrad', () =>
      check('maxPool', ([xt, rr]) => wsum(tf.maxPool(tf.add(xt as tf.Tensor4D, shift) as tf.Tensor4D, k, s, pad), rr!), inputs),
    );
    expect(runs).toBeGreaterThan(0);
  });

  // ties: a window of equal values sends its gradient to the first one, as cpu does
  it.skipIf(!available)('maxPool gradient of a constant input goes to each window\'s first element', async () => {
    const grad = async (backend: 'cpu' | 'native') => {
      await useBackend(backend);
      const x = tf.fill([1, 4, 6, 2], -3);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))(x);
      const out = await g.data();
      tf.dispose([x, g]);
      return Array.from(out);
    };
    const ref = await grad('cpu');
    expect(ref.filter((v) => v === 1)).toHaveLength(12); // 2 x 3 windows x 2 channels
    expect(await grad('native')).toEqual(ref);
  });

  // saved-for-backward tensors are clones (Identity): on native they share the data, as on cpu
  it.skipIf(!available)('a clone shares its data buffer and outlives its original', async () => {
    await useBackend('native');
    const x = tf.tensor([1.5, -2, 3], [3]);
    const buffers = tf.memory().numDataBuffers;
    const y = tf.clone(x);
    expect(tf.memory().numDataBuffers).toBe(buffers);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1.5, -2, 3]);
    y.dispose();
    expect(tf.memory().numDataBuffers).toBe(buffers - 1);
  });

  it.skipIf(!available)('the backend under test really was native', () => {
    expect(tf.getBackend()).toBe('native');
  });
});
