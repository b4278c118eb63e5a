/**
 * Stage 1 of the thesis (003, Sec. 3.1, Fig. 3.1): MoCov2 self-supervised pre-training of ONE
 * branch's VGG16 as a training run.
 *
 *   config → MoCo (seeded; optional ImageNet/any VGG16 init into f_q, copied to f_k) →
 *   the chosen branch's images of the chosen splits (ground-only "grd", aerial-only "sat",
 *   "sat train*", "sat val*", "sat*": Sec. 3.1.2) → two pipelines with the same batch order and
 *   different augmentation seeds (the two augmented views x_q, x_k of Algorithm 1) → SGD + step
 *   schedule (Sec. 4.2: lr 0.015, momentum 0.9, wd 1e-4, ×0.1 at epochs 120 and 160) → per batch
 *   one step of the training loop (loop.ts; `mocoTask`): InfoNCE and its gradients, update of f_q,
 *   then `MoCo.afterStep` (momentum update of f_k, enqueue).
 *
 * Output folder (default runs/<name>): config.json, metrics.jsonl (one `{"type":"step",…}` line
 * per step), checkpoints/last.safetensors (MoCo's f_q, f_k, queue and queue_ptr, the optimizer's
 * slots, the position and the generator state: written atomically at the end of every epoch and
 * when stopping early), and backbone.safetensors: f_q's VGG16 with torchvision names, the file a
 * stage-2 config names as `init.ground` / `init.aerial` (Sec. 3.1.2). Resuming continues with the
 * very batches and views a straight run would have had (bit-for-bit on a deterministic backend).
 * An existing run is never overwritten without `resume`.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { Rng, rng as globalRng } from '../engine/rng.js';
import { engineInfo, initEngine } from '../engine/init.js';
import { openDataset } from '../data/readers.js';
import type { DatasetSplit, PairRecord } from '../data/dataset.js';
import { PairPipeline, type PairBatch } from '../data/pipeline.js';
import { MOCO_V2, type AugmentOptions, type PairOptions } from '../data/augment.js';
import { MoCo } from '../models/moco.js';
import { openSafetensors, type SafeTensor } from '../models/safetensors.js';
import { loadVgg16Weights } from '../models/weight_import.js';
import { CHECKPOINT_FORMAT, type CheckpointState, type LoadedCheckpoint } from './checkpoint.js';
import { createOptimizer, validateOptimizer, type Optimizer } from './optimizers.js';
import { scheduleFactor, validateSchedule, type ScheduleConfig } from './schedules.js';
import { checkKeys, PAIR_AUGMENT, type KeySchema } from './config_keys.js';
import { gradientStep, runLoop, type LoopTask, type RunOptions, type StepRecord } from './loop.js';

export type PretrainBranch = 'ground' | 'aerial';

export interface PretrainConfig {
  /** Run name (and the default output folder runs/<name>). */
  name: string;
  /** Where the settings come from. */
  source?: string;
  /** Settings the paper does not state and what was chosen. */
  assumptions?: string[];
  /** Which images are pre-trained on: ground panoramas ("grd") or aerial images ("sat"). */
  branch: PretrainBranch;
  /** Dataset splits whose images are used (thesis Sec. 3.1.2: ['train'], ['val'] or ['train', 'val']). */
  splits: string[];
  data: {
    /** Default dataset directory (a run's `dataDir` overrides it). */
    dir: string;
    ground: { height: number; width: number };
    aerial: { size: number };
    batchSize: number;
    /**
     * MoCo v2 augmentation (appendix 6.2): `ground` / `aerial` are the per-view AugmentOptions
     * (`resizedCrop: true` for MoCo v2; false is the thesis' variant without it), `flipP` the
     * horizontal flip probability.
     */
    augment: PairOptions;
    /** VIGOR sets: same-area or cross-area split (default 'same'). */
    vigorProtocol?: 'same' | 'cross';
  };
  moco: { widthDivisor: number; dim: number; queueSize: number; tau: number; momentum: number };
  optimizer: { kind: 'sgd'; lr: number; momentum?: number; weightDecay?: number; nesterov?: boolean };
  schedule: ScheduleConfig;
  epochs: number;
  seed: number;
  /** A VGG16 safetensors (torchvision/timm names) to start f_q (and f_k) from: the starred settings "grd*", "sat*". */
  init?: string;
}

