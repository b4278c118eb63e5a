/**
 * The notebooks in notebooks/ through the real runner on the smoke profile (a few steps of every
 * run), as `npm run report` runs them: each finishes without error, shows its figures, and the
 * paper notebooks hand the report their reproduced numbers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { expectedSeconds } from '../lib/report/build.js';
import { runNotebook } from '../lib/report/runner/run.js';
import { RESULTS_MIME, type ResultsBundle } from '../lib/report/types.js';
import { requireInCi } from './ci_requirements.js';

const NOTEBOOKS = fileURLToPath(new URL('../notebooks/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'cvgl-notebooks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function smoke(file: string) {
  const r = await runNotebook(join(NOTEBOOKS, file), { outPath: join(tmp, file), params: {}, profile: 'smoke' });
  expect(r.status.ok, JSON.stringify(r.status.error)).toBe(true);
  const outputs = r.notebook.cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs : []));
  const displays = outputs.flatMap((o) => (o.output_type === 'display_data' ? [o.data as Record<string, unknown>] : []));
  const count = (mime: string) => displays.filter((d) => mime in d).length;
  const results = displays.filter((d) => RESULTS_MIME in d).map((d) => d[RESULTS_MIME] as ResultsBundle);
  // every chart also carries its SVG picture (classic Notebook, nbviewer, GitHub, nbconvert)
  expect(count('image/svg+xml')).toBe(count('application/vnd.vegalite.v5+json'));
  return { r, count, results };
}

describe('notebooks (smoke profile)', () => {
  const nbconvert = spawnSync('jupyter', ['nbconvert', '--version']).status === 0;
  requireInCi('jupyter nbconvert', nbconvert, 'Debian jupyter-nbconvert: bin/setup-system.sh');
  it('every notebook in notebooks/ has a smoke test here', () => {
    const tested = ['00-quickstart.ipynb', 'cvft.ipynb', 'mgtl.ipynb', 'geocapsnet.ipynb', 'mduit.ipynb', 'ssl-crossview.ipynb'];
    expect(readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).filter((f) => !tested.includes(f))).toEqual([]);
  });

  it('every notebook says how long its quick profile took (the report starts the longest first)', () => {
    const seconds = Object.fromEntries(readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).map((f) => [f, expectedSeconds(join(NOTEBOOKS, f), 'quick')]));
    for (const s of Object.values(seconds)) expect(s).toBeGreaterThan(0);
    expect(expectedSeconds(join(NOTEBOOKS, 'cvft.ipynb'), 'paper')).toBe(0); // not measured: unknown
    expect(expectedSeconds(join(tmp, 'missing.ipynb'), 'quick')).toBe(0);
  });

  it('00-quickstart runs and shows the backends, the world, loss, recall, a retrieval example and a heat map', async () => {
    const { r, count } = await smoke('00-quickstart.ipynb');
    expect(count('image/png')).toBe(3); // pair sheet, retrieval, heat map
    expect(count('application/vnd.vegalite.v5+json')).toBe(2); // loss, top-K curve
    expect(r.status.provenance.dataset?.pairs).toMatchObject({ train: expect.any(Number), val: expect.any(Number) });
    expect(r.status.provenance.backend).not.toBeNull();
    // the executed copy keeps the kernel it was written for and what it declared
    expect(r.notebook.metadata.kernelspec?.name).toBe('cvgl-typescript');
    expect(r.notebook.metadata.cvgl).toMatchObject({ paper: '00-quickstart', ok: true });
    // the executed copy as Jupyter's nbconvert shows it (it knows no Vega-Lite): every chart a picture
    if (nbconvert) {
      const html = execFileSync('jupyter', ['nbconvert', '--to', 'html', '--stdout', r.outPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20 });
      expect(html.match(/data-mime-type="image\/svg\+xml"/g)).toHaveLength(count('application/vnd.vegalite.v5+json'));
      expect(html).not.toContain('&lt;Vega-Lite chart');
    }
  }, 600_000);

  it('cvft: Tables 1, 3, 4, Figs. 5–8 and 12, and the reproduced numbers of every trained row', async () => {
    const { count, results } = await smoke('cvft.ipynb');
    expect(count('image/png')).toBe(1); // Fig. 7 feature maps
    expect(count('application/vnd.vegalite.v5+json')).toBe(5); // loss, two recall@K panels, distance recall, t-SNE
    expect(results).toHaveLength(1);
    expect(Object.keys(results[0]!.results).sort()).toEqual(
      ['cvft.table1.full', 'cvft.table1.orientationNoise20', 'cvft.table1.vggGlobalPooling', 'cvft.table1.woCvft', 'cvft.table3.stnAffine', 'cvft.table3.stnTps', 'cvft.table4.d1536', 'cvft.table4.d2048', 'cvft.table4.d512'],
    );
    expect(results[0]!.dataset.substitute).toBe(true);
    for (const m of Object.values(results[0]!.results)) expect(Object.keys(m).sort()).toEqual(['r1', 'r10', 'r1pct', 'r5']);
    // the smoke rows train from random where the paper starts from ImageNet: the report is told
    for (const id of Object.keys(results[0]!.results)) expect(results[0]!.init?.[id], id).toBe('random init, paper starts from ImageNet');
  }, 900_000);

  it('mgtl: Table 2 sizes and accuracies, Table 4, the reproduced numbers', async () => {
    const { count, results } = await smoke('mgtl.ipynb');
    expect(count('application/vnd.vegalite.v5+json')).toBe(3); // loss, R@1 vs L, recall@K
    expect(results).toHaveLength(1);
    const res = results[0]!.results;
    expect(Object.keys(res).sort()).toEqual(['mgtl.table2.full', 'mgtl.table2.vgg16', 'mgtl.table2.woCmi', 'mgtl.table4.l1', 'mgtl.table4.l3', 'mgtl.table4.l6', 'mgtl.table4.l9', 'mgtl.table4.naive']);
    expect(res['mgtl.table2.vgg16']!.params).toBe(29_429_376);
    for (const id of ['mgtl.table2.full', 'mgtl.table4.l1']) expect(results[0]!.init?.[id], id).toBe('random init, paper starts from ImageNet');
    expect(res['mgtl.table4.l6']).toEqual({ r1: res['mgtl.table2.full']!.r1, r5: res['mgtl.table2.full']!.r5, r10: res['mgtl.table2.full']!.r10, r1pct: res['mgtl.table2.full']!.r1pct });
  }, 900_000);

  it('geocapsnet: Tables 3 and 4, Figs. 4–7, the reproduced numbers with the model sizes', async () => {
    const { count, results } = await smoke('geocapsnet.ipynb');
    expect(count('image/png')).toBe(1); // Fig. 7 retrieval examples
    expect(count('application/vnd.vegalite.v5+json')).toBe(4); // loss, Fig. 4, Fig. 5, Fig. 6
    expect(results).toHaveLength(1);
    const res = results[0]!.results;
    expect(Object.keys(res).sort()).toEqual([
      'geocapsnet.fig5.resnetxFcI', 'geocapsnet.fig5.resnetxFcII', 'geocapsnet.fig6.iM16', 'geocapsnet.fig6.iM8', 'geocapsnet.fig6.iiM16', 'geocapsnet.fig6.iiM8',
      'geocapsnet.table3.iSoftTriHard', 'geocapsnet.table3.iTriplet', 'geocapsnet.table3.iiSoftTriHard', 'geocapsnet.table3.iiTriplet',
    ]);
    expect(res['geocapsnet.table3.iSoftTriHard']!.params! - res['geocapsnet.table3.iiSoftTriHard']!.params!).toBe(17_826_048);
    expect(res['geocapsnet.table3.iiSoftTriHard']!.codeLength).toBe(2048);
    expect(results[0]!.init?.['geocapsnet.table3.iSoftTriHard']).toBe('random init (as the paper)');
  }, 900_000);

  it('mduit: Fig. 3 grid, translation quality against true renders, Table 1 and its reproduced numbers', async () => {
    const { count, results } = await smoke('mduit.ipynb');
    expect(count('image/png')).toBe(1); // Fig. 3
    expect(count('application/vnd.vegalite.v5+json')).toBe(2); // classifier heat map, losses
    expect(results).toHaveLength(1);
    const res = results[0]!.results;
    expect(Object.keys(res).sort()).toEqual(['mduit.table1.full', 'mduit.table1.netvlad', 'mduit.table1.woI2i', 'mduit.table1.woI2iNce', 'mduit.table1.woNce']);
    for (const m of Object.values(res)) expect(Object.keys(m).sort()).toEqual(['day_0.25m_2deg', 'day_0.5m_5deg', 'day_5m_10deg', 'night_0.25m_2deg', 'night_0.5m_5deg', 'night_5m_10deg']);
    expect(results[0]!.dataset.substitute).toBe(true);
    // the smoke profile's one replicate per row, with its per-query hits
    for (const [id, rep] of Object.entries(results[0]!.replicates!)) {
      expect(rep.seeds, id).toEqual([1]);
      expect(rep.metrics).toEqual([res[id]]);
      expect(rep.perQuery!['night_5m_10deg']![0]!.length).toBeGreaterThan(0);
    }
    expect(Object.keys(results[0]!.replicates!).sort()).toEqual(Object.keys(res).sort());
  }, 900_000);

  it('ssl-crossview (thesis) runs its matrix and shows Tables 4.2–4.8, Figs. 4.3–4.5, 6.1, 6.2, the unified model and the results', async () => {
    const r = await runNotebook(join(NOTEBOOKS, 'ssl-crossview.ipynb'), { outPath: join(tmp, 'ssl-crossview.ipynb'), profile: 'smoke' });
    expect(r.status.ok, JSON.stringify(r.status.error)).toBe(true);
    const outputs = r.notebook.cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs : []));
    const bundles = outputs.flatMap((o) => (o.output_type === 'display_data' ? [o.data as Record<string, unknown>] : []));
    const of = (mime: string) => bundles.filter((b) => mime in b);
    // Figs. 4.3/4.4: one three-column figure per snapshot (6), and Fig. 4.5
    const plots = of('application/vnd.vegalite.v5+json').map((b) => b['application/vnd.vegalite.v5+json'] as { title?: unknown; hconcat?: unknown[] });
    expect(plots.filter((p) => p.hconcat?.length === 3)).toHaveLength(6);
    expect(plots.some((p) => String(p.title).startsWith('Fig. 4.5'))).toBe(true);
    expect(of('image/png')).toHaveLength(2); // Fig. 6.1 heat maps (exp. 2 and 5), Fig. 6.2 feature maps
    const html = of('text/html').map((b) => String(b['text/html'])).join('\n');
    for (const t of ['Table 4.2', 'Table 4.3', 'Table 4.4', 'Table 4.5', 'Table 4.6', 'Table 4.7', 'Table 4.8', 'the unified double MoCo', 'L_uniform before downstream training']) expect(html, t).toContain(t);
    const results = of(RESULTS_MIME).map((b) => b[RESULTS_MIME] as { paper: string; results: Record<string, Record<string, number>>; dataset: { substitute: boolean } });
    expect(results).toHaveLength(1);
    expect(results[0]!.paper).toBe('thesis');
    expect(results[0]!.dataset.substitute).toBe(true);
    expect(Object.keys(results[0]!.results)).toEqual(expect.arrayContaining(['thesis.table42.setting7', 'thesis.table47.alpha1e1', 'thesis.appendix65.unified', 'thesis.table44.setting6']));
    expect(results[0]!.results['thesis.table44.setting6']).toMatchObject({ uniformAll: expect.any(Number) }); // a snapshot-only row
    // one replicate on smoke; the thesis' recall convention, said in the bundle
    const bundle = results[0]! as unknown as ResultsBundle;
    expect(bundle.recallConvention).toMatchObject({ ties: 'strict', onePercentK: 'floor+1' });
    expect(bundle.replicates!['thesis.table42.setting7']).toMatchObject({ seeds: [1], metrics: [results[0]!.results['thesis.table42.setting7']] });
    expect(bundle.replicates!['thesis.table42.setting7']!.ranks![0]!.length).toBeGreaterThan(0);
  }, 600_000);
});
