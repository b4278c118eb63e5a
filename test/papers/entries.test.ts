/**
 * Each paper's entry (lib/papers/<paper>/index.ts) is what its notebook needs: every `cvgl.NAME`
 * a notebook calls is provided by the modules its first cell requires by package name (`cvgl`,
 * `cvgl/charts`, `cvgl/papers/<paper>`: package.json "exports"); each paper's rows, numbers and claims are its own; the generic study is
 * bound to the papers' rows, and the unbound one says how to bind it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CvglError } from '../../lib/engine/errors.js';
import { profileConfig as unbound } from '../../lib/train/profiles.js';
import { getPreset, PRESET_NAMES } from '../../lib/papers/presets.js';
import { profileConfig } from '../../lib/papers/study.js';
import { CLAIMS } from '../../lib/papers/claims.js';
import { PUBLISHED } from '../../lib/papers/published.js';
import type { PaperKey } from '../../lib/papers/types.js';

const NOTEBOOKS = fileURLToPath(new URL('../../notebooks/', import.meta.url));
const ENTRIES: Record<string, string> = {
  '00-quickstart.ipynb': 'quickstart', 'cvft.ipynb': 'cvft', 'mgtl.ipynb': 'mgtl', 'geocapsnet.ipynb': 'geocapsnet', 'mduit.ipynb': 'mduit', 'ssl-crossview.ipynb': 'thesis',
};

function notebookSource(file: string): string {
  const nb = JSON.parse(readFileSync(join(NOTEBOOKS, file), 'utf8')) as { cells: { cell_type: string; source: string | string[] }[] };
  return nb.cells.filter((c) => c.cell_type === 'code').map((c) => [c.source].flat().join('')).join('\n');
}

describe('paper entries', () => {
  for (const [file, paper] of Object.entries(ENTRIES)) {
    it(`${file} requires cvgl/papers/${paper} (lib/papers/${paper}/index.ts), which with the library gives every cvgl.* it calls`, async () => {
      const src = notebookSource(file);
      const line = src.split('\n').find((l) => l.startsWith('const cvgl = '));
      expect(line).toBeDefined();
      const required = [...line!.matchAll(/require\('([^']+)'\)/g)].map((m) => m[1]!);
      expect(required).toContain(`cvgl/papers/${paper}`);
      // resolved as the kernel resolves it: from the notebook's folder, through "exports"
      const req = createRequire(join(NOTEBOOKS, file));
      const cvgl: Record<string, unknown> = {};
      for (const r of required) Object.assign(cvgl, await import(req.resolve(r)));
      const used = [...new Set([...src.matchAll(/cvgl\.(\w+)/g)].map((m) => m[1]!))];
      expect(used.length).toBeGreaterThan(0);
      expect(used.filter((n) => cvgl[n] === undefined)).toEqual([]);
      // the study a notebook calls is the one bound to the papers' rows, not the library's
      if (used.includes('runStudy')) expect(cvgl.runStudy).not.toBe((await import('../../lib/train/study.js')).runStudy);
    });
  }

  it("each paper's entry hands over its own rows, numbers and claims", async () => {
    const keys: Record<PaperKey, string> = { cvft: 'CVFT', mgtl: 'MGTL', geocapsnet: 'GEOCAPSNET', thesis: 'THESIS', mduit: 'MDUIT' };
    for (const [paper, K] of Object.entries(keys) as [PaperKey, string][]) {
      const m = (await import(`../../lib/papers/${paper}/index.ts`)) as Record<string, unknown>;
      expect(m[`${K}_NUMBERS`]).toBe(PUBLISHED[paper]);
      const claims = m[`${K}_CLAIMS`] as { paper: string; id: string }[];
      expect(claims.length).toBeGreaterThan(0);
      expect(claims.every((c) => c.paper === paper && c.id.startsWith(`${paper}.`))).toBe(true);
      expect(claims.map((c) => c.id)).toEqual(CLAIMS.filter((c) => c.paper === paper).map((c) => c.id));
      const rows = m[`${K}_PRESETS`];
      if (paper === 'mduit') continue; // MDUIT's rows are its study's (MDUIT_ROWS), not TrainConfigs
      const names = PRESET_NAMES.filter((n) => n.startsWith(`${paper}.`));
      expect(names.length).toBeGreaterThan(0);
      for (const n of names) {
        const leaf = n.split('.').slice(1).reduce((t: any, k) => t?.[k], rows);
        expect(leaf, n).toEqual(getPreset(n));
      }
    }
  });

  it("the library's profileConfig needs the rows; the papers' is bound to them", () => {
    expect(() => unbound('cvft.table1.full', 'quick', {} as never)).toThrow(CvglError);
    expect(() => unbound('cvft.table1.full', 'quick', {} as never)).toThrow(/lib\/papers\/<paper>\/index\.ts/);
    expect(unbound('cvft.table1.full', 'quick', { presets: getPreset })).toEqual(profileConfig('cvft.table1.full', 'quick'));
    // a lookup passed in is the one read
    const seen: string[] = [];
    profileConfig('mgtl.table2.full', 'smoke', { presets: (n) => (seen.push(n), getPreset(n)) });
    expect(seen).toEqual(['mgtl.table2.full', 'quick.mgtl']);
  });

  it('notebooks require the library by package name, never by a path (a copied notebook still runs)', () => {
    for (const file of Object.keys(ENTRIES)) {
      const src = notebookSource(file);
      const required = [...src.matchAll(/require\('([^']+)'\)/g)].map((m) => m[1]!);
      expect(required.filter((r) => r === 'cvgl' || r.startsWith('cvgl/')).length, file).toBeGreaterThan(1);
      expect(required.filter((r) => r.startsWith('.') || r.includes('lib/')), file).toEqual([]);
    }
  });
});
