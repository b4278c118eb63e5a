/**
 * A short training run of one architecture on the synthetic set (`cvgl quicktrain`), to show that
 * model, loss and pipeline learn together: recall on the validation split before, a time budget of
 * the project's Adam (lib/train/optimizers.ts) on the training split — the supervised task on the
 * one training loop, stopped by its `maxSeconds` — the loss curve, recall after, and chance levels
 * beside them. Small images and narrow networks (quick size) so it fits a CPU in minutes. Not the
 * papers' protocol (that is `train` with a preset); this is the models' smoke test. Nothing is
 * written to disk.
 */
import { tf } from '../engine/tf.js';
import { PairPipeline } from '../data/pipeline.js';
import type { DatasetSplit } from '../data/dataset.js';
import { evaluateRecall, type RecallResult } from '../eval/recall.js';
import type { CrossViewModel } from '../models/model.js';
import { rng as globalRng } from '../engine/rng.js';
import { preciseBnEpoch, recomputeBatchNormStatistics } from './batchnorm_stats.js';
import { runLoop } from './loop.js';
import { createOptimizer } from './optimizers.js';
import { supervisedTask } from './trainer.js';

export interface QuickTrainOptions {
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

export interface QuickTrainResult {
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

export async function quickTrain(o: QuickTrainOptions): Promise<QuickTrainResult> {
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
  const lr = o.learningRate ?? 1e-3;
  const optimizer = createOptimizer({ kind: 'adam', lr });
  try {
    await statistics(0);
    const before = await evaluate(o.model, evalPipe);
    log(`${o.model.name}: recall@1 before training ${(100 * before.atK[1]!).toFixed(1)}% (chance ${(100 * before.chance[1]!).toFixed(1)}%)`);
    globalRng.seed(o.seed ?? 1);
    const task = supervisedTask({ model: o.model, objective: o.objective, optimizer, pipe: trainPipe, config: { quick: o.model.name }, epochs: Infinity, batchSize, lr: () => lr });
    const t0 = performance.now();
    const res = await runLoop(task, {
      maxSeconds: o.seconds, progress: false, log,
      onStep: (s) => s.globalStep % 20 === 0 && log(`  step ${s.globalStep}: loss ${s.loss.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`),
    });
    const seconds = (performance.now() - t0) / 1000;
    const losses = res.losses;
    await statistics(1);
    const after = await evaluate(o.model, evalPipe);
    const tenth = Math.max(1, Math.floor(losses.length / 10));
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
    const result: QuickTrainResult = {
      model: o.model.name,
      params: o.model.paramCount(),
      steps: losses.length,
      epochs: res.epoch + (res.stepInEpoch > 0 ? 1 : 0),
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
    optimizer.dispose();
    await Promise.all([evalPipe.close(), trainPipe.close()]);
  }
}
