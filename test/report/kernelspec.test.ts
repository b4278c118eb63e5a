/**
 * `cvgl kernel install`: the kernelspec it writes runs the notebooks' kind of cell — requiring the
 * library's TypeScript and showing a rich table — under Jupyter itself (Debian's
 * jupyter-nbconvert executing a notebook through jupyter_client), not only under our runner.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { requireInCi } from '../ci_requirements.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const NBCONVERT = '/usr/bin/jupyter-nbconvert';
const tmp = mkdtempSync(join(tmpdir(), 'cvgl-kernelspec-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('cvgl kernel install', () => {
  requireInCi('jupyter-nbconvert', existsSync(NBCONVERT), `no ${NBCONVERT}`);

  it('writes kernel.json: node with the tsx loader running tslab kernel', () => {
    const r = spawnSync(process.execPath, [TSX, join(ROOT, 'lib/cli/main.ts'), 'kernel', 'install', '--prefix', join(tmp, 'prefix')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const spec = JSON.parse(readFileSync(join(tmp, 'prefix/share/jupyter/kernels/cvgl-typescript/kernel.json'), 'utf8'));
    expect(spec.argv.slice(1, 2)).toEqual(['--import']);
    expect(spec.argv[2]).toMatch(/tsx\/dist\/loader\.mjs$/);
    expect(spec.argv.slice(4)).toEqual(['kernel', '--config-path', '{connection_file}']);
    expect(spec.display_name).toBe('TypeScript (cvgl)');
    const bad = spawnSync(process.execPath, [TSX, join(ROOT, 'lib/cli/main.ts'), 'kernel', 'remove'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/cvgl kernel install/);
  });

  it.runIf(existsSync(NBCONVERT))('Jupyter executes a notebook that requires the library through it', () => {
    const nb = {
      nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'cvgl-typescript', display_name: 'TypeScript (cvgl)', language: 'typescript' } },
      cells: [{ id: 'c1', cell_type: 'code', metadata: {}, execution_count: null, outputs: [],
        source: `const cvgl = require(${JSON.stringify(join(ROOT, 'lib/index.ts'))});\nconst { show } = require(${JSON.stringify(join(ROOT, 'lib/report/show.ts'))});\nshow.table([{ vgg16x2: cvgl.mgtlParamCount('vgg16', 6) }]);\nconsole.log('sum', 1 + 2);` }],
    };
    writeFileSync(join(tmp, 'in.ipynb'), JSON.stringify(nb));
    const r = spawnSync(NBCONVERT, ['--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=120', '--output', join(tmp, 'out.ipynb'), join(tmp, 'in.ipynb')], {
      encoding: 'utf8', env: { ...process.env, JUPYTER_PATH: join(tmp, 'prefix/share/jupyter') }, timeout: 180_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const outputs = JSON.parse(readFileSync(join(tmp, 'out.ipynb'), 'utf8')).cells[0].outputs;
    expect(outputs.find((o: any) => o.output_type === 'display_data')?.data['text/html'].join('')).toContain('<td>29429376</td>');
    expect(outputs.find((o: any) => o.output_type === 'stream')?.text.join('')).toContain('sum 3');
  }, 200_000);
});
