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
});
