/**
 * Run profiles: the same experiment row (a preset, e.g. `cvft.table1.woCvft`) at three sizes.
 *
 *  - `paper`: the preset as its paper states it (sizes, widths, epochs, optimizer), on the
 *    dataset directory given (a real CVUSA/CVACT/VIGOR folder), meant for a GPU;
 *  - `quick`: what `npm run report` runs on 2 CPU cores: the model's quick size (widths ÷ 8,
 *    small images, `presets.quick.<model>`), the synthetic world, a few epochs;
 *  - `smoke`: the quick size for one epoch of four batches, evaluated on 64 validation pairs, for
 *    CI to run every notebook end to end.
 *
 * What makes the row the row is kept in every profile: the architecture's options (variant,
 * descriptor dimension, recurrent steps, routing iterations …), the loss and its parameters,
 * the augmentation (train and evaluation), the sampler and the dataset protocol. What only sets
 * the size — widths, image sizes, learning rate, epochs — comes from the quick preset, and the
 * batch is capped (`maxBatch`). Every change is written into the config's `assumptions`, so a
 * report says what was run.
 *
 * The rows are the papers' (lib/papers): a caller passes their lookup (`presets`), so this layer
 * never imports a paper; lib/papers/study.ts binds it to every paper's rows.
 *
 * A study whose runs are not one preset each (the thesis' matrix with its pre-training, MDUIT's
 * three trainings) keeps its own sizes by profile as a `ProfileSizes` table, looked up with
 * `profileSizes`; every profile name, of a preset or of a study, is checked by `checkProfile`.
 */
import { CvglError } from '../engine/errors.js';
import { cloneConfig, type TrainConfig } from './config.js';
import { withImagenetFile } from './init_weights.js';

export const PROFILES = ['paper', 'quick', 'smoke'] as const;
export type ProfileName = (typeof PROFILES)[number];

/** Model options that only set the size of a model (taken from the quick preset). */
const SIZE_OPTIONS = new Set(['widthDivisor', 'groundHW', 'aerialHW', 'name']);

/** A copy of the experiment row `name` (a preset name, e.g. 'cvft.table1.full' or 'quick.cvft'). */
export type PresetLookup = (name: string) => TrainConfig;

export interface ProfileOptions {
  /** The rows to read `name` and `quick.<model>` from (lib/papers/presets.ts `getPreset`). */
  presets: PresetLookup;
  /** Dataset directory (default: the preset's, i.e. the synthetic set for quick/smoke). */
  dataDir?: string;
  seed?: number;
  /** Epochs (default: the profile's). */
  epochs?: number;
  /** Largest batch of the quick/smoke profiles (default 32: the paper's batch when smaller). */
  maxBatch?: number;
  /**
   * paper profile: ImageNet VGG16 weights (.safetensors, torchvision names; docs/data.md) for
   * every branch whose row starts from ImageNet (`initFrom` 'imagenet'). The quick and smoke
   * profiles' narrow models cannot take them and start from random weights.
   */
  imagenet?: string;
  /** paper profile: start such branches from random weights when no file is given (refused
   *  otherwise; the report marks these runs). The quick and smoke profiles always do. */
  allowRandomInit?: boolean;
}

/** Epochs of a quick run by model (the quick preset's unless set here). */
const QUICK_EPOCHS: Partial<Record<string, number>> = {};

/** How a profile's config is initialised, for its assumptions. */
function initText(paper: TrainConfig): string {
  const from = paper.initFrom;
  if (!from || Object.values(from).every((v) => v === 'random')) return 'from random weights';
  if (Object.values(from).every((v) => v === 'imagenet' || v === 'random')) return 'from random weights where the paper starts from ImageNet (allowRandomInit: the narrow model cannot take ImageNet weights)';
  return `initialised as the row says (ground ${from.ground ?? 'random'}, aerial ${from.aerial ?? 'random'}: symbols a study resolves to weight files, lib/papers/thesis/study.ts; ImageNet without a file: random)`;
}

const startsFromImagenet = (c: TrainConfig) => Object.values(c.initFrom ?? {}).includes('imagenet');

export function isProfile(p: unknown): p is ProfileName {
  return typeof p === 'string' && (PROFILES as readonly string[]).includes(p);
}

/**
 * A study's own sizes by profile (e.g. the thesis' THESIS_SIZES, MDUIT's MDUIT_PROFILES); a
 * profile the table leaves out runs the paper's sizes (the presets as the paper states them).
 */
export type ProfileSizes<S> = { readonly [P in ProfileName]?: S };

export interface ProfileCheck {
  /** What to do, in the error (default: quick on a CPU, paper on a GPU). */
  fix?: string;
  /** The order the error lists the profiles in (default PROFILES). */
  listed?: readonly ProfileName[];
}

