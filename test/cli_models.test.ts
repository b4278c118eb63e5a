/**
 * `cvgl params` and `cvgl quicktrain` as a user runs them.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic } from '../lib/synth/generate.js';
import { paramsCommand } from '../lib/cli/models.js';
import { MODEL_NAMES } from '../lib/models/registry.js';

const BIN = fileURLToPath(new URL('../bin/cvgl.mjs', import.meta.url));
function cvgl(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-cli-models-'));
  await generateSynthetic({ out: join(tmp, 'set'), pairs: 40, seed: 2, aerialSize: 64, panoWidth: 128, panoHeight: 32, workers: 2 });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('cvgl params', () => {
  it('--json gives parameter counts and descriptor lengths; the two VGG16 branches are MGTL Table 2 first row', () => {
    const facts = Object.fromEntries(['siamese-vgg', 'safa', 'cvft'].map((m) => {
      const r = cvgl('params', m, '--json');
      expect(r.code, r.stderr).toBe(0);
      return [m, JSON.parse(r.stdout)];
    }));
    expect(facts['siamese-vgg'].params).toBe(31_530_624);
    expect(facts['siamese-vgg'].descriptorLength).toBe(4096);
    expect(facts.cvft.descriptorLength).toBe(4096);
    expect(facts.safa.descriptorLength).toBe(4096);
    for (const f of Object.values(facts) as { breakdown: Record<string, number>; params: number; published: { value: number }[] }[]) {
      expect(Object.values(f.breakdown).reduce((a, b) => a + b, 0)).toBe(f.params);
      // 2 x 14,714,688 rounds to the published 29.42M
      expect(Math.abs(Object.values(f.breakdown)[0]! - f.published[0]!.value)).toBeLessThan(0.01e6);
    }
  });

  // cvft.json since: forwardGflops counts the default area resize's window taps (CVFT's resize, issue 23 item 2)
  it('prints, as text and as --json, what it printed before the models registered themselves (fixtures of 861eb9d)', async () => {
    for (const m of MODEL_NAMES) {
      for (const json of [false, true]) {
        const lines: string[] = [];
        const log = vi.spyOn(console, 'log').mockImplementation((x: string) => void lines.push(x));
        try {
          expect(await paramsCommand(json ? [m, '--json'] : [m])).toBe(0);
        } finally {
          log.mockRestore();
        }
        const fixture = fileURLToPath(new URL(`fixtures/cvgl_params/${m}.${json ? 'json' : 'txt'}`, import.meta.url));
        expect(`${lines.join('\n')}\n`, `${m}${json ? ' --json' : ''}`).toBe(readFileSync(fixture, 'utf8'));
      }
    }
  });

  it('rejects an unknown model', () => {
    const r = cvgl('params', 'resnet');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a model name: siamese-vgg, safa, cvft, mgtl, geocapsnet-i, geocapsnet-ii/);
  });
});

describe('cvgl quicktrain', () => {
  it('runs a few seconds of CVFT on a synthetic set and reports loss and recall before/after', () => {
    const r = cvgl('quicktrain', '--model', 'cvft', '--seconds', '4', '--data', join(tmp, 'set'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.model).toBe('cvft');
    expect(out.steps).toBeGreaterThan(0);
    expect(Number.isFinite(out.lossFirst) && Number.isFinite(out.lossLast)).toBe(true);
    expect(out.after.n).toBeGreaterThan(0);
    expect(out.after.chance['1']).toBeCloseTo(1 / out.after.n, 6);
  });

  it('GeoCapsNet-II at its quick size (72x288 panorama and polar aerial), PreciseBN before each evaluation', () => {
    const r = cvgl('quicktrain', '--model', 'geocapsnet-ii', '--seconds', '3', '--data', join(tmp, 'set'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.model).toBe('geocapsnet-ii');
    expect(out.steps).toBeGreaterThan(0);
    expect(Number.isFinite(out.lossFirst) && Number.isFinite(out.lossLast)).toBe(true);
    expect(out.before.n).toBe(out.after.n);
    expect(r.stderr.match(/BatchNorm statistics recomputed from \d+ training batches \(PreciseBN\)/g)).toHaveLength(2);
  }, 300_000);
});
