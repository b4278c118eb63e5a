/**
 * A tslab kernel as a child process, driven over Jupyter messaging 5.3 (messaging.ts).
 *
 * The kernel runs as `node --import <tsx loader> node_modules/tslab/bin/tslab kernel --config-path
 * <conn.json>` (TypeScript mode; `js: true` adds `--js`) with the notebook's folder as cwd. tsx's
 * hooks (ESM and CommonJS) let the CommonJS code tslab compiles cells into `require` the project's
 * ESM TypeScript (`.js` specifiers mapped to `.ts`).
 *
 * What tslab sends (read from node_modules/tslab/dist/jupyter.js, executor.js, main.js): `stream`
 * (stdout/stderr), `display_data` / `update_display_data` (tslab.display), `status` busy/idle,
 * and the shell `execute_reply` {status: ok|error|abort}. It never sends `execute_result` (the
 * value of a cell's last expression is console.log'ed, i.e. a stdout stream) nor `error` (a thrown
 * error is console.error'ed, i.e. a stderr stream, and the reply's status is 'error'): this client
 * handles both message types when they come, and otherwise synthesizes the `error` output from
 * the cell's last stderr message. tslab ignores `interrupt_request` on the control channel
 * (unknown msg_type) and interrupts on SIGINT (main.js: `process.on('SIGINT', executor.interrupt)`,
 * plus `breakOnSigint` for synchronous code), so `interrupt()` sends SIGINT to the process.
 *
 * Kernel processes never outlive this process: they are spawned detached (own process group) and
 * killed with SIGKILL to the group on close when they do not exit, and on this process's 'exit',
 * SIGINT and SIGTERM. Where none of that runs (kill -9 of this process), kernel_guard.ts, loaded
 * into the kernel, sees its stdin pipe from this process close and kills the kernel's group.
 *
 * The connection file holds the HMAC key: it lives in `<tmp>/cvgl-kernel-<owner pid>-XXXXXX/`,
 * is removed as soon as the kernel has read it (the kernel answered), and on every exit path that
 * runs code; folders whose owner pid is gone (left by a kill -9) are removed when the next kernel
 * starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CvglError } from '../../engine/errors.js';
import { processAlive } from '../../engine/pid_lock.js';
import { KernelDiedError } from './errors.js';
import { KernelClient, makeConnectionInfo, type ConnectionInfo, type JupyterMessage } from './messaging.js';

/** The repository root (this file is lib/report/runner/kernel.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Loaded into each kernel (--import): it exits when this process goes. */
const GUARD = fileURLToPath(new URL('./kernel_guard.ts', import.meta.url));

/** nbformat output dicts (v4). */
export type MimeBundle = Record<string, string | string[] | unknown>;
export type Output =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { output_type: 'display_data'; data: MimeBundle; metadata: Record<string, unknown> }
  | { output_type: 'execute_result'; data: MimeBundle; metadata: Record<string, unknown>; execution_count: number | null }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

export interface ExecuteResult {
  /** 'timeout': the cell ran past its limit (interrupted, and the kernel killed if that did not stop it). */
  status: 'ok' | 'error' | 'abort' | 'timeout';
  executionCount: number | null;
  outputs: Output[];
  error: { ename: string; evalue: string; traceback: string[] } | null;
  /** true when the kernel had to be killed (it is dead afterwards). */
  killed: boolean;
  /** true when the kernel exited on its own before answering (process.exit in the cell, a crash). */
  died: boolean;
  /** When the kernel's messages for this cell came (nbclient's cell.metadata.execution keys, ISO 8601). */
  execution: CellTiming;
  seconds: number;
}

/** nbclient's `cell.metadata.execution`: the dates of the messages that frame a cell's execution. */
export interface CellTiming {
  'iopub.status.busy'?: string;
  'iopub.execute_input'?: string;
  'shell.execute_reply'?: string;
  'iopub.status.idle'?: string;
}

