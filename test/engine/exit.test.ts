/**
 * The engine as a script sees it, in fresh processes (the wasm thread pool starts once per
 * process): a script that uses the threaded wasm backend ends when its work ends (the pthread
 * pool's workers kept the process alive: `tsx script.ts` hung after its last line), and
 * CVGL_THREADS sets the default thread count (`cvgl report --jobs N` gives each kernel a share).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));
const ENGINE = JSON.stringify(pathToFileURL(join(ROOT, 'lib/engine/index.ts')).href);

/** Runs `script` (an ES module) with tsx in a new process; 90 s at most. */
function runScript(script: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cvgl-script-'));
  const file = join(dir, 'script.mts');
  writeFileSync(file, script);
  try {
    return spawnSync(process.execPath, [TSX, file], { cwd: ROOT, encoding: 'utf8', timeout: 90_000, env: { ...process.env, ...env } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('process exit', () => {
  for (const backend of ['wasm', 'native']) {
    it(`a script on ${backend} with 2 threads exits by itself after a convolution`, () => {
      const r = runScript(`
        const { initEngine, tf } = await import(${ENGINE});
        const info = await initEngine({ backend: '${backend}', threads: 2 });
        const y = tf.conv2d(tf.ones([2, 32, 32, 8]), tf.ones([3, 3, 8, 16]), 1, 'same');
        // same padding: 2 images x 16 channels x 8 inputs x (30 x 3 + 2 x 2)^2 valid taps = 2262016
        console.log('threads', info.threads, 'sum', (await y.sum().data())[0]);
      `);
      if (backend === 'native' && /native backend|addon/i.test(r.stderr) && !process.env.CI) return; // addon not built here
      expect(r.error, `the script did not exit within 90 s (stdout: ${r.stdout})`).toBeUndefined();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/threads 2 sum 2262016/);
    }, 120_000);
  }
});

describe('CVGL_THREADS', () => {
  const script = `
    const { initEngine } = await import(${ENGINE});
    try { console.log('threads', (await initEngine({ backend: 'wasm' })).threads); } catch (e) { console.log('error', e.message.split('\\n')[0]); }
  `;
  it('sets the default thread count', () => {
    expect(runScript(script, { CVGL_THREADS: '1' }).stdout).toMatch(/^threads 1$/m);
    expect(runScript(script, { CVGL_THREADS: '2' }).stdout).toMatch(/^threads 2$/m);
  }, 120_000);
  it('a bad value is refused with what to do', () => {
    expect(runScript(script, { CVGL_THREADS: 'two' }).stdout).toMatch(/^error CVGL_THREADS: a thread count >= 1/m);
  }, 60_000);
});
