/**
 * Gradient parity of the webgpu backend against cpu, for a handful of ops. On a machine without
 * a GPU this runs on Mesa's llvmpipe software adapter (slow: shapes are tiny). Same helper and
 * the same bound as grad_parity.test.ts: max relative error max|a − b| / max(max|b|, 1e-12)
 * below 1e-4 for the value and every gradient.
 *
 * Where no WebGPU adapter exists at all the cases are reported as skipped, with a warning that
 * says why, never passed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Rng, probeBackends, tf } from '../../lib/engine/index.js';
import { requireInCi } from '../ci_requirements.js';
import { ErrorLog, expectWithin, parity, randn, randu, type ArrayInput, type ScalarFn } from './parity_helpers.js';

const status = (await probeBackends()).find((b) => b.name === 'webgpu')!;
const available = status.available;
if (!available) {
  console.warn(
    [
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '!!  webgpu parity tests SKIPPED: no WebGPU adapter on this machine.',
      `!!  reason: ${status.reason ?? 'unknown'}`,
      '!!  For the Mesa llvmpipe software adapter run `npm run setup:system` (installs Mesa/EGL).',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '',
    ].join('\n'),
  );
}

const log = new ErrorLog();
const wsum = (y: tf.Tensor, r: tf.Tensor): tf.Scalar => tf.sum(tf.mul(y, r));

async function check(family: string, f: ScalarFn, inputs: ArrayInput[]): Promise<void> {
  const rep = await parity(`${family} (webgpu)`, f, inputs, { backend: 'webgpu' });
  log.add(family, rep);
  expectWithin(rep);
}

afterAll(() => {
  if (available) console.log(`webgpu (${status.device}) vs cpu, max relative error per op:\n${log.table()}`);
});

describe(`webgpu vs cpu gradient parity (${available ? status.device : 'unavailable'})`, () => {
  requireInCi('a WebGPU adapter (hardware or Mesa software)', available, status.reason);
  it.skipIf(!available)('conv2d stride 2 same, odd size', async () => {
    const r = new Rng(1);
    const inputs = [randn(r, 'x', [2, 7, 6, 3]), randn(r, 'w', [3, 3, 3, 4], 0.3), randn(r, 'r', [2, 4, 3, 4])];
    await check('conv2d s2 same', ([x, w, rr]) => wsum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'), rr!), inputs);
  });

  it.skipIf(!available)('matMul with transposeB, and batched', async () => {
    const r = new Rng(2);
    const inputs = [
      randn(r, 'a', [5, 7]),
      randn(r, 'b', [3, 7]),
      randn(r, 'c', [2, 4, 6]),
      randn(r, 'd', [2, 6, 3]),
      randn(r, 'r', [5, 3]),
      randn(r, 'r2', [2, 4, 3]),
    ];
    await check(
      'matMul',
      ([a, b, c, d, rr, r2]) => tf.add(wsum(tf.matMul(a!, b!, false, true), rr!), wsum(tf.matMul(c!, d!), r2!)),
      inputs,
    );
  });

  it.skipIf(!available)('maxPool 3x3/2 same', async () => {
    const r = new Rng(3);
    const inputs = [randn(r, 'x', [1, 7, 7, 2]), randn(r, 'r', [1, 4, 4, 2])];
    await check('maxPool', ([x, rr]) => wsum(tf.maxPool(x as tf.Tensor4D, 3, 2, 'same'), rr!), inputs);
  });

  it.skipIf(!available)('LayerNorm with tf.moments', async () => {
    const r = new Rng(4);
    const inputs = [randn(r, 'x', [2, 3, 9], 1.5), randu(r, 'gamma', [9], 0.5, 1.5), randn(r, 'beta', [9], 0.1), randn(r, 'r', [2, 3, 9])];
    await check(
      'LayerNorm',
      ([x, g, b, rr]) => {
        const { mean, variance } = tf.moments(x!, -1, true);
        return wsum(tf.add(tf.mul(tf.div(tf.sub(x!, mean), tf.sqrt(tf.add(variance, 1e-5))), g!), b!), rr!);
      },
      inputs,
    );
  });

  const convCases: { x: number[]; k: [number, number]; s: [number, number]; d: [number, number]; pad: 'same' | 'valid' }[] = [
    { x: [1, 8, 7, 2], k: [3, 3], s: [2, 2], d: [1, 1], pad: 'valid' },
    { x: [2, 9, 9, 3], k: [5, 5], s: [2, 2], d: [1, 1], pad: 'same' },
    { x: [1, 6, 10, 4], k: [3, 1], s: [2, 1], d: [1, 1], pad: 'same' },
    { x: [1, 9, 8, 2], k: [3, 3], s: [1, 1], d: [2, 2], pad: 'same' },
  ];
  it.skipIf(!available).each(convCases.map((c, i) => [`x[${c.x}] k${c.k[0]}x${c.k[1]} s[${c.s}] d[${c.d}] ${c.pad}`, c, i] as const))(
    'conv2d %s',
    async (_label, c, i) => {
      const r = new Rng(10 + i);
      const f = [c.k[0], c.k[1], c.x[3]!, 3];
      const info = tf.backend_util.computeConv2DInfo(c.x as any, f as any, c.s, c.d, c.pad);
      const inputs = [randn(r, 'x', c.x), randn(r, 'w', f, 0.4), randn(r, 'r', [c.x[0]!, info.outHeight, info.outWidth, 3])];
      await check('conv2d', ([x, w, rr]) => wsum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d), rr!), inputs);
    },
  );

  it.skipIf(!available)('conv2dTranspose stride 2 same', async () => {
    const r = new Rng(20);
    const inputs = [randn(r, 'y', [1, 4, 4, 3]), randn(r, 'w', [3, 3, 2, 3], 0.4), randn(r, 'r', [1, 7, 8, 2])];
    await check('conv2dTranspose', ([y, w, rr]) => wsum(tf.conv2dTranspose(y as tf.Tensor4D, w as tf.Tensor4D, [1, 7, 8, 2], 2, 'same'), rr!), inputs);
  });

  it.skipIf(!available)('depthwiseConv2d stride 2 same', async () => {
    const r = new Rng(21);
    const inputs = [randn(r, 'x', [1, 7, 7, 3]), randn(r, 'w', [3, 3, 3, 2], 0.4), randn(r, 'r', [1, 4, 4, 6])];
    await check('depthwiseConv2d', ([x, w, rr]) => wsum(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'), rr!), inputs);
  });

  it.skipIf(!available)('avgPool 2x2/2 valid', async () => {
    const r = new Rng(22);
    const inputs = [randn(r, 'x', [2, 7, 6, 2]), randn(r, 'r', [2, 3, 3, 2])];
    await check('avgPool', ([x, rr]) => wsum(tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid'), rr!), inputs);
  });

  it.skipIf(!available)('attention: batched matMul + softmax; logSumExp', async () => {
    const r = new Rng(23);
    const inputs = [randn(r, 'q', [2, 4, 8]), randn(r, 'k', [2, 5, 8]), randn(r, 'v', [2, 5, 8]), randn(r, 'r', [2, 4, 8]), randn(r, 'r2', [2, 4])];
    await check(
      'attention',
      ([q, k, v, rr, r2]) => {
        const s = tf.div(tf.matMul(q!, k!, false, true), Math.sqrt(8));
        return tf.add(wsum(tf.matMul(tf.softmax(s), v!), rr!), wsum(tf.logSumExp(s, -1), r2!));
      },
      inputs,
    );
  });

  it.skipIf(!available)('the backend under test really was webgpu', () => {
    expect(tf.getBackend()).toBe('webgpu');
  });
});
