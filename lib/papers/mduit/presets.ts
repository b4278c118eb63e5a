/**
 * MDUIT's (004) experiment rows (Table 1) and the study's sizes by profile (`MDUIT_PROFILES`);
 * every setting the paper states is kept unless listed here:
 *   paper  the paper's model (c = 256, 256 groups, 5 × 5), batch 1, 50 epochs (35 + 15), Adam
 *          β1 0.5, lr 2e-4, N(0, 0.001²) init, on a user's RobotCar Seasons folder; images 128 × 128
 *          (the paper gives no size: assumption — a batch-1 step of the full model at 128 × 128 fits
 *          the 4 GB heap of the wasm/native backends, 256 × 256 does not: pass overrides
 *          { height: 256, width: 256 } on a GPU backend; docs/papers/mduit.md has the sizes).
 *          50 epochs of RobotCar Seasons' 12,700 rear images are weeks on a CPU:
 *          on this machine the profile validates the folder, loads it and trains; `onProgress`
 *          reports every step, `signal` stops it.
 *   quick  what the report runs: a 48 × 64 synthetic set, every width ÷ 8, one residual block,
 *          batch 4, 60 steps for each row with translation and 160 for the others (its time and the
 *          runs behind these choices: docs/papers/mduit.md). Three deviations, each because the run
 *          is about a thousand times shorter than the paper's: PyTorch's default initialisation
 *          instead of N(0, 0.001²) (with σ = 0.001 the generator's L1 reconstruction does not move
 *          in such a run); lr 1e-3 instead of 2e-4 (at 2e-4 L_NCE sits at ln 17 — all z alike —
 *          for most of the run); L_NCE's negatives from the epoch's memory bank of z instead of
 *          encoding 16 images per source every step.
 *   smoke  the same code on a tiny set in seconds (what CI runs through the notebook runner);
 *          both ways of encoding negatives run.
 */
import { MOCO_V2 } from '../../data/augment.js';
import type { SynthLocalizationOptions } from '../../synth/localization.js';
import { MDUIT_N_NEG } from '../../losses/mduit.js';
import type { MduitOptions } from '../../models/mduit.js';
import { MDUIT_POSE_THRESHOLDS, type MduitTrainConfig } from '../../train/mduit_train.js';
import type { MduitVariant } from '../../train/mduit_step.js';
import type { NetVladTrainConfig } from '../../train/netvlad_train.js';
import type { ProfileName, ProfileSizes } from '../../train/profiles.js';

/** The profiles of lib/train/profiles.ts; MDUIT sets its sizes at all three (it has no presets). */
export type MduitProfile = ProfileName;
/** The order errors list them in. */
export const MDUIT_PROFILE_NAMES: readonly MduitProfile[] = ['smoke', 'quick', 'paper'];

/** Table 1's rows: experiment id (lib/papers/mduit/published.ts) → what trains it. */
export const MDUIT_ROWS = {
  'mduit.table1.netvlad': { label: 'NetVLAD [35] (baseline)', variant: null },
  'mduit.table1.woI2iNce': { label: 'w/o I2I, L_NCE', variant: 'woI2iNce' },
  'mduit.table1.woI2i': { label: 'w/o I2I', variant: 'woI2i' },
  'mduit.table1.woNce': { label: 'w/o L_NCE', variant: 'woNce' },
  'mduit.table1.full': { label: 'Full', variant: 'full' },
} as const satisfies Record<string, { label: string; variant: MduitVariant | null }>;
export type MduitRowId = keyof typeof MDUIT_ROWS;
export const MDUIT_ROW_IDS = Object.keys(MDUIT_ROWS) as MduitRowId[];

