/**
 * Worker threads that run TypeScript modules (the image pipeline, the synthetic renderer).
 *
 * The worker's module is bundled once per process with esbuild into plain JavaScript under
 * `build/workers/` (packages stay external: sharp, h5wasm and tfjs load from node_modules), and
 * the thread runs that file. Workers then need no TypeScript loader hooks at all, which start
 * faster and avoid the sporadic start-up stalls seen with loader hooks registered inside worker
 * threads on Node 20. A worker that does not report ready within a minute is an error, not a hang.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const bundles = new Map<string, string>();

/** Path of the plain-JS bundle of a TypeScript worker module (built on first use). */
export function workerBundle(moduleUrl: URL): string {
  const src = fileURLToPath(moduleUrl);
  let out = bundles.get(src);
  if (out) return out;
  const r = buildSync({
    entryPoints: [src],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const code = r.outputFiles[0]!.contents;
  const hash = createHash('sha1').update(code).digest('hex').slice(0, 12);
  const dir = join(ROOT, 'build', 'workers');
  out = join(dir, `${basename(src).replace(/\.ts$/, '')}.${hash}.mjs`);
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, out); // atomic: parallel processes may build the same bundle
  }
  bundles.set(src, out);
  return out;
}

export function tsWorker(moduleUrl: URL, data: Record<string, unknown> = {}): Worker {
  // a clean thread: no inherited loader flags (--import tsx) from the parent
  return new Worker(workerBundle(moduleUrl), { workerData: data, execArgv: [] });
}

export const WORKER_START_TIMEOUT_MS = 60_000;
