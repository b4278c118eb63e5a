/**
 * The architectures by name: the records their files register (lib/models/record.ts), and thin
 * readers of them for the trainer (`buildModel`), `cvgl params` (`modelFacts`) and the quick
 * training run (`quickModel`). A new architecture is one record added to `MODELS`; the tests of
 * test/models/registry.test.ts then build, run and check it like the others.
 */
import { CvglError } from '../engine/errors.js';
import { Rng } from '../engine/rng.js';
import { softMarginTripletExhaustive, softTripletThesis } from '../losses/triplet.js';
import type { tf } from '../engine/tf.js';
import { CVFT_MODEL } from './cvft.js';
import { GEOCAPSNET_I_MODEL, GEOCAPSNET_II_MODEL } from './geocapsnet.js';
import { MGTL_MODEL, Mgtl, mgtlLoss } from './mgtl.js';
import type { CrossViewModel } from './model.js';
import type { ModelFacts as Facts, ModelRecord, QuickLoss } from './record.js';
import { SAFA_MODEL } from './safa.js';
import { SIAMESE_VGG_MODEL } from './siamese_vgg.js';
import { UNIFIED_MOCO_MODEL, UnifiedMoCo } from './unified_moco.js';

export type { ModelRecord } from './record.js';

/** Every registered architecture, in the order commands list them. */
export const MODELS = [SIAMESE_VGG_MODEL, SAFA_MODEL, CVFT_MODEL, MGTL_MODEL, GEOCAPSNET_I_MODEL, GEOCAPSNET_II_MODEL, UNIFIED_MOCO_MODEL] as const;
export type ModelName = (typeof MODELS)[number]['name'];
export const MODEL_NAMES: readonly ModelName[] = MODELS.map((r) => r.name);
export type ModelFacts = Facts<ModelName>;

/** The record of `name`; an unknown name is a CvglError listing the names (`fix`: how to name one). */
export function modelRecord(name: string, fix = 'e.g. cvgl params cvft'): ModelRecord<ModelName> {
  const r = MODELS.find((m) => m.name === name);
  if (!r) throw new CvglError(`a model name: ${MODEL_NAMES.join(', ')}`, `'${name}'`, fix);
  return r;
}

/** Parameter count, breakdown, descriptor length and forward GFLOPs at the paper's input sizes. */
export function modelFacts(name: string): ModelFacts {
  const r = modelRecord(name);
  const input = { ground: [...r.paperSize.ground] as [number, number], aerial: [...r.paperSize.aerial] as [number, number] };
  const f = r.facts(input);
  return { model: r.name, params: f.params, descriptorLength: f.descriptorLength, input, forwardGflops: f.forwardGflops, breakdown: f.breakdown };
}

/**
 * A model by name with its constructor options (a training config's `model`), initialised from
 * `seed`. Options are the architecture's own (widthDivisor, variant, steps, dim, groundHW, …):
 * a name outside the record's list is refused here, values are checked by the constructors.
 */
export function buildModel(name: string, options: Record<string, unknown> = {}, seed = 1): CrossViewModel {
  const r = modelRecord(name, 'e.g. "model": {"name": "cvft"}');
  const unknown = Object.keys(options).filter((k) => !r.options.includes(k));
  if (unknown.length) throw new CvglError(`options of ${name}: ${r.options.join(', ')}`, unknown.map((k) => `'${k}'`).join(', '), 'check the spelling in model.options');
  return r.build(options, new Rng(seed));
}

/** The quick run's objective of a batch from the record's loss (the trainer's is lib/train/objective.ts). */
function quickObjective(model: CrossViewModel, loss: QuickLoss): (ground: tf.Tensor4D, aerial: tf.Tensor4D) => tf.Scalar {
  const gamma = loss.gamma ?? 10;
  switch (loss.kind) {
    case 'soft-triplet-thesis':
      return (ground, aerial) => {
        const e = model.embed(ground, aerial);
        return softTripletThesis(e.g, e.s, gamma, { reduction: loss.reduction, gammaOn: loss.gammaOn });
      };
    case 'soft-margin-exhaustive':
      return (ground, aerial) => {
        const e = model.embed(ground, aerial);
        return softMarginTripletExhaustive(e.g, e.s, gamma);
      };
    case 'mgtl':
      if (!(model instanceof Mgtl)) throw new CvglError('the MGTL model for the mgtl loss', model.name, 'register the model with its own loss');
      return (ground, aerial) => mgtlLoss(model.forwardWithAux(ground, aerial), gamma, loss.lambda ?? 0.05);
    case 'unified-infonce':
      if (!(model instanceof UnifiedMoCo)) throw new CvglError('the unified-moco model for the unified-infonce loss', model.name, 'register the model with its own loss');
      return (ground, aerial) => model.loss(ground, aerial);
  }
}

/** A narrow model for quick runs on a CPU, its input sizes and the loss its paper trains it with (the record's quick size). */
export function quickModel(name: string, seed = 1): {
  model: CrossViewModel;
  objective: (ground: tf.Tensor4D, aerial: tf.Tensor4D) => tf.Scalar;
  /** Adam's learning rate for the quick run. */
  learningRate: number;
  /** PreciseBN batches before each evaluation (models with BatchNorm). */
  preciseBatchNorm?: number;
  ground: { height: number; width: number };
  aerial: { size: number; polar: { height: number; width: number } | null };
} {
  const q = modelRecord(name, 'e.g. --model cvft').quick;
  const model = buildModel(name, structuredClone(q.options), seed);
  return {
    model,
    objective: quickObjective(model, q.loss),
    learningRate: q.lr,
    ...(q.preciseBatchNorm ? { preciseBatchNorm: q.preciseBatchNorm } : {}),
    ground: { ...q.ground },
    aerial: { size: q.aerial.size, polar: q.aerial.polar ? { ...q.aerial.polar } : null },
  };
}
