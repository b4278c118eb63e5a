/**
 * PreciseBN (lib/train/batchnorm_stats.ts) on GeoCapsNet (widths ÷ 16, 96x96):
 *   - recomputed from one batch, the moving statistics make inference mode give exactly what
 *     training mode (batch statistics) gives on that batch — at every layer, so the descriptors
 *     agree; Keras' moving averages (momentum 0.99) after a few training-mode passes do not:
 *     the cause of chance-level recall after short runs;
 *   - from two batches, the first layer's moving mean/variance are the mean of the two batches'
 *     own (computed here by hand from conv1);
 *   - weights untouched, mode and momentum restored, no tensor leaks, the batches disposed;
 *   - a model without BatchNorm is left alone; a bad batch count is an error.
 */
import { describe, expect, it } from 'vitest';
import { CvglError, Rng, tf } from '../../lib/engine/index.js';
import { GeoCapsNet } from '../../lib/models/geocapsnet.js';
import { BN_MOMENTUM } from '../../lib/models/resnetx.js';
import { SiameseVgg } from '../../lib/models/siamese_vgg.js';
import { recomputeBatchNormStatistics } from '../../lib/train/batchnorm_stats.js';
import { relErr, useBackend } from '../engine/parity_helpers.js';

const HW: [number, number] = [96, 96];

function batch(r: Rng, n: number): { ground: tf.Tensor4D; aerial: tf.Tensor4D } {
  return { ground: r.uniformTensor([n, HW[0], HW[1], 3], 0, 1) as tf.Tensor4D, aerial: r.uniformTensor([n, HW[0], HW[1], 3], 0, 1) as tf.Tensor4D };
}

async function descriptors(m: GeoCapsNet, b: { ground: tf.Tensor4D; aerial: tf.Tensor4D }, training: boolean): Promise<Float32Array> {
  const was = m.training;
  m.training = training;
  try {
    const e = m.embed(b.ground, b.aerial);
    const v = tf.concat([e.g, e.s]);
    const out = Float32Array.from(await v.data());
    tf.dispose([e.g, e.s, v]);
    return out;
  } finally {
    m.training = was;
  }
}

const clone = (b: { ground: tf.Tensor4D; aerial: tf.Tensor4D }) => ({ ground: b.ground.clone(), aerial: b.aerial.clone() });

describe('PreciseBN', () => {
  it('recomputed from a batch, inference mode reproduces training mode on it; Keras moving averages do not', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const m = new GeoCapsNet({ variant: 'I', widthDivisor: 16, groundHW: HW, aerialHW: HW, rng: new Rng(3), name: 'pbn-a' });
    const b = batch(new Rng(4), 6);
    try {
      // a few Adam steps so that γ, β and the weights are no longer at their initial values
      const opt = tf.train.adam(1e-2);
      for (let i = 0; i < 3; i++) tf.dispose(opt.minimize(() => tf.tidy(() => { const e = m.embed(b.ground, b.aerial); return tf.sum(tf.mul(e.g, e.s)) as tf.Scalar; }), true, m.variables())!);
      opt.dispose();
      const train = await descriptors(m, b, true); // also one more Keras update of the moving statistics
      const keras = await descriptors(m, b, false);
      expect(relErr(keras, train)).toBeGreaterThan(0.05);

      const weights = new Map([...m.variables()].map((v) => [v.name, Float32Array.from(v.dataSync())]));
      const third = clone(b);
      const used = await recomputeBatchNormStatistics(m, [clone(b), clone(b), third], 2);
      expect(used).toBe(2);
      expect(third.ground.isDisposed).toBe(false); // batches after the last one used are not touched
      tf.dispose([third.ground, third.aerial]);
      expect(m.training).toBe(true);
      expect(m.batchNormMomentum).toBe(BN_MOMENTUM);
      for (const v of m.variables()) expect(relErr(Float32Array.from(v.dataSync()), weights.get(v.name)!), v.name).toBe(0);
      const precise = await descriptors(m, b, false);
      expect(relErr(precise, train)).toBeLessThan(1e-4);
    } finally {
      tf.dispose([b.ground, b.aerial]);
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before); // the batches it used were disposed
  }, 120_000);

  it('from two batches: the mean of their statistics (conv1 by hand), the batch tensors disposed', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const m = new GeoCapsNet({ variant: 'II', widthDivisor: 16, groundHW: HW, aerialHW: HW, rng: new Rng(5), name: 'pbn-b' });
    const r = new Rng(6);
    const b1 = batch(r, 4), b2 = batch(r, 4);
    try {
      const conv1 = (x: tf.Tensor4D) => tf.add(tf.conv2d(x, m.ground.conv1.w as tf.Tensor4D, 2, 'same'), m.ground.conv1.b) as tf.Tensor4D;
      const [want, wantVar] = tf.tidy(() => {
        const s1 = tf.moments(conv1(b1.ground), [0, 1, 2]), s2 = tf.moments(conv1(b2.ground), [0, 1, 2]);
        return [tf.div(tf.add(s1.mean, s2.mean), 2), tf.div(tf.add(s1.variance, s2.variance), 2)];
      });
      await recomputeBatchNormStatistics(m, [clone(b1), clone(b2)], 10);
      const nv = m.namedVariables();
      expect(relErr(Float32Array.from(await nv.get('ground.conv1.bn.moving_mean')!.data()), Float32Array.from(await want!.data()))).toBeLessThan(1e-5);
      expect(relErr(Float32Array.from(await nv.get('ground.conv1.bn.moving_variance')!.data()), Float32Array.from(await wantVar!.data()))).toBeLessThan(1e-5);
      tf.dispose([want!, wantVar!]);
    } finally {
      tf.dispose([b1.ground, b1.aerial, b2.ground, b2.aerial]);
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('leaves a model without BatchNorm alone; refuses a bad batch count', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const vgg = new SiameseVgg({ widthDivisor: 16, rng: new Rng(7) });
    const b = batch(new Rng(8), 2);
    const weights = vgg.variables().map((v) => Float32Array.from(v.dataSync()));
    try {
      expect(await recomputeBatchNormStatistics(vgg, [b], 3)).toBe(0);
      expect(b.ground.isDisposed).toBe(false); // not even read
      vgg.variables().forEach((v, i) => expect(relErr(Float32Array.from(v.dataSync()), weights[i]!)).toBe(0));
      await expect(recomputeBatchNormStatistics(vgg, [], 0)).rejects.toThrow(CvglError);
      await expect(recomputeBatchNormStatistics(vgg, [], 1.5)).rejects.toThrow(/number of batches >= 1/);
      const gcn = new GeoCapsNet({ widthDivisor: 16, groundHW: HW, aerialHW: HW, rng: new Rng(9), name: 'pbn-c' });
      try {
        await expect(recomputeBatchNormStatistics(gcn, [], 2)).rejects.toThrow(/at least one training batch/);
        expect(gcn.training).toBe(true);
        expect(gcn.batchNormMomentum).toBe(BN_MOMENTUM);
      } finally {
        gcn.dispose();
      }
    } finally {
      tf.dispose([b.ground, b.aerial]);
      vgg.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
