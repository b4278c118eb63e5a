/**
 * `cvgl report --notebooks …` end to end, as an author runs it: notebooks re-executed on real tslab
 * kernels with a parameter, executed copies written, one page per paper with its claims evaluated
 * on the notebook's results, the index, a PDF when Chromium is there; a failing notebook makes the
 * command exit 1 while the other pages are still written; no kernel outlives the command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium } from '../lib/report/render/pdf.js';
import { describeFailure } from '../lib/cli/report.js';
import { CellError, CellTimeoutError, KernelDiedError, NotebookInvalidError } from '../lib/report/runner/errors.js';

const BIN = fileURLToPath(new URL('../bin/cvgl.mjs', import.meta.url));
const FIX = fileURLToPath(new URL('./fixtures/', import.meta.url));
function cvgl(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 400_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** As cvgl(), without blocking the test worker while the command runs (vitest's RPC times out). */
function cvglAsync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const kernels = () => spawnSync('pgrep', ['-f', 'tslab kernel --config-path'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-cli-report-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('cvgl report --notebooks', () => {
  it('runs, renders, evaluates claims, and exits 1 when a notebook failed', () => {
    const before = kernels();
    const out = join(tmp, 'reports');
    const r = cvgl('report', '--notebooks', `${join(FIX, 'papers')},${join(FIX, 'notebooks', 'failing.ipynb')}`, '--param', 'gain=5', '--out', out);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/1 notebook\(s\) failed: .*failing\.ipynb/);
    // the paper page: its claims evaluated on the notebook's results (gain 5: CVFT beats wo/ CVFT)
    const html = readFileSync(join(out, 'cvft.html'), 'utf8');
    expect(r.stdout).toMatch(/cvft: .*cvft\.html.* — statistical: \d+ supported, \d+ contradicted, \d+ inconclusive, \d+ not run; exact: .*\(\d+ claims\)/);
    expect(JSON.parse(readFileSync(join(out, 'cvft.json'), 'utf8')).paper).toBe('cvft');
    expect(html).toMatch(/reproduced/);
    expect(html).toMatch(/synthetic/);
    expect(html).not.toMatch(/<script|<link /);
    // the executed copy carries the injected parameter and the run status
    const nb = JSON.parse(readFileSync(join(out, 'cvft', 'cvft_demo.ipynb'), 'utf8'));
    expect(nb.cells.some((c: { metadata: { tags?: string[] }; source: string | string[] }) => c.metadata.tags?.includes('injected-parameters') && [c.source].flat().join('').includes('let gain = 5;'))).toBe(true);
    expect(nb.metadata.cvgl.ok).toBe(true);
    // the failed notebook has its own page showing the failure, and is listed in the index
    expect(readFileSync(join(out, 'failing.html'), 'utf8')).toMatch(/1 notebook failed/);
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    expect(index).toContain('cvft.html');
    expect(index).toContain('failing.html');
    if (findChromium()) expect(readFileSync(join(out, 'cvft.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    expect(kernels().filter((p) => !before.includes(p))).toEqual([]);
  }, 400_000);

  it('checks every notebook before running any: invalid ones named with their reason, the others still get pages and the index, exit 1', async () => {
    const before = kernels();
    const out = join(tmp, 'invalid');
    const r = await cvglAsync('report', '--notebooks', join(FIX, 'report_invalid'), '--out', out, '--no-pdf');
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stderr.split('\n');
    const firstRun = lines.findIndex((l) => l.startsWith('running '));
    expect(firstRun, r.stderr).toBeGreaterThanOrEqual(0);
    for (const [name, why] of [['bad_paper', /metadata\.cvgl\.paper "\.\.\/outside"/], ['broken', /invalid JSON/], ['python', /kernelspec language "python"/]] as const) {
      const i = lines.findIndex((l) => l.startsWith('invalid notebook') && l.includes(`${name}.ipynb`));
      expect(i, `${name}: ${r.stderr}`).toBeGreaterThanOrEqual(0);
      expect(i, 'reported before any notebook runs').toBeLessThan(firstRun);
      expect(lines[i]).toMatch(why);
      expect(r.stderr).toMatch(new RegExp(`${name}\\.ipynb: invalid, not run: `));
    }
    expect(r.stderr).toMatch(/3 notebook\(s\) failed: .*bad_paper\.ipynb, .*broken\.ipynb, .*python\.ipynb/);
    // the valid one ran, with its page and the index
    expect(readFileSync(join(out, 'tiny.html'), 'utf8')).toContain('tiny ran');
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('tiny.html');
    expect(existsSync(join(out, 'python'))).toBe(false);
    expect(kernels().filter((p) => !before.includes(p))).toEqual([]);
  }, 300_000);

  it('describes a failure by the runner error type', () => {
    expect(describeFailure(new CellError('a.ipynb', 3, 'TypeError', 'x is undefined', []))).toBe('cell 3 raised TypeError: x is undefined');
    expect(describeFailure(new CellTimeoutError('a.ipynb', 2, 600, 'cell', true))).toBe('cell 2 ran past the per-cell limit of 600 s (--cell-timeout); the kernel was killed');
    expect(describeFailure(new CellTimeoutError('a.ipynb', 2, 3600, 'notebook', false))).toBe('cell 2 ran past the notebook limit of 3600 s (--timeout)');
    expect(describeFailure(new KernelDiedError('a.ipynb', 4, ''))).toBe('the kernel died in cell 4');
    expect(describeFailure(new KernelDiedError('a.ipynb', null, ''))).toBe('the kernel died while starting');
    expect(describeFailure(new NotebookInvalidError('a.ipynb', 'invalid JSON'))).toBe('invalid, not run: invalid JSON');
    expect(describeFailure(new Error('first line\nsecond'))).toBe('first line');
  });

  it('bad input: a missing notebook folder, a bad --param, a bad profile', () => {
    const a = cvgl('report', '--notebooks', join(tmp, 'nowhere'));
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/no such file or folder/);
    const b = cvgl('report', '--notebooks', join(FIX, 'papers'), '--param', 'gain');
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--param key=value/);
    const c = cvgl('report', '--notebooks', join(FIX, 'papers'), '--profile', 'fast');
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--profile paper, quick, smoke/);
  }, 120_000);
});
