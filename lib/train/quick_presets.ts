/**
 * `presets.quick.<model>`: the training config of a model's quick size, read from its record
 * (lib/models/record.ts), so the preset and `cvgl quicktrain` train with the same sizes, loss and
 * learning rate — one copy, where there were three that drifted.
 */
import { modelRecord, type ModelName } from '../models/registry.js';
import { DEFAULT_SYNTHETIC_DIR } from '../synth/generate.js';
import { cloneConfig, type TrainConfig } from './config.js';

/** The quick-size config of `name`: narrow widths, small images, the synthetic set, the model's own loss, Adam. */
export function quickPreset(name: ModelName): TrainConfig {
  const q = modelRecord(name, 'e.g. quickPreset(\'cvft\')').quick;
  // key order as the hand-written rows had it: studies hash configs as JSON
  return cloneConfig({
    name: `quick.${name}`,
    source: q.source ?? `quick size: widths ÷ 8, small images, the synthetic set; the model's own loss, Adam ${q.lr}`,
    model: { name, options: q.options },
    loss: q.loss,
    data: { dir: DEFAULT_SYNTHETIC_DIR, ground: q.ground, aerial: q.aerial, batchSize: q.batchSize },
    optimizer: { kind: 'adam', lr: q.lr },
    schedule: { kind: 'constant' },
    epochs: q.epochs,
    seed: 1,
    ...(q.assumptions ? { assumptions: q.assumptions } : {}),
    ...(q.preciseBatchNorm ? { preciseBatchNorm: q.preciseBatchNorm } : {}),
  });
}
