/**
 * MGTL's register of readings (lib/papers/mgtl/readings.ts): entries well formed, the GKST block
 * reading tied to the model's options and default, and what each MGTL row uses under each profile
 * (the quick profile's rows run the default block; Table 2 row 1 has none).
 */
import { describe, expect, it } from 'vitest';
import { GKST_BLOCKS, GKST_DEFAULT_BLOCK, MGTL_MODEL } from '../../lib/models/mgtl.js';
import { MGTL_READINGS } from '../../lib/papers/mgtl/readings.js';
import { getPreset, PRESET_NAMES } from '../../lib/papers/presets.js';
import { profileConfig } from '../../lib/papers/study.js';
import { PROFILES } from '../../lib/train/profiles.js';

const ROWS = PRESET_NAMES.filter((n) => n.startsWith('mgtl.'));
const reading = (id: string) => MGTL_READINGS.find((r) => r.id === id)!;

describe("MGTL's register of readings", () => {
  it('entries are well formed: unique ids, the default among the options, every field filled', () => {
    const ids = MGTL_READINGS.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of MGTL_READINGS) {
      expect(r.id.startsWith('mgtl.'), r.id).toBe(true);
      expect(r.options.map((o) => o.name), r.id).toContain(r.defaultOption);
      for (const f of [r.topic, r.paperSays, r.where, r.evidence, ...r.options.map((o) => o.meaning)]) expect(f.trim(), r.id).not.toBe('');
    }
  });

  it("the GKST block: the model's option, its choices and its default", () => {
    const r = reading('mgtl.gkst-block');
    expect(r.selectedBy).toBe('model.options.block');
    expect(MGTL_MODEL.options).toContain('block');
    expect(r.options.map((o) => o.name).sort()).toEqual([...GKST_BLOCKS].sort());
    expect(r.defaultOption).toBe(GKST_DEFAULT_BLOCK);
  });

  it('usedBy names one of its options for every MGTL row under every profile', () => {
    expect(ROWS.length).toBeGreaterThan(7);
    for (const name of ROWS) {
      for (const profile of PROFILES) {
        const c = profileConfig(name, profile);
        for (const r of MGTL_READINGS.filter((x) => x.usedBy)) {
          const o = r.usedBy!(c);
          if (o !== undefined) expect(r.options.map((x) => x.name), `${r.id} on ${name} (${profile})`).toContain(o);
        }
      }
    }
  });

  it('which rows use which block: the default on every row with GKST blocks, none on VGG16 alone; an explicit literal is read as such', () => {
    const block = reading('mgtl.gkst-block').usedBy!;
    for (const name of ROWS) {
      for (const profile of PROFILES) {
        expect(block(profileConfig(name, profile)), `${name} (${profile})`).toBe(name === 'mgtl.table2.vgg16' ? undefined : 'pre-ln-ffn');
      }
    }
    const literal = getPreset('mgtl.table2.full');
    literal.model.options = { ...literal.model.options, block: 'literal' };
    expect(block(literal)).toBe('literal');
    expect(reading('mgtl.gkst-mlp').usedBy!(literal)).toBeUndefined();
    expect(reading('mgtl.input-size').usedBy!(getPreset('mgtl.table2.full'))).toBe('128x640');
    expect(reading('mgtl.input-size').usedBy!(profileConfig('mgtl.table2.full', 'quick'))).toBe('other');
  });
});
