// Entry of every worker thread that runs TypeScript (image pipeline, synthetic renderer):
// imports the module named in workerData.module, through tsx's loader unless the thread already
// has one (a parent started by the tsx CLI passes it on; vitest's fork processes do not).
import { parentPort, workerData } from 'node:worker_threads';

const target = workerData && workerData.module;
try {
  if (typeof target !== 'string') throw new Error('ts_worker.mjs needs workerData.module (a file URL)');
  try {
    await import(target);
  } catch (e) {
    if (!e || e.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
    const { register } = await import('tsx/esm/api');
    register();
    // a new URL: the module map remembers the failed load of the plain one
    await import(`${target}${target.includes('?') ? '&' : '?'}tsx`);
  }
} catch (e) {
  parentPort?.postMessage({ type: 'error', message: String(e && e.stack ? e.stack : e) });
}
