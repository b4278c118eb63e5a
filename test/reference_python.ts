/**
 * Shared by the parity tests: the Python that runs the reference scripts (Debian's, with torch;
 * `CVGL_PYTHON` overrides), the backends every model test runs on (cpu, wasm, and webgpu when an
 * adapter — Mesa's software one here — is available), the scratch folder through which a test and
 * its script exchange raw float32 arrays, and the comparison of our outputs with the script's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import { probeBackends, type BackendName, type Rng } from '../lib/engine/index.js';
import { REL_TOL, relErr } from './engine/parity_helpers.js';
import type { BackendStatus } from '../lib/engine/init.js';

/** The reference python if it imports `modules`, else why not. */
export function findPython(modules: string[]): { python: string } | { python: null; reason: string } {
  const python = process.env.CVGL_PYTHON || '/usr/bin/python3';
  const r = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (r.error) return { python: null, reason: `${python} cannot run: ${r.error.message}` };
  if (r.status !== 0) {
    return { python: null, reason: `${python} lacks ${modules.join('/')} (npm run setup:system installs them): ${r.stderr.trim().split('\n').pop()}` };
  }
  return { python };
}

export async function testBackends(): Promise<{ backends: BackendName[]; webgpu: BackendStatus }> {
  const webgpu = (await probeBackends()).find((b) => b.name === 'webgpu')!;
  return { backends: ['cpu', 'wasm', ...(webgpu.available ? (['webgpu'] as const) : [])], webgpu };
}

/** A shape and its float32 values (row-major), as written for a reference script. */
export interface Arr {
  shape: number[];
  data: Float32Array;
}

export const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
/** n draws of N(mean, std²) from the seeded generator. */
export const normalArray = (r: Rng, n: number, std = 1, mean = 0) => Float32Array.from({ length: n }, () => mean + std * r.normal());
/** n draws of U[lo, hi) from the seeded generator. */
export const uniformArray = (r: Rng, n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * r.random());

/** A temporary folder of raw little-endian float32 files and a `spec.json`, read and written by a
 *  reference script run as `python script spec.json dir`. */
export class ReferenceDir {
  readonly dir: string;

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
  }

  writeF32(file: string, a: Float32Array): void {
    writeFileSync(join(this.dir, file), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  }

  readF32(file: string): Float32Array {
    const b = readFileSync(join(this.dir, file));
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }

  /** Writes `spec` as spec.json and runs the script on it; its stderr is the error on failure. */
  run(python: string, script: string, spec: object): void {
    writeFileSync(join(this.dir, 'spec.json'), JSON.stringify(spec));
    const r = spawnSync(python, [script, join(this.dir, 'spec.json'), this.dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${basename(script)} failed (exit ${r.status}): ${r.stderr}`);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Relative error of each of ours against the reference's; fails naming every entry over the bound. */
export function expectClose(label: string, ours: Map<string, Float32Array>, ref: Map<string, Float32Array>): void {
  expect([...ours.keys()].sort()).toEqual([...ref.keys()].sort());
  const errs = [...ours].map(([k, a]) => [k, relErr(a, ref.get(k)!)] as const);
  const bad = errs.filter(([, e]) => !(e < REL_TOL));
  expect(bad.map(([k, e]) => `${k}: ${e.toExponential(2)}`), `${label}: relative errors above ${REL_TOL}`).toEqual([]);
  if (process.env.PARITY_VERBOSE) console.log(`${label}: max rel err ${Math.max(...errs.map(([, e]) => e)).toExponential(2)}`);
}
