/**
 * Misspelt config keys (issue 22, defect 9): an unknown key anywhere in a train or pretrain config
 * (optimizer and schedule included) is refused, naming the nearest valid key; every preset passes.
 */
import { describe, expect, it } from 'vitest';
import { validateConfig, cloneConfig } from '../../lib/train/config.js';
import { getPreset, PRESET_NAMES } from '../../lib/papers/presets.js';
import { getPretrainPreset, PRETRAIN_PRESET_NAMES, validatePretrainConfig } from '../../lib/train/pretrain.js';
import { createOptimizer } from '../../lib/train/optimizers.js';
import { CvglError } from '../../lib/engine/errors.js';

function refusal(f: () => unknown): CvglError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CvglError);
    return e as CvglError;
  }
  throw new Error('not refused');
}

describe('config keys', () => {
  const base = () => cloneConfig(getPreset('quick.cvft'));

  it('refuses data.batchsize, naming data.batchSize', () => {
    const c = base() as unknown as { data: Record<string, unknown> };
    c.data.batchsize = 4;
    const e = refusal(() => validateConfig(c));
    expect(e.found).toContain('data.batchsize');
    expect(e.fix).toContain("did you mean 'data.batchSize'");
  });

  it('refuses optimizer.learningRate, naming optimizer.lr', () => {
    const c = base() as unknown as { optimizer: Record<string, unknown> };
    c.optimizer.learningRate = 0.1;
    const e = refusal(() => validateConfig(c));
    expect(e.found).toContain('optimizer.learningRate');
    expect(e.fix).toContain("did you mean 'optimizer.lr'");
    expect(() => createOptimizer({ kind: 'sgd', lr: 0.1, momentun: 0.9 } as never)).toThrow(/optimizer.momentum/);
  });

  it('refuses a top-level seeed, schedule and augment typos', () => {
    const c = base() as unknown as Record<string, unknown>;
    c.seeed = 3;
    expect(refusal(() => validateConfig(c)).fix).toContain("did you mean 'seed'");
    const d = base() as unknown as { schedule: Record<string, unknown> };
    d.schedule.warmupStep = 10;
    expect(refusal(() => validateConfig(d)).fix).toContain("'schedule.warmupSteps'");
    const a = base() as unknown as { data: { augment: Record<string, unknown> } };
    a.data.augment = { flipp: 0.5 };
    expect(refusal(() => validateConfig(a)).fix).toContain("'data.augment.flipP'");
  });

  it('refuses typos in a pretrain config', () => {
    const c = JSON.parse(JSON.stringify(getPretrainPreset(PRETRAIN_PRESET_NAMES[0]!))) as { moco: Record<string, unknown> };
    c.moco.queuesize = 64;
    expect(refusal(() => validatePretrainConfig(c)).fix).toContain("'moco.queueSize'");
  });

  it('passes every preset, with the keys the code writes', () => {
    for (const n of PRESET_NAMES) expect(() => validateConfig(cloneConfig(getPreset(n))), n).not.toThrow();
    for (const n of PRETRAIN_PRESET_NAMES) expect(() => validatePretrainConfig(getPretrainPreset(n)), n).not.toThrow();
    const c = base();
    Object.assign(c, { assumptions: ['x'], source: 's', initFrom: { ground: 'random' }, evalUniformity: true, preciseBatchNorm: 2, checkpointEverySteps: 5, evalEveryEpochs: 1 });
    c.data.limit = { train: 8, val: 8 };
    expect(() => validateConfig(c)).not.toThrow();
  });
});
