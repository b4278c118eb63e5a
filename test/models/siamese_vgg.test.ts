/**
 * Siamese-VGG (thesis 3.2.1 / appendix 6.1) as the other models are tested: a training step
 * (thesis Eq. 3.4 loss, Adam) on cpu, wasm and the software webgpu adapter, unit-length
 * descriptors, no tensor leaks, weights that move.
 */
import { describe, expect, it } from 'vitest';
import { Rng, tf } from '../../lib/engine/index.js';
import { testBackends } from '../reference_python.js';
import { softTripletThesis } from '../../lib/losses/triplet.js';
import { SiameseVgg } from '../../lib/models/siamese_vgg.js';
import { useBackend } from '../engine/parity_helpers.js';

const { backends: BACKENDS } = await testBackends();

describe('Siamese-VGG training step', () => {
  // each head with a reading of the loss: Sec. 4.2's head with the presets' (mean, γ on the gap),
  // appendix 6.1's with Eq. 3.3/3.4 as printed
  const CASES = [
    { head: 'fc', loss: { reduction: 'mean', gammaOn: 'gap' } },
    { head: 'mlp', loss: {} },
  ] as const;
  for (const backend of BACKENDS) for (const { head, loss } of CASES) {
    it(`Adam on the thesis' loss, head ${head}, ground 32x64, aerial 32x32, widths / 16: no tensor leaks (${backend})`, async () => {
      await useBackend(backend);
      const base = tf.memory().numTensors;
      const m = new SiameseVgg({ widthDivisor: 16, rng: new Rng(5), head });
      const r = new Rng(6);
      const ground = r.uniformTensor([3, 32, 64, 3]) as tf.Tensor4D;
      const aerial = r.uniformTensor([3, 32, 32, 3]) as tf.Tensor4D;
      const opt = tf.train.adam(1e-3);
      const step = async (): Promise<number> => {
        const cost = tf.tidy(() => opt.minimize(() => {
          const { g, s } = m.embed(ground, aerial);
          return softTripletThesis(g, s, 10, loss);
        }, true, m.variables())!);
        const v = (await cost.data())[0]!;
        cost.dispose();
        return v;
      };
      try {
        const { g, s } = m.embed(ground, aerial);
        expect(g.shape).toEqual([3, m.descriptorLength()]);
        expect(s.shape).toEqual([3, head === 'fc' ? 256 : 128]);
        const norms = tf.tidy(() => tf.concat([tf.norm(g, 'euclidean', 1), tf.norm(s, 'euclidean', 1)]));
        for (const n of await norms.data()) expect(n).toBeCloseTo(1, 5);
        tf.dispose([g, s, norms]);
        const w = (m.fc2 ?? m.fc1).w;
        const w0 = Float32Array.from(await w.data());
        const first = await step(); // creates Adam's moment slots
        const after1 = tf.memory().numTensors;
        const second = await step();
        expect(tf.memory().numTensors, `tensors leaked by a training step on ${backend}`).toBe(after1);
        expect(Number.isFinite(first) && Number.isFinite(second)).toBe(true);
        const w1 = await w.data();
        expect(w1.some((v, i) => v !== w0[i])).toBe(true);
      } finally {
        opt.dispose();
        tf.dispose([ground, aerial]);
        m.dispose();
      }
      expect(tf.memory().numTensors, `tensors left after dispose on ${backend}`).toBe(base);
    });
  }
});
