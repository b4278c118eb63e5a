/**
 * The models of "Models II" learn: a short CPU training run of MGTL and of GeoCapsNet-I/II at
 * their quick sizes, on a synthetic set this test renders, lowers the training loss and ranks the
 * true aerial of a held-out panorama well above chance. The same trainer, profile and evaluation
 * as the notebooks (`runStudy`, profile `quick`); a fixed number of steps, not a time budget.
 *
 * Measured when written (2026-11-30, 196 validation pairs, chance R@1 0.5%, R@10 5.1%): MGTL 50
 * steps R@1 2.0%, R@10 19.9%; GeoCapsNet-II (its quick preset's loss) 100 steps R@1 2.0%, R@10 17.3%; GeoCapsNet-I is the
 * slowest to start (100 steps: R@10 8.7%), so it trains 150 (R@1 4.1%, R@10 18.9%). Under chance
 * the statistics below are z ≈ 0; these runs gave z = 11–14.
 *
 * MGTL's 50 steps were on the edge: convolutions that round differently (the native backend's
 * Winograd kernels, or one thread instead of two) left it at chance (binomial tail 0.42, and
 * 4.8e-4) where wasm and the earlier native kernels reached R@10 19.9%. At 100 steps (2026-12-01):
 * R@10 40.3%, z = 17.6 with Winograd, 34.7%, z = 17.2 without.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../lib/engine/index.js';
import { generateSynthetic } from '../../lib/synth/generate.js';
import type { StudyRun } from '../../lib/train/study.js';
import { runStudy } from '../../lib/papers/study.js';

let tmp = '';
beforeAll(async () => {
  await initEngine({});
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-learns-'));
  // the default synthetic set (1000 pairs: 800 training, 200 validation; 256x256 aerials, 616x112
  // panoramas) with a seed of its own; the quick sizes are resized from it
  await generateSynthetic({ out: join(tmp, 'set'), seed: 11, workers: 2 });
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Trains `id` for `epochs` epochs in batches of 16 (50 steps each) and evaluates on the validation split. */
async function learn(id: string, epochs: number): Promise<StudyRun> {
  const lines: string[] = [];
  const r = await runStudy([id], {
    profile: 'quick',
    // one seed: this test is about learning at all, not the claims' replicates
    replicates: 1,
    dataDir: join(tmp, 'set'),
    workDir: join(tmp, id),
    log: (l) => lines.push(l),
    adjust: (_, c) => {
      c.data.batchSize = 16;
      c.epochs = epochs;
    },
  });
  expect(r.diverged, lines.join('\n')).toEqual([]);
  const run = r.runs[0]!;
  console.log(lines.at(-1));
  return run;
}

/**
 * Beating chance, tested as statistics: under chance the true match's rank is uniform on
 * 0..n−1, so (a) the number of queries with it in the top 10 is Binomial(n, 10/n) and (b) the
 * mean rank has mean (n−1)/2 and standard deviation sqrt((n²−1)/12/n). A run passes when the top-10
 * hits have a one-sided binomial tail below 1e-4 and the mean rank is more than 5 of those
 * standard deviations below chance.
 */
function expectLearned(run: StudyRun, firstSteps = 10) {
  const n = run.split.pairs.length;
  expect(n).toBeGreaterThan(150);
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  // the training loss of the last steps is below that of the first ones
  expect(mean(run.losses.slice(-firstSteps))).toBeLessThan(0.9 * mean(run.losses.slice(0, firstSteps)));
  const ranks = Array.from(run.ranks);
  const hits = ranks.filter((r) => r < 10).length;
  const tail = binomialTail(n, 10 / n, hits);
  const z = ((n - 1) / 2 - mean(ranks)) / Math.sqrt((n * n - 1) / 12 / n);
  console.log(`${run.id}: top-10 hits ${hits} of ${n} (chance ${10}), binomial tail ${tail.toExponential(1)}; mean rank ${mean(ranks).toFixed(1)} (chance ${((n - 1) / 2).toFixed(1)}), z = ${z.toFixed(1)}`);
  expect(tail).toBeLessThan(1e-4);
  expect(z).toBeGreaterThan(5);
}

/** P(X >= k) for X ~ Binomial(n, p). */
function binomialTail(n: number, p: number, k: number): number {
  let logC = 0, sum = 0; // log C(n, i), built up from i = 0
  for (let i = 0; i <= n; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    if (i >= k) sum += Math.exp(logC + i * Math.log(p) + (n - i) * Math.log(1 - p));
  }
  return sum;
}

describe('Models II learn on the synthetic world at their quick sizes', () => {
  it('MGTL (L = 2, width ÷ 8, polar aerial), 100 steps', async () => {
    expectLearned(await learn('mgtl.table2.full', 2));
  }, 600_000);

  // the quick presets' loss (CVFT's exhaustive weighted soft-margin triplet): Table 3's rows are
  // Eq. 2 with or without mining, and at quick size neither clears this bar in 100 steps (the
  // Triplet row without mining, 2026-12-07: R@10 8.7%, z = 3.0)
  it('GeoCapsNet-II (quick preset), 100 steps', async () => {
    expectLearned(await learn('quick.geocapsnet-ii', 2));
  }, 600_000);

  it('GeoCapsNet-I (quick preset), 150 steps', async () => {
    expectLearned(await learn('quick.geocapsnet-i', 3));
  }, 600_000);
});
