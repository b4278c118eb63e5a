/**
 * Headless notebook runner: executes a notebook's code cells in order on a fresh tslab kernel
 * (kernel.ts) and writes the executed copy (nbformat 4.5) with `metadata.cvgl` = what the notebook
 * declared plus NotebookRunStatus, `metadata.kernelspec` (the notebook's own TypeScript one, else
 * tslab's) and `metadata.language_info`.
 *
 * ## Importing the project library from a notebook
 *
 * The kernel runs with the notebook's folder as cwd and tsx's loader hooks, so the library is
 * loaded at run time with a `require` of the **package name**, which package.json "exports" maps
 * to the `.ts` sources (`cvgl`, `cvgl/papers/<paper>`, `cvgl/show`, `cvgl/charts`); it resolves
 * from any folder of the repository (package self-reference) and from a folder whose
 * node_modules/cvgl is this checkout:
 *
 *     const cvgl = { ...require('cvgl'), ...require('cvgl/papers/cvft') };
 *     const { show } = require('cvgl/show');
 *
 * A relative `.ts` path (`require('../lib/index.ts')`) works too, but only where the notebook sits.
 *
 * A static `import { X } from '../lib/index.js'` does NOT work in tslab: tslab type-checks and
 * compiles every imported local file itself with its TypeScript 5.0 fork, `rootDir` = the kernel's
 * cwd ("File '…/lib/index.ts' is not under 'rootDir'"), and even with the repo root as cwd it
 * rejects our sources (newer TS narrowing, import.meta in its CommonJS output). A `require` call is
 * opaque to tslab's compiler (typed `any`) and is resolved by Node with tsx's CommonJS hook, which
 * needs the resolved file to be `.ts` (its `.js`→`.ts` mapping applies only inside TypeScript
 * files): hence "exports" names the `.ts` files.
 * Consequence: library values are untyped (`any`) in notebook cells.
 *
 * tslab quirk: a shorthand property naming a variable of an earlier cell (`{ epochs }`) is not
 * rewritten by tslab ("epochs is not defined"): write `{ epochs: epochs }`.
 *
 * ## Parameters (papermill-style)
 *
 * Tag one code cell `parameters` (cell.metadata.tags) and declare each parameter on its own line
 * as `let name = value;` or `const name: Type = value;`. Given `params`, the runner inserts after it
 * a cell tagged `injected-parameters` that redeclares each one with the same keyword and type
 * annotation and the JSON value: `let epochs = 3;` (tslab allows redeclaring top-level `let` and
 * `const` in a later cell; the later declaration wins). A parameter the cell does not declare is
 * injected as `const name = value;` (and logged). Without a `parameters` cell the injected cell
 * goes first. `profile` (opts.profile) is passed as the parameter `profile` unless params has one,
 * and as the environment variable CVGL_PROFILE.
 *
 * ## Failure and time limits (nbclient's semantics)
 *
 * A failing cell stops the run: the outputs so far and the error stay, later cells keep no
 * outputs and `execution_count: null`. A cell running past `cellTimeoutS` (or past the notebook's
 * remaining `timeoutS`) is interrupted (SIGINT, tslab's mechanism), and the kernel is killed when
 * it does not stop within 5 s. How a run ended is a typed error in `RunResult.error` (errors.ts):
 * `CellError` (a cell raised: its index, ename, evalue, traceback), `CellTimeoutError`,
 * `KernelDiedError` (the kernel exited, e.g. `process.exit` in a cell), `NotebookInvalidError`
 * (not run at all); callers branch with `instanceof`. `metadata.cvgl` of the executed copy keeps
 * the NotebookRunStatus the report pages read.
 *
 * A cell tagged `raises-exception` may raise: its error output stays and the run goes on (a
 * timeout or a dead kernel still ends the run).
 *
 * ## The executed copy as it goes
 *
 * The executed copy is written when the run starts (every code cell cleared), after every code
 * cell, and at the end, each time atomically (a temporary file renamed over it): a run that is
 * killed, even with kill -9, leaves a valid notebook with the cells it finished and their
 * outputs. Each executed cell gets nbclient's `metadata.execution` times (ISO 8601) of the
 * messages that framed it: `iopub.status.busy`, `shell.execute_reply`, `iopub.status.idle`
 * (`iopub.execute_input` too when the kernel sends it; tslab does not).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { machineInfo } from '../../engine/device.js';
import type { NotebookRunStatus, Provenance } from '../types.js';
import { CellError, CellTimeoutError, KernelDiedError, type RunError } from './errors.js';
import { Kernel, REPO_ROOT } from './kernel.js';
import { cellTags, checkTypeScript, codeCell, joinSource, readNotebook, TSLAB_KERNELSPEC, writeNotebook, type CodeCell, type Notebook } from './notebook.js';

export interface RunOptions {
  /** Where to write the executed notebook; default `<name>.executed.ipynb` beside the input. */
  outPath?: string;
  params?: Record<string, unknown>;
  profile?: string;
  /** Per-cell limit in seconds (default 1800: a cell of a quick study runs each row with three seeds). */
  cellTimeoutS?: number;
  /** Whole-notebook limit in seconds (default 3600). */
  timeoutS?: number;
  log?: (line: string) => void;
  provenance?: () => Promise<Provenance> | Provenance;
}

