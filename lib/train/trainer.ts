/**
 * The trainer: supervised cross-view training of every model and paper preset, as a task on the
 * one training loop (loop.ts):
 *
 *   config → model (seeded), objective (the paper's loss), optimizer + schedule
 *   for each epoch: batches from the input pipeline (order and augmentation fixed by
 *   (seed, epoch, pair)), gradient of the objective, NaN/Inf guard, update, metric line,
 *   checkpoint every N steps and at the end of the epoch, recall on the validation split.
 *
 * Output folder (default runs/<name>): config.json, metrics.jsonl (one JSON object per line:
 * `{"type":"step",…}` and `{"type":"eval",…}`), checkpoints/last.safetensors and
 * checkpoints/best.safetensors (best R@1 on the validation split).
 *
 * Resuming (`resume: true`) loads last.safetensors — weights, optimizer slots, generator state,
 * position — drops metric lines written after it, and continues with the very batches a
 * straight run would have had: the result is bit-for-bit the same on a deterministic backend.
 * An existing run is never overwritten without `resume`.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { rng as globalRng } from '../engine/rng.js';
import { engineInfo, initEngine } from '../engine/init.js';
import { progressBar } from '../engine/progress.js';
import { openDataset } from '../data/readers.js';
import { limitSplit, splitsHash, type CrossViewDataset, type DatasetSplit } from '../data/dataset.js';
import { PairPipeline, type PairBatch } from '../data/pipeline.js';
import type { PairOptions } from '../data/augment.js';
import { preciseBnEpoch, recomputeBatchNormStatistics } from './batchnorm_stats.js';
import { buildModel } from '../models/registry.js';
import type { CrossViewModel } from '../models/model.js';
import { Vgg16 } from '../models/vgg16.js';
import { loadVgg16Weights } from '../models/weight_import.js';
import { extractEmbeddings } from '../eval/embeddings.js';
import { embeddingUniformity, recallSummary, splitRecall } from '../eval/evaluate.js';
import { cloneConfig, validateConfig, type TrainConfig } from './config.js';
import { BRANCHES, checkInit } from './init_weights.js';
import { buildObjective, type Objective } from './objective.js';
import { createOptimizer, type Optimizer } from './optimizers.js';
import { scheduleFactor } from './schedules.js';
import { loadCheckpoint, restoreModel, type EvalRecord } from './checkpoint.js';
import { checkNewRunFolder, lockRunFolder } from './run_support.js';
import { runLoop, runPaths, type LoopResult, type LoopTask, type RunOptions, type StepPosition, type StepRecord as LoopStepRecord } from './loop.js';

export { DivergedError } from './loop.js';

export interface TrainOptions extends RunOptions {
  config: TrainConfig;
  /** Check every `debugEvery` steps that the number of live tensors does not grow. */
  debug?: boolean;
  debugEvery?: number;
  /** Pipeline worker threads (default: all cores). */
  workers?: number;
  /** Called after every step (notebooks plot from it). */
  onStep?: (s: StepRecord) => void;
}

/** A supervised step's metric line: the loop's, with the gradient norm always there. */
export type StepRecord = LoopStepRecord & { gradNorm: number };

export interface TrainResult {
  out: string;
  checkpoint: string;
  config: TrainConfig;
  /** Epochs completed and optimizer steps done (all sessions). */
  epochsDone: number;
  globalStep: number;
  stopped: 'finished' | 'max-steps' | 'signal';
  evals: EvalRecord[];
  /** Loss of the steps of this session. */
  losses: number[];
  model: CrossViewModel;
}

export function runDir(config: TrainConfig, out?: string): string {
  return resolve(out ?? join('runs', config.name));
}

