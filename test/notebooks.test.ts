/**
 * The notebooks in notebooks/ through the real runner (a smoke profile: one epoch), as
 * `npm run report` runs them: each finishes without error and shows its figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runNotebook } from '../lib/report/runner/run.js';
import { RESULTS_MIME } from '../lib/report/types.js';

const NOTEBOOKS = fileURLToPath(new URL('../notebooks/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'cvgl-notebooks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('notebooks (smoke profile)', () => {
  it('00-quickstart runs and shows the backends, the world, loss, recall, a retrieval example and a heat map', async () => {
    const r = await runNotebook(join(NOTEBOOKS, '00-quickstart.ipynb'), { outPath: join(tmp, 'quickstart.ipynb'), params: { epochs: 1 }, profile: 'quick' });
    expect(r.status.ok, JSON.stringify(r.status.error)).toBe(true);
    const outputs = r.notebook.cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs : []));
    const mimes = outputs.flatMap((o) => (o.output_type === 'display_data' ? Object.keys(o.data) : []));
    expect(mimes.filter((m) => m === 'image/png').length).toBe(3); // pair sheet, retrieval, heat map
    expect(mimes.filter((m) => m === 'application/vnd.vegalite.v5+json').length).toBe(2); // loss, top-K curve
    expect(r.status.provenance.dataset?.pairs).toMatchObject({ train: expect.any(Number), val: expect.any(Number) });
    expect(r.status.provenance.backend).not.toBeNull();
  }, 600_000);

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
  }, 600_000);
});
