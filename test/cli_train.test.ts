/**
 * `cvgl train` and `cvgl eval` as a user runs them: a quick preset (shrunk through a config file)
 * trains on a small synthetic set with progress lines, writes checkpoints and metrics, resumes,
 * and `cvgl eval` prints R@1/5/10/1%; bad input gets a one-paragraph error and exit status 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic } from '../lib/synth/generate.js';

const BIN = fileURLToPath(new URL('../bin/cvgl.mjs', import.meta.url));
function cvgl(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, CVGL_BACKEND: 'wasm' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-cli-train-'));
  await generateSynthetic({ out: join(tmp, 'set'), pairs: 40, seed: 2, aerialSize: 64, panoWidth: 128, panoHeight: 32, workers: 2 });
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('cvgl train / eval', () => {
  it('trains a preset from a config file, resumes it, and evaluates the checkpoint', () => {
    const printed = cvgl('train', '--preset', 'quick.cvft', '--print-config');
    expect(printed.code, printed.stderr).toBe(0);
    const config = JSON.parse(printed.stdout);
    expect(config.model.name).toBe('cvft');
    config.name = 'tiny-cvft';
    config.data.dir = join(tmp, 'set');
    config.data.batchSize = 8;
    config.epochs = 1;
    writeFileSync(join(tmp, 'tiny.json'), JSON.stringify(config));
    const out = join(tmp, 'run');
    const r = cvgl('train', '--config', join(tmp, 'tiny.json'), '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/epoch 1\/1 \[#+\] 4\/4 100%/); // progress lines (not a TTY: every 10%)
    expect(r.stderr).toMatch(/epoch 1: val R@1 [\d.]+%/);
    expect(r.stdout).toMatch(/tiny-cvft: 1 epochs, 4 steps \(finished\)/);
    for (const f of ['config.json', 'metrics.jsonl', 'checkpoints/last.safetensors', 'checkpoints/best.safetensors']) expect(existsSync(join(out, f)), f).toBe(true);
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.filter((m) => m.type === 'step')).toHaveLength(4);
    expect(metrics.filter((m) => m.type === 'eval')).toHaveLength(1);

    // run again without --resume: refused, nothing changed
    const again = cvgl('train', '--config', join(tmp, 'tiny.json'), '--out', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a checkpoint/);
    expect(again.stderr).not.toMatch(/\n\s+at /); // no stack trace

    // one more epoch from the stored config
    const resumed = cvgl('train', '--resume', '--out', out, '--epochs', '2', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ epochsDone: 2, globalStep: 8, stopped: 'finished' });

    const ev = cvgl('eval', '--checkpoint', join(out, 'checkpoints', 'last.safetensors'), '--json');
    expect(ev.code, ev.stderr).toBe(0);
    const e = JSON.parse(ev.stdout);
    expect(e.n).toBeGreaterThan(4);
    expect(e.n).toBeLessThanOrEqual(10);
    for (const k of ['r1', 'r5', 'r10', 'r1pct']) expect(e.recall[k]).toBeGreaterThanOrEqual(0);
    expect(e.recall.r10).toBe(1); // at most 10 references: every true match is in the top 10
    const text = cvgl('eval', '--checkpoint', join(out, 'checkpoints', 'last.safetensors'));
    expect(text.stdout).toMatch(/R@1 [\d.]+%  R@5 [\d.]+%  R@10 100\.00%  R@1% [\d.]+%/);
  }, 300_000);

  it('eval: a folder for --checkpoint or --config, a missing validation image: what was expected, exit 2', () => {
    const run = join(tmp, 'run'); // trained by the first test
    const dir = cvgl('eval', '--checkpoint', run);
    expect(dir.code, dir.stderr).toBe(2);
    expect(dir.stderr).toContain(`found: ${run} is a directory`);
    expect(dir.stderr).toContain(join(run, 'checkpoints', 'last.safetensors')); // the fix names the files in it
    expect(dir.stderr).not.toMatch(/EISDIR/);
    const cfg = cvgl('train', '--config', run);
    expect(cfg.code, cfg.stderr).toBe(2);
    expect(cfg.stderr).toContain(`found: ${run} is a directory`);
    expect(cfg.stderr).toContain(`--config ${join(run, 'config.json')}`);
    expect(cfg.stderr).not.toMatch(/EISDIR/);

    cpSync(join(tmp, 'set'), join(tmp, 'holed'), { recursive: true });
    const ground = readFileSync(join(tmp, 'holed', 'splits', 'val-19zl.csv'), 'utf8').split('\n')[0]!.split(',')[1]!;
    rmSync(join(tmp, 'holed', ground));
    const miss = cvgl('eval', '--checkpoint', join(run, 'checkpoints', 'last.safetensors'), '--data', join(tmp, 'holed'));
    expect(miss.code, miss.stderr).toBe(2);
    expect(miss.stderr).toContain(`found: ${join(tmp, 'holed', ground)}: missing`);
    expect(miss.stderr).toMatch(/what to do: .*cvgl data check/);
    expect(miss.stderr).not.toMatch(/CVGL_DEBUG|\n\s+at /);
  }, 120_000);

  it('Ctrl-C finishes the step, writes a checkpoint and exits cleanly; --resume continues', async () => {
    const config = JSON.parse(readFileSync(join(tmp, 'tiny.json'), 'utf8'));
    config.name = 'interrupted';
    config.epochs = 50;
    config.evalEveryEpochs = 0;
    writeFileSync(join(tmp, 'long.json'), JSON.stringify(config));
    const out = join(tmp, 'interrupted');
    const child = spawn(process.execPath, [BIN, 'train', '--config', join(tmp, 'long.json'), '--out', out, '--json'], { env: { ...process.env, CVGL_BACKEND: 'wasm' } });
    let stderr = '', stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        // the first progress line: some steps are done
        if (/epoch 1\/50 \[/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/stopping after this step/);
    const r = JSON.parse(stdout);
    expect(r.stopped).toBe('signal');
    expect(r.globalStep).toBeGreaterThan(0);
    const resumed = cvgl('train', '--resume', '--out', out, '--epochs', String(Math.ceil((r.globalStep + 1) / 4)), '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).stopped).toBe('finished');
  }, 300_000);

  it('bad input: unknown preset, missing checkpoint, a bad config file, no config at all', () => {
    const p = cvgl('train', '--preset', 'cvft.table1.ful');
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/cvft\.table1\.full/);
    const c = cvgl('eval', '--checkpoint', join(tmp, 'nope.safetensors'));
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/no such file/);
    writeFileSync(join(tmp, 'bad.json'), '{"name": "x", "model": {"name": "cvft"},}');
    const j = cvgl('train', '--config', join(tmp, 'bad.json'));
    expect(j.code).toBe(2);
    expect(j.stderr).toMatch(/JSON in .*bad\.json/);
    const none = cvgl('train');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--preset NAME or --config FILE/);
    const list = cvgl('train', '--list-presets');
    expect(list.stdout).toMatch(/^mgtl\.table4\.l3 +MGTL \(000\)/m);
  }, 120_000);

  it('a paper row that starts from ImageNet: refused at once without the file; --allow-random-init gets past the check and trains', () => {
    for (const preset of ['mgtl.table2.full', 'cvft.table1.full']) {
      const out = join(tmp, `no-init-${preset}`);
      const r = cvgl('train', '--preset', preset, '--out', out);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/ImageNet VGG16 weights for the ground branch/);
      expect(r.stderr).toMatch(/--imagenet FILE/);
      expect(r.stderr).toMatch(/vgg16-397923af\.pth[\s\S]*docs\/data\.md, 'Pretrained VGG16 weights'/);
      expect(r.stderr).toMatch(/--allow-random-init/);
      expect(r.stderr).not.toMatch(/synthetic world|\n\s+at /); // nothing rendered or loaded, no stack trace
      expect(existsSync(out), 'no run folder').toBe(false);
      // past the check: what stops it now is the dataset, not the weights
      const past = cvgl('train', '--preset', preset, '--allow-random-init', '--data', join(tmp, 'no-such-data'), '--out', out);
      expect(past.code).toBe(2);
      expect(past.stderr).not.toMatch(/ImageNet/);
      expect(past.stderr).toMatch(/a dataset directory at .*no-such-data/);
    }
    const missing = cvgl('train', '--preset', 'cvft.table1.full', '--imagenet', join(tmp, 'nope.safetensors'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/init\.ground = .*nope\.safetensors[\s\S]*no such file/);

    // the row at a tiny size (its print-config, shrunk) trains from random with the flag, and says so
    const printed = cvgl('train', '--preset', 'cvft.table1.full', '--allow-random-init', '--print-config');
    expect(printed.code, printed.stderr).toBe(0);
    const c = JSON.parse(printed.stdout);
    expect(c.initFrom).toEqual({ ground: 'imagenet', aerial: 'imagenet' });
    expect(c.allowRandomInit).toBe(true);
    Object.assign(c, { name: 'tiny-cvft-random', epochs: 1 });
    c.model.options = { ...c.model.options, widthDivisor: 16 };
    c.data = { ...c.data, dir: join(tmp, 'set'), ground: { height: 32, width: 128 }, aerial: { size: 64, polar: null }, batchSize: 8, limit: { train: 8, val: 8 } };
    writeFileSync(join(tmp, 'tiny-random.json'), JSON.stringify(c));
    const t = cvgl('train', '--config', join(tmp, 'tiny-random.json'), '--out', join(tmp, 'tiny-random'));
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toMatch(/init\.ground: random weights \(allowRandomInit\), where the paper starts from imagenet/);
    delete c.allowRandomInit;
    writeFileSync(join(tmp, 'tiny-refused.json'), JSON.stringify(c));
    const refused = cvgl('train', '--config', join(tmp, 'tiny-refused.json'), '--out', join(tmp, 'tiny-refused'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/ImageNet VGG16 weights/);
  }, 300_000);

  // a negative number is a value refused by its range, not an "ambiguous" option
  for (const [opt, val] of [['--epochs', '-1'], ['--max-steps', '-3'], ['--workers', '-2']] as const) {
    it(`${opt} ${val}: a positive integer is expected (exit 2)`, () => {
      const neg = cvgl('train', '--preset', 'quick.cvft', opt, val);
      expect(neg.code, neg.stderr).toBe(2);
      expect(neg.stderr).toContain(`expected ${opt}: a positive integer\n  found: '${val}'`);
      expect(neg.stderr).not.toMatch(/ambiguous|spelling/);
    }, 60_000);
  }
});