/** Every key of a PretrainConfig (optimizer and schedule: their own validators check them). */
const PRETRAIN_CONFIG_KEYS: KeySchema = {
  name: true, source: true, assumptions: true, branch: true, splits: true,
  data: { dir: true, ground: { height: true, width: true }, aerial: { size: true }, batchSize: true, augment: PAIR_AUGMENT, vigorProtocol: true },
  moco: { widthDivisor: true, dim: true, queueSize: true, tau: true, momentum: true },
  optimizer: true, schedule: true, epochs: true, seed: true, init: true,
};

function fail(path: string, expected: string, found: unknown, fix: string): never {
  throw new CvglError(`pretrain config ${path}: ${expected}`, found === undefined ? 'nothing' : JSON.stringify(found), fix);
}
const isObj = (x: unknown): x is Record<string, unknown> => x != null && typeof x === 'object' && !Array.isArray(x);
const posInt = (x: unknown) => Number.isInteger(x) && (x as number) > 0;

/** Checks a pre-training config (e.g. parsed from JSON) and returns it typed; throws a CvglError naming the field. */
export function validatePretrainConfig(x: unknown, origin = 'the pretrain config'): PretrainConfig {
  if (!isObj(x)) fail(origin, 'a JSON object (a PretrainConfig)', x, `start from a preset: ${PRETRAIN_PRESET_NAMES.join(', ')}`);
  checkKeys(x, PRETRAIN_CONFIG_KEYS, '', origin);
  const c = x as unknown as PretrainConfig;
  if (typeof c.name !== 'string' || !/^[\w.-]+$/.test(c.name)) fail('name', 'a run name of letters, digits, . _ -', c.name, 'e.g. "name": "moco-sat-cvact"');
  if (c.branch !== 'ground' && c.branch !== 'aerial') fail('branch', "'ground' or 'aerial'", c.branch, 'MoCo pre-trains one branch at a time (thesis Sec. 3.1.1)');
  if (!Array.isArray(c.splits) || c.splits.length === 0 || !c.splits.every((s) => typeof s === 'string' && s)) fail('splits', 'a non-empty list of split names', c.splits, `e.g. ["train"] ("sat train*"), ["val"] ("sat val*") or ["train", "val"] ("sat*")`);
  if (new Set(c.splits).size !== c.splits.length) fail('splits', 'split names without repeats', c.splits, 'name each split once');
  const d = c.data;
  if (!isObj(d)) fail('data', 'an object {dir, ground, aerial, batchSize, augment}', d, 'see a preset');
  if (typeof d.dir !== 'string' || !d.dir) fail('data.dir', 'a dataset directory', d.dir, 'e.g. "data/synthetic"');
  if (!isObj(d.ground) || !posInt(d.ground.height) || !posInt(d.ground.width)) fail('data.ground', '{height, width} in pixels', d.ground, 'e.g. {"height": 112, "width": 616}');
  if (!isObj(d.aerial) || !posInt(d.aerial.size)) fail('data.aerial', '{size}', d.aerial, 'e.g. {"size": 256}');
  if (!posInt(d.batchSize) || d.batchSize < 2) fail('data.batchSize', 'an integer >= 2', d.batchSize, 'thesis Sec. 4.2: 128');
  if (!isObj(d.augment)) fail('data.augment', 'PairOptions with the MoCo v2 view options (two augmented views are what MoCo learns from)', d.augment, `e.g. {"${c.branch}": {"resizedCrop": true}} (the other fields default to MoCo v2)`);
  const view = d.augment[c.branch];
  if (view !== undefined && !isObj(view)) fail(`data.augment.${c.branch}`, 'AugmentOptions', view, 'e.g. {"resizedCrop": true}');
  if (d.vigorProtocol !== undefined && d.vigorProtocol !== 'same' && d.vigorProtocol !== 'cross') fail('data.vigorProtocol', "'same' or 'cross'", d.vigorProtocol, 'or leave it out');
  const m = c.moco;
  if (!isObj(m)) fail('moco', 'an object {widthDivisor, dim, queueSize, tau, momentum}', m, 'thesis Sec. 4.2: {"widthDivisor": 1, "dim": 128, "queueSize": 16384, "tau": 0.2, "momentum": 0.999}');
  if (!posInt(m.widthDivisor)) fail('moco.widthDivisor', 'an integer >= 1', m.widthDivisor, '1: VGG16 as published');
  if (!posInt(m.dim)) fail('moco.dim', 'an integer >= 1', m.dim, 'thesis: 128');
  if (!posInt(m.queueSize)) fail('moco.queueSize', 'an integer >= 1', m.queueSize, 'thesis: 16384');
  if (m.queueSize % d.batchSize !== 0) fail('moco.queueSize', `a multiple of data.batchSize = ${d.batchSize} (MoCo enqueues whole batches)`, m.queueSize, `e.g. ${d.batchSize * Math.max(1, Math.round(m.queueSize / d.batchSize))}`);
  if (!(typeof m.tau === 'number' && m.tau > 0)) fail('moco.tau', 'a temperature > 0', m.tau, 'thesis: 0.2');
  if (!(typeof m.momentum === 'number' && m.momentum >= 0 && m.momentum < 1)) fail('moco.momentum', 'm in [0, 1)', m.momentum, 'thesis: 0.999');
  if (!isObj(c.optimizer) || c.optimizer.kind !== 'sgd') fail('optimizer.kind', "'sgd' (thesis Sec. 4.2)", c.optimizer?.kind, 'e.g. {"kind": "sgd", "lr": 0.015, "momentum": 0.9, "weightDecay": 0.0001}');
  validateOptimizer(c.optimizer);
  validateSchedule(c.schedule);
  if (!posInt(c.epochs)) fail('epochs', 'an integer >= 1', c.epochs, 'thesis: 200');
  if (!Number.isInteger(c.seed) || c.seed < 0) fail('seed', 'an integer >= 0', c.seed, 'e.g. "seed": 1');
  if (c.init !== undefined && (typeof c.init !== 'string' || !c.init)) fail('init', 'the path of a VGG16 .safetensors', c.init, 'or leave it out (random initialisation)');
  return c;
}

