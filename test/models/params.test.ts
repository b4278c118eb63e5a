/**
 * Two live instances of one model: tfjs variable names are process-wide, so `param` makes them
 * unique (a study keeps a trained model while it builds the next one of the same architecture).
 */
import { describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../lib/engine/index.js';
import { buildModel } from '../../lib/models/registry.js';

describe('model parameters', () => {
  it('two instances of a model with the same default names live side by side', async () => {
    await initEngine({ backend: 'cpu' });
    const before = tf.memory().numTensors;
    const a = buildModel('cvft', { widthDivisor: 16, dim: 512 }, 1);
    const b = buildModel('cvft', { widthDivisor: 16, dim: 512 }, 2);
    expect([...b.namedVariables().keys()]).toEqual([...a.namedVariables().keys()]);
    const va = [...a.namedVariables().values()], vb = [...b.namedVariables().values()];
    expect(new Set([...va, ...vb].map((v) => v.name)).size).toBe(va.length + vb.length);
    a.dispose();
    // b is intact and usable after a is gone, and a third instance can take the freed names
    const c = buildModel('cvft', { widthDivisor: 16, dim: 512 }, 1);
    const e = tf.tidy(() => b.embed(tf.ones([1, 32, 64, 3]) as tf.Tensor4D, tf.ones([1, 32, 32, 3]) as tf.Tensor4D).g.sum().dataSync()[0]);
    expect(Number.isFinite(e)).toBe(true);
    b.dispose();
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
