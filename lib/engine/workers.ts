/** Starting worker threads that run a TypeScript module (see ts_worker.mjs). */
import { Worker } from 'node:worker_threads';

export function tsWorker(moduleUrl: URL, data: Record<string, unknown> = {}): Worker {
  return new Worker(new URL('./ts_worker.mjs', import.meta.url), { workerData: { ...data, module: moduleUrl.href } });
}