/** A deep copy (configs are plain JSON). */
export function clonePretrainConfig(c: PretrainConfig): PretrainConfig {
  return JSON.parse(JSON.stringify(c)) as PretrainConfig;
}

/** MoCo v2 (appendix 6.2) on one view, random resized crop on (PairOptions turns it off by default). */
const MOCO_VIEW: AugmentOptions = { ...MOCO_V2, resizedCrop: true };
const mocoAugment = (branch: PretrainBranch): PairOptions => ({ [branch]: { ...MOCO_VIEW }, flipP: MOCO_V2.flipP });

const THESIS_SOURCE = 'thesis (003) Sec. 3.1 and 4.2: MoCov2, SGD lr 0.015 momentum 0.9 wd 1e-4, batch 128, 200 epochs, lr x0.1 at 120 and 160, K 16384, m 0.999, tau 0.2, CVACT 112x616 / 256x256';

function thesisStage1(branch: PretrainBranch): PretrainConfig {
  return {
    name: `thesis-stage1-${branch}`,
    source: THESIS_SOURCE,
    assumptions: [
      'splits: the training split; the thesis also uses val ("sat val*") and train+val ("sat*", "grd*") — set splits',
      'init: the starred settings start from ImageNet VGG16 weights — set init to a local torchvision VGG16 .safetensors',
      'projection head: 2-layer MLP 512 -> 512 -> 128 (MoCov2); the thesis names only the output dimension',
      'one process instead of 2 GPUs: batch 128 on one device (no shuffling BN: VGG16 has no BatchNorm)',
    ],
    branch,
    splits: ['train'],
    data: { dir: 'data/cvact', ground: { height: 112, width: 616 }, aerial: { size: 256 }, batchSize: 128, augment: mocoAugment(branch) },
    moco: { widthDivisor: 1, dim: 128, queueSize: 16384, tau: 0.2, momentum: 0.999 },
    optimizer: { kind: 'sgd', lr: 0.015, momentum: 0.9, weightDecay: 1e-4 },
    schedule: { kind: 'step', milestones: [120, 160], gamma: 0.1 },
    epochs: 200,
    seed: 1,
  };
}

