/**
 * "Readings this run used" on a report page (lib/report/render/readings.ts): a notebook's results
 * bundle records, per experiment, the option of each reading its run used (lib/papers/readings.ts
 * `readingsUsed`); the page names those options, marks one that is not the default, states the
 * default where the code fixes the choice or the notebook recorded nothing. Rendered for every
 * paper with whatever its register holds.
 */
import { describe, expect, it } from 'vitest';
import { READINGS, profileConfig, readingsUsed, type PaperKey } from '../../lib/papers/index.ts';
import { readingUses, readingsSectionHtml } from '../../lib/report/render/readings.ts';
import { renderReport } from '../../lib/report/render/page.ts';
import type { Notebook } from '../../lib/report/render/outputs.ts';
import { RESULTS_MIME, type Reading, type ResultsBundle } from '../../lib/report/types.ts';

/** An executed notebook whose one cell displayed `bundle`. */
const notebookWith = (bundle: ResultsBundle): Notebook =>
  ({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{ cell_type: 'code', source: 'show.results(...)', execution_count: 1, metadata: {}, outputs: [{ output_type: 'display_data', metadata: {}, data: { [RESULTS_MIME]: bundle, 'text/plain': 'results' } }] }],
  }) as unknown as Notebook;

const render = (paper: PaperKey, bundle: ResultsBundle, readings: Reading[] = READINGS[paper]) =>
  renderReport({ paper, title: paper, notebooks: [{ path: `${paper}.ipynb`, notebook: notebookWith(bundle) }], published: [], claims: [], readings, generated: new Date('2026-12-07T00:00:00Z') });

const section = (html: string) => /<section id="readings">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';

describe('Readings this run used', () => {
  it('GeoCapsNet: the options each run used, by name, with the rows that used them', async () => {
    const ids = ['geocapsnet.table3.iTriplet', 'geocapsnet.table3.iSoftTriHard', 'geocapsnet.fig5.resnetxFcI'];
    const readings = readingsUsed('geocapsnet', ids.map((id) => ({ id, config: profileConfig(id, 'quick') })));
    const html = await render('geocapsnet', { paper: 'geocapsnet', results: { 'geocapsnet.table3.iTriplet': { r1pct: 10 } }, dataset: { name: 'synthetic', substitute: true }, readings });
    const s = section(html);
    expect(s).toContain('<h2>Readings this run used</h2>');
    expect(s).toMatch(/<code>eq2-without-mining<\/code> <span class="small muted">— table3\.iTriplet<\/span>/);
    expect(s).toMatch(/<code>sabour<\/code> <span class="small muted">— table3\.iTriplet, table3\.iSoftTriHard<\/span>/);
    // the quick profile's PreciseBN and sizes are not the paper's default: said so
    expect(s).toMatch(/<code>precise-bn<\/code> <span class="muted">\(not the default\)<\/span> <span class="small muted">— all 3 runs<\/span>/);
    expect(s).toMatch(/<code>dim-major<\/code> <span class="small muted">\(fixed in the code\)<\/span>/);
    // the section sits after paper vs reproduced, before the notebooks
    expect(html.indexOf('id="paper-vs-reproduced"')).toBeLessThan(html.indexOf('id="readings"'));
    expect(html.indexOf('id="readings"')).toBeLessThan(html.indexOf('id="notebooks"'));
  });

  it('a bundle without readings: every reading shows its default, and says so', () => {
    const r = READINGS.geocapsnet.find((x) => x.id === 'geocapsnet.squash')!;
    const s = readingsSectionHtml([r], [{ paper: 'geocapsnet', results: {}, dataset: { name: 'x', substitute: true } }], 'geocapsnet');
    expect(s).toContain('<code>sabour</code> <span class="small muted">(the default: the notebook recorded no options)</span>');
  });

  it('an option the reading does not list is flagged; several options are listed per row', () => {
    const r: Reading = { id: 'p.x', topic: 't', paperSays: 's', where: 'Sec. 1', options: [{ name: 'a', meaning: 'A' }, { name: 'b', meaning: 'B' }], defaultOption: 'a', evidence: 'e', usedBy: () => undefined };
    const b: ResultsBundle = { paper: 'mgtl', results: {}, dataset: { name: 'x', substitute: true }, readings: { 'p.one': { 'p.x': 'a' }, 'p.two': { 'p.x': 'b' }, 'p.three': { 'p.x': 'zz' } } };
    const uses = readingUses([r], [b]);
    expect([...uses[0]!.used]).toEqual([['a', ['p.one']], ['b', ['p.two']], ['zz', ['p.three']]]);
    const s = readingsSectionHtml([r], [b], 'p');
    expect(s).toContain('<code>b</code> <span class="muted">(not the default)</span> <span class="small muted">— two</span>');
    expect(s).toContain('not an option of this reading');
    // a recorded study where no run applies
    expect(readingsSectionHtml([r], [{ ...b, readings: { 'p.one': {} } }], 'p')).toContain('no run of these notebooks applies');
  });

  it('every paper: the page shows its register (whatever it holds) with each reading and its default option', async () => {
    for (const paper of Object.keys(READINGS) as PaperKey[]) {
      const html = await render(paper, { paper, results: {}, dataset: { name: 'x', substitute: true } });
      const s = section(html);
      if (!READINGS[paper].length) {
        expect(s, paper).toBe('');
        continue;
      }
      for (const r of READINGS[paper]) {
        expect(s, r.id).toContain(`<code>${r.id.slice(paper.length + 1)}</code>`);
        expect(s, r.id).toContain(`<code>${r.defaultOption.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</code>`);
      }
    }
  });
});
