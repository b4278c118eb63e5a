/**
 * GeoCapsNet's Table 3 (lib/papers/geocapsnet/presets.ts): each "Triplet" row is its sibling
 * Soft-TriHard row with the batch-hard mining removed and nothing else changed (Sec. 5.2, L156),
 * in the paper's preset and under every profile; and the config's `loss.mining` is checked.
 */
import { describe, expect, it } from 'vitest';
import { getPreset, profileConfig } from '../../lib/papers/index.js';
import { validateConfig, type TrainConfig } from '../../lib/train/config.js';

/** Every leaf path where two JSON values differ. */
function diff(a: unknown, b: unknown, path = ''): string[] {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    return [...keys].flatMap((k) => diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

/** What a row is, without its labels (name, source, assumption text). */
const behaviour = (c: TrainConfig) => ({ ...c, name: undefined, source: undefined, assumptions: undefined });

describe('GeoCapsNet Table 3: Triplet = Soft-TriHard without the mining', () => {
  for (const v of ['i', 'ii']) {
    for (const profile of ['paper', 'quick', 'smoke']) {
      it(`GeoCapsNet-${v.toUpperCase()}, ${profile} profile: the rows differ in loss.mining only`, () => {
        const triplet = profileConfig(`geocapsnet.table3.${v}Triplet`, profile);
        const hard = profileConfig(`geocapsnet.table3.${v}SoftTriHard`, profile);
        expect(diff(behaviour(triplet), behaviour(hard))).toEqual(['loss.mining']);
        expect(triplet.loss).toEqual({ kind: 'soft-trihard', alpha: 15, mining: 'none' });
        expect(hard.loss.mining ?? 'batch-hard').toBe('batch-hard');
        validateConfig(JSON.parse(JSON.stringify(triplet)));
      });
    }
  }

  it('loss.mining: only with soft-trihard, only a known value', () => {
    const c = getPreset('geocapsnet.table3.iTriplet');
    expect(() => validateConfig({ ...c, loss: { ...c.loss, mining: 'semi-hard' } })).toThrow(/loss\.mining/);
    expect(() => validateConfig({ ...c, loss: { kind: 'soft-margin-exhaustive', gamma: 10, mining: 'none' } })).toThrow(/loss\.mining/);
    expect(validateConfig({ ...c, loss: { ...c.loss, mining: 'batch-hard' } }).loss.mining).toBe('batch-hard');
  });
});