function quickMoco(branch: PretrainBranch): PretrainConfig {
  return {
    name: `quick-moco-${branch}`,
    source: `${THESIS_SOURCE}; scaled down (widths / 8, small images, K 256, 4 epochs) for a quick run on the synthetic set`,
    assumptions: ['everything the thesis sets but sizes, widths, K, batch and epochs is kept'],
    branch,
    splits: ['train'],
    data: { dir: 'data/synthetic', ground: { height: 32, width: 128 }, aerial: { size: 64 }, batchSize: 16, augment: mocoAugment(branch) },
    moco: { widthDivisor: 8, dim: 128, queueSize: 256, tau: 0.2, momentum: 0.999 },
    optimizer: { kind: 'sgd', lr: 0.015, momentum: 0.9, weightDecay: 1e-4 },
    schedule: { kind: 'step', milestones: [3], gamma: 0.1 },
    epochs: 4,
    seed: 1,
  };
}

/** Pre-training presets by name: `thesis.stage1.{ground,aerial}` (Sec. 4.2) and `quick.moco.{ground,aerial}`. */
export const pretrainPresets: Record<string, PretrainConfig> = {
  'thesis.stage1.ground': thesisStage1('ground'),
  'thesis.stage1.aerial': thesisStage1('aerial'),
  'quick.moco.ground': quickMoco('ground'),
  'quick.moco.aerial': quickMoco('aerial'),
};
export const PRETRAIN_PRESET_NAMES = Object.keys(pretrainPresets);

/** A copy of a preset (throws naming the presets when unknown). */
export function getPretrainPreset(name: string): PretrainConfig {
  const p = pretrainPresets[name];
  if (!p) throw new CvglError(`a pre-training preset: ${PRETRAIN_PRESET_NAMES.join(', ')}`, `'${name}'`, 'pick one of them');
  return clonePretrainConfig(p);
}

/**
 * The images of `branch` in `splits` as one split (one record per distinct image of that branch;
 * VIGOR's aerials, shared by several panoramas, count once).
 */
export function branchImages(splits: Record<string, DatasetSplit>, names: string[], branch: PretrainBranch, where: string): DatasetSplit {
  const seen = new Set<string>();
  const pairs: PairRecord[] = [];
  for (const n of names) {
    const s = splits[n];
    if (!s) throw new CvglError(`a '${n}' split in ${where}`, `splits ${Object.keys(splits).join(', ') || 'none'}`, 'check the dataset (cvgl data check DIR) or change splits');
    for (const p of s.pairs) {
      const path = p[branch];
      if (seen.has(path)) continue;
      seen.add(path);
      pairs.push(p);
    }
  }
  return { name: names.join('+'), pairs, gallery: [] };
}

export interface ViewPipelineOptions {
  cacheDir?: string | null;
  workers?: number;
}

/**
 * The two pipelines of MoCo (x_q and x_k of Algorithm 1): the same `seed` (same images in the
 * same order every epoch), augmentation seeds `seed` and `seed + 1` (two different views).
 * Only the pre-trained branch's images are loaded; the worker augments a single view with that
 * view's options (lib/data/pipeline_worker.ts).
 */
