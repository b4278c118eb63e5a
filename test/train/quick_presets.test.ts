/**
 * `presets.quick.<model>` come from the model records (lib/train/quick_presets.ts). The report
 * trains with them, so they must stay what they were when they were written out by hand:
 * test/fixtures/quick_presets.json is `presets.quick` of 861eb9d, key order included (configs are
 * hashed as JSON by the studies' caches).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { presets, getPreset } from '../../lib/train/presets.js';

const PINNED = JSON.parse(readFileSync(new URL('../fixtures/quick_presets.json', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('quick presets', () => {
  it('are today\'s rows exactly, for every model', () => {
    expect(Object.keys(presets.quick)).toEqual(Object.keys(PINNED));
    for (const [name, row] of Object.entries(presets.quick)) {
      expect(row, name).toEqual(PINNED[name]);
      expect(JSON.stringify(row), name).toBe(JSON.stringify(PINNED[name]));
      expect(getPreset(`quick.${name}`), name).toEqual(PINNED[name]);
    }
  });
});