export interface KernelOptions {
  /** Working folder of the kernel (the notebook's folder). */
  cwd: string;
  /** JavaScript mode (`tslab kernel --js`). */
  js?: boolean;
  /** Seconds to wait for kernel_info_reply. Default 180. */
  startTimeoutS?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** What the kernel runs (the notebook's path), for error messages. */
  label?: string;
}

// ---- kernels never outlive this process --------------------------------------------------------

/** Running kernels and their connection folders. */
const live = new Map<ChildProcess, string>();
let hooksInstalled = false;
const DIR_PREFIX = 'cvgl-kernel-';

function killGroup(p: ChildProcess): void {
  if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
  try {
    process.kill(-p.pid, 'SIGKILL');
  } catch {
    try {
      p.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}

function killAll(): void {
  for (const [p, dir] of live) {
    killGroup(p);
    rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

export { processAlive };

/**
 * Removes connection folders (`<root>/cvgl-kernel-<owner pid>-XXXXXX`) whose owner process is gone:
 * what a kill -9 of a runner leaves (their files hold kernels' HMAC keys). Returns the folders removed.
 */
export function removeStaleConnectionDirs(root = tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = new RegExp(`^${DIR_PREFIX}(\\d+)-[A-Za-z0-9]{6}$`).exec(name);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    try {
      rmSync(join(root, name), { recursive: true, force: true });
      removed.push(join(root, name));
    } catch {
      /* another user's: theirs to remove */
    }
  }
  return removed;
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      killAll();
      // Keep the default behaviour (terminate) unless someone else handles the signal.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

/** Pids of kernel processes this process started and that are still running. */
export function liveKernelPids(): number[] {
  return [...live.keys()].filter((p) => p.exitCode === null && p.signalCode === null).map((p) => p.pid!);
}

// ---- the kernel ----------------------------------------------------------------------------------

export function tslabBin(): string {
  const bin = join(REPO_ROOT, 'node_modules', '.bin', 'tslab');
  if (!existsSync(bin)) {
    throw new CvglError('tslab installed in node_modules', `no ${bin}`, 'run `npm ci` in the repository root');
  }
  return realpathSync(bin);
}

export function tsxLoader(): string {
  const p = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  if (!existsSync(p)) throw new CvglError('tsx installed in node_modules', `no ${p}`, 'run `npm ci` in the repository root');
  return pathToFileURL(p).href;
}

interface Pending {
  msgId: string;
  outputs: Output[];
  displayIds: Map<string, number[]>;
  clearWait: boolean;
  idle: boolean;
  reply: JupyterMessage | null;
  stderrChunks: { text: string; at: number }[];
  execution: CellTiming;
  done: () => void;
  onIopub?: (m: JupyterMessage) => void;
}

export class Kernel {
  readonly proc: ChildProcess;
  readonly client: KernelClient;
  private readonly dir: string;
  private readonly pending = new Map<string, Pending>();
  private readonly stderrTail: string[] = [];
  private exited: Promise<void>;
  private dead = false;
  /** Date.now() of the last error reply (tslab's abort window follows it). */
  private lastErrorAt = 0;
  private log: (line: string) => void;
  private readonly label: string;
  /** The kernel_info_reply content (language_info, implementation_version, …). */
  info: Record<string, any> = {};

  private constructor(proc: ChildProcess, info: ConnectionInfo, dir: string, log: (line: string) => void, label: string) {
    this.proc = proc;
    this.dir = dir;
    this.log = log;
    this.label = label;
    this.client = new KernelClient(info);
    this.exited = new Promise((resolve) => {
      proc.once('exit', () => {
        this.dead = true;
        live.delete(proc);
        for (const p of this.pending.values()) p.done();
        resolve();
      });
    });
    const keep = (b: Buffer) => {
      this.stderrTail.push(b.toString());
      if (this.stderrTail.length > 50) this.stderrTail.shift();
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    void this.client.listen('shell', (m) => this.route(m, 'shell'));
    void this.client.listen('control', (m) => this.route(m, 'shell'));
    void this.client.listen('iopub', (m) => this.route(m, 'iopub'));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Starts a kernel and waits until it answers kernel_info and its iopub reaches us. */
  static async start(opts: KernelOptions): Promise<Kernel> {
    installHooks();
    removeStaleConnectionDirs();
    const log = opts.log ?? (() => {});
    const info = await makeConnectionInfo();
    const [loader, tslab] = [tsxLoader(), tslabBin()];
    // the owner pid in the name lets the next run tell a leftover (owner gone) from a live run's
    const dir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
    const conn = join(dir, 'conn.json');
    const args = ['--import', loader, '--import', pathToFileURL(GUARD).href, tslab, 'kernel', '--config-path', conn, ...(opts.js ? ['--js'] : [])];
    let proc: ChildProcess;
    try {
      writeFileSync(conn, JSON.stringify(info, null, 2), { mode: 0o600 });
      proc = spawn(process.execPath, args, {
        cwd: opts.cwd,
        detached: true,
        // stdin: a pipe this process never writes to; kernel_guard.ts exits when it closes
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, ...opts.env, CVGL_IN_KERNEL: '1' },
      });
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    live.set(proc, dir);
    proc.stdin?.on('error', () => {}); // never written to: an EPIPE when the kernel is gone is no news
    const k = new Kernel(proc, info, dir, log, opts.label ?? opts.cwd);
    log(`kernel pid ${proc.pid} started in ${opts.cwd}`);
    try {
      await k.waitReady((opts.startTimeoutS ?? 180) * 1000); // generous: a loaded 2-core machine (CI) has taken over 60 s
    } catch (e) {
      await k.close();
      throw e;
    }
    // the kernel has read the connection file (it answered on the ports it names): the key need
    // not stay on disk
    rmSync(dir, { recursive: true, force: true });
    return k;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const t0 = Date.now();
    // Repeat kernel_info_request until both its shell reply and an iopub status for it arrive
    // (the latter proves the iopub subscription is live: no lost outputs of the first cell).
    while (Date.now() - t0 < timeoutMs) {
      if (this.dead) break;
      const req = this.client.message('kernel_info_request', {});
      let sawIopub = false;
      const p = this.track(req.header.msg_id, () => (sawIopub = true));
      await this.client.send('shell', req);
      await Promise.race([p.promise, new Promise((r) => setTimeout(r, 1000))]);
      this.pending.delete(req.header.msg_id);
      if (p.state.reply && sawIopub) {
        this.info = p.state.reply.content as Record<string, any>;
        return;
      }
    }
    if (this.dead) throw new KernelDiedError(this.label, null, this.stderrTail.join('').slice(-2000));
    throw new CvglError(
      'a tslab kernel answering kernel_info_request',
      `no answer within ${timeoutMs / 1000} s`,
      'check that `node_modules/.bin/tslab kernel` starts (npm ci)',
    );
  }

  private track(msgId: string, onIopub?: (m: JupyterMessage) => void) {
    let done!: () => void;
    const promise = new Promise<void>((r) => (done = r));
    const state: Pending = { msgId, outputs: [], displayIds: new Map(), clearWait: false, idle: false, reply: null, stderrChunks: [], execution: {}, done, onIopub };
    this.pending.set(msgId, state);
    return { promise, state };
  }

  private route(m: JupyterMessage, channel: 'shell' | 'iopub'): void {
    const parent = m.parent_header?.msg_id;
    const p = parent ? this.pending.get(parent) : undefined;
    if (!p) return;
    if (channel === 'shell') {
      p.reply = m;
      if (m.header.msg_type === 'execute_reply') p.execution['shell.execute_reply'] = stamp(m);
    } else {
      p.onIopub?.(m);
      this.collect(p, m);
    }
    if (p.reply && (p.idle || p.reply.header.msg_type !== 'execute_reply')) p.done();
  }

  private collect(p: Pending, m: JupyterMessage): void {
    const c = m.content as Record<string, any>;
    const push = (o: Output) => {
      if (p.clearWait) {
        p.outputs.length = 0;
        p.displayIds.clear();
        p.clearWait = false;
      }
      p.outputs.push(o);
      return p.outputs.length - 1;
    };
    switch (m.header.msg_type) {
      case 'status':
        if (c.execution_state === 'idle') {
          p.idle = true;
          p.execution['iopub.status.idle'] = stamp(m);
        } else if (c.execution_state === 'busy') p.execution['iopub.status.busy'] ??= stamp(m);
        break;
      case 'execute_input': // tslab sends none; kernels that do get their time recorded
        p.execution['iopub.execute_input'] = stamp(m);
        break;
      case 'stream': {
        const name = c.name === 'stderr' ? 'stderr' : 'stdout';
        const text = String(c.text ?? '');
        if (name === 'stderr') p.stderrChunks.push({ text, at: p.outputs.length });
        const last = p.outputs[p.outputs.length - 1];
        if (!p.clearWait && last && last.output_type === 'stream' && last.name === name) last.text += text;
        else push({ output_type: 'stream', name, text });
        break;
      }
      case 'display_data': {
        const i = push({ output_type: 'display_data', data: c.data ?? {}, metadata: c.metadata ?? {} });
        const id = c.transient?.display_id;
        if (typeof id === 'string') p.displayIds.set(id, [...(p.displayIds.get(id) ?? []), i]);
        break;
      }
      case 'update_display_data': {
        const id = c.transient?.display_id;
        for (const i of (typeof id === 'string' && p.displayIds.get(id)) || []) {
          const o = p.outputs[i];
          if (o && o.output_type === 'display_data') {
            o.data = c.data ?? {};
            o.metadata = c.metadata ?? {};
          }
        }
        break;
      }
      case 'execute_result':
        push({ output_type: 'execute_result', data: c.data ?? {}, metadata: c.metadata ?? {}, execution_count: c.execution_count ?? null });
        break;
      case 'error':
        push({ output_type: 'error', ename: String(c.ename ?? 'Error'), evalue: String(c.evalue ?? ''), traceback: (c.traceback ?? []).map(String) });
        break;
      case 'clear_output':
        if (c.wait) p.clearWait = true;
        else {
          p.outputs.length = 0;
          p.displayIds.clear();
        }
        break;
      default:
        break;
    }
  }

  /**
   * Executes `code` (store_history) and collects its outputs until idle + execute_reply.
   * `stopOnError: false` (a cell allowed to raise) asks the kernel not to abort the requests queued
   * behind it, as nbclient does.
   */
  async execute(code: string, opts: { timeoutS?: number; graceS?: number; stopOnError?: boolean } = {}): Promise<ExecuteResult> {
    // tslab ignores stop_on_error: it aborts every request that comes within 200 ms of a failed
    // cell (jupyter.js handleExecute: execQueue.reset(200)); the next cell waits that out
    const wait = this.lastErrorAt + 300 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    const seconds = () => Math.round((performance.now() - t0) / 10) / 100;
    if (this.dead) {
      return { status: 'error', executionCount: null, outputs: [], error: deadError('the kernel is not running'), killed: false, died: true, execution: {}, seconds: 0 };
    }
    const req = this.client.message('execute_request', {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: opts.stopOnError ?? true,
    });
    const { promise, state } = this.track(req.header.msg_id);
    await this.client.send('shell', req);
    const timeoutMs = (opts.timeoutS ?? 600) * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      promise.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    let killed = false;
    if (timedOut) {
      this.log(`cell ran past ${opts.timeoutS ?? 600} s: interrupting`);
      this.interrupt();
      const stopped = await Promise.race([promise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), (opts.graceS ?? 5) * 1000))]);
      if (!stopped || this.dead) {
        this.log('the kernel did not stop: killing it');
        await this.kill();
        killed = true;
      }
    }
    this.pending.delete(req.header.msg_id);
    const reply = state.reply?.content as { status?: string; execution_count?: number } | undefined;
    const executionCount = reply?.execution_count ?? null;
    let status: ExecuteResult['status'] = timedOut ? 'timeout' : reply?.status === 'ok' ? 'ok' : reply?.status === 'abort' ? 'abort' : 'error';
    if (!reply && !timedOut) status = 'error';
    const outputs = state.outputs;
    let error: ExecuteResult['error'] = null;
    const sent = outputs.find((o): o is Extract<Output, { output_type: 'error' }> => o.output_type === 'error');
    if (status === 'ok' || status === 'abort') {
      // nothing
    } else if (sent) {
      error = { ename: sent.ename, evalue: sent.evalue, traceback: sent.traceback };
    } else {
      error = timedOut
        ? { ename: 'TimeoutError', evalue: `cell ran past ${opts.timeoutS ?? 600} s${killed ? '; the kernel was killed' : '; interrupted'}`, traceback: [] }
        : !reply
          ? deadError(`the kernel died: ${this.stderrTail.join('').slice(-1000)}`)
          : errorFromStderr(state);
      if (timedOut) {
        const fromStderr = errorFromStderr(state);
        if (fromStderr.traceback.length) error.traceback = fromStderr.traceback;
      }
      outputs.push({ output_type: 'error', ...error });
    }
    const died = !reply && !timedOut;
    if (reply?.status === 'error') this.lastErrorAt = Date.now();
    return { status, executionCount, outputs, error, killed, died, execution: state.execution, seconds: seconds() };
  }

  /** Interrupts the running cell: SIGINT to the kernel process (tslab's interrupt mechanism). */
  interrupt(): void {
    if (this.dead || this.proc.pid === undefined) return;
    try {
      process.kill(this.proc.pid, 'SIGINT');
    } catch {
      /* gone */
    }
  }

  /** SIGKILL to the kernel's process group; resolves when it has exited. */
  async kill(): Promise<void> {
    killGroup(this.proc);
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
    this.client.close();
  }

  /** shutdown_request, then SIGKILL if the process has not exited within `graceS` seconds. */
  async close(graceS = 3): Promise<void> {
    if (!this.dead) {
      try {
        await this.client.send('shell', this.client.message('shutdown_request', { restart: false }));
      } catch {
        /* socket gone */
      }
      const exited = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), graceS * 1000))]);
      if (!exited) await this.kill();
      // tslab closes its sockets on shutdown but may keep the process alive: make sure of the group.
      killGroup(this.proc);
    }
    this.client.close();
    live.delete(this.proc);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * When a message came, ISO 8601. Not its header's date (nbclient's choice): tslab dates a reply when
 * it creates it, and it creates the execute_reply before running the cell.
 */
