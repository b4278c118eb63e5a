/**
 * Shared by the parity tests: the Python that runs the reference scripts (Debian's, with torch;
 * `CVGL_PYTHON` overrides) and the backends every model test runs on (cpu, wasm, and webgpu when
 * an adapter — Mesa's software one here — is available).
 */
import { spawnSync } from 'node:child_process';
import { probeBackends, type BackendName } from '../lib/engine/index.js';
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
