/**
 * A fixed pool of worker threads running one TypeScript module. Tasks queue when every worker is
 * busy; results come back in a promise per task. Workers are unref'd while idle, so an open pool
 * never keeps a finished script alive, and ref'd while they work, so pending work does.
 *
 * The module answers `{ id, payload }` messages with `{ id, result }` or `{ id, error }`
 * (see `serveTasks`).
 */
import { parentPort, type Worker, type TransferListItem } from 'node:worker_threads';
import { WORKER_START_TIMEOUT_MS, tsWorker } from './workers.js';
import { CvglError } from './errors.js';

/** The parts of a CvglError, which a message between threads carries (a class does not cross). */
interface CvglParts {
  expected: string;
  found: string;
  fix: string;
}

interface Pending {
  id: number;
  payload: unknown;
  transfer?: TransferListItem[];
  resolve: (v: any) => void;
  reject: (e: Error) => void;
}

export class WorkerPool {
  private readonly workers: { w: Worker; busy: Pending | null; ready: boolean }[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private failure: Error | null = null;

  constructor(moduleUrl: URL, readonly size: number) {
    for (let k = 0; k < size; k++) {
      const w = tsWorker(moduleUrl);
      const slot = { w, busy: null as Pending | null, ready: false };
      w.unref();
      const startTimer = setTimeout(() => {
        if (!slot.ready) this.fail(new Error(`a worker thread did not start within ${WORKER_START_TIMEOUT_MS / 1000} s (${moduleUrl.pathname})`));
      }, WORKER_START_TIMEOUT_MS);
      startTimer.unref();
      w.on('message', (m: { type?: string; id?: number; result?: unknown; error?: string; cvgl?: CvglParts; message?: string }) => {
        if (m.type === 'ready') {
          slot.ready = true;
          clearTimeout(startTimer);
          this.pump();
          return;
        }
        if (m.type === 'error' && m.id === undefined) {
          this.fail(new Error(`worker failed to start: ${m.message}`));
          return;
        }
        const p = slot.busy;
        if (!p || m.id !== p.id) return;
        slot.busy = null;
        w.unref();
        // a user's error in a task (a missing image) stays one: exit 2 with its message, as without workers
        if (m.cvgl) p.reject(new CvglError(m.cvgl.expected, m.cvgl.found, m.cvgl.fix));
        else if (m.error !== undefined) p.reject(new WorkerTaskError(m.error));
        else p.resolve(m.result);
        this.pump();
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`a worker thread exited unexpectedly (code ${code})`));
      });
      this.workers.push(slot);
    }
  }

  run<T>(payload: unknown, transfer?: TransferListItem[]): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, payload, transfer, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.workers) {
      if (!this.queue.length) return;
      if (!slot.ready || slot.busy) continue;
      const p = this.queue.shift()!;
      slot.busy = p;
      slot.w.ref();
      slot.w.postMessage({ id: p.id, payload: p.payload }, p.transfer);
    }
    // nothing started yet: keep the process alive until the workers say they are ready
    if (this.queue.length) for (const s of this.workers) if (!s.ready) s.w.ref();
  }

  private fail(e: Error): void {
    if (this.failure || this.closed) return;
    this.failure = e;
    for (const s of this.workers) if (s.busy) s.busy.reject(e);
    for (const p of this.queue.splice(0)) p.reject(e);
    void this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((s) => s.w.terminate()));
  }
}

/** An error thrown inside a task, carried over as its message (a CvglError comes back as a CvglError). */
export class WorkerTaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerTaskError';
  }
}

/** Worker side: answers tasks with `handler`; errors go back as messages. */
export function serveTasks(handler: (payload: any) => Promise<{ result: unknown; transfer?: TransferListItem[] }>): void {
  const port = parentPort;
  if (!port) return;
  port.on('message', async (m: { id: number; payload: unknown }) => {
    try {
      const { result, transfer } = await handler(m.payload);
      port.postMessage({ id: m.id, result }, transfer);
    } catch (e) {
      const cvgl = cvglParts(e);
      port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e), ...(cvgl ? { cvgl } : {}) });
    }
  });
  port.postMessage({ type: 'ready' });
}

/** By shape, not instanceof: the worker may run its own bundled copy of the CvglError class. */
function cvglParts(e: unknown): CvglParts | null {
  const x = e as Partial<CvglParts> & { name?: string } | null;
  if (!x || x.name !== 'CvglError' || typeof x.expected !== 'string' || typeof x.found !== 'string' || typeof x.fix !== 'string') return null;
  return { expected: x.expected, found: x.found, fix: x.fix };
}
