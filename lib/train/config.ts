/**
 * A training run as one typed, JSON-serialisable object: model, loss, data, optimizer, schedule,
 * epochs, seed. Presets (lib/papers/presets.ts) are such objects, one per experiment row of a
 * paper; a config file for `cvgl train --config` is the same object as JSON. `validateConfig`
 * checks one read from a file and says what is wrong with it.
 */
import { CvglError } from '../engine/errors.js';
import type { PairOptions } from '../data/augment.js';
import { SAMPLERS, type SamplerName } from '../data/samplers.js';
import { TRIHARD_MINING, type TriHardMining } from '../losses/triplet.js';
import { MODEL_NAMES, type ModelName } from '../models/registry.js';
import { validateOptimizer, type OptimizerConfig } from './optimizers.js';
import { validateSchedule, type ScheduleConfig } from './schedules.js';
import { checkKeys, PAIR_AUGMENT, type KeySchema } from './config_keys.js';
import { THESIS_GAMMA_PLACEMENTS, THESIS_REDUCTIONS, type ThesisGammaPlacement, type ThesisReduction } from '../losses/triplet.js';

/** Losses by the paper equation they implement (lib/losses). */
export const LOSS_KINDS = [
  /** CVFT (002) Sec. 3.4: weighted soft-margin triplet over all 2B(B−1) triplets of a batch, γ. */
  'soft-margin-exhaustive',
  /** Thesis (003) Eq. 3.3/3.4: log(1 + γ·exp(d_pos − d_neg)) summed over both directions. */
  'soft-triplet-thesis',
  /** GeoCapsNet (001) Eq. 2: Soft-TriHard, batch-hard negatives, α. */
  'soft-trihard',
  /** MGTL (000) Eq. 7–9: soft-margin triplet γ + λ·Σ_l reconstruction MSEs. */
  'mgtl',
  /** Thesis (003) appendix 6.5: InfoNCE (Eq. 3.1) of both crossed MoCo pairs of the unified model. */
  'unified-infonce',
] as const;
export type LossKind = (typeof LOSS_KINDS)[number];

export interface LossConfig {
  kind: LossKind;
  /** γ of the soft-margin triplets (CVFT, MGTL, thesis: 10). */
  gamma?: number;
  /** α of Soft-TriHard (GeoCapsNet: 15). */
  alpha?: number;
  /** Negatives of Soft-TriHard (GeoCapsNet Eq. 2): 'batch-hard' (default) or 'none' (Table 3's "Triplet"). */
  mining?: TriHardMining;
  /** λ of MGTL's reconstruction term (0.05). */
  lambda?: number;
  /** Weight α of the thesis' uniformity loss (Eq. 3.9, Table 4.7); 0 or absent: none. */
  uniformity?: number;
  /** soft-triplet-thesis only: Eq. 3.4 as a 'sum' (printed; the default) or a 'mean' over its 2B(B−1) terms. */
  reduction?: ThesisReduction;
  /** soft-triplet-thesis only: γ of Eq. 3.3 on the 'exp' (printed; the default) or on the 'gap' (CVM-Net [23]). */
  gammaOn?: ThesisGammaPlacement;
}

export interface ModelSpec {
  name: ModelName;
  /** Options of the model's constructor (widthDivisor, variant, steps, dim, groundHW, ...). */
  options?: Record<string, unknown>;
}

export interface DataConfig {
  /** Default dataset directory (a run's `--data` overrides it). */
  dir: string;
  ground: { height: number; width: number };
  aerial: { size: number; polar?: { height: number; width: number } | null };
  batchSize: number;
  sampler?: SamplerName;
  augment?: PairOptions | null;
  /** Augmentation of the validation split when it is evaluated (e.g. CVFT's ±20° orientation
   *  noise, "trained and tested with it"); drawn from a fixed seed, so every evaluation sees the
   *  same views. Absent: none. */
  evalAugment?: PairOptions | null;
  /** Use only the first N pairs of the training / validation split (a quick look, CI smoke runs). */
  limit?: { train?: number; val?: number };
  trainSplit?: string;
  /** Split evaluated after each epoch (default 'val', else 'test'). */
  valSplit?: string;
  /** VIGOR sets: same-area or cross-area split (default 'same'). */
  vigorProtocol?: 'same' | 'cross';
}

