/**
 * CVFT's register of readings (lib/papers/cvft/readings.ts) and MGTL's init entry: options match
 * what the model accepts, the default is one of them, and `usedBy` names the option a config ran.
 */
import { describe, expect, it } from 'vitest';
import { CVFT_READINGS } from '../../lib/papers/cvft/readings.js';
import { MGTL_READINGS } from '../../lib/papers/mgtl/readings.js';
import { profileConfig } from '../../lib/papers/study.js';
import { CVFT_RESIZES } from '../../lib/models/cvft.js';
import { modelRecord } from '../../lib/models/registry.js';

const byId = (id: string) => [...CVFT_READINGS, ...MGTL_READINGS].find((r) => r.id === id)!;

describe('CVFT readings', () => {
  it('every entry: a default among its options, a source; the resize options are the model\'s, and the record accepts the option', () => {
    for (const r of [...CVFT_READINGS, ...MGTL_READINGS]) {
      expect(r.options.map((o) => o.name), r.id).toContain(r.defaultOption);
      expect(r.paperSays.length && r.where.length && r.evidence.length, r.id).toBeTruthy();
    }
    expect(byId('cvft.resize').options.map((o) => o.name)).toEqual([...CVFT_RESIZES]);
    expect(modelRecord('cvft', 'test').options).toContain('resize');
  });

  it('usedBy: the paper row at the released sizes, the quick row, an explicit option, a row the reading does not touch', () => {
    const paper = profileConfig('cvft.table1.full', 'paper');
    const quick = profileConfig('cvft.table1.full', 'quick');
    expect(byId('cvft.resize').usedBy!(paper)).toBe('area');
    expect(byId('cvft.resize').usedBy!({ ...paper, model: { name: 'cvft', options: { resize: 'bilinear-tf1' } } })).toBe('bilinear-tf1');
    expect(byId('cvft.resize').usedBy!(profileConfig('cvft.table1.vggGlobalPooling', 'paper'))).toBeUndefined();
    expect(byId('cvft.input-sizes').usedBy!(paper)).toBe('released-code');
    expect(byId('cvft.input-sizes').usedBy!(quick)).toBe('other');
    expect(byId('cvft.init').usedBy!(paper)).toBe('random');
    expect(byId('cvft.init').usedBy!({ ...paper, init: { ground: 'w.safetensors', aerial: 'w.safetensors' } })).toBe('imagenet');
    expect(byId('cvft.init').usedBy!(profileConfig('mgtl.table2.full', 'paper'))).toBeUndefined();
    expect(byId('mgtl.init').usedBy!(profileConfig('mgtl.table2.full', 'quick'))).toBe('random');
    expect(byId('cvft.epochs').usedBy!(paper)).toBe('100');
    expect(byId('cvft.sinkhorn').usedBy!(paper)).toBe('lambda100-m20');
    expect(byId('cvft.sinkhorn').usedBy!(profileConfig('cvft.table1.woCvft', 'paper'))).toBeUndefined();
  });
});