function pickSplits(ds: CrossViewDataset, c: TrainConfig, dir: string): { train: DatasetSplit; val: DatasetSplit | null } {
  const names = Object.keys(ds.splits);
  const trainName = c.data.trainSplit ?? 'train';
  const train = ds.splits[trainName];
  if (!train) throw new CvglError(`a '${trainName}' split in ${dir}`, `splits ${names.join(', ') || 'none'}`, 'check the dataset (cvgl data check DIR) or set data.trainSplit');
  const nTrain = Math.min(train.pairs.length, c.data.limit?.train ?? Infinity);
  if (nTrain < c.data.batchSize) throw new CvglError(`at least batchSize = ${c.data.batchSize} training pairs`, `${nTrain} in split '${trainName}' of ${dir}${c.data.limit?.train ? ` (data.limit.train ${c.data.limit.train})` : ''}`, 'use a larger dataset (or limit) or a smaller data.batchSize');
  const valName = c.data.valSplit ?? (ds.splits.val ? 'val' : 'test');
  let val = ds.splits[valName] ?? null;
  if (c.data.valSplit && !val) throw new CvglError(`a '${valName}' split in ${dir}`, `splits ${names.join(', ')}`, 'set data.valSplit to one of them');
  if (val && val.pairs.length === 0) throw new CvglError(`pairs in the validation split '${valName}'`, 'an empty split', 'check the dataset (cvgl data check DIR)');
  if (val && c.data.limit?.val) val = limitSplit(val, c.data.limit.val);
  return { train: c.data.limit?.train ? limitSplit(train, c.data.limit.train) : train, val };
}

export async function train(o: TrainOptions): Promise<TrainResult> {
  const named = validateConfig(cloneConfig(o.config));
  const out = runDir(named, o.out);
  // held for the whole run: a second process writing here would interleave metrics and checkpoints
  const unlock = lockRunFolder(out, `run '${named.name}'`);
  try {
    return await trainIn(o, out);
  } finally {
    unlock();
  }
}

