/**
 * `cvgl data synth` and `cvgl data check` as a user runs them: a small set rendered and checked,
 * then broken (a missing image, a truncated JPEG, a bad CSV row) and bad options, which must give
 * the clear messages and exit codes (1 for a broken dataset, 2 for a usage error), no stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/cvgl.mjs', import.meta.url));
function cvgl(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const noStack = (s: string) => expect(s).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-cli-data-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('cvgl data synth + check', () => {
  it('renders a set, and check finds it complete (exit 0)', () => {
    const out = join(tmp, 'set');
    const r = cvgl('data', 'synth', '--out', out, '--pairs', '6', '--aerial-size', '32', '--pano-size', '64x16', '--workers', '2', '--seed', '4');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cvusa layout, 6 pairs/);
    expect(r.stderr).toMatch(/rendering .*6\/6/); // progress on stderr (not a TTY: one line per 10%)
    const c = cvgl('data', 'check', out);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/CVUSA/);
    expect(c.stdout).toMatch(/OK: all 12 files/);
  });

  it('check lists a missing image and a truncated JPEG by name, exit 1', () => {
    const out = join(tmp, 'set');
    const csv = readFileSync(join(out, 'splits/train-19zl.csv'), 'utf8').trim().split('\n');
    const [aerial, ground] = csv[0]!.split(',');
    unlinkSync(join(out, aerial!));
    const g = readFileSync(join(out, ground!));
    writeFileSync(join(out, ground!), g.subarray(0, Math.floor(g.length / 2)));
    const c = cvgl('data', 'check', out, '--quiet');
    expect(c.code).toBe(1);
    expect(c.stdout).toContain(aerial!);
    expect(c.stdout).toContain(ground!);
    expect(c.stdout).toMatch(/missing/);
    expect(c.stdout).toMatch(/unreadable/);
    noStack(c.stdout + c.stderr);
  });

  it('check finds random bytes written inside a JPEG (libjpeg only warns "Corrupt JPEG data")', () => {
    const out = join(tmp, 'corrupt');
    const r = cvgl('data', 'synth', '--out', out, '--pairs', '2', '--aerial-size', '128', '--pano-size', '256x64', '--workers', '1', '--seed', '3', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const aerial = readFileSync(join(out, 'splits/train-19zl.csv'), 'utf8').split('\n')[0]!.split(',')[0]!;
    const jpeg = readFileSync(join(out, aerial));
    let x = 12345; // fixed garbage (a small LCG), 2 KB in the middle of the scan
    for (let i = 0; i < 2048; i++) jpeg[(jpeg.length >> 1) - 1024 + i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    writeFileSync(join(out, aerial), jpeg);
    const c = cvgl('data', 'check', out, '--quiet');
    expect(c.code, c.stdout).toBe(1);
    // libjpeg's warning, or sharp's word for it when libvips passes no text ("Warning treated as error due to failOn setting")
    expect(c.stdout).toMatch(new RegExp(`unreadable ${aerial.replace(/[.]/g, '\\.')} .*(Corrupt JPEG data|failOn)`));
  });

  it('a malformed CSV row is a clear error naming file and line (exit 2)', () => {
    const out = join(tmp, 'set');
    appendFileSync(join(out, 'splits/val-19zl.csv'), 'only-one-field.jpg\n');
    const c = cvgl('data', 'check', out);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/val-19zl\.csv:\d+/);
    expect(c.stderr).toMatch(/what to do:/);
    noStack(c.stderr);
  });

  it('an existing empty folder is a valid --out', () => {
    const out = join(tmp, 'empty');
    mkdirSync(out);
    const r = cvgl('data', 'synth', '--out', out, '--pairs', '2', '--aerial-size', '32', '--pano-size', '64x16', '--workers', '1', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(out, 'synthetic.json'))).toBe(true);
  });

  it('the .partial folder of a dead run is removed by the next run; a live run keeps its own', () => {
    const parent = join(tmp, 'stale');
    mkdirSync(parent);
    const dead = spawnSync(process.execPath, ['-e', '']).pid!; // exited: its pid is free
    for (const name of [`set.partial-${dead}`, `set.partial-${dead}.removing`, `set.partial-${process.pid}`]) {
      mkdirSync(join(parent, name));
      writeFileSync(join(parent, name, 'half.jpg'), 'x');
    }
    const r = cvgl('data', 'synth', '--out', join(parent, 'set'), '--pairs', '2', '--aerial-size', '32', '--pano-size', '64x16', '--workers', '1', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(parent).sort()).toEqual(['set', `set.partial-${process.pid}`]);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during \`data synth\` removes the .partial folder`, async () => {
      const parent = join(tmp, `interrupted-${signal}`);
      mkdirSync(parent);
      const child = spawn(process.execPath, [BIN, 'data', 'synth', '--out', join(parent, 'set'), '--pairs', '2000', '--aerial-size', '64', '--pano-size', '128x32', '--workers', '1', '--quiet']);
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
      // rendering has begun once its folder is there
      while (!readdirSync(parent).some((f) => f.startsWith('set.partial-'))) {
        if (child.exitCode !== null) throw new Error(`data synth ended early: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill(signal);
      expect(await exited, stderr).toBe(signal); // ends as the signal would end it
      expect(readdirSync(parent)).toEqual([]);
    }, 300_000);
  }

  it('a negative --pairs is refused by its range, not as an ambiguous option', () => {
    const r = cvgl('data', 'synth', '--out', join(tmp, 'neg'), '--pairs', '-5');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/expected --pairs: an integer from 1 to \d+\n  found: -5/);
    expect(r.stderr).not.toMatch(/ambiguous|spelling/);
    noStack(r.stderr);
  });

  it('usage errors: bad options, no directory, not a dataset', () => {
    for (const args of [
      ['data', 'synth', '--out', join(tmp, 'x'), '--pairs', 'many'],
      ['data', 'synth', '--out', join(tmp, 'x'), '--domains', 'day,rain'],
      ['data', 'synth', '--out', join(tmp, 'x'), '--pano-size', '616'],
      ['data', 'synth', '--pairs', '5'],
      ['data', 'check'],
      ['data', 'check', tmp],
      ['data', 'check', join(tmp, 'nowhere')],
      ['data', 'check', tmp, '--format', 'kitti'],
      ['data', 'frobnicate'],
    ]) {
      const r = cvgl(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/what to do:/);
      noStack(r.stderr);
    }
  });
});
