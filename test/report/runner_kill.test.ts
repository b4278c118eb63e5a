/**
 * `kill -9` of `cvgl report` while a cell runs: none of the command's exit handlers run, yet the
 * executed copy on disk holds the cells that finished (a valid notebook), the kernel dies with the
 * command, and the connection file with the kernel's key is gone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../lib/report/runner/kernel.js';
import { parseNotebook, type CodeCell } from '../../lib/report/runner/notebook.js';
import { findPython } from '../reference_python.js';

const BIN = fileURLToPath(new URL('../../bin/cvgl.mjs', import.meta.url));
const NOTEBOOK = fileURLToPath(new URL('../fixtures/notebooks/sleeps.ipynb', import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** f()'s first truthy value, or undefined after timeoutMs. */
async function until<T>(f: () => T | undefined | null | false, timeoutMs: number): Promise<T | undefined> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) return undefined;
    await sleep(100);
  }
}

let tmp: string;
let cli: ChildProcess;
let stderr = '';
let kernelPid: number;
let connFile: string;
let executed: string;
let kernelGoneWithinS: number | null = null;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-runner-kill-'));
  executed = join(tmp, 'sleeps', 'sleeps.ipynb');
  cli = spawn(process.execPath, [BIN, 'report', '--notebooks', NOTEBOOK, '--out', tmp, '--no-pdf'], { stdio: ['ignore', 'ignore', 'pipe'] });
  cli.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const pid = await until(() => Number(/kernel pid (\d+) started/.exec(stderr)?.[1]), 150_000);
  if (!pid) throw new Error(`no kernel started: ${stderr}`);
  kernelPid = pid;
  // the connection file the kernel was given (its command line), to check it is gone afterwards
  const argv = readFileSync(`/proc/${kernelPid}/cmdline`, 'utf8').split('\0');
  connFile = argv[argv.indexOf('--config-path') + 1]!;
  // the first two cells of the notebook done (after the injected `profile`), the third (a 120 s
  // sleep) running; killed in any case after 60 s (the tests then say what was missing)
  await until(() => {
    try {
      const nb = JSON.parse(readFileSync(executed, 'utf8'));
      return nb.cells.find((c: { id: string }) => c.id === 's2').execution_count !== null;
    } catch {
      return false;
    }
  }, 60_000);
  await sleep(500);
  cli.kill('SIGKILL');
  await new Promise((r) => cli.once('exit', r));
  const t0 = Date.now();
  while (Date.now() - t0 < 10_000 && processAlive(kernelPid)) await sleep(100);
  if (!processAlive(kernelPid)) kernelGoneWithinS = (Date.now() - t0) / 1000;
}, 320_000);

afterAll(() => {
  if (cli && cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
  if (kernelPid && processAlive(kernelPid)) process.kill(-kernelPid, 'SIGKILL');
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('kill -9 of cvgl report while a cell runs', () => {
  it('the kernel dies with it', () => {
    expect(kernelGoneWithinS, `kernel pid ${kernelPid} still running 10 s after the kill`).not.toBeNull();
  });

  it('the executed copy on disk holds the finished cells and is a valid notebook', () => {
    const nb = parseNotebook(JSON.parse(readFileSync(executed, 'utf8')), executed);
    const cells = nb.cells as CodeCell[];
    const text = (c: CodeCell) => c.outputs.map((o) => (o.output_type === 'stream' ? o.text : '')).join('');
    // the cell cvgl report injects (the profile), the notebook's four
    expect(cells.map((c) => c.id)).toEqual(['injected-parameters', 's1', 's2', 's3', 's4']);
    expect(cells.map((c) => c.execution_count)).toEqual([1, 2, 3, null, null]);
    expect(cells.slice(1).map(text)).toEqual(['one\n', 'two\n', '', '']);
    expect(cells[2]!.metadata.execution).toHaveProperty('iopub.status.idle');
    expect(nb.metadata.kernelspec?.language).toBe('typescript');
  });

  const py = findPython(['nbformat']);
  it.runIf(py.python !== null)('nbformat.validate accepts the partial notebook', () => {
    const r = spawnSync(py.python!, [join(import.meta.dirname, '..', 'reference', 'nbformat_validate.py'), executed], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('the connection file with the kernel key is gone', () => {
    expect(connFile).toMatch(/cvgl-kernel-/);
    expect(existsSync(connFile), connFile).toBe(false);
  });
});
