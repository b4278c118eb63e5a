/**
 * A script that uses the threaded wasm backend ends when its work ends: the pthread pool's
 * workers must not keep the process alive (they did: `tsx script.ts` hung after its last line).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));

describe('process exit', () => {
  for (const backend of ['wasm', 'native']) {
    it(`a script on ${backend} with 2 threads exits by itself after a convolution`, () => {
      const script = `
        const { initEngine, tf } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'lib/engine/index.ts')).href)});
        const info = await initEngine({ backend: '${backend}', threads: 2 });
        const y = tf.conv2d(tf.ones([2, 32, 32, 8]), tf.ones([3, 3, 8, 16]), 1, 'same');
        // same padding: 2 images x 16 channels x 8 inputs x (30 x 3 + 2 x 2)^2 valid taps = 2262016
        console.log('threads', info.threads, 'sum', (await y.sum().data())[0]);
      `;
      const dir = mkdtempSync(join(tmpdir(), 'cvgl-exit-'));
      const file = join(dir, 'script.mts');
      writeFileSync(file, script);
      const r = spawnSync(process.execPath, [TSX, file], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
      rmSync(dir, { recursive: true, force: true });
      if (backend === 'native' && /native backend|addon/i.test(r.stderr) && !process.env.CI) return; // addon not built here
      expect(r.error, `the script did not exit within 90 s (stdout: ${r.stdout})`).toBeUndefined();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/threads 2 sum 2262016/);
    }, 120_000);
  }
});
