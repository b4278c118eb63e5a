/**
 * Charts in every frontend: a `show.vegalite` bundle carries the Vega-Lite JSON (JupyterLab, VS
 * Code), an SVG rendering of it (classic Notebook, nbviewer, GitHub, nbconvert) and a text title.
 * Checked through Debian's `jupyter nbconvert`, which knows no Vega-Lite.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireInCi } from '../ci_requirements.ts';
import { bundles, VEGALITE_MIME } from '../../lib/report/show.ts';

const tmp = mkdtempSync(join(tmpdir(), 'cvgl-charts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const line = (title: string) => ({
  title,
  data: { values: [{ step: 1, loss: 0.9 }, { step: 2, loss: 0.5 }, { step: 3, loss: 0.4 }] },
  mark: 'line',
  encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative' } },
});

describe('show.vegalite bundles', () => {
  it('carry the Vega-Lite JSON, its SVG picture and a text title', () => {
    const b = bundles.vegalite(line('training loss'));
    expect(b[VEGALITE_MIME]).toMatchObject({ mark: 'line' });
    const svg = String(b['image/svg+xml']);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('training loss'); // the title is drawn
    expect(svg).toContain('<path'); // and the line
    expect(b['text/plain']).toBe('<Vega-Lite chart: training loss>');
  });

  it('keep the Vega-Lite JSON when the spec cannot be drawn (the picture is left out, not the chart)', () => {
    const b = bundles.vegalite({ title: 'broken', mark: 'no-such-mark' });
    expect(b[VEGALITE_MIME]).toBeDefined();
    expect(b['image/svg+xml']).toBeUndefined();
  });

  const nbconvert = spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' }).status === 0;
  requireInCi('jupyter nbconvert', nbconvert, 'Debian jupyter-nbconvert: bin/setup-system.sh');
  it.skipIf(!nbconvert)('show as SVG pictures in nbconvert HTML, one per chart', () => {
    const outputs = [line('a'), line('b')].map((s) => ({ output_type: 'display_data', metadata: {}, data: bundles.vegalite(s) }));
    const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', id: 'c1', metadata: {}, execution_count: 1, source: 'show.vegalite(spec)', outputs }] };
    const path = join(tmp, 'charts.ipynb');
    writeFileSync(path, JSON.stringify(nb));
    const html = execFileSync('jupyter', ['nbconvert', '--to', 'html', '--stdout', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(html.match(/data-mime-type="image\/svg\+xml"/g)).toHaveLength(2);
    expect(html).not.toContain('&lt;Vega-Lite chart');
  });
});