/** Everything a profile fixes. */
export interface MduitStudyConfig {
  /** Model input size (images are resized to it). */
  height: number;
  width: number;
  /** Synthetic set options (ignored for RobotCar Seasons). */
  synth: Partial<Omit<SynthLocalizationOptions, 'out' | 'onProgress' | 'force'>>;
  model: Omit<MduitOptions, 'rng' | 'name' | 'i2i'>;
  /** Training of the MDUIT rows with translation ("Full", "w/o L_NCE"). */
  i2iTraining: Omit<MduitTrainConfig, 'variant' | 'seed' | 'model'>;
  /** Training of the rows without translation (much cheaper steps: more of them). */
  plainTraining: Omit<MduitTrainConfig, 'variant' | 'seed' | 'model'>;
  netvlad: Omit<NetVladTrainConfig, 'seed'>;
  /** Sources (rows) of the translation grid, one per condition in order, up to this many. */
  gridSources: number;
  /** Query poses scored by the translation-quality measure (synthetic sets). */
  qualityPoses: number;
}

const paperTraining = (epochs: number, constantEpochs: number) => ({
  batchSize: 1, epochs, constantEpochs, lr: 2e-4, beta1: 0.5, beta2: 0.999, nNeg: MDUIT_N_NEG, poseThresholds: MDUIT_POSE_THRESHOLDS, jitter: MOCO_V2.jitter, negatives: 'current' as const,
});

export const MDUIT_PROFILES: Required<ProfileSizes<MduitStudyConfig>> = {
  paper: {
    height: 128, width: 128,
    synth: {},
    model: { widthDivisor: 1, contentResBlocks: 4, generatorResBlocks: 4, discriminatorLayers: 4, embedDim: 128, init: { kind: 'normal', std: 0.001 } },
    i2iTraining: paperTraining(50, 35),
    plainTraining: paperTraining(50, 35),
    netvlad: { model: { widthDivisor: 1, clusters: 64 }, batchSize: 4, epochs: 5, nNeg: 10, margin: 0.1, lr: 1e-5, poseThresholds: MDUIT_POSE_THRESHOLDS },
    gridSources: 5, qualityPoses: 0,
  },
  quick: {
    height: 48, width: 64,
    synth: { routes: 6, referenceSpacing: 2, queriesPerRoute: 8, trainPerDomain: 60, width: 64, height: 48 },
    model: { widthDivisor: 8, contentResBlocks: 1, generatorResBlocks: 1, discriminatorLayers: 3, embedDim: 64, init: { kind: 'torch-default' } },
    i2iTraining: { ...paperTraining(3, 2), batchSize: 4, stepsPerEpoch: 20, lr: 1e-3, negatives: 'bank' },
    plainTraining: { ...paperTraining(4, 3), batchSize: 4, stepsPerEpoch: 40, lr: 1e-3, negatives: 'bank' },
    netvlad: { model: { widthDivisor: 8, clusters: 8 }, batchSize: 4, epochs: 2, stepsPerEpoch: 15, nNeg: 3, margin: 0.1, lr: 1e-4, poseThresholds: MDUIT_POSE_THRESHOLDS },
    gridSources: 5, qualityPoses: 16,
  },
  smoke: {
    height: 32, width: 48,
    synth: { routes: 2, referenceSpacing: 6, queriesPerRoute: 2, trainPerDomain: 4, width: 48, height: 32 },
    model: { widthDivisor: 16, contentResBlocks: 1, generatorResBlocks: 1, discriminatorLayers: 2, embedDim: 16, init: { kind: 'torch-default' } },
    i2iTraining: { ...paperTraining(1, 1), batchSize: 2, stepsPerEpoch: 2, nNeg: 4, lr: 1e-3, negatives: 'current' },
    plainTraining: { ...paperTraining(1, 1), batchSize: 2, stepsPerEpoch: 2, nNeg: 4, lr: 1e-3, negatives: 'bank' },
    netvlad: { model: { widthDivisor: 16, clusters: 4 }, batchSize: 2, epochs: 1, stepsPerEpoch: 2, nNeg: 2, margin: 0.1, lr: 1e-4, poseThresholds: MDUIT_POSE_THRESHOLDS },
    gridSources: 3, qualityPoses: 2,
  },
};
