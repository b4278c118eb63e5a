/**
 * What a model file registers about its architecture, in one place (as timm's registered entries
 * with their default config): how to build it, the options it accepts, the sizes its facts are
 * for, the quick size that `presets.quick.<model>` and `cvgl quicktrain` both train with, and the
 * facts `cvgl params` prints. A record says what we compute; a paper's published figures stay with
 * the paper and are set beside these by the layer above (the `cvgl params` command).
 */
import type { Rng } from '../engine/rng.js';
import type { CrossViewModel } from './model.js';

/** [height, width] of an input. */
export type HW = [number, number];

/**
 * The loss a quick run trains with, as data (the same shape as a training config's `loss`):
 * the kinds are those of lib/train/config.ts's LOSS_KINDS that the quick rows use.
 */
export interface QuickLoss {
  kind: 'soft-margin-exhaustive' | 'soft-triplet-thesis' | 'mgtl' | 'unified-infonce';
  /** γ of the soft-margin triplets. */
  gamma?: number;
  /** λ of MGTL's reconstruction term. */
  lambda?: number;
  /** soft-triplet-thesis: Eq. 3.4 summed ('sum', default) or averaged ('mean'). */
  reduction?: 'sum' | 'mean';
  /** soft-triplet-thesis: γ on the exponential ('exp', default) or the gap ('gap'). */
  gammaOn?: 'exp' | 'gap';
}

/** Narrow widths and small images that train on a CPU in minutes, with their training defaults. */
export interface QuickSize {
  /** Constructor options at quick size (widths, input sizes, steps, queue). */
  options: Record<string, unknown>;
  ground: { height: number; width: number };
  /** Aerial side, and the polar transform the model sees it through (null: the raw square). */
  aerial: { size: number; polar: { height: number; width: number } | null };
  loss: QuickLoss;
  /** Adam's learning rate. */
  lr: number;
  epochs: number;
  batchSize: number;
  /** PreciseBN batches before each evaluation (models with BatchNorm); absent: none. */
  preciseBatchNorm?: number;
  /** Where these settings come from, when more than widths ÷ 8 and small images needs saying. */
  source?: string;
  /** What was chosen and why, when the quick size departs from the paper beyond the widths. */
  assumptions?: string[];
}

/** Size figures of an architecture, computed analytically (no weights are built). */
export interface ComputedFacts {
  params: number;
  descriptorLength: number;
  forwardGflops: number;
  /** Parameters by part; the parts sum to `params`. */
  breakdown: Record<string, number>;
}

/** The facts `cvgl params` prints for a model: computed at the paper's input sizes. */
export interface ModelFacts<N extends string = string> extends ComputedFacts {
  model: N;
  /** Input sizes the figures are for (ground, aerial). */
  input: { ground: HW; aerial: HW };
}

/** One architecture (or one variant of it) as the registry lists it. */
export interface ModelRecord<N extends string = string> {
  name: N;
  /** The paper and section that define it. */
  paper: string;
  /** Constructor options a config may set (a misspelt option is an error, not ignored). */
  options: readonly string[];
  /** A model from checked options, initialised from `rng`. */
  build(options: Record<string, unknown>, rng: Rng): CrossViewModel;
  /** Input sizes of the paper (or its released code) that `facts` are computed for. */
  paperSize: { ground: HW; aerial: HW };
  quick: QuickSize;
  /** Parameters, descriptor length, forward GFLOPs and breakdown at these input sizes. */
  facts(input: { ground: HW; aerial: HW }): ComputedFacts;
}
