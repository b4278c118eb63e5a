/**
 * initEngine: backend choice from the option and from CVGL_BACKEND, the errors a person sees,
 * engineInfo(), and the wasm thread count. The tests run in order in one process (the engine
 * is process-wide state), so their order matters: the first backend started is 'auto'.
 */
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BACKENDS,
  CvglError,
  engineInfo,
  initEngine,
  isCvglError,
  probeBackends,
  tf,
  type BackendStatus,
} from '../../lib/engine/index.js';

const savedEnv = process.env.CVGL_BACKEND;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.CVGL_BACKEND;
  else process.env.CVGL_BACKEND = savedEnv;
});

const statuses: BackendStatus[] = await probeBackends();
const st = (name: string) => statuses.find((s) => s.name === name)!;

/** The rejection of `p`, which must be a CvglError. */
async function cvglError(p: Promise<unknown>): Promise<CvglError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, 'expected initEngine to reject').not.toBeNull();
  expect(isCvglError(e), `expected a CvglError, got ${String(e)}`).toBe(true);
  return e as CvglError;
}

describe('initEngine', () => {
  it('probeBackends lists every backend, cpu and wasm available', () => {
    expect(statuses.map((s) => s.name)).toEqual([...BACKENDS]);
    expect(st('cpu').available).toBe(true);
    expect(st('wasm').available).toBe(true);
    for (const s of statuses) if (!s.available) expect(s.reason, `${s.name} unavailable without a reason`).toBeTruthy();
  });

  it('an unknown backend name throws a CvglError that lists the backends', async () => {
    const e = await cvglError(initEngine({ backend: 'gpu' as any }));
    expect(e.message).toContain("'gpu'");
    for (const name of ['auto', ...BACKENDS]) expect(e.message).toContain(name);
    expect(e.found).toContain('the backend option');
    expect(e.fix).toBeTruthy();
  });

  it('an invalid CVGL_BACKEND throws a CvglError naming the variable', async () => {
    process.env.CVGL_BACKEND = 'cuda';
    const e = await cvglError(initEngine());
    expect(e.message).toContain('CVGL_BACKEND');
    expect(e.message).toContain("'cuda'");
    for (const name of BACKENDS) expect(e.message).toContain(name);
  });

  it("'auto' picks tensorflow if installed, else webgpu on a hardware adapter, else native, else wasm", async () => {
    delete process.env.CVGL_BACKEND;
    const expected = st('tensorflow').available
      ? 'tensorflow'
      : st('webgpu').available && !st('webgpu').software
        ? 'webgpu'
        : st('native').available
          ? 'native'
          : 'wasm';
    const info = await initEngine({ backend: 'auto' });
    expect(info.backend).toBe(expected);
    expect(tf.getBackend()).toBe(expected);
    if (expected === 'wasm') expect(info.notes.join(' ')).toMatch(/auto chose wasm.*native: /);
    if (expected === 'native') expect(info.notes.join(' ')).toMatch(/auto chose native/);
  });

  it('an empty CVGL_BACKEND counts as unset: auto, which keeps the running backend', async () => {
    const running = await initEngine({ backend: 'wasm' });
    process.env.CVGL_BACKEND = '';
    expect(await initEngine()).toBe(running);
    process.env.CVGL_BACKEND = '   ';
    expect(await initEngine()).toBe(running);
  });

  it('CVGL_BACKEND=cpu is honoured when no backend is passed', async () => {
    process.env.CVGL_BACKEND = 'cpu';
    const info = await initEngine();
    expect(info.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.threads).toBe(1);
    expect(engineInfo()).toBe(info);
  });

  it('CVGL_BACKEND is case- and space-insensitive, and the option wins over it', async () => {
    process.env.CVGL_BACKEND = '  CPU ';
    expect((await initEngine()).backend).toBe('cpu');
    process.env.CVGL_BACKEND = 'cpu';
    const info = await initEngine({ backend: 'wasm' });
    expect(info.backend).toBe('wasm');
  });

  it('wasm reports 1 ≤ threads ≤ cores, and engineInfo() returns what initEngine returned', async () => {
    const info = await initEngine({ backend: 'wasm' });
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    expect(info.backend).toBe('wasm');
    expect(Number.isInteger(info.threads)).toBe(true);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.threads).toBeLessThanOrEqual(cores);
    expect(engineInfo()).toBe(info);
    // idempotent: the same object again
    expect(await initEngine({ backend: 'wasm' })).toBe(info);
    expect(info.versions['tfjs-core']).toBe(tf.version_core);
    expect(info.versions['tfjs-backend-wasm']).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.skipIf(st('tensorflow').available)("'tensorflow' when not installed throws a CvglError saying it is unavailable and listing what is", async () => {
    const before = engineInfo();
    const e = await cvglError(initEngine({ backend: 'tensorflow' }));
    expect(e.expected).toContain("'tensorflow'");
    expect(e.message).toMatch(/not installed/);
    expect(e.message).toMatch(/tensorflow \(unavailable/);
    for (const s of statuses.filter((x) => x.available)) expect(e.fix).toContain(s.name);
    // a failed start leaves the running engine alone
    expect(engineInfo()).toBe(before);
  });

  it('switching wasm → cpu → wasm selects wasm in tfjs again', async () => {
    await initEngine({ backend: 'wasm' });
    await initEngine({ backend: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
    const info = await initEngine({ backend: 'wasm' });
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it.skipIf(!st('webgpu').available)('switching webgpu → cpu → webgpu reuses the device', async () => {
    await initEngine({ backend: 'webgpu' });
    await initEngine({ backend: 'cpu' });
    await initEngine({ backend: 'webgpu' });
    expect(tf.getBackend()).toBe('webgpu');
  });
});
