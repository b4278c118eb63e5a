/**
 * `cvgl report --notebooks …` end to end, as an author runs it: notebooks re-executed on real tslab
 * kernels with a parameter, executed copies written, one page per paper with its claims evaluated
 * on the notebook's results, the index, a PDF when Chromium is there; a failing notebook makes the
 * command exit 1 while the other pages are still written; no kernel outlives the command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium } from '../lib/report/render/pdf.js';

const BIN = fileURLToPath(new URL('../bin/cvgl.mjs', import.meta.url));
const FIX = fileURLToPath(new URL('./fixtures/', import.meta.url));
function cvgl(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 400_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
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
    expect(r.stdout).toMatch(/cvft: .*cvft\.html.* — 1 of \d+ claims reproduced/);
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