async function trainIn(o: TrainOptions, out: string): Promise<TrainResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  let config = validateConfig(cloneConfig(o.config));
  const lastPath = runPaths(out).last;

  // ---------------------------------------------------------------- where we start
  let ck = null as Awaited<ReturnType<typeof loadCheckpoint>> | null;
  if (o.resume) {
    if (!existsSync(lastPath)) throw new CvglError(`a run to resume in ${out} (checkpoints/last.safetensors)`, existsSync(out) ? 'a folder without a checkpoint' : 'no such folder', 'start the run without --resume, or give its --out');
    ck = await loadCheckpoint(lastPath);
  } else if (existsSync(lastPath)) {
    throw new CvglError(`a new output folder for run '${config.name}'`, `${out} already holds a checkpoint`, 'continue it with --resume, or pass another --out (nothing was changed)');
  } else {
    checkNewRunFolder(out, (x) => Boolean(validateConfig(x)));
  }
  if (o.epochs !== undefined) config.epochs = o.epochs;
  validateConfig(config);
  // before the dataset and the model: a paper row without its ImageNet file stops here
  if (!ck) checkInit(config);
  if (!engineInfo()) await initEngine();

  // A resumed run goes on with the data it recorded unless another is given (then with a note).
  const recorded = ck?.state.data ?? null;
  const dataDir = o.dataDir !== undefined ? resolve(o.dataDir) : recorded ? recorded.dir : resolve(config.data.dir);
  if (!existsSync(dataDir)) {
    if (recorded && o.dataDir === undefined) throw new CvglError(`the dataset run '${config.name}' was trained on, at ${dataDir} (recorded in ${lastPath})`, 'no such directory', 'pass --data DIR where the dataset is now');
    throw new CvglError(`a dataset directory at ${dataDir}`, 'no such directory', config.data.dir.includes('synthetic') ? 'render it: cvgl data synth --out ' + config.data.dir : 'pass --data DIR (a CVUSA, CVACT or VIGOR folder)');
  }
  const ds = await openDataset(dataDir, config.data.vigorProtocol ? { vigor: { protocol: config.data.vigorProtocol } } : {});
  const data = { dir: dataDir, hash: splitsHash(ds) };
  if (recorded && (recorded.dir !== data.dir || recorded.hash !== data.hash)) {
    const was = `${recorded.dir} (splits ${recorded.hash})`, now = `${data.dir} (splits ${data.hash})`;
    if (o.dataDir === undefined) throw new CvglError(`the dataset run '${config.name}' was trained on: ${was}`, `${now}: its splits changed since`, `restore the dataset, or pass --data ${data.dir} to go on with it as it is now`);
    log(`note: --data ${now} differs from the data this run was trained on, ${was}; going on with --data as given`);
  }
  const { train: trainSplit, val: valSplit } = pickSplits(ds, config, dataDir);

  const model = buildModel(config.model.name, config.model.options ?? {}, config.seed);
  let optimizer: Optimizer | null = null;
  try {
    checkInputSizes(model, config);
    optimizer = createOptimizer(config.optimizer);
    if (ck) {
      const s = ck.state;
      log(`resuming ${config.name} from ${lastPath}: epoch ${s.epoch + 1}, step ${s.stepInEpoch} of it (${s.globalStep} steps done)`);
    } else {
      await loadInitWeights(model, config, log);
      globalRng.seed(config.seed);
    }

    const views = { ground: config.data.ground, aerial: { size: config.data.aerial.size, polar: config.data.aerial.polar ?? null } };
    const cacheDir = o.cacheDir === undefined ? join(out, 'cache') : o.cacheDir;
    const pipe = new PairPipeline({
      split: trainSplit, batchSize: config.data.batchSize, sampler: config.data.sampler ?? 'random', seed: config.seed,
      augment: config.data.augment ?? null, ...views, cacheDir, ...(o.workers ? { workers: o.workers } : {}),
    });
    const c = config;
    const task = supervisedTask({ model, objective: buildObjective(model, config.loss), optimizer, pipe, config, lr: (p) => c.optimizer.lr * scheduleFactor(c.schedule, p) });
    task.evaluate = async (epochsDone, globalStep) => {
      if (!valSplit || (c.evalEveryEpochs ?? 1) <= 0 || epochsDone % (c.evalEveryEpochs ?? 1) !== 0) return null;
      if (c.preciseBatchNorm) await recomputeBatchNormStatistics(model, pipe.batches(preciseBnEpoch(epochsDone)), c.preciseBatchNorm);
      const e = await evaluateDuring(model, valSplit, views, cacheDir, o.workers, o.progress !== false, c.data.evalAugment ?? null, Boolean(c.evalUniformity));
      log(`epoch ${epochsDone}: ${valSplit.name} R@1 ${(100 * e.recall.r1!).toFixed(2)}%  R@5 ${(100 * e.recall.r5!).toFixed(2)}%  R@10 ${(100 * e.recall.r10!).toFixed(2)}%  R@1% ${(100 * e.recall.r1pct!).toFixed(2)}%  (n = ${e.n})${e.uniformity ? `  L_uniform all ${e.uniformity.all.toFixed(3)}` : ''}`);
      return { epoch: epochsDone - 1, globalStep, split: valSplit.name, n: e.n, recall: e.recall, ...(e.uniformity ? { uniformity: e.uniformity } : {}) };
    };
    let res: LoopResult;
    try {
      res = await runLoop(task, {
        out, resumeFrom: ck, restore: (k) => restoreModel(model, k, config), checkpointEverySteps: config.checkpointEverySteps, keepBest: true,
        maxSteps: o.maxSteps, handleSignals: o.handleSignals, progress: o.progress, debug: o.debug, debugEvery: o.debugEvery, log,
        onStep: (s) => o.onStep?.(s as StepRecord), data,
      });
    } finally {
      await pipe.close();
    }
    const { stopped, epoch, stepInEpoch, globalStep } = res;
    log(`${config.name}: ${stopped === 'finished' ? 'finished' : `stopped (${stopped})`} at epoch ${epoch}${stepInEpoch ? ` + ${stepInEpoch} steps` : ''}, ${globalStep} steps; checkpoint ${lastPath}`);
    return { out, checkpoint: lastPath, config, epochsDone: epoch, globalStep, stopped: stopped as TrainResult['stopped'], evals: res.evals, losses: res.losses, model };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    optimizer?.dispose();
  }
}

/** Supervised cross-view training as a loop task: pairs of the pipeline, the objective's gradients, the model's afterStep. */
export function supervisedTask(o: { model: CrossViewModel; objective: Objective; optimizer: Optimizer; pipe: PairPipeline; config: object; lr: (p: StepPosition) => number; epochs?: number; batchSize?: number }): LoopTask<PairBatch> {
  const { model, pipe } = o;
  const c = o.config as Partial<TrainConfig>;
  return {
    model, optimizer: o.optimizer, rng: globalRng, config: o.config, epochs: o.epochs ?? c.epochs!, lr: o.lr,
    trainable: new Map([...model.namedVariables()].filter(([, v]) => v.trainable)),
    async epoch(epoch, from) {
      const steps = pipe.plan(epoch).length;
      const batchSize = o.batchSize ?? c.data!.batchSize;
      if (steps === 0) throw new CvglError(`at least one batch of ${batchSize} pairs per epoch`, `${pipe.options.split.pairs.length} pairs in '${pipe.options.split.name}' (${pipe.options.sampler} sampler)`, 'use a smaller batchSize');
      return { steps, batches: pipe.batches(epoch, from) };
    },
    loss: (b) => o.objective(b.ground!, b.aerial!),
    release: (b) => tf.dispose([b.ground, b.aerial].filter((t): t is tf.Tensor4D => t !== null)),
    afterStep: () => model.afterStep?.(),
  };
}