export function pretrainPipelines(config: PretrainConfig, split: DatasetSplit, o: ViewPipelineOptions = {}): { q: PairPipeline; k: PairPipeline } {
  const g = config.branch === 'ground';
  const aug = config.data.augment;
  // one view only: the worker augments it alone with that view's options (pair-level yaw/FOV do not apply)
  const augment: PairOptions = { flipP: aug.flipP, ground: aug.ground ?? MOCO_VIEW, aerial: aug.aerial ?? MOCO_VIEW };
  const workers = Math.max(1, o.workers ?? Math.ceil(availableParallelism() / 2));
  const base = {
    split,
    batchSize: config.data.batchSize,
    sampler: 'random' as const,
    seed: config.seed,
    ground: g ? config.data.ground : null,
    aerial: g ? null : { size: config.data.aerial.size, polar: null },
    augment,
    cacheDir: o.cacheDir ?? null,
    workers,
    dropLast: true,
  };
  return { q: new PairPipeline({ ...base, augmentSeed: config.seed }), k: new PairPipeline({ ...base, augmentSeed: config.seed + 1 }) };
}

/** The branch's images of a batch (the other view is disposed). */
export function pretrainBatchView(b: PairBatch, branch: PretrainBranch): tf.Tensor4D {
  const keep = branch === 'ground' ? b.ground : b.aerial;
  (branch === 'ground' ? b.aerial : b.ground)?.dispose();
  if (!keep) throw new CvglError(`a batch with ${branch} images`, 'none', 'a pipeline of the pretrain run must load the branch it pre-trains');
  return keep;
}

export interface PretrainOptions extends RunOptions {
  config: PretrainConfig;
  /** Worker threads of each of the two pipelines (default: half the cores each). */
  workers?: number;
  /** Called after every step. */
  onStep?: (s: PretrainStepRecord) => void;
}

/** A MoCo step's metric line (the loop's). */
export type PretrainStepRecord = StepRecord;

export interface PretrainResult {
  out: string;
  /** checkpoints/last.safetensors */
  checkpoint: string;
  /** backbone.safetensors: f_q's VGG16 (torchvision names) for init.ground / init.aerial. */
  backbone: string;
  config: PretrainConfig;
  /** Loss of the steps of this session. */
  losses: number[];
  epochsDone: number;
  globalStep: number;
  stopped: 'finished' | 'max-steps' | 'signal';
}

const META_KEY = 'cvgl.checkpoint';

/** Reads a pre-training checkpoint (checkpoints/last.safetensors of a `pretrain` run). */
export async function loadPretrainCheckpoint(path: string): Promise<LoadedCheckpoint & { config: PretrainConfig }> {
  if (!existsSync(path)) throw new CvglError(`a pre-training checkpoint at ${path}`, 'no such file', 'give runs/<name>/checkpoints/last.safetensors of a pretrain run');
  const r = await openSafetensors(path);
  try {
    const raw = r.metadata[META_KEY];
    if (!raw) throw new CvglError(`a cvgl checkpoint (metadata '${META_KEY}')`, `a safetensors file without it (${r.entries.size} tensors)`, 'plain weight files are loaded with loadVgg16Weights (init), not resumed');
    let state: CheckpointState & { kind?: string };
    try {
      state = JSON.parse(raw) as CheckpointState;
    } catch (e) {
      throw new CvglError('checkpoint metadata in JSON', (e as Error).message, 'the file is damaged: start again');
    }
    if (state.format !== CHECKPOINT_FORMAT) throw new CvglError(`checkpoint format ${CHECKPOINT_FORMAT}`, `format ${state.format}`, 'this checkpoint was written by another version of cvgl');
    const config = validatePretrainConfig(state.config, `the config stored in ${path}`);
    const model = new Map<string, SafeTensor>(), optimizer = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const name of r.entries.keys()) {
      if (name.startsWith('model/')) model.set(name.slice(6), await r.read(name));
      else if (name.startsWith('optimizer/')) optimizer.set(name.slice(10), await r.read(name));
    }
    return { path, state, model, optimizer, config };
  } finally {
    await r.close();
  }
}

/** The sizes a checkpoint's MoCo must share with the config resuming it. */
const mocoKey = (c: PretrainConfig) => JSON.stringify({ branch: c.branch, widthDivisor: c.moco.widthDivisor, dim: c.moco.dim, queueSize: c.moco.queueSize });

