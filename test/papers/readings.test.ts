/**
 * The register of readings (lib/papers/readings.ts and each lib/papers/<paper>/readings.ts): every
 * entry well-formed, `usedBy` naming one of its options for every preset of its paper under every
 * profile, and docs/papers/readings.md exactly what bin/readings-doc.ts generates from it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PRESET_NAMES, getPreset, profileConfig, READINGS, readingsUsed, mduitReadingsUsed, type PaperKey } from '../../lib/papers/index.js';
import { readingsMarkdown } from '../../lib/papers/readings.js';
import { MDUIT_PROFILES } from '../../lib/papers/mduit/presets.js';
import { PROFILES } from '../../lib/train/profiles.js';

const papers = Object.keys(READINGS) as PaperKey[];
const all = papers.flatMap((p) => READINGS[p].map((r) => ({ paper: p, r })));

describe('the register of readings', () => {
  it('has every paper', () => {
    expect(papers.sort()).toEqual(['cvft', 'geocapsnet', 'mduit', 'mgtl', 'thesis']);
  });

  it('ids are unique and prefixed by their paper; options named once; the default is an option; every field filled', () => {
    const ids = all.map(({ r }) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { paper, r } of all) {
      expect(r.id.startsWith(`${paper}.`), r.id).toBe(true);
      const names = r.options.map((o) => o.name);
      expect(names.length, r.id).toBeGreaterThan(0);
      expect(new Set(names).size, `${r.id}: option names`).toBe(names.length);
      expect(names, `${r.id}: defaultOption`).toContain(r.defaultOption);
      for (const f of [r.topic, r.paperSays, r.where, r.evidence, ...r.options.map((o) => o.meaning)]) expect(f.trim(), r.id).not.toBe('');
    }
  });

  it("usedBy names one of the reading's options for every preset of its paper, under every profile", () => {
    for (const paper of papers) {
      const names = PRESET_NAMES.filter((n) => n.startsWith(`${paper}.`));
      for (const r of READINGS[paper].filter((x) => x.usedBy)) {
        for (const name of names) {
          for (const profile of PROFILES) {
            let config;
            try {
              config = profileConfig(name, profile);
            } catch {
              config = getPreset(name); // a row a profile cannot size (none today): its paper config
            }
            const o = r.usedBy!(config);
            if (o !== undefined) expect(r.options.map((x) => x.name), `${r.id} on ${name} (${profile})`).toContain(o);
          }
        }
      }
    }
  });

  it('readingsUsed: what each run of a study used, only readings that apply', () => {
    const ids = ['geocapsnet.table3.iTriplet', 'geocapsnet.table3.iSoftTriHard', 'geocapsnet.fig5.resnetxFcI'];
    const used = readingsUsed('geocapsnet', ids.map((id) => ({ id, config: profileConfig(id, 'quick') })));
    expect(used['geocapsnet.table3.iTriplet']!['geocapsnet.triplet-row']).toBe('eq2-without-mining');
    expect(used['geocapsnet.table3.iSoftTriHard']!['geocapsnet.triplet-row']).toBeUndefined();
    expect(used['geocapsnet.table3.iTriplet']!['geocapsnet.squash']).toBe('sabour');
    expect(used['geocapsnet.fig5.resnetxFcI']!['geocapsnet.squash']).toBeUndefined();
    expect(used['geocapsnet.fig5.resnetxFcI']!['geocapsnet.fc-head']).toBe('flatten-to-2048');
    // quick: PreciseBN and the quick size; paper: neither
    expect(used['geocapsnet.table3.iTriplet']!['geocapsnet.batchnorm-evaluation']).toBe('precise-bn');
    expect(used['geocapsnet.table3.iTriplet']!['geocapsnet.input-size']).toBe('other');
    const paper = readingsUsed('geocapsnet', { 'geocapsnet.table3.iTriplet': getPreset('geocapsnet.table3.iTriplet') });
    expect(paper['geocapsnet.table3.iTriplet']!['geocapsnet.batchnorm-evaluation']).toBe('moving-averages');
    expect(paper['geocapsnet.table3.iTriplet']!['geocapsnet.input-size']).toBe('224x224');
  });

  it("mduitReadingsUsed: an option of a registered MDUIT reading, per Table 1 row, for every profile", () => {
    for (const [profile, config] of Object.entries(MDUIT_PROFILES)) {
      const used = mduitReadingsUsed(config);
      expect(Object.keys(used).sort(), profile).toEqual(['mduit.table1.full', 'mduit.table1.woI2i', 'mduit.table1.woI2iNce', 'mduit.table1.woNce']);
      for (const row of Object.values(used)) {
        for (const [id, o] of Object.entries(row)) {
          const r = READINGS.mduit.find((x) => x.id === id);
          expect(r, id).toBeDefined();
          expect(r!.options.map((x) => x.name), `${id} (${profile})`).toContain(o);
        }
      }
    }
    expect(mduitReadingsUsed(MDUIT_PROFILES.paper)['mduit.table1.full']).toMatchObject({ 'mduit.image-size': '128x128', 'mduit.init-bias': 'normal-0.001', 'mduit.nce-encoding': 'current' });
    expect(mduitReadingsUsed(MDUIT_PROFILES.quick)['mduit.table1.full']).toMatchObject({ 'mduit.image-size': 'other', 'mduit.init-bias': 'torch-default', 'mduit.nce-encoding': 'bank' });
    expect(mduitReadingsUsed(MDUIT_PROFILES.quick)['mduit.table1.woI2iNce']!['mduit.nce-encoding']).toBeUndefined();
  });

  it('docs/papers/readings.md is what `npx tsx bin/readings-doc.ts` generates (edit the registers, then run it)', () => {
    const committed = readFileSync(fileURLToPath(new URL('../../docs/papers/readings.md', import.meta.url)), 'utf8');
    expect(committed).toBe(readingsMarkdown());
    for (const { r } of all) expect(committed).toContain(`\`${r.id}\``);
  });
});
