/**
 * The `wasm` backend (XNNPACK, SIMD) with multithreading in Node.
 *
 * tfjs-backend-wasm 4.22 turns threads off in Node (`WASM_HAS_MULTITHREAD_SUPPORT` is false there)
 * because its pthread workers are made from `blob:` URLs, which Node's `Worker` refuses. The
 * Emscripten worker code itself has a Node branch, so two substitutions make it work:
 *  1. while the backend starts, `globalThis.Worker` is a `worker_threads.Worker` subclass that
 *     evaluates the worker source shipped in `wasm-out/…worker.js` instead of the blob URL, and
 *     points the worker's `load` message at `wasm-out/tfjs-backend-wasm-threaded-simd.js` (the
 *     same factory, as a file) instead of a Blob;
 *  2. the C++ side caps XNNPACK's pool at `emscripten_num_logical_cores() / 2` (it assumes
 *     hyper-threading) and at 8; in Node that count is `os.cpus().length`, read once while the
 *     module initialises, so for that moment we report twice the requested thread count.
 * Both are undone when the backend has started. If anything fails, we fall back to the
 * single-threaded SIMD build and say why.
 */
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';
import { tf } from '../tf.js';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../kernels/register_wasm.js';

const require = createRequire(import.meta.url);
/** XNNPACK's thread pool is pre-created with this many workers in tfjs' build. */
export const WASM_MAX_THREADS = 8;

export interface WasmStartResult {
  threads: number;
  simd: boolean;
  note?: string;
}

let started: WasmStartResult | null = null;

function wasmOutDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
}

function makeNodeWorkerClass(dir: string, created: NodeWorker[]) {
  // The shipped file wraps the worker source in a template literal, which turned its "\n" escapes
  // into real newlines inside string literals; tfjs escapes them back the same way.
  const source: string = require(path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js'))
    .wasmWorkerContents.replace(/\n/g, '\\n');
  const factoryFile = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  return class PthreadWorker extends NodeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      if (String(url).startsWith('blob:')) super(source, { ...options, eval: true });
      else super(url, options);
      created.push(this);
    }
    override postMessage(message: unknown, transfer?: readonly any[]): void {
      const m = message as { cmd?: string; urlOrBlob?: unknown } | null;
      if (m && m.cmd === 'load' && typeof m.urlOrBlob !== 'string') {
        message = { ...m, urlOrBlob: factoryFile };
      }
      super.postMessage(message, transfer as any);
    }
  };
}

/**
 * Starts the wasm backend once per process with `threads` XNNPACK threads (1..8).
 * Later calls return the first result: the thread pool cannot be resized after start.
 */
export async function startWasm(threads: number): Promise<WasmStartResult> {
  if (started) {
    // started before, and another backend may be current since: select it again
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not restart');
    return started;
  }
  const want = Math.max(1, Math.min(WASM_MAX_THREADS, Math.floor(threads)));
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  let note: string | undefined;
  if (want > 1 && simd) {
    try {
      started = await startThreaded(want, simd);
    } catch (e) {
      note = `multithreaded wasm failed to start (${(e as Error).message}); using 1 thread`;
    }
  }
  if (!started) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasmBackend.setThreadsCount(1);
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
    started = { threads: wasmBackend.getThreadsCount(), simd, note };
  }
  registerWasmKernels();
  return started;
}

async function startThreaded(want: number, simd: boolean): Promise<WasmStartResult> {
  const dir = wasmOutDir();
  const created: NodeWorker[] = [];
  const PthreadWorker = makeNodeWorkerClass(dir, created);
  const globalDesc = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  const realCpus = os.cpus;
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => PthreadWorker,
    set: () => {},
  });
  os.cpus = () => {
    const c = realCpus.call(os);
    return Array.from({ length: 2 * want }, (_, i) => c[i % c.length]!);
  };
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasmBackend.setThreadsCount(want);
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('tf.setBackend("wasm") returned false');
    // The pool's threads are loaded and wait on shared memory; the main thread calls them
    // synchronously. Unreferenced, they no longer keep a finished script's process alive
    // (without this, `tsx script.ts` never exits after its first tensor operation).
    for (const w of created) w.unref();
    return { threads: wasmBackend.getThreadsCount(), simd };
  } finally {
    os.cpus = realCpus;
    if (globalDesc) Object.defineProperty(globalThis, 'Worker', globalDesc);
    else delete (globalThis as any).Worker;
  }
}

/** Version of the wasm backend package. */
export function wasmVersion(): string {
  return require('@tensorflow/tfjs-backend-wasm/package.json').version as string;
}
