/** Micro-batched gradients of a batch-coupled loss equal the one-shot gradients. */
import { describe, expect, it } from 'vitest';
import { initEngine, Rng, tf } from '../../lib/engine/index.js';
import { SiameseVgg } from '../../lib/models/siamese_vgg.js';
import { softTripletThesis } from '../../lib/losses/triplet.js';
import { chunkedEmbeddingGrads } from '../../lib/train/chunked_grads.js';

async function relErr(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [x, y] = [await a.data(), await b.data()];
  let d = 0;
  let m = 1e-12;
  for (let i = 0; i < y.length; i++) {
    d = Math.max(d, Math.abs(x[i]! - y[i]!));
    m = Math.max(m, Math.abs(y[i]!));
  }
  return d / m;
}

describe.each(['cpu', 'wasm'] as const)('chunkedEmbeddingGrads on %s', (backend) => {
  it.each([1, 2, 3])('micro-batches of %i pairs give the one-shot value and gradients', async (micro) => {
    await initEngine({ backend });
    const r = new Rng(5);
    const model = new SiameseVgg({ rng: r, widthDivisor: 32, dim: 16 });
    const ground = r.uniformTensor([5, 32, 64, 3]) as tf.Tensor4D;
    const aerial = r.uniformTensor([5, 32, 32, 3]) as tf.Tensor4D;
    const vars = model.variables();
    const before = tf.memory().numTensors;
    const lossOf = (g: tf.Tensor2D, s: tf.Tensor2D) => softTripletThesis(g, s, 10);
    const ref = tf.variableGrads(() => {
      const e = model.embed(ground, aerial);
      return lossOf(e.g, e.s);
    }, vars);
    const got = chunkedEmbeddingGrads((g, a) => model.embed(g, a), lossOf, ground, aerial, vars, micro);
    expect(await relErr(got.value, ref.value)).toBeLessThan(1e-5);
    expect(Object.keys(got.grads).sort()).toEqual(Object.keys(ref.grads).sort());
    for (const [name, g] of Object.entries(ref.grads)) {
      expect(await relErr(got.grads[name]!, g), name).toBeLessThan(1e-4);
    }
    tf.dispose([got.value, ref.value, got.grads, ref.grads]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    tf.dispose([ground, aerial]);
  });

  it('rejects a bad micro-batch size and mismatched batches', async () => {
    await initEngine({ backend });
    const x = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
    const y = tf.zeros([3, 32, 32, 3]) as tf.Tensor4D;
    const embed = () => ({ g: tf.zeros([2, 2]) as tf.Tensor2D, s: tf.zeros([2, 2]) as tf.Tensor2D });
    expect(() => chunkedEmbeddingGrads(embed, softTripletThesis, x, x, [], 0)).toThrow(/microBatch/);
    expect(() => chunkedEmbeddingGrads(embed, softTripletThesis, x, y, [], 1)).toThrow(/batches differ/);
    tf.dispose([x, y]);
  });
});
