/**
 * Notebooks run side by side (`npm run report`, --jobs 2) and each ensures the synthetic set on
 * first use: two processes asking for the same missing folder get one generation, and neither
 * finds its files replaced under it (before the lock, the second generator swapped the folder
 * while the first notebook was training from it: "bingmap/19/0000029.jpg: missing").
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const tmp = mkdtempSync(join(tmpdir(), 'cvgl-ensure-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const CHILD = join(import.meta.dirname, '..', 'fixtures', 'synth', 'ensure_child.ts');
const TSX = join(import.meta.dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');

function child(dir: string): Promise<{ created: string; missing: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [TSX, CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

describe('ensureSynthetic from two processes at once', () => {
  it('generates once; both read the same, complete set; no lock or partial folder is left', async () => {
    const dir = join(tmp, 'synthetic');
    const [a, b] = await Promise.all([child(dir), child(dir)]);
    expect(a.missing).toBe(0);
    expect(b.missing).toBe(0);
    expect(a.created).toBe(b.created); // one generation, read by both
    expect(existsSync(`${dir}.lock`)).toBe(false);
    expect(readdirSync(tmp).sort()).toEqual(['synthetic']);
  }, 300_000);
});