export interface TrainConfig {
  /** Run name (and the default output folder runs/<name>). */
  name: string;
  /** Where the settings come from, e.g. "CVFT (002) Sec. 4.1, Table 1 row 'Ours'". */
  source?: string;
  /** Settings the paper does not state and what was chosen. */
  assumptions?: string[];
  model: ModelSpec;
  loss: LossConfig;
  data: DataConfig;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  epochs: number;
  seed: number;
  /** Also write a checkpoint every this many steps (default: only at the end of each epoch). */
  checkpointEverySteps?: number;
  /** Evaluate on the validation split every this many epochs (default 1; 0: never). */
  evalEveryEpochs?: number;
  /** Pretrained weight files (safetensors, torchvision VGG16 names) for the two backbones. */
  init?: { ground?: string; aerial?: string };
  /**
   * Where each backbone's weights come from, by the thesis' names (003, Table 3.1): a symbol a
   * study resolves to a file in `init` by running the pre-training it names (lib/papers/thesis/study.ts),
   * not a file itself; also what the other papers' rows start from ('imagenet': MGTL, CVFT).
   * Absent: random. The trainer refuses a symbol without its file in `init` (lib/train/init_weights.ts).
   */
  initFrom?: { ground?: InitSource; aerial?: InitSource };
  /**
   * Start a branch whose `initFrom` is 'imagenet' from random weights when `init` has no file
   * for it (default false: such a run is refused, lib/train/init_weights.ts). The quick and smoke
   * profiles set it (small substitutes); on the paper profile it is `cvgl train
   * --allow-random-init` or the study's `allowRandomInit`, and the report marks the run.
   */
  allowRandomInit?: boolean;
  /** Also compute the uniformity metric (thesis Eqs. 3.6–3.8) of the validation descriptors at
   *  each evaluation and log it in metrics.jsonl (Fig. 4.5). */
  evalUniformity?: boolean;
  /**
   * PreciseBN before every evaluation (models with BatchNorm, i.e. GeoCapsNet): the moving
   * statistics are recomputed as the mean over this many training batches with the current
   * weights (lib/train/batchnorm_stats.ts). Absent: Keras' moving averages as trained.
   */
  preciseBatchNorm?: number;
}

/**
 * The pre-trained weights of a branch in the thesis' terms (003, Sec. 3.1.2 and Table 3.1):
 * 'random' ("/"); 'imagenet' (supervised ImageNet weights: a user file, or a stand-in where none
 * exists); 'sat' (MoCov2 from scratch on the satellite images of the whole downstream dataset);
 * 'sat train*' / 'sat val*' / 'sat*' (MoCov2 from ImageNet weights on the satellites of the
 * training split / the validation split / both); 'grd*' (the same as 'sat*' on the ground images).
 */
export const INIT_SOURCES = ['random', 'imagenet', 'grd*', 'sat', 'sat train*', 'sat val*', 'sat*'] as const;
export type InitSource = (typeof INIT_SOURCES)[number];

/** Every key of a TrainConfig (optimizer and schedule: their own validators check them, by kind). */
export const TRAIN_CONFIG_KEYS: KeySchema = {
  name: true, source: true, assumptions: true,
  model: { name: true, options: true }, // options: each model's constructor checks its own
  loss: { kind: true, gamma: true, alpha: true, mining: true, lambda: true, uniformity: true, reduction: true, gammaOn: true },
  data: {
    dir: true, ground: { height: true, width: true }, aerial: { size: true, polar: { height: true, width: true } }, batchSize: true,
    sampler: true, augment: PAIR_AUGMENT, evalAugment: PAIR_AUGMENT, limit: { train: true, val: true }, trainSplit: true, valSplit: true, vigorProtocol: true,
  },
  optimizer: true, schedule: true, epochs: true, seed: true, checkpointEverySteps: true, evalEveryEpochs: true,
  init: { ground: true, aerial: true }, initFrom: { ground: true, aerial: true }, allowRandomInit: true, evalUniformity: true, preciseBatchNorm: true,
};

function fail(path: string, expected: string, found: unknown, fix: string): never {
  throw new CvglError(`${path}: ${expected}`, found === undefined ? 'nothing' : JSON.stringify(found), fix);
}

const isObj = (x: unknown): x is Record<string, unknown> => x != null && typeof x === 'object' && !Array.isArray(x);
const posInt = (x: unknown) => Number.isInteger(x) && (x as number) > 0;

