/**
 * The `cvgl` command as a user runs it: `bin/cvgl.mjs` in a child process, output parsed.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { QUICK_SHAPE, stepFlops } from '../lib/bench/siamese_step.js';
import { findTorchPython } from '../lib/bench/pytorch.js';
import { requireInCi } from './ci_requirements.js';
import { COMMANDS, usageIn } from '../lib/cli/commands.js';
import { negativesAsValues } from '../lib/cli/args.js';

const BIN = fileURLToPath(new URL('../bin/cvgl.mjs', import.meta.url));

function cvgl(...args: string[]) {
  return cvglWith({}, ...args);
}
function cvglWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, CVGL_BACKEND: '', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A user-facing error: exit 2, the message says expected/found/what to do, no stack trace. */
function expectUserError(r: ReturnType<typeof cvgl>, pattern: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).toMatch(/what to do:/);
  expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

describe('cvgl help (the command table)', () => {
  it('lists every command of the table with its summary and usage, in table order', () => {
    const r = cvgl('--help');
    expect(r.code, r.stderr).toBe(0);
    expect(COMMANDS.map((c) => c.name)).toEqual(['info', 'bench', 'data', 'params', 'quicktrain', 'train', 'eval', 'pretrain', 'report', 'kernel']);
    let at = r.stdout.indexOf('Usage:');
    for (const c of COMMANDS) {
      expect(r.stdout).toMatch(new RegExp(`^  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      const i = r.stdout.indexOf(c.usage, at);
      expect(i, c.name).toBeGreaterThan(at);
      expect(c.usage).toMatch(new RegExp(`^  cvgl ${c.name}\\b`));
      at = i;
    }
    expect(cvgl('help').stdout).toBe(r.stdout);
    expect(cvgl().stdout).toBe(r.stdout);
  });

  it('a group help text gives each of its commands its own usage blocks', () => {
    const group = '  cvgl a --x\n      does a\n  cvgl b\n      does b\n  cvgl a --y\n      a again';
    expect(usageIn(group, 'a')).toBe('  cvgl a --x\n      does a\n  cvgl a --y\n      a again');
    expect(usageIn(group, 'b')).toBe('  cvgl b\n      does b');
    expect(() => usageIn(group, 'c')).toThrow(/cvgl c/);
  });

  it('a negative number after an option is its value; other arguments are left alone', () => {
    expect(negativesAsValues(['--epochs', '-1', '--lr', '-1e-4', '--x', '-.5', '-h'])).toEqual(['--epochs=-1', '--lr=-1e-4', '--x=-.5', '-h']);
    expect(negativesAsValues(['--a=1', '-2', '--b', '-c', '--', '--d', '-3'])).toEqual(['--a=1', '-2', '--b', '-c', '--', '--d', '-3']);
    expect(negativesAsValues(['--out', '-x1'])).toEqual(['--out', '-x1']);
  });

  it('`cvgl kernel --help` prints its usage; unknown kernel options are usage errors', () => {
    const r = cvgl('kernel', '--help');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^  cvgl kernel install \[--prefix DIR\]/);
    expectUserError(cvgl('kernel', 'install', '--prefx', '/tmp/x'), /known options/);
  });
});

describe('cvgl info', () => {
  it('--json lists every backend with availability, and the chosen one', () => {
    const r = cvgl('info', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const names = out.backends.map((b: { name: string }) => b.name);
    expect(names).toEqual(['tensorflow', 'webgpu', 'native', 'wasm', 'cpu']);
    for (const b of out.backends) {
      if (b.available) expect(b.device).toBeTruthy();
      else expect(b.reason).toBeTruthy();
    }
    expect(out.backends.find((b: { name: string }) => b.name === 'wasm').available).toBe(true);
    expect(out.backends.find((b: { name: string }) => b.name === 'cpu').available).toBe(true);
    expect(['tensorflow', 'webgpu', 'native', 'wasm']).toContain(out.chosen.backend);
    // auto never picks a software adapter
    if (out.chosen.backend === 'webgpu') expect(out.chosen.software).toBe(false);
    expect(out.chosen.threads).toBeGreaterThanOrEqual(1);
    expect(out.versions.tfjs).toMatch(/^\d+\.\d+\.\d+/);
    if (process.env.CI) {
      expect(out.backends.find((b: { name: string }) => b.name === 'webgpu').available).toBe(true);
      expect(out.backends.find((b: { name: string }) => b.name === 'native').available).toBe(true);
    }
  });

  it('prints a readable summary', () => {
    const r = cvgl('info', '--backend', 'cpu');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/backend\s+cpu on /);
    expect(r.stdout).toMatch(/wasm\s+yes/);
  });

  it("prints nothing on stderr (Dawn's adapter warnings only with CVGL_DEBUG)", () => {
    const r = cvglWith({ CVGL_DEBUG: '' }, 'info');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const webgpu = JSON.parse(cvglWith({ CVGL_DEBUG: '' }, 'info', '--json').stdout).backends.find((b: { name: string }) => b.name === 'webgpu');
    // Mesa's adapter through Dawn's OpenGL backend is the one that warns (limits "artificially reduced")
    if (webgpu.software) expect(cvglWith({ CVGL_DEBUG: '1' }, 'info').stderr).toMatch(/^Warning: .*artificially reduced/m);
  });

  it('rejects an unknown backend, listing the valid names', () => {
    expectUserError(cvgl('info', '--backend', 'tpu'), /expected a backend name: auto, tensorflow, webgpu, native, wasm, cpu[\s\S]*found: 'tpu'/);
  });

  it('says why the tensorflow backend cannot start and what can', () => {
    const r = cvgl('info', '--backend', 'tensorflow');
    if (r.code === 0) return; // tfjs-node installed by the user: nothing to check
    expectUserError(r, /the 'tensorflow' backend to start[\s\S]*not installed[\s\S]*wasm/);
  });

  it('rejects unknown commands and options', () => {
    expectUserError(cvgl('frobnicate'), /a command: info, bench, data, params, quicktrain, train, eval, pretrain, report/);
    expectUserError(cvgl('info', '--jsn'), /known options/);
  });
});

describe('cvgl bench', () => {
  const torch = findTorchPython();
  requireInCi("Debian's python3-torch (the benchmark's reference)", torch.python != null, 'reason' in torch ? torch.reason : undefined);

  it('--quick --json prints ms/step, GFLOP/s and the PyTorch ratio per backend', () => {
    const r = cvgl('bench', '--quick', '--json', '--backends', 'wasm', '--steps', '2', '--warmup', '1');
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.shape).toEqual(QUICK_SHAPE);
    expect(rep.flopsPerStep).toBe(stepFlops(QUICK_SHAPE));
    expect(rep.results).toHaveLength(1);
    const w = rep.results[0];
    expect(w.backend).toBe('wasm');
    expect(w.times).toHaveLength(2);
    expect(w.msPerStep).toBeGreaterThan(0);
    expect(w.gflops).toBeCloseTo(rep.flopsPerStep / (w.msPerStep / 1000) / 1e9, 0);
    expect(Number.isFinite(w.finalLoss)).toBe(true);
    expect(r.stderr).not.toMatch(/tensors left/);
    if (torch.python) {
      expect(rep.pytorch.params).toBe(rep.params); // the PyTorch twin is the same model
      expect(rep.pytorch.msPerStep).toBeGreaterThan(0);
      expect(w.ratioToPytorch).toBeCloseTo(w.msPerStep / rep.pytorch.msPerStep, 1);
    } else {
      expect(rep.pytorch.skipped).toMatch(/torch/);
      expect(w.ratioToPytorch).toBeNull();
    }
  });

  it('rejects bad options with a clear message', () => {
    expectUserError(cvgl('bench', '--backends', 'wasm,gpu'), /--backends[\s\S]*found: 'gpu'/);
    expectUserError(cvgl('bench', '--quick', '--steps', 'many'), /--steps[\s\S]*found: 'many'/);
    expectUserError(cvgl('bench', '--quick', '--steps', '0', '--no-torch'), /--steps: a positive integer/);
    expectUserError(cvgl('bench', '--quick', '--steps', '-1', '--no-torch'), /--steps: a non-negative integer\n  found: '-1'/);
  });
});
