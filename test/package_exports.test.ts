/**
 * Notebooks import the library by package name through package.json "exports" ("cvgl",
 * "cvgl/papers/<paper>", "cvgl/show", "cvgl/charts"): from any folder of the project (Node's
 * package self-reference) and from a researcher's own folder that depends on it (here, offline,
 * node_modules/cvgl linked to this checkout) — resolved by Node, loaded in the kernel with tsx's
 * CommonJS hook.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runNotebook } from '../lib/report/runner/run.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const NAME = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).name as string;
const tmp = mkdtempSync(join(tmpdir(), 'cvgl-exports-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const EXPORTED: Record<string, string> = {
  [NAME]: 'lib/index.ts',
  [`${NAME}/papers/cvft`]: 'lib/papers/cvft/index.ts',
  [`${NAME}/papers/quickstart`]: 'lib/papers/quickstart/index.ts',
  [`${NAME}/show`]: 'lib/report/show.ts',
  [`${NAME}/charts`]: 'lib/report/charts.ts',
};

/** A researcher's folder outside the repository whose node_modules/<name> is this checkout. */
function userFolder(): string {
  const dir = join(tmp, 'my-study');
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', NAME));
  return dir;
}

describe('the package by name', () => {
  it('is called cvgl', () => expect(NAME).toBe('cvgl'));

  it('resolves from any folder of the project (self-reference) to the .ts sources', () => {
    for (const from of ['notebooks', 'lib/papers/cvft', '.']) {
      const req = createRequire(join(ROOT, from, 'x.js'));
      for (const [spec, file] of Object.entries(EXPORTED)) expect(req.resolve(spec), `${spec} from ${from}`).toBe(join(ROOT, file));
    }
  });

  it('exports only the documented entries', () => {
    const req = createRequire(join(ROOT, 'notebooks', 'x.js'));
    expect(() => req.resolve(`${NAME}/lib/index.ts`)).toThrow(/not defined by "exports"/);
    expect(() => req.resolve(`${NAME}/papers/nope`)).toThrow();
  });

  const dir = userFolder();
  it("a notebook in a researcher's own folder requires it in the cvgl kernel (tslab + tsx)", async () => {
    const nb = {
      nbformat: 4, nbformat_minor: 5,
      metadata: { kernelspec: { name: 'cvgl-typescript', display_name: 'TypeScript (cvgl)', language: 'typescript' } },
      cells: [{
        id: 'c1', cell_type: 'code', metadata: {}, execution_count: null, outputs: [],
        source: [
          `const cvgl = { ...require('${NAME}'), ...require('${NAME}/papers/cvft') };`,
          `const { show } = require('${NAME}/show');`,
          `const charts = require('${NAME}/charts');`,
          `show.table([{ vgg16x2: cvgl.mgtlParamCount('vgg16', 6), claims: cvgl.CVFT_CLAIMS.length > 0, charts: Object.keys(charts).length > 0 }]);`,
        ].join('\n'),
      }],
    };
    const path = join(dir, 'study.ipynb');
    writeFileSync(path, JSON.stringify(nb));
    const r = await runNotebook(path, { outPath: join(dir, 'study.out.ipynb'), params: {} });
    expect(r.status.ok, JSON.stringify(r.status.error)).toBe(true);
    const cell = r.notebook.cells[0]!;
    const html = cell.cell_type === 'code' ? cell.outputs.flatMap((o) => (o.output_type === 'display_data' ? [String((o.data as Record<string, unknown>)['text/html'])] : [])).join('') : '';
    expect(html).toContain('<td>29429376</td>');
    expect(html.match(/<td>true<\/td>/g)).toHaveLength(2);
  }, 180_000);
});
