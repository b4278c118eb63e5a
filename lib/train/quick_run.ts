/**
 * A short training run of one architecture on the synthetic set, to show that model, loss and
 * pipeline learn together: recall on the validation split before, a few minutes of Adam on the
 * training split, the loss curve, recall after, and chance levels beside them. Small images and
 * narrow networks (quick size) so it fits a CPU in minutes. Not the papers' protocol: that is the
 * trainer's job (a later issue); this is the models' smoke test.
 */
import { tf } from '../engine/tf.js';
import { PairPipeline } from '../data/pipeline.js';
import type { DatasetSplit } from '../data/dataset.js';
import { evaluateRecall, type RecallResult } from '../eval/recall.js';
import type { CrossViewModel } from '../models/model.js';
import { preciseBnEpoch, recomputeBatchNormStatistics } from './batchnorm_stats.js';

export interface QuickRunOptions {
  model: CrossViewModel;
  /** The training objective of a batch (the paper's loss, auxiliary terms included). */
  objective: (ground: tf.Tensor4D, aerial: tf.Tensor4D) => tf.Scalar;
  train: DatasetSplit;
  val: DatasetSplit;
  ground: { height: number; width: number };
  aerial: { size: number; polar?: { height: number; width: number } | null };
  seconds: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  cacheDir?: string | null;
  /** PreciseBN before each evaluation from this many training batches (models with BatchNorm; lib/train/batchnorm_stats.ts). */
  preciseBatchNorm?: number;
  log?: (line: string) => void;
}

export interface QuickRunResult {
  model: string;
  params: number;
  steps: number;
  epochs: number;
  seconds: number;
  /** Mean loss over the first and the last tenth of the steps. */
  lossFirst: number;
  lossLast: number;
  losses: number[];
  before: RecallResult;
  after: RecallResult;
}

async function evaluate(model: CrossViewModel, p: PairPipeline): Promise<RecallResult> {
  const wasTraining = model.training;
  if (wasTraining !== undefined) model.training = false; // moving BatchNorm statistics
  try {
    return await embedAll(model, p);
  } finally {
    if (wasTraining !== undefined) model.training = wasTraining;
  }
}

async function embedAll(model: CrossViewModel, p: PairPipeline): Promise<RecallResult> {
  const gs: tf.Tensor2D[] = [], ss: tf.Tensor2D[] = [];
  for await (const b of p.batches(0)) {
    const [g, s] = tf.tidy(() => {
      const e = model.embed(b.ground!, b.aerial!);
      return [e.g, e.s];
    });
    gs.push(g as tf.Tensor2D);
    ss.push(s as tf.Tensor2D);
    b.ground!.dispose();
    b.aerial!.dispose();
  }
  const g = tf.concat(gs) as tf.Tensor2D, s = tf.concat(ss) as tf.Tensor2D;
  const r = await evaluateRecall(g, s, { ks: [1, 5, 10], metric: 'l2' });
  tf.dispose([...gs, ...ss, g, s]);
  return r;
}

export async function quickRun(o: QuickRunOptions): Promise<QuickRunResult> {
  const log = o.log ?? (() => undefined);
  const batchSize = o.batchSize ?? 16;
  const views = { ground: o.ground, aerial: { size: o.aerial.size, polar: o.aerial.polar ?? null }, cacheDir: o.cacheDir ?? null };
  const evalPipe = new PairPipeline({ split: o.val, batchSize: 32, sampler: 'sequential', ...views, seed: 0 });
  const trainPipe = new PairPipeline({ split: o.train, batchSize, sampler: 'random', ...views, seed: o.seed ?? 1 });
  const statistics = async (k: number) => {
    if (!o.preciseBatchNorm) return;
    const n = await recomputeBatchNormStatistics(o.model, trainPipe.batches(preciseBnEpoch(k)), o.preciseBatchNorm);
    if (n) log(`${o.model.name}: BatchNorm statistics recomputed from ${n} training batches (PreciseBN)`);
  };
  try {
    await statistics(0);
    const before = await evaluate(o.model, evalPipe);
    log(`${o.model.name}: recall@1 before training ${(100 * before.atK[1]!).toFixed(1)}% (chance ${(100 * before.chance[1]!).toFixed(1)}%)`);
    const opt = tf.train.adam(o.learningRate ?? 1e-3);
    const losses: number[] = [];
    const t0 = performance.now();
    let epoch = 0;
    while ((performance.now() - t0) / 1000 < o.seconds) {
      for await (const b of trainPipe.batches(epoch)) {
        const cost = opt.minimize(() => o.objective(b.ground!, b.aerial!), true, o.model.variables()) as tf.Scalar;
        o.model.afterStep?.();
        losses.push((await cost.data())[0]!);
        cost.dispose();
        b.ground!.dispose();
        b.aerial!.dispose();
        if (losses.length % 20 === 0) log(`  step ${losses.length}: loss ${losses[losses.length - 1]!.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
        if ((performance.now() - t0) / 1000 >= o.seconds) break;
      }
      epoch++;
    }
    const seconds = (performance.now() - t0) / 1000;
    opt.dispose();
    await statistics(1);
    const after = await evaluate(o.model, evalPipe);
    const tenth = Math.max(1, Math.floor(losses.length / 10));
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
    const result: QuickRunResult = {
      model: o.model.name,
      params: o.model.paramCount(),
      steps: losses.length,
      epochs: epoch,
      seconds,
      lossFirst: mean(losses.slice(0, tenth)),
      lossLast: mean(losses.slice(-tenth)),
      losses,
      before,
      after,
    };
    log(`${o.model.name}: ${result.steps} steps in ${seconds.toFixed(0)} s; loss ${result.lossFirst.toFixed(4)} -> ${result.lossLast.toFixed(4)}; recall@1 ${(100 * after.atK[1]!).toFixed(1)}%, @5 ${(100 * after.atK[5]!).toFixed(1)}%, @1% ${(100 * after.atOnePercent).toFixed(1)}% (chance ${(100 * after.chance[1]!).toFixed(1)}%, ${(100 * after.chance[5]!).toFixed(1)}%)`);
    return result;
  } finally {
    await Promise.all([evalPipe.close(), trainPipe.close()]);
  }
}