/**
 * One forward pass on two black images of the configured sizes, before anything is written:
 * data sizes that do not fit the model (e.g. SAFA or MGTL built for other inputs) fail here with
 * both sizes named, not in the middle of the first epoch.
 */
function checkInputSizes(model: CrossViewModel, config: TrainConfig): void {
  const { ground, aerial } = config.data;
  const [ah, aw] = aerial.polar ? [aerial.polar.height, aerial.polar.width] : [aerial.size, aerial.size];
  const wasTraining = model.training;
  if (wasTraining !== undefined) model.training = false; // leave the BatchNorm statistics alone
  try {
    tf.tidy(() => {
      const e = model.embed(tf.zeros([2, ground.height, ground.width, 3]) as tf.Tensor4D, tf.zeros([2, ah, aw, 3]) as tf.Tensor4D);
      if (e.g.shape[1] !== model.descriptorLength() || e.s.shape[1] !== model.descriptorLength()) throw new Error(`descriptors of ${e.g.shape[1]}/${e.s.shape[1]} values`);
    });
  } catch (e) {
    const msg = e instanceof CvglError ? e.message.split('\n')[0] : (e as Error).message;
    throw new CvglError(
      `data sizes that fit ${model.name} as configured (model.options ${JSON.stringify(config.model.options ?? {})})`,
      `ground ${ground.height}x${ground.width}, aerial ${ah}x${aw}${aerial.polar ? ' (polar)' : ''}: ${msg}`,
      'make data.ground / data.aerial match the sizes the model is built for (groundHW / aerialHW in model.options), or start from a preset',
    );
  } finally {
    if (wasTraining !== undefined) model.training = wasTraining;
  }
}

/**
 * Pretrained backbone weights named by `config.init` (ImageNet or MoCo VGG16 safetensors) into a
 * freshly built model. A branch whose `initFrom` names pre-trained weights (thesis Table 3.1,
 * MGTL's and CVFT's ImageNet VGG16) must have its file in `init` (`checkInit`,
 * lib/train/init_weights.ts): training from random instead would silently be another experiment,
 * unless `allowRandomInit` says so for an 'imagenet' branch.
 */
export async function loadInitWeights(model: CrossViewModel, config: TrainConfig, log: (l: string) => void = () => undefined): Promise<void> {
  checkInit(config);
  for (const branch of BRANCHES) {
    const path = config.init?.[branch];
    const from = config.initFrom?.[branch];
    if (from && from !== 'random' && !path) {
      log(`init.${branch}: random weights (allowRandomInit), where the paper starts from ${from}`);
      continue;
    }
    if (!path) continue;
    const vgg = (model as unknown as Record<string, unknown>)[branch];
    if (!(vgg instanceof Vgg16)) throw new CvglError(`a model with a VGG16 ${branch} backbone for init.${branch}`, model.name, 'leave init out for this model');
    const r = await loadVgg16Weights(vgg, path);
    log(`init.${branch}: ${r.loaded.length} VGG16 tensors from ${path}`);
  }
  if (config.init?.ground || config.init?.aerial) model.afterInitWeights?.();
}

async function evaluateDuring(model: CrossViewModel, split: DatasetSplit, views: Parameters<typeof extractEmbeddings>[2], cacheDir: string | null, workers: number | undefined, progress: boolean, augment: PairOptions | null, uniformity: boolean) {
  const bar = progressBar(`  eval ${split.name}`, { quiet: !progress, unit: 'pairs' });
  const e = await extractEmbeddings(model, split, views, { cacheDir, workers, onProgress: bar, augment });
  bar.end();
  return { n: e.n, recall: recallSummary(await splitRecall(e)), ...(uniformity ? { uniformity: await embeddingUniformity(e) } : {}) };
}