function stamp(_m: JupyterMessage): string {
  return new Date().toISOString();
}

function deadError(evalue: string) {
  return { ename: 'KernelDied', evalue, traceback: [] as string[] };
}

/** tslab prints a thrown error (or the compiler's diagnostics) to stderr: make an `error` output of
 *  the last stderr message (all trailing diagnostics lines), removing that text from the streams. */
function errorFromStderr(p: Pending, strip = true): { ename: string; evalue: string; traceback: string[] } {
  const chunks = p.stderrChunks;
  if (!chunks.length) return { ename: 'Error', evalue: 'the cell failed (no message)', traceback: [] };
  const diag = /^(\S+ )?\d+:\d+ - /;
  let k = chunks.length - 1;
  if (diag.test(chunks[k]!.text)) while (k > 0 && diag.test(chunks[k - 1]!.text)) k--;
  const text = chunks.slice(k).map((c) => c.text).join('');
  if (strip) {
    const last = p.outputs[p.outputs.length - 1];
    if (last && last.output_type === 'stream' && last.name === 'stderr' && last.text.endsWith(text)) {
      last.text = last.text.slice(0, last.text.length - text.length);
      if (!last.text) p.outputs.pop();
    }
  }
  const lines = text.replace(/\n$/, '').split('\n');
  const first = lines[0] ?? '';
  let ename = 'Error';
  let evalue = first;
  if (diag.test(first)) {
    ename = 'CompileError';
    evalue = lines.join('; ');
  } else {
    // Node prints a code frame first ("evalmachine.<anonymous>:2", the line, "^", "") then "Name: message".
    const re = /^(?:Uncaught )?([A-Z][\w$]*)(?: \[[^\]]*\])?(?:: (.*))?$/;
    const hit = lines.map((l) => re.exec(l)).find((m) => m && (m[2] !== undefined || /Error|Exception/.test(m[1]!)));
    if (hit) {
      ename = hit[1]!;
      evalue = hit[2] ?? '';
    }
  }
  return { ename, evalue, traceback: lines };
}