export interface RunResult {
  notebook: Notebook;
  status: NotebookRunStatus;
  outPath: string;
  /** How the run failed (null: it did not): a RunError, or what stopped the kernel from starting. */
  error: RunError | Error | null;
}

export const PARAMETERS_TAG = 'parameters';
export const INJECTED_TAG = 'injected-parameters';
/** nbclient's tag for a cell that is meant to raise: its error does not stop the run. */
export const RAISES_TAG = 'raises-exception';

/** `name → {keyword, type annotation}` of the declarations in a parameters cell (one per line). */
export function parameterDeclarations(source: string): Map<string, { keyword: 'let' | 'const' | 'var'; type: string | null }> {
  const out = new Map<string, { keyword: 'let' | 'const' | 'var'; type: string | null }>();
  const re = /^\s*(?:export\s+)?(let|const|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*([^=]+?))?\s*(?:=|;|$)/gm;
  for (const m of source.matchAll(re)) out.set(m[2]!, { keyword: m[1] as 'let' | 'const' | 'var', type: m[3]?.trim() || null });
  return out;
}

function literal(v: unknown): string {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

/** The source of the injected-parameters cell. */
export function parametersSource(params: Record<string, unknown>, declared: ReturnType<typeof parameterDeclarations>, log?: (l: string) => void): string {
  const lines = ['// Parameters injected by the cvgl report runner'];
  for (const [name, value] of Object.entries(params)) {
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`parameter name ${JSON.stringify(name)} is not an identifier`);
    const d = declared.get(name);
    if (!d) log?.(`parameter ${name} is not declared in the notebook's parameters cell: injected as const`);
    const keyword = d?.keyword === 'var' ? 'var' : (d?.keyword ?? 'const');
    lines.push(`${keyword} ${name}${d?.type ? `: ${d.type}` : ''} = ${literal(value)};`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The values a notebook's parameters cell gives its parameters (`let seed = 1;`, `let data =
 * '../data';`): number, boolean, null and quoted-string literals; others are left out. With the
 * injected values on top, they are the parameters a run really used (its provenance).
 */
export function parameterDefaults(nb: Notebook): Record<string, unknown> {
  const cell = nb.cells.find((c) => c.cell_type === 'code' && cellTags(c).includes(PARAMETERS_TAG));
  const out: Record<string, unknown> = {};
  if (!cell) return out;
  const re = /^\s*(?:export\s+)?(?:let|const|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|true|false|null|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*;?\s*(?:\/\/.*)?$/gm;
  for (const m of joinSource(cell.source).matchAll(re)) {
    const v = m[2]!;
    out[m[1]!] = v.startsWith("'") ? JSON.parse(`"${v.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"`) : JSON.parse(v);
  }
  return out;
}

/** Inserts (or replaces) the injected-parameters cell; returns its index. */
export function injectParameters(nb: Notebook, params: Record<string, unknown>, log?: (l: string) => void): number {
  nb.cells = nb.cells.filter((c) => !cellTags(c).includes(INJECTED_TAG));
  const at = nb.cells.findIndex((c) => c.cell_type === 'code' && cellTags(c).includes(PARAMETERS_TAG));
  const declared = at >= 0 ? parameterDeclarations(joinSource(nb.cells[at]!.source)) : new Map();
  if (at < 0) log?.('no cell tagged "parameters": injecting the parameters first');
  const cell = codeCell(parametersSource(params, declared, log), [INJECTED_TAG], 'injected-parameters');
  nb.cells.splice(at + 1, 0, cell);
  return at + 1;
}

function git(args: string[]): string | null {
  const r = spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function pkgVersion(name: string): string | null {
  try {
    return JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')).version ?? null;
  } catch {
    return null;
  }
}

interface SessionRecord {
  backend: { name: string; device: string; threads: number } | null;
  datasets: { name: string; path: string; pairs: Record<string, number>; splitHash: string }[];
}

const PROBE_MARK = '__CVGL_SESSION__';

/**
 * After the last cell: asks the kernel what backend and datasets the notebook's code used
 * (`globalThis.__cvglProvenance`, set by lib/engine/session.ts once the library is loaded). The
 * probe is not written into the notebook; a kernel without the library answers null.
 */
async function probeSession(kernel: Kernel): Promise<SessionRecord | null> {
  const code = `{ const p = (globalThis as any).__cvglProvenance; console.log('${PROBE_MARK}' + JSON.stringify(p ? p() : null)); }`;
  try {
    const r = await kernel.execute(code, { timeoutS: 30 });
    for (const o of r.outputs) {
      if (o.output_type !== 'stream') continue;
      const text = joinSource((o as { text: string | string[] }).text);
      const line = text.split('\n').find((l) => l.startsWith(PROBE_MARK));
      if (line) return JSON.parse(line.slice(PROBE_MARK.length)) as SessionRecord | null;
    }
  } catch {
    /* provenance stays as the runner knows it */
  }
  return null;
}

/** The provenance used when the caller gives none: git state, date, machine, versions. */
export function minimalProvenance(profile: string, params: Record<string, unknown>): Provenance {
  const commit = git(['rev-parse', 'HEAD']);
  const porcelain = git(['status', '--porcelain']);
  const m = machineInfo();
  const versions: Record<string, string> = { node: process.version };
  for (const [k, p] of [['tfjs', '@tensorflow/tfjs'], ['tslab', 'tslab'], ['tsx', 'tsx']] as const) {
    const v = pkgVersion(p);
    if (v) versions[k] = v;
  }
  return {
    git: { commit, dirty: porcelain === null ? null : porcelain.length > 0 },
    date: new Date().toISOString(),
    machine: { cpu: m.cpu, cores: m.cores, memoryGiB: m.memoryGiB, gpu: null },
    backend: null,
    versions,
    dataset: null,
    profile,
    seed: typeof params.seed === 'number' ? params.seed : null,
    params,
  };
}

function defaultOutPath(path: string): string {
  return join(dirname(path), basename(path).replace(/\.ipynb$/i, '') + '.executed.ipynb');
}

/** Executes one notebook; see the module comment for parameters, imports and limits. */
export async function runNotebook(path: string, opts: RunOptions = {}): Promise<RunResult> {
  const log = opts.log ?? (() => {});
  const abs = resolve(path);
  const outPath = resolve(opts.outPath ?? defaultOutPath(abs));
  const nb = checkTypeScript(readNotebook(abs), abs);
  // a --param profile=… wins over --profile, as it does for the parameter itself
  const profile = typeof opts.params?.profile === 'string' ? opts.params.profile : opts.profile ?? 'default';
  const params: Record<string, unknown> = { ...(opts.profile !== undefined && !(opts.params && 'profile' in opts.params) ? { profile: opts.profile } : {}), ...opts.params };
  if (Object.keys(params).length) injectParameters(nb, params, log);
  const cellTimeoutS = opts.cellTimeoutS ?? 1800;
  const timeoutS = opts.timeoutS ?? 3600;
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  for (const c of nb.cells) {
    if (c.cell_type !== 'code') continue;
    Object.assign(c, { outputs: [], execution_count: null });
    delete c.metadata.execution; // times of an earlier run
  }
  // the notebook's own TypeScript kernelspec (e.g. `cvgl kernel install`'s, which can load lib/)
  // stays, so that the executed copy opens in Jupyter on the same kernel; otherwise tslab's
  const own = nb.metadata.kernelspec;
  const declared = nb.metadata.cvgl !== null && typeof nb.metadata.cvgl === 'object' ? (nb.metadata.cvgl as Record<string, unknown>) : {};
  const languageInfo = (li: Record<string, unknown>) => ({ ...li, name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' });
  nb.metadata = {
    ...nb.metadata,
    kernelspec: own?.language === 'typescript' ? { ...own } : { ...TSLAB_KERNELSPEC },
    language_info: languageInfo({}),
    // what the notebook declared; how the run went is added at the end
    cvgl: { ...declared },
  };
  // saved now and after every cell: a killed run leaves what it did
  writeNotebook(outPath, nb);

  let failedCell: number | null = null;
  let error: NotebookRunStatus['error'] = null;
  let failure: RunResult['error'] = null;
  let timedOut = false;
  let kernel: Kernel | null = null;
  let used: SessionRecord | null = null;
  try {
    log(`${basename(abs)}: starting kernel`);
    kernel = await Kernel.start({ cwd: dirname(abs), log, label: abs, env: profile !== 'default' ? { CVGL_PROFILE: profile } : {} });
    nb.metadata.language_info = languageInfo((kernel.info?.language_info ?? {}) as Record<string, unknown>);
    for (let i = 0; i < nb.cells.length; i++) {
      const cell = nb.cells[i]!;
      if (cell.cell_type !== 'code') continue;
      const src = joinSource(cell.source);
      if (!src.trim()) continue;
      const left = timeoutS - elapsed();
      const limit = Math.min(cellTimeoutS, left);
      if (limit <= 0) {
        failedCell = i;
        timedOut = true;
        error = { ename: 'TimeoutError', evalue: `notebook ran past ${timeoutS} s` };
        failure = new CellTimeoutError(abs, i, timeoutS, 'notebook', false);
        break;
      }
      const r = await kernel.execute(src, { timeoutS: limit, stopOnError: !cellTags(cell).includes(RAISES_TAG) });
      (cell as CodeCell).outputs = r.outputs;
      (cell as CodeCell).execution_count = r.executionCount;
      cell.metadata.execution = { ...r.execution };
      writeNotebook(outPath, nb);
      log(`${basename(abs)}: cell ${i} ${r.status} (${r.seconds.toFixed(2)} s)`);
      if (r.status === 'ok') continue;
      const e = r.error ?? { ename: 'Aborted', evalue: 'the kernel aborted the cell', traceback: [] };
      if (r.status === 'timeout') {
        const whole = limit < cellTimeoutS;
        if (whole) e.evalue = `notebook ran past ${timeoutS} s (${e.evalue})`;
        failure = new CellTimeoutError(abs, i, whole ? timeoutS : cellTimeoutS, whole ? 'notebook' : 'cell', r.killed);
      } else if (r.died) {
        failure = new KernelDiedError(abs, i, e.evalue);
      } else if (cellTags(cell).includes(RAISES_TAG)) {
        log(`${basename(abs)}: cell ${i} raised ${e.ename} as its "${RAISES_TAG}" tag allows`);
        continue;
      } else {
        failure = new CellError(abs, i, e.ename, e.evalue, e.traceback);
      }
      failedCell = i;
      timedOut = r.status === 'timeout';
      error = { ename: e.ename, evalue: e.evalue };
      break;
    }
    if (!timedOut && kernel.alive) used = await probeSession(kernel);
  } catch (e) {
    error = { ename: (e as Error).name ?? 'Error', evalue: (e as Error).message ?? String(e) };
    failure = e instanceof Error ? e : new Error(String(e));
    failedCell = failedCell ?? -1;
  } finally {
    await kernel?.close();
  }
  if (failedCell === -1) failedCell = null;
  const provenance = opts.provenance ? await opts.provenance() : minimalProvenance(profile, { ...parameterDefaults(nb), ...params });
  // what the kernel really used (lib/engine/session.ts), when the notebook loaded the library
  if (used?.backend) provenance.backend = { ...used.backend };
  const dataset = used?.datasets[used.datasets.length - 1];
  if (dataset) provenance.dataset = { name: dataset.name, path: dataset.path, pairs: dataset.pairs, splitHash: dataset.splitHash };
  const status: NotebookRunStatus = {
    ok: error === null,
    failedCell,
    error,
    timedOut,
    seconds: Math.round(elapsed() * 100) / 100,
    provenance,
  };
  // what the notebook declared (its paper, expected time) and how this run went
  nb.metadata.cvgl = { ...declared, ...status };
  writeNotebook(outPath, nb);
  log(`${basename(abs)}: ${status.ok ? 'ok' : `failed at cell ${failedCell}: ${error?.ename}: ${error?.evalue}`} → ${outPath}`);
  return { notebook: nb, status, outPath, error: failure };
}

/** Runs notebooks, `jobs` at a time (default 1); results in the order of `paths`. */
export async function runNotebooks(paths: string[], opts: Omit<RunOptions, 'outPath'> & { jobs?: number; outDir?: string } = {}): Promise<RunResult[]> {
  const { jobs = 1, outDir, ...rest } = opts;
  const results: RunResult[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      const p = paths[i]!;
      results[i] = await runNotebook(p, { ...rest, outPath: outDir ? join(outDir, basename(p)) : undefined });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, paths.length)) }, worker));
  return results;
}