/** MoCov2 pre-training of one branch (thesis Sec. 3.1, 4.2); see the file comment. */
export async function pretrain(o: PretrainOptions): Promise<PretrainResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const config = validatePretrainConfig(clonePretrainConfig(o.config));
  const out = resolve(o.out ?? join('runs', config.name));
  const ckDir = join(out, 'checkpoints');
  const lastPath = join(ckDir, 'last.safetensors');
  const backbonePath = join(out, 'backbone.safetensors');
  const metricsPath = join(out, 'metrics.jsonl');

  let ck: Awaited<ReturnType<typeof loadPretrainCheckpoint>> | null = null;
  if (o.resume) {
    if (!existsSync(lastPath)) throw new CvglError(`a pre-training run to resume in ${out} (checkpoints/last.safetensors)`, existsSync(out) ? 'a folder without a checkpoint' : 'no such folder', 'start the run without resume, or give its out folder');
    ck = await loadPretrainCheckpoint(lastPath);
    if (mocoKey(ck.config) !== mocoKey(config)) throw new CvglError(`a checkpoint of ${mocoKey(config)}`, `${lastPath} holds ${mocoKey(ck.config)}`, 'resume with the config the run was started with, or start a new run in another out folder');
  } else if (existsSync(lastPath) || existsSync(backbonePath)) {
    throw new CvglError(`a new output folder for pre-training run '${config.name}'`, `${out} already holds ${existsSync(lastPath) ? 'a checkpoint' : 'a backbone.safetensors'}`, 'continue it with resume, or pass another out folder (nothing was changed)');
  }
  if (o.epochs !== undefined) config.epochs = o.epochs;
  validatePretrainConfig(config);
  if (!engineInfo()) await initEngine();

  const dataDir = resolve(o.dataDir ?? config.data.dir);
  if (!existsSync(dataDir)) throw new CvglError(`a dataset directory at ${dataDir}`, 'no such directory', config.data.dir.includes('synthetic') ? 'render it: cvgl data synth --out ' + config.data.dir : 'pass dataDir (a CVUSA, CVACT or VIGOR folder)');
  const ds = await openDataset(dataDir, config.data.vigorProtocol ? { vigor: { protocol: config.data.vigorProtocol } } : {});
  const images = branchImages(ds.splits, config.splits, config.branch, dataDir);
  if (images.pairs.length < config.data.batchSize) throw new CvglError(`at least batchSize = ${config.data.batchSize} ${config.branch} images`, `${images.pairs.length} in ${config.splits.join(' + ')} of ${dataDir}`, 'use a larger dataset or a smaller data.batchSize');

  const m = config.moco;
  const moco = new MoCo({ name: `moco_${config.branch}`, rng: new Rng(config.seed), widthDivisor: m.widthDivisor, dim: m.dim, queueSize: m.queueSize, tau: m.tau, momentum: m.momentum });
  let optimizer: Optimizer | null = null;
  let pipes: ReturnType<typeof pretrainPipelines> | null = null;
  try {
    optimizer = createOptimizer(config.optimizer);
    if (ck) {
      const s = ck.state;
      log(`resuming ${config.name} from ${lastPath}: epoch ${s.epoch + 1}, step ${s.stepInEpoch} of it (${s.globalStep} steps done)`);
    } else {
      if (config.init) {
        const r = await loadVgg16Weights(moco.encoderQ.vgg, config.init);
        // Algorithm 1: f_k.params = f_q.params
        const q = moco.queryVariables();
        for (const [name, v] of moco.keyVariables()) v.assign(q.get(name.replace(/^encoder_k\./, 'encoder_q.'))!);
        log(`init: ${r.loaded.length} VGG16 tensors from ${config.init} into the query and key encoders`);
      }
      globalRng.seed(config.seed);
    }

    const cacheDir = o.cacheDir === undefined ? join(out, 'cache') : o.cacheDir;
    pipes = pretrainPipelines(config, images, { cacheDir, workers: o.workers });
    const task = mocoTask(moco, optimizer, pipes, config);
    task.afterSave = () => exportBackboneAtomic(moco, backbonePath, config);
    const res = await runLoop(task, { out, resumeFrom: ck, maxSteps: o.maxSteps, handleSignals: o.handleSignals, progress: o.progress, log, onStep: (s) => o.onStep?.(s as PretrainStepRecord) });
    if (!existsSync(backbonePath)) await exportBackboneAtomic(moco, backbonePath, config); // e.g. resumed a finished run
    const { stopped, epoch, stepInEpoch, globalStep } = res;
    log(`${config.name}: ${stopped === 'finished' ? 'finished' : `stopped (${stopped})`} at epoch ${epoch}${stepInEpoch ? ` + ${stepInEpoch} steps` : ''}, ${globalStep} steps; checkpoint ${lastPath}, backbone ${backbonePath}`);
    return { out, checkpoint: lastPath, backbone: backbonePath, config, losses: res.losses, epochsDone: epoch, globalStep, stopped: stopped as PretrainResult['stopped'] };
  } finally {
    await Promise.all([pipes?.q.close(), pipes?.k.close()]);
    optimizer?.dispose();
    moco.dispose();
  }
}

