/** FLOP and parameter counts of the benchmark's model, against independent figures. */
import { describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../lib/engine/index.js';
import { vgg16ConvMacs, vgg16Cfg } from '../../lib/models/vgg16.js';
import { SiameseVgg, siameseVggParamCount } from '../../lib/models/siamese_vgg.js';
import { FULL_SHAPE, stepFlops } from '../../lib/bench/siamese_step.js';

describe('analytic counts', () => {
  it("VGG16's convolutions at 224x224 are the well-known 15.35 GMACs", () => {
    const macs = vgg16ConvMacs(224, 224).reduce((n, l) => n + l.macs, 0);
    expect(macs).toBe(15_346_630_656);
  });

  it('two VGG16 branches hold 29.42M parameters (MGTL Table 2, first row)', () => {
    const head = 512 * 512 + 512 + 512 * 128 + 128;
    expect(siameseVggParamCount(1, 128, 'mlp') - head).toBe(2 * 14_714_688);
    // 29,429,376: the paper prints it truncated to two decimals (rounding would give 29.43)
    expect(Math.floor((siameseVggParamCount(1, 128, 'mlp') - head) / 1e4) / 100).toBe(29.42);
    // Sec. 4.2's head: one Linear(512, 4096)
    expect(siameseVggParamCount() - (512 * 4096 + 4096)).toBe(2 * 14_714_688);
  });

  it('counts match the variables of a built model (full and 1/8 width)', async () => {
    await initEngine({ backend: 'cpu' });
    for (const d of [1, 8]) {
      for (const head of ['fc', 'mlp'] as const) {
        const m = new SiameseVgg({ widthDivisor: d, head });
        expect(m.paramCount()).toBe(siameseVggParamCount(d, undefined, head));
        m.dispose();
      }
    }
    expect(tf.memory().numTensors).toBe(0);
  });

  it('a training step is forward + filter gradients + input gradients (none for the images)', () => {
    const s = FULL_SHAPE;
    const g = vgg16ConvMacs(...s.ground);
    const a = vgg16ConvMacs(...s.aerial);
    const conv = [...g, ...a].reduce((n, l) => n + l.macs, 0);
    const head = 2 * (512 * 512 + 512 * 128);
    const fwd = conv + head;
    expect(stepFlops(s)).toBe(2 * s.batch * (3 * fwd - g[0]!.macs - a[0]!.macs));
  });

  it('rejects widths VGG16 cannot be divided by', () => {
    expect(() => vgg16Cfg(3)).toThrow(/divide 64/);
    expect(vgg16Cfg(8).filter((c) => c !== 'M')).toEqual([8, 8, 16, 16, 32, 32, 32, 64, 64, 64, 64, 64, 64]);
  });
});
