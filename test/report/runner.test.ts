/**
 * The headless notebook runner on a real tslab kernel: the fixtures in test/fixtures/notebooks
 * run once (two at a time); each test checks one aspect of the executed copies.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveKernelPids, processAlive } from '../../lib/report/runner/kernel.js';
import { CellError, CellTimeoutError, KernelDiedError, NotebookInvalidError } from '../../lib/report/runner/errors.js';
import { decode, encode, makeMessage, SignatureError } from '../../lib/report/runner/messaging.js';
import { parameterDeclarations, parameterDefaults, parametersSource, runNotebook, runNotebooks, type RunResult } from '../../lib/report/runner/run.js';
import { checkTypeScript, parseNotebook, writeNotebook, type CodeCell } from '../../lib/report/runner/notebook.js';
import { bundles, show } from '../../lib/report/show.js';
import { RESULTS_MIME } from '../../lib/report/types.js';
import { CvglError } from '../../lib/engine/errors.js';
import { requireInCi } from '../ci_requirements.js';
import { findPython } from '../reference_python.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'notebooks');
const NAMES = ['rich', 'failing', 'timeout', 'parameters', 'library', 'dies', 'raises'] as const;
const CELL_TIMEOUT_S = 4;

let out: string;
const results = new Map<string, RunResult & { wall: number }>();
const pids: number[] = [];
const log = (l: string) => {
  const m = /^kernel pid (\d+) started/.exec(l);
  if (m) pids.push(Number(m[1]));
};

const codeCells = (r: RunResult) => r.notebook.cells.filter((c): c is CodeCell => c.cell_type === 'code');
const outputsOf = (r: RunResult) => codeCells(r).flatMap((c) => c.outputs);
const stdout = (c: CodeCell) => c.outputs.flatMap((o) => (o.output_type === 'stream' && o.name === 'stdout' ? [o.text] : [])).join('');

// connection folders as a kill -9 leaves them: one of a dead runner, one of a running one
let deadDir: string;
let liveDir: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'cvgl-runner-test-'));
  const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
  deadDir = join(tmpdir(), `cvgl-kernel-${gone}-dead00`);
  liveDir = join(tmpdir(), `cvgl-kernel-${process.ppid}-live00`);
  for (const d of [deadDir, liveDir]) {
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'conn.json'), '{}');
  }
  const t0 = performance.now();
  const rs = await runNotebooks(
    NAMES.filter((n) => n !== 'parameters').map((n) => join(FIX, `${n}.ipynb`)),
    { jobs: 2, outDir: out, cellTimeoutS: CELL_TIMEOUT_S, log },
  );
  const wall = (performance.now() - t0) / 1000;
  rs.forEach((r, i) => results.set(NAMES.filter((n) => n !== 'parameters')[i]!, { ...r, wall }));
  const t1 = performance.now();
  const p = await runNotebook(join(FIX, 'parameters.ipynb'), {
    outPath: join(out, 'parameters.ipynb'),
    params: { epochs: 3, label: 'tuned', extra: [1, 2] },
    profile: 'smoke',
    cellTimeoutS: 60,
    log,
  });
  results.set('parameters', { ...p, wall: (performance.now() - t1) / 1000 });
}, 150_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
  for (const d of [deadDir, liveDir]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('notebook runner', () => {
  it('runs the rich notebook: stream, every show.* MIME type, stderr, metadata', () => {
    const r = results.get('rich')!;
    expect(r.status.ok, JSON.stringify(r.status.error)).toBe(true);
    expect(r.status.failedCell).toBeNull();
    const outs = outputsOf(r);
    const mimes = new Set(outs.flatMap((o) => (o.output_type === 'display_data' ? Object.keys(o.data) : [])));
    for (const m of ['text/html', 'text/plain', 'application/vnd.vegalite.v5+json', 'image/png', 'image/svg+xml', 'text/markdown', RESULTS_MIME]) {
      expect(mimes, m).toContain(m);
    }
    const cells = codeCells(r);
    expect(stdout(cells[0]!)).toBe('hello from stdout\nsecond line\n');
    expect(cells[1]!.outputs.every((o) => o.output_type === 'display_data')).toBe(true);
    expect(cells[1]!.outputs).toHaveLength(8);
    const res = cells[1]!.outputs.find((o) => o.output_type === 'display_data' && RESULTS_MIME in o.data);
    expect(res && res.output_type === 'display_data' && (res.data[RESULTS_MIME] as { paper: string }).paper).toBe('cvft');
    // tslab echoes a cell's last expression to stdout (it never sends execute_result)
    expect(stdout(cells[2]!)).toBe('42\n');
    expect(cells[3]!.outputs.map((o) => (o.output_type === 'stream' ? o.name : o.output_type))).toEqual(['stderr', 'stdout']);
    // the chart carries its SVG picture, rendered in the kernel on a worker thread (one that
    // inherited the kernel's tsx --import hooks hung while the cell waited for it)
    const chart = cells[1]!.outputs.find((o) => o.output_type === 'display_data' && 'application/vnd.vegalite.v5+json' in o.data);
    expect(chart && chart.output_type === 'display_data' && String(chart.data['image/svg+xml'])).toMatch(/^<svg/);
    // a worker thread a cell starts runs alongside the kernel's guard
    expect(stdout(cells[4]!)).toBe('worker alive\n');
    expect(cells.map((c) => c.execution_count)).toEqual([1, 2, 3, 4, 5]);
    expect(r.notebook.metadata.kernelspec).toEqual({ name: 'tslab', display_name: 'TypeScript', language: 'typescript' });
    expect(r.notebook.metadata.language_info?.name).toBe('typescript');
    expect(r.notebook.nbformat_minor).toBe(5);
    const prov = r.status.provenance;
    expect(prov.versions.node).toBe(process.version);
    expect(prov.versions.tslab).toBe('1.0.22');
    expect(prov.machine.cores).toBeGreaterThan(0);
    expect(existsSync(r.outPath)).toBe(true);
  });

  it('stops at a failing cell, keeping outputs so far and the error', () => {
    const r = results.get('failing')!;
    expect(r.status.ok).toBe(false);
    expect(r.status.timedOut).toBe(false);
    expect(r.status.failedCell).toBe(1);
    expect(r.status.error).toEqual({ ename: 'Error', evalue: 'deliberate failure' });
    const cells = r.notebook.cells;
    expect(stdout(cells[0] as CodeCell)).toBe('before the failure\n');
    const err = (cells[1] as CodeCell).outputs.find((o) => o.output_type === 'error');
    expect(err).toMatchObject({ output_type: 'error', ename: 'Error', evalue: 'deliberate failure' });
    expect(err?.output_type === 'error' && err.traceback.join('\n')).toMatch(/deliberate failure/);
    for (const i of [2, 4]) {
      expect((cells[i] as CodeCell).outputs).toEqual([]);
      expect((cells[i] as CodeCell).execution_count).toBeNull();
    }
  });

  it('interrupts a cell past the per-cell timeout', () => {
    const r = results.get('timeout')!;
    expect(r.status.ok).toBe(false);
    expect(r.status.timedOut).toBe(true);
    expect(r.status.failedCell).toBe(1);
    expect(r.status.error?.ename).toBe('TimeoutError');
    const cells = r.notebook.cells as CodeCell[];
    expect(stdout(cells[0]!)).toBe('start\n');
    expect(cells[1]!.outputs.some((o) => o.output_type === 'error')).toBe(true);
    expect(cells[2]!.outputs).toEqual([]);
    // kernel start-up + 4 s + interrupt/close, far below the cell's 120 s sleep
    expect(r.status.seconds).toBeLessThan(CELL_TIMEOUT_S + 40);
  });

  it('injects parameters after the parameters cell', () => {
    const r = results.get('parameters')!;
    expect(r.status.ok, JSON.stringify(r.status.error)).toBe(true);
    const cells = r.notebook.cells;
    expect(cells[1]!.metadata.tags).toEqual(['parameters']);
    expect(cells[2]!.metadata.tags).toEqual(['injected-parameters']);
    const src = (Array.isArray(cells[2]!.source) ? cells[2]!.source.join('') : cells[2]!.source);
    expect(src).toContain('let epochs = 3;');
    expect(src).toContain('const label: string = "tuned";');
    expect(src).toContain('const profile = "smoke";');
    const printed = JSON.parse(stdout(cells[3] as CodeCell));
    expect(printed).toEqual({ epochs: 3, label: 'tuned', untouched: 'same', double: 6 });
    expect(r.status.provenance.profile).toBe('smoke');
    expect(r.status.provenance.params).toMatchObject({ epochs: 3, label: 'tuned', profile: 'smoke', untouched: 'same' });
  });

  it('imports the project library from a notebook', () => {
    const r = results.get('library')!;
    expect(r.status.ok, JSON.stringify(r.status.error)).toBe(true);
    const cells = codeCells(r);
    expect(stdout(cells[0]!)).toBe('true\n');
    const table = cells[1]!.outputs[0];
    expect(table?.output_type).toBe('display_data');
    expect(table?.output_type === 'display_data' && String(table.data['text/html'])).toContain('<td>');
    // the provenance states the backend the notebook's code started (asked from the kernel)
    expect(stdout(cells[2]!)).toBe('cpu\n');
    expect(r.status.provenance.backend?.name).toBe('cpu');
    expect(r.status.provenance.backend?.threads).toBe(1);
  });

  it('a failing cell ends the run with a CellError', () => {
    const r = results.get('failing')!;
    expect(r.error).toBeInstanceOf(CellError);
    const e = r.error as CellError;
    expect(e).toBeInstanceOf(CvglError);
    expect([e.cellIndex, e.ename, e.evalue]).toEqual([1, 'Error', 'deliberate failure']);
    expect(e.traceback.join('\n')).toMatch(/deliberate failure/);
    expect(e.notebook).toBe(join(FIX, 'failing.ipynb'));
  });

  it('a cell past its limit ends the run with a CellTimeoutError', () => {
    const r = results.get('timeout')!;
    expect(r.error).toBeInstanceOf(CellTimeoutError);
    const e = r.error as CellTimeoutError;
    expect([e.cellIndex, e.limitS, e.scope]).toEqual([1, CELL_TIMEOUT_S, 'cell']);
  });

  it('a kernel that exits in a cell ends the run with a KernelDiedError', () => {
    const r = results.get('dies')!;
    expect(r.error).toBeInstanceOf(KernelDiedError);
    expect((r.error as KernelDiedError).cellIndex).toBe(1);
    expect(r.status).toMatchObject({ ok: false, failedCell: 1, timedOut: false, error: { ename: 'KernelDied' } });
    const cells = codeCells(r);
    expect(stdout(cells[0]!)).toBe('alive\n');
    expect(cells[1]!.outputs.map((o) => o.output_type)).toEqual(['error']);
    expect([cells[2]!.outputs, cells[2]!.execution_count]).toEqual([[], null]);
  });

  it('a cell tagged raises-exception may raise: its error stays and the run goes on', () => {
    const r = results.get('raises')!;
    expect(r.error).toBeNull();
    expect(r.status.ok, JSON.stringify(r.status.error)).toBe(true);
    const cells = codeCells(r);
    expect(cells[0]!.outputs.find((o) => o.output_type === 'error')).toMatchObject({ ename: 'Error', evalue: 'meant to fail' });
    expect(stdout(cells[1]!)).toBe('went on\n');
    expect(cells.map((c) => c.execution_count)).toEqual([1, 2]);
  });

  it("records each executed cell's times in metadata.execution (nbclient's keys)", () => {
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    for (const name of ['rich', 'failing', 'raises'] as const) {
      const r = results.get(name)!;
      for (const c of codeCells(r)) {
        const t = c.metadata.execution as Record<string, string> | undefined;
        if (c.execution_count === null) {
          expect(t, `${name}: a cell not run has no times`).toBeUndefined();
          continue;
        }
        expect(Object.keys(t ?? {}).sort(), name).toEqual(['iopub.status.busy', 'iopub.status.idle', 'shell.execute_reply']);
        for (const v of Object.values(t!)) expect(v).toMatch(iso);
        expect(Date.parse(t!['iopub.status.busy']!)).toBeLessThanOrEqual(Date.parse(t!['shell.execute_reply']!));
      }
    }
    // and on disk
    const disk = JSON.parse(readFileSync(results.get('rich')!.outPath, 'utf8'));
    expect(disk.cells.find((c: { cell_type: string }) => c.cell_type === 'code').metadata.execution['iopub.status.idle']).toMatch(iso);
  });

  it('removes connection folders whose owner is gone, and leaves none of its own', () => {
    expect(existsSync(deadDir), deadDir).toBe(false);
    expect(existsSync(liveDir), liveDir).toBe(true);
    const mine = readdirSync(tmpdir()).filter((n) => n.startsWith(`cvgl-kernel-${process.pid}-`));
    expect(mine).toEqual([]);
  });

  it('leaves no kernel process behind', () => {
    expect(pids.length).toBe(NAMES.length);
    expect(liveKernelPids()).toEqual([]);
    for (const pid of pids) {
      let alive = true;
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
      expect(alive, `kernel pid ${pid} still running`).toBe(false);
    }
    const ps = spawnSync('pgrep', ['-f', `tslab kernel --config-path ${tmpdir()}/cvgl-kernel-`], { encoding: 'utf8' });
    const stray = ps.stdout.split('\n').filter(Boolean).map(Number).filter((p) => pids.includes(p));
    expect(stray).toEqual([]);
  });
});

describe('executed notebooks validate with Debian nbformat', () => {
  const py = findPython(['nbformat']);
  requireInCi('python3-nbformat', py.python !== null, 'reason' in py ? py.reason : undefined);

  it.runIf(py.python !== null)('nbformat.validate accepts every executed notebook', () => {
    const files = NAMES.map((n) => join(out, `${n}.ipynb`));
    const r = spawnSync(py.python!, [join(import.meta.dirname, '..', 'reference', 'nbformat_validate.py'), ...files], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  const nbconvert = '/usr/bin/jupyter-nbconvert';
  it.runIf(py.python !== null && existsSync(nbconvert))('jupyter nbconvert --to html converts the rich notebook', () => {
    const r = spawnSync(nbconvert, ['--to', 'html', '--stdout', join(out, 'rich.ipynb')], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('hello from stdout');
    expect(r.stdout).toContain('cvgl-table');
  }, 30_000);
});

describe('notebook and show helpers (no kernel)', () => {
  it('rejects a non-notebook with a CvglError', () => {
    expect(() => parseNotebook({ cells: 3 }, 'x.ipynb')).toThrow(CvglError);
    expect(() => parseNotebook([], 'x.ipynb')).toThrow(/nbformat 4 JSON/);
  });

  it('rejects a notebook of another language with a NotebookInvalidError', () => {
    const nb = (metadata: Record<string, unknown>) => parseNotebook({ nbformat: 4, nbformat_minor: 5, metadata, cells: [] });
    expect(() => checkTypeScript(nb({ kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } }), 'p.ipynb')).toThrow(NotebookInvalidError);
    expect(() => checkTypeScript(nb({ language_info: { name: 'python' } }), 'p.ipynb')).toThrow(/language_info.name "python"/);
    expect(() => checkTypeScript(nb({ kernelspec: 'tslab' }), 'p.ipynb')).toThrow(/kernelspec is not an object/);
    expect(() => checkTypeScript(nb({}), 't.ipynb')).not.toThrow();
    expect(() => checkTypeScript(nb({ kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } }), 't.ipynb')).not.toThrow();
    expect(() => parseNotebook({ nbformat: 3, cells: [] }, 'x.ipynb')).toThrow(NotebookInvalidError);
  });

  it('writes a notebook atomically: a new file renamed over the old, no temporary file left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cvgl-write-test-'));
    try {
      const path = join(dir, 'a.ipynb');
      const nb = parseNotebook({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', source: 'x', metadata: {} }] });
      writeNotebook(path, nb);
      const first = statSync(path).ino;
      writeNotebook(path, nb);
      // written in place, a reader could see half a notebook; renamed, it sees the old or the new
      expect(statSync(path).ino).not.toBe(first);
      expect(parseNotebook(JSON.parse(readFileSync(path, 'utf8'))).cells).toHaveLength(1);
      expect(readdirSync(dir)).toEqual(['a.ipynb']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('processAlive: this process yes, a finished one no', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(spawnSync(process.execPath, ['-e', '0']).pid!)).toBe(false);
  });

  it('gives cells stable ids and upgrades to 4.5', () => {
    const raw = { nbformat: 4, nbformat_minor: 2, metadata: {}, cells: [{ cell_type: 'code', source: ['a\n', 'b'], metadata: {} }, { cell_type: 'markdown', source: 'x' }] };
    const a = parseNotebook(structuredClone(raw));
    const b = parseNotebook(structuredClone(raw));
    expect(a.nbformat_minor).toBe(5);
    expect(a.cells.map((c) => c.id)).toEqual(b.cells.map((c) => c.id));
    expect(new Set(a.cells.map((c) => c.id)).size).toBe(2);
    expect((a.cells[0] as CodeCell).outputs).toEqual([]);
  });

  it('signs messages and rejects a bad signature', () => {
    const m = makeMessage('s', 'kernel_info_request', {});
    const frames = encode('key', m);
    expect(decode('key', frames).header.msg_id).toBe(m.header.msg_id);
    expect(() => decode('other', frames)).toThrow(SignatureError);
    const tampered = [...frames];
    tampered[5] = Buffer.from('{"x":1}');
    expect(() => decode('key', tampered)).toThrow(SignatureError);
  });

  it('reads parameter declarations', () => {
    const d = parameterDeclarations("let epochs = 1;\nconst label: 'a' | 'b' = 'a';\nvar x;");
    expect([...d]).toEqual([
      ['epochs', { keyword: 'let', type: null }],
      ['label', { keyword: 'const', type: "'a' | 'b'" }],
      ['x', { keyword: 'var', type: null }],
    ]);
    expect(parametersSource({ epochs: 2, other: { a: 1 } }, d)).toBe('// Parameters injected by the cvgl report runner\nlet epochs = 2;\nconst other = {"a":1};\n');
  });

  it('reads the default values of the parameters cell (literals only)', () => {
    const nb = parseNotebook({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [
      { cell_type: 'code', metadata: { tags: ['parameters'] }, source: "let seed = 1;\nlet lr: number = -1e-3;  // comment\nlet data = '../it\\'s';\nlet on = true;\nlet sizes = [1, 2];\nconst name = \"a\";", outputs: [], execution_count: null },
    ] });
    expect(parameterDefaults(nb)).toEqual({ seed: 1, lr: -1e-3, data: "../it's", on: true, name: 'a' });
  });

  it('show.* outside a kernel prints text/plain and returns the bundle', () => {
    const writes: string[] = [];
    const orig = process.stdout.write;
    process.stdout.write = ((s: string) => (writes.push(String(s)), true)) as typeof process.stdout.write;
    let b;
    try {
      b = show.table({ columns: ['a', 'b'], rows: [[1, 2.5]] });
    } finally {
      process.stdout.write = orig;
    }
    expect(b).toEqual(bundles.table({ columns: ['a', 'b'], rows: [[1, 2.5]] }));
    expect(writes.join('')).toContain('2.50');
    const res = bundles.results({ paper: 'cvft', results: { e: { r1: 1 } }, dataset: { name: 'd', substitute: false } });
    expect(Object.keys(res)).toEqual([RESULTS_MIME, 'text/html', 'text/plain']);
    expect(bundles.recallTable([{ name: 'x', r1: 50, r10: 90 }])['text/plain']).toMatch(/R@1 +R@10/);
  });

  it('a danfojs DataFrame is a table (its index as the first column unless 0..n-1)', async () => {
    const dfd = await import('danfojs');
    const df = new dfd.DataFrame({ model: ['cvft', 'safa'], r1: [61.43, 89.84] }, { index: ['CVUSA', 'CVACT'] });
    const html = String(bundles.table(df as never)['text/html']);
    expect(html).toContain('<th>model</th><th>r1</th>');
    expect(html).toContain('<tr><td>CVUSA</td><td>cvft</td><td>61.43</td></tr>');
    const plain = new dfd.DataFrame({ a: [1, 2] });
    expect(String(bundles.table(plain as never)['text/html'])).toContain('<thead><tr><th>a</th></tr></thead>');
  });
});