/** The one check of a profile name (presets and studies alike): the name, or a CvglError listing the profiles. */
export function checkProfile(p: unknown, o: ProfileCheck = {}): ProfileName {
  if (!isProfile(p)) throw new CvglError(`a profile: ${(o.listed ?? PROFILES).join(', ')}`, `'${String(p)}'`, o.fix ?? "use 'quick' on a CPU, 'paper' with a real dataset on a GPU");
  return p;
}

/** A study's sizes at `profile` (checked); undefined where the study runs the paper's own sizes. */
export function profileSizes<S>(sizes: ProfileSizes<S>, profile: unknown, o: ProfileCheck = {}): S | undefined {
  return sizes[checkProfile(profile, o)];
}

/**
 * The config of experiment `name` (a preset name) under `profile`. A CvglError names the
 * profiles or presets when either is unknown.
 */
export function profileConfig(name: string, profile: ProfileName | string, o: ProfileOptions): TrainConfig {
  checkProfile(profile);
  // notebooks call untyped: say which function binds the rows rather than fail on undefined
  if (typeof o?.presets !== 'function') throw new CvglError('options.presets: a lookup of experiment rows by name', String(o?.presets), "call the paper's profileConfig or runStudy (lib/papers/<paper>/index.ts), which pass its presets");
  const getPreset = o.presets;
  const paper = getPreset(name);
  if (profile === 'paper') {
    const c = cloneConfig(paper);
    if (o.dataDir) c.data.dir = o.dataDir;
    if (o.seed !== undefined) c.seed = o.seed;
    if (o.epochs !== undefined) c.epochs = o.epochs;
    if (o.imagenet) c.init = withImagenetFile(c, o.imagenet).init;
    if (o.allowRandomInit) c.allowRandomInit = true;
    return c;
  }
  const base = getPreset(`quick.${paper.model.name}`);
  const kept = Object.fromEntries(Object.entries(paper.model.options ?? {}).filter(([k]) => !SIZE_OPTIONS.has(k)));
  const maxBatch = o.maxBatch ?? 32;
  const batchSize = Math.min(paper.data.batchSize, maxBatch);
  const epochs = o.epochs ?? (profile === 'smoke' ? 1 : QUICK_EPOCHS[paper.model.name] ?? base.epochs);
  const d = paper.data;
  const c: TrainConfig = {
    ...cloneConfig(base),
    name: paper.name,
    source: paper.source,
    assumptions: [
      ...(paper.assumptions ?? []),
      `${profile} profile: sizes and widths of quick.${paper.model.name} (${base.source}); ` +
        `ground ${base.data.ground.height}x${base.data.ground.width}, aerial ${base.data.aerial.size}${base.data.aerial.polar ? ` polar ${base.data.aerial.polar.height}x${base.data.aerial.polar.width}` : ''}; ` +
        `batch ${batchSize}${batchSize < d.batchSize ? ` (paper ${d.batchSize})` : ''}; ${base.optimizer.kind} lr ${base.optimizer.lr} (paper ${paper.optimizer.kind} ${paper.optimizer.lr}); ${epochs} epoch(s) (paper ${paper.epochs}); ${initText(paper)}`,
    ],
    model: { name: paper.model.name, options: { ...(base.model.options ?? {}), ...kept } },
    loss: { ...paper.loss },
    data: {
      ...cloneConfig(base).data,
      dir: o.dataDir ?? base.data.dir,
      batchSize,
      augment: d.augment ?? null,
      ...(d.evalAugment ? { evalAugment: d.evalAugment } : {}),
      ...(d.sampler ? { sampler: d.sampler } : {}),
      ...(d.vigorProtocol ? { vigorProtocol: d.vigorProtocol } : {}),
      ...(d.trainSplit ? { trainSplit: d.trainSplit } : {}),
      ...(d.valSplit ? { valSplit: d.valSplit } : {}),
      // smoke: four batches and 64 validation pairs, enough to run every line once
      ...(profile === 'smoke' ? { limit: { train: 4 * batchSize, val: 64 } } : {}),
    },
    epochs,
    // one evaluation, at the end
    evalEveryEpochs: epochs,
    seed: o.seed ?? paper.seed,
    // the row's initialisation (thesis Table 3.1) is what makes it the row: kept as a symbol
    ...(paper.initFrom ? { initFrom: { ...paper.initFrom } } : {}),
    // small substitutes: the paper's ImageNet start is not theirs (marked, see initNote)
    ...(startsFromImagenet(paper) ? { allowRandomInit: true } : {}),
    ...(paper.evalUniformity ? { evalUniformity: true } : {}),
  };
  delete c.init;
  delete c.checkpointEverySteps;
  return c;
}