/** Checks a config (e.g. parsed from JSON) and returns it typed; throws a CvglError naming the field. */
export function validateConfig(x: unknown, origin = 'the config'): TrainConfig {
  if (!isObj(x)) fail(origin, 'a JSON object (a TrainConfig)', x, 'start from a preset: cvgl train --preset quick.siamese-vgg --print-config');
  checkKeys(x, TRAIN_CONFIG_KEYS, '', origin);
  const c = x as unknown as TrainConfig;
  if (typeof c.name !== 'string' || !/^[\w.-]+$/.test(c.name)) fail('name', 'a run name of letters, digits, . _ -', c.name, 'e.g. "name": "cvft-cvusa"');
  if (!isObj(c.model) || !(MODEL_NAMES as readonly string[]).includes(c.model.name)) fail('model.name', MODEL_NAMES.join(', '), c.model?.name, 'e.g. "model": {"name": "cvft"}');
  if (c.model.options !== undefined && !isObj(c.model.options)) fail('model.options', 'an object of constructor options', c.model.options, 'e.g. {"widthDivisor": 8}');
  if (!isObj(c.loss) || !(LOSS_KINDS as readonly string[]).includes(c.loss.kind)) fail('loss.kind', LOSS_KINDS.join(', '), c.loss?.kind, 'e.g. "loss": {"kind": "soft-margin-exhaustive", "gamma": 10}');
  for (const k of ['gamma', 'alpha', 'lambda'] as const) if (c.loss[k] !== undefined && !(c.loss[k]! > 0)) fail(`loss.${k}`, 'a positive number', c.loss[k], 'or leave it out for the paper value');
  if (c.loss.mining !== undefined && (c.loss.kind !== 'soft-trihard' || !TRIHARD_MINING.includes(c.loss.mining))) fail('loss.mining', `one of ${TRIHARD_MINING.join(', ')} with the soft-trihard loss`, c.loss.mining, c.loss.kind === 'soft-trihard' ? '"none" for GeoCapsNet Table 3\'s Triplet' : 'leave it out (only soft-trihard mines)');
  if (c.loss.uniformity !== undefined && !(c.loss.uniformity >= 0)) fail('loss.uniformity', 'a weight >= 0', c.loss.uniformity, 'thesis Table 4.7: 0.0001 ... 0.1');
  if (c.loss.reduction !== undefined && !(THESIS_REDUCTIONS as readonly string[]).includes(c.loss.reduction)) fail('loss.reduction', THESIS_REDUCTIONS.join(' or '), c.loss.reduction, "'mean' (thesis presets) or 'sum' (Eq. 3.4 as printed)");
  if (c.loss.gammaOn !== undefined && !(THESIS_GAMMA_PLACEMENTS as readonly string[]).includes(c.loss.gammaOn)) fail('loss.gammaOn', THESIS_GAMMA_PLACEMENTS.join(' or '), c.loss.gammaOn, "'gap' (thesis presets, CVM-Net) or 'exp' (Eq. 3.3 as printed)");
  for (const k of ['reduction', 'gammaOn'] as const) if (c.loss[k] !== undefined && c.loss.kind !== 'soft-triplet-thesis') fail(`loss.${k}`, "absent: it is an option of the 'soft-triplet-thesis' loss", c.loss[k], `leave it out for ${c.loss.kind}`);
  if (c.loss.kind === 'mgtl' && c.model.name !== 'mgtl') fail('loss.kind', `a loss for ${c.model.name} (mgtl's loss needs the MGTL model)`, c.loss.kind, 'use soft-margin-exhaustive');
  if ((c.loss.kind === 'unified-infonce') !== (c.model.name === 'unified-moco')) fail('loss.kind', c.model.name === 'unified-moco' ? "'unified-infonce' (the unified MoCo trains with its own InfoNCE pairs)" : `a loss for ${c.model.name} ('unified-infonce' needs the unified-moco model)`, c.loss.kind, c.model.name === 'unified-moco' ? '"loss": {"kind": "unified-infonce"}' : 'use soft-triplet-thesis');
  if (c.loss.kind === 'unified-infonce' && c.loss.uniformity) fail('loss.uniformity', 'no uniformity term with the unified model', c.loss.uniformity, 'leave it out');
  const d = c.data;
  if (!isObj(d)) fail('data', 'an object {dir, ground, aerial, batchSize}', d, 'see a preset');
  if (typeof d.dir !== 'string' || !d.dir) fail('data.dir', 'a dataset directory', d.dir, 'e.g. "data/synthetic"');
  if (!isObj(d.ground) || !posInt(d.ground.height) || !posInt(d.ground.width)) fail('data.ground', '{height, width} in pixels', d.ground, 'e.g. {"height": 112, "width": 616}');
  if (!isObj(d.aerial) || !posInt(d.aerial.size)) fail('data.aerial', '{size, polar?}', d.aerial, 'e.g. {"size": 256}');
  if (d.aerial.polar != null && (!posInt(d.aerial.polar.height) || !posInt(d.aerial.polar.width))) fail('data.aerial.polar', '{height, width} or null', d.aerial.polar, 'e.g. {"height": 128, "width": 512}');
  if (!posInt(d.batchSize) || d.batchSize < 2) fail('data.batchSize', 'an integer >= 2 (the losses need negatives in the batch)', d.batchSize, 'e.g. 12');
  if (d.sampler !== undefined && !SAMPLERS.includes(d.sampler)) fail('data.sampler', SAMPLERS.join(', '), d.sampler, 'random for CVUSA/CVACT, vigor for VIGOR');
  if (d.limit !== undefined && (!isObj(d.limit) || Object.entries(d.limit).some(([k, v]) => (k !== 'train' && k !== 'val') || !posInt(v)))) fail('data.limit', '{train?: N, val?: N} with positive integers', d.limit, 'e.g. {"train": 64, "val": 64}, or leave it out for whole splits');
  if (d.vigorProtocol !== undefined && d.vigorProtocol !== 'same' && d.vigorProtocol !== 'cross') fail('data.vigorProtocol', "'same' or 'cross'", d.vigorProtocol, 'thesis Table 4.7: cross');
  validateOptimizer(c.optimizer);
  validateSchedule(c.schedule);
  if (!posInt(c.epochs)) fail('epochs', 'an integer >= 1', c.epochs, 'e.g. "epochs": 10');
  if (!Number.isInteger(c.seed) || c.seed < 0) fail('seed', 'an integer >= 0', c.seed, 'e.g. "seed": 1');
  if (c.checkpointEverySteps !== undefined && !posInt(c.checkpointEverySteps)) fail('checkpointEverySteps', 'an integer >= 1', c.checkpointEverySteps, 'or leave it out (end of each epoch)');
  if (c.preciseBatchNorm !== undefined && !posInt(c.preciseBatchNorm)) fail('preciseBatchNorm', 'a number of training batches >= 1', c.preciseBatchNorm, 'e.g. 10, or leave it out (moving averages as trained)');
  if (c.evalEveryEpochs !== undefined && !(Number.isInteger(c.evalEveryEpochs) && c.evalEveryEpochs >= 0)) fail('evalEveryEpochs', 'an integer >= 0', c.evalEveryEpochs, '1: after every epoch, 0: never');
  if (c.init !== undefined && (!isObj(c.init) || Object.entries(c.init).some(([k, v]) => (k !== 'ground' && k !== 'aerial') || typeof v !== 'string' || !v))) fail('init', '{ground?: FILE, aerial?: FILE} (VGG16 .safetensors)', c.init, 'e.g. {"aerial": "runs/moco-sat/backbone.safetensors"}');
  if (c.initFrom !== undefined) {
    if (!isObj(c.initFrom)) fail('initFrom', `{ground?, aerial?} with values ${INIT_SOURCES.join(', ')}`, c.initFrom, 'e.g. {"ground": "imagenet", "aerial": "sat*"} (thesis Table 3.1)');
    for (const [k, v] of Object.entries(c.initFrom)) {
      if (k !== 'ground' && k !== 'aerial') fail(`initFrom.${k}`, 'a branch: ground or aerial', k, 'e.g. {"aerial": "sat*"}');
      if (!(INIT_SOURCES as readonly string[]).includes(v as string)) fail(`initFrom.${k}`, `one of ${INIT_SOURCES.join(', ')} (thesis Table 3.1)`, v, 'e.g. "sat*"');
    }
  }
  if (c.allowRandomInit !== undefined && typeof c.allowRandomInit !== 'boolean') fail('allowRandomInit', 'true or false', c.allowRandomInit, "true starts 'imagenet' branches without a file from random weights");
  if (c.evalUniformity !== undefined && typeof c.evalUniformity !== 'boolean') fail('evalUniformity', 'true or false', c.evalUniformity, 'true logs L_uniform at every evaluation');
  return c;
}

/** A deep copy (configs are plain JSON). */
export function cloneConfig(c: TrainConfig): TrainConfig {
  return JSON.parse(JSON.stringify(c)) as TrainConfig;
}

/** What must match between a checkpoint and the config resuming from it: the model and its sizes. */
export function architectureKey(c: TrainConfig): string {
  return JSON.stringify({ model: c.model.name, options: c.model.options ?? {} });
}