/** A batch of MoCo: the two augmented views of the same images. */
export interface MocoBatch {
  xq: tf.Tensor4D;
  xk: tf.Tensor4D;
}

/**
 * MoCo pre-training as a loop task: the two pipelines zipped into (x_q, x_k), InfoNCE's gradients
 * of f_q, and after the update the momentum update of f_k and the enqueue (`MoCo.afterStep`).
 */
export function mocoTask(moco: MoCo, optimizer: Optimizer, pipes: { q: PairPipeline; k: PairPipeline }, config: PretrainConfig): LoopTask<MocoBatch> {
  const branch = config.branch;
  return {
    model: moco, optimizer, rng: globalRng, config, epochs: config.epochs, label: `moco ${branch} `, finite: 'a finite MoCo loss and gradient',
    lr: (p) => config.optimizer.lr * scheduleFactor(config.schedule, p),
    trainable: moco.queryVariables(),
    async epoch(epoch, from) {
      const steps = pipes.q.plan(epoch).length;
      if (steps === 0) throw new CvglError(`at least one batch of ${config.data.batchSize} images per epoch`, `${pipes.q.options.split.pairs.length} images`, 'use a smaller batchSize');
      return { steps, batches: zipViews(pipes.q.batches(epoch, from), pipes.k.batches(epoch, from), branch) };
    },
    loss: (b) => moco.loss(b.xq, b.xk),
    release: (b) => tf.dispose([b.xq, b.xk]),
    afterStep: () => moco.afterStep(),
  };
}

/** The two pipelines' batches side by side (both are drawn in step; the iterators are closed at the end). */
async function* zipViews(itQ: AsyncGenerator<PairBatch>, itK: AsyncGenerator<PairBatch>, branch: PretrainBranch): AsyncGenerator<MocoBatch> {
  try {
    for (;;) {
      const [nq, nk] = await Promise.all([itQ.next(), itK.next()]);
      if (nq.done || nk.done) {
        for (const n of [nq, nk]) if (!n.done) tf.dispose([n.value.ground, n.value.aerial].filter((t): t is tf.Tensor4D => t !== null));
        return;
      }
      yield { xq: pretrainBatchView(nq.value, branch), xk: pretrainBatchView(nk.value, branch) };
    }
  } finally {
    await Promise.all([itQ.return(undefined), itK.return(undefined)]);
  }
}

/** One MoCo step outside a run (tests, notebooks): loss, SGD update of f_q, momentum update, enqueue; returns the loss. */
export async function mocoStep(moco: MoCo, optimizer: Optimizer, xq: tf.Tensor4D, xk: tf.Tensor4D, lr: number): Promise<number> {
  const r = await gradientStep(moco.queryVariables(), () => moco.loss(xq, xk), optimizer, lr, () => undefined);
  moco.afterStep();
  return r.loss;
}

/** f_q's VGG16 as torchvision-named safetensors, written to a temporary file and renamed (atomic). */
async function exportBackboneAtomic(moco: MoCo, path: string, config: PretrainConfig): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  try {
    await moco.exportBackbone(tmp, { metadata: { branch: config.branch, run: config.name, splits: config.splits.join('+') } });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
