/**
 * What a run folder holds and who writes it (issue 22): `train --out` refuses a folder that is not
 * a run, two runs into one folder at once are refused by a lock naming the holder's pid, a run
 * records its dataset, a truncated checkpoint and a bad image during training give short errors.
 * The CLI is spawned asynchronously (long spawnSync chains starve vitest's worker RPC).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic } from '../lib/synth/generate.js';
import { getPreset } from '../lib/papers/presets.js';
import { cloneConfig } from '../lib/train/config.js';

const BIN = fileURLToPath(new URL('../bin/cvgl.mjs', import.meta.url));
interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
}
function cvgl(...args: string[]): Promise<Ran> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CVGL_BACKEND: 'wasm' } });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr, pid: child.pid! })));
}

let tmp: string;
let configFile: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-train-runs-'));
  await generateSynthetic({ out: join(tmp, 'set'), pairs: 40, seed: 2, aerialSize: 64, panoWidth: 128, panoHeight: 32, workers: 2 });
  const c = cloneConfig(getPreset('quick.cvft'));
  c.name = 'tiny-runs';
  c.data.dir = join(tmp, 'set');
  c.data.batchSize = 8;
  c.epochs = 1;
  await generateSynthetic({ out: join(tmp, 'other'), pairs: 24, seed: 5, aerialSize: 64, panoWidth: 128, panoHeight: 32, workers: 2 });
  configFile = join(tmp, 'tiny.json');
  writeFileSync(configFile, JSON.stringify(c));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('train: the run folder', () => {
  it('refuses an --out folder that is not a run and holds files (nothing overwritten)', async () => {
    const out = join(tmp, 'foreign');
    mkdirSync(out);
    writeFileSync(join(out, 'config.json'), '{"theirs": true}\n');
    writeFileSync(join(out, 'metrics.jsonl'), '{"epoch": 1, "acc": 0.5}\n');
    const r = await cvgl('train', '--config', configFile, '--out', out);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${out} is not a run`);
    expect(r.stderr).toMatch(/config\.json, metrics\.jsonl/);
    expect(r.stderr).toMatch(/what to do: pass another --out/);
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe('{"theirs": true}\n');
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toBe('{"epoch": 1, "acc": 0.5}\n');
  }, 120_000);

  it('two runs into one --out at once: the second is refused with the holder\'s pid; the lock goes with the run', async () => {
    const c = JSON.parse(readFileSync(configFile, 'utf8'));
    c.epochs = 3;
    const file = join(tmp, 'three.json');
    writeFileSync(file, JSON.stringify(c));
    const out = join(tmp, 'shared');
    const [a, b] = await Promise.all([cvgl('train', '--config', file, '--out', out, '--json'), cvgl('train', '--config', file, '--out', out, '--json')]);
    const [won, lost] = a.code === 0 ? [a, b] : [b, a];
    expect(won.code, won.stderr).toBe(0);
    expect(lost.code, lost.stderr).toBe(2);
    expect(lost.stderr).toContain(`in use by process ${won.pid}`);
    expect(lost.stderr).not.toMatch(/\n\s+at /);
    const steps = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.type === 'step');
    expect(steps.map((s) => s.globalStep)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1)); // one run's, not interleaved
    expect(existsSync(join(out, '.cvgl-lock'))).toBe(false);
  }, 300_000);

  it('a lock left by a process that is gone is taken over', async () => {
    const out = join(tmp, 'stale');
    mkdirSync(out);
    writeFileSync(join(out, '.cvgl-lock'), '999999999');
    const r = await cvgl('train', '--config', configFile, '--out', out, '--max-steps', '1');
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(out, '.cvgl-lock'))).toBe(false);
  }, 120_000);

  it('a run records its --data: --resume and eval without --data use it; another dataset is refused or noted', async () => {
    const other = join(tmp, 'other'); // config.data.dir is 'set': the run is on another folder
    const out = join(tmp, 'ondata');
    const first = await cvgl('train', '--config', configFile, '--data', other, '--out', out, '--max-steps', '1', '--json');
    expect(first.code, first.stderr).toBe(0);
    const trainPairs = readFileSync(join(other, 'splits', 'train-19zl.csv'), 'utf8').trim().split('\n').length;
    const resumed = await cvgl('train', '--resume', '--out', out, '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).globalStep).toBe(Math.floor(trainPairs / 8)); // one epoch of 'other', not of 'set'
    const ev = await cvgl('eval', '--checkpoint', join(out, 'checkpoints', 'best.safetensors'), '--json');
    expect(ev.code, ev.stderr).toBe(0);
    expect(JSON.parse(ev.stdout).data).toBe(other);
    const log = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.type === 'eval');
    expect(JSON.parse(ev.stdout).recall.r1).toBe(log[log.length - 1].recall.r1); // the number the training log shows

    const elsewhere = await cvgl('eval', '--checkpoint', join(out, 'checkpoints', 'best.safetensors'), '--data', join(tmp, 'set'), '--json');
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(elsewhere.stderr).toMatch(/note: --data .* is not the data tiny-runs was trained on/);

    // the recorded folder's splits change: a resume without --data is refused, with --data it goes on with a note
    const csv = join(other, 'splits', 'train-19zl.csv');
    writeFileSync(csv, readFileSync(csv, 'utf8').trim().split('\n').slice(0, -1).join('\n') + '\n');
    const changed = await cvgl('train', '--resume', '--out', out, '--epochs', '2');
    expect(changed.code, changed.stderr).toBe(2);
    expect(changed.stderr).toMatch(/its splits changed since/);
    expect(changed.stderr).toContain(`--data ${other}`);
    const told = await cvgl('train', '--resume', '--out', out, '--epochs', '2', '--data', other, '--max-steps', '1');
    expect(told.code, told.stderr).toBe(0);
    expect(told.stderr).toMatch(/note: --data .* differs from the data this run was trained on/);
  }, 300_000);

  it('a missing image during train: the one-paragraph error eval gives (exit 2), the run saved, its checkpoint named; resume after the fix', async () => {
    const holed = join(tmp, 'holed');
    cpSync(join(tmp, 'set'), holed, { recursive: true });
    const ground = readFileSync(join(holed, 'splits', 'train-19zl.csv'), 'utf8').split('\n')[19]!.split(',')[1]!;
    rmSync(join(holed, ground)); // in the third batch of epoch 1 with this seed
    const out = join(tmp, 'holedrun');
    const r = await cvgl('train', '--config', configFile, '--data', holed, '--out', out);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('expected a readable image file');
    expect(r.stderr).toContain(`found: ${join(holed, ground)}: missing`);
    expect(r.stderr).toMatch(/cvgl data check/);
    const last = join(out, 'checkpoints', 'last.safetensors');
    expect(r.stderr).toContain(`resume from the last checkpoint, ${last} (saved at global step 2, nothing lost)`);
    expect(r.stderr.length).toBeLessThan(2000);
    expect(r.stderr).not.toMatch(/Node\.js v|worker_pool|WorkerTaskError|GROWABLE_HEAP|\n\s+at /);
    expect(existsSync(join(out, '.cvgl-lock'))).toBe(false);

    cpSync(join(tmp, 'set', ground), join(holed, ground));
    const resumed = await cvgl('train', '--resume', '--out', out, '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ globalStep: 4, stopped: 'finished' });
    const steps = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.type === 'step');
    expect(steps.map((m) => m.globalStep)).toEqual([1, 2, 3, 4]);
  }, 300_000);
});
