/**
 * Training presets: one config per experiment row of a paper, named as the row is
 * (`cvft.table1.full`, `mgtl.table4.l3`, `geocapsnet.table3.iiSoftTriHard`, …), with where each
 * setting comes from and what the paper leaves open (`assumptions`); each paper's rows are in
 * lib/papers/<paper>/presets.ts. `quick.<model>` presets (here: every paper's quick and smoke
 * profiles read them) train narrow models on small images of the synthetic set in minutes on a CPU.
 *
 * A notebook writes `presets.cvft.table1.full`; the CLI `--preset cvft.table1.full`.
 */
import { CvglError } from '../engine/errors.js';
import { DEFAULT_SYNTHETIC_DIR } from '../synth/generate.js';
import { cloneConfig, type TrainConfig } from '../train/config.js';
import type { PresetRows as Rows, PresetTree as Tree } from './types.js';
import { CVFT_PRESETS } from './cvft/presets.js';
import { GEOCAPSNET_PRESETS } from './geocapsnet/presets.js';
import { MGTL_PRESETS } from './mgtl/presets.js';
import { THESIS_PRESETS, thesisSettingInit } from './thesis/presets.js';

export { thesisSettingInit };

// ------------------------------------------------------------------------- quick (synthetic)
const quick = (model: TrainConfig['model'], loss: TrainConfig['loss'], views: Pick<TrainConfig['data'], 'ground' | 'aerial'>, lr = 1e-3): TrainConfig => ({
  name: `quick.${model.name}`,
  source: `quick size: widths ÷ 8, small images, the synthetic set; the model's own loss, Adam ${lr}`,
  model,
  loss,
  data: { dir: DEFAULT_SYNTHETIC_DIR, ...views, batchSize: 16 },
  optimizer: { kind: 'adam', lr },
  schedule: { kind: 'constant' },
  epochs: 3,
  seed: 1,
});
const PANO = { ground: { height: 32, width: 128 } };

/**
 * GeoCapsNet at quick size (README, "GeoCapsNet at quick size"): widths ÷ 8; the panorama at
 * 72x288 and the aerial polar-transformed to 72x288 (as SAFA's and MGTL's quick runs see it), so
 * ResNetX ends at 3x9 and PrimaryCaps has a 1x7 grid; PreciseBN before evaluating; the paper's
 * "Triplet" loss (Table 3), since Soft-TriHard collapses from random weights at this size.
 * 100 steps (2 epochs of 16): R@1 10%, R@5 34% on the 190 validation pairs (chance 0.5%, 2.6%).
 */
const geocapsnetQuick = (name: 'geocapsnet-i' | 'geocapsnet-ii'): TrainConfig => ({
  ...quick({ name, options: { widthDivisor: 8, groundHW: [72, 288], aerialHW: [72, 288] } }, { kind: 'soft-margin-exhaustive', gamma: 10 }, { ground: { height: 72, width: 288 }, aerial: { size: 144, polar: { height: 72, width: 288 } } }),
  assumptions: [
    'quick size: ResNetX widths ÷ 8 (capsules 4 x 8-d primary, 4 x 8-d GeoCaps: a 32-d code), 72x288 panoramas and 144x144 aerials polar-transformed to 72x288 (the paper: 224x224 raw views; with raw 96x96 views the training loss falls but validation recall stays at chance after 100 steps)',
    'the paper\'s "Triplet" loss (Table 3: weighted soft-margin over every negative, γ = 10): Soft-TriHard (Eq. 2) collapses both branches to one descriptor from random weights at this size (hardest-negative mining, cf. FaceNet Sec. 3.2); the per-row presets keep their own loss',
    'PreciseBN before each evaluation (10 training batches): Keras\' moving averages (momentum 0.99) have not converged after 100 steps',
  ],
  source: 'quick size: ResNetX widths ÷ 8, 72x288 panoramas and polar-transformed aerials, the synthetic set; the paper\'s "Triplet" loss (Table 3), Adam 0.001, PreciseBN before evaluating',
  preciseBatchNorm: 10,
  epochs: 2,
});
// MGTL at 1e-3 collapsed to identical descriptors (loss → ln 2) in one of two runs; 3e-4: R@1 17% after 2 epochs

export const presets = {
  quick: {
    'siamese-vgg': quick({ name: 'siamese-vgg', options: { widthDivisor: 8 } }, { kind: 'soft-triplet-thesis', gamma: 10 }, { ...PANO, aerial: { size: 64, polar: null } }),
    safa: quick({ name: 'safa', options: { widthDivisor: 8, groundHW: [32, 128], aerialHW: [32, 128] } }, { kind: 'soft-triplet-thesis', gamma: 10 }, { ...PANO, aerial: { size: 64, polar: { height: 32, width: 128 } } }),
    // 3e-4: at 1e-3 wo/ CVFT stayed at ln 2 (identical descriptors) and the STN rows diverged (NaN) in 3 epochs
    cvft: quick({ name: 'cvft', options: { widthDivisor: 8 } }, { kind: 'soft-margin-exhaustive', gamma: 10 }, { ...PANO, aerial: { size: 64, polar: null } }, 3e-4),
    mgtl: quick({ name: 'mgtl', options: { widthDivisor: 8, steps: 2, groundHW: [32, 128], aerialHW: [32, 128] } }, { kind: 'mgtl', gamma: 10, lambda: 0.05 }, { ...PANO, aerial: { size: 64, polar: { height: 32, width: 128 } } }, 3e-4),
    'geocapsnet-i': geocapsnetQuick('geocapsnet-i'),
    'geocapsnet-ii': geocapsnetQuick('geocapsnet-ii'),
    // thesis appendix 6.5: two queues of K = 256 (a few batches) instead of MoCov2's 16384
    'unified-moco': quick({ name: 'unified-moco', options: { widthDivisor: 8, queueSize: 256 } }, { kind: 'unified-infonce' }, { ...PANO, aerial: { size: 64, polar: null } }),
  },
  cvft: CVFT_PRESETS,
  mgtl: MGTL_PRESETS,
  geocapsnet: GEOCAPSNET_PRESETS,
  thesis: THESIS_PRESETS,
} satisfies Tree;

function flatten(t: Tree | Rows, prefix: string, out: Map<string, TrainConfig>): Map<string, TrainConfig> {
  for (const [k, v] of Object.entries(t)) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && 'model' in v && 'optimizer' in v) out.set(name, v as TrainConfig);
    else flatten(v as Tree, name, out);
  }
  return out;
}

/** Every preset by its dotted name. */
export const PRESET_NAMES: readonly string[] = [...flatten(presets, '', new Map()).keys()];

/** A copy of the preset `name` (e.g. 'cvft.table1.full'); a CvglError listing the names if unknown. */
export function getPreset(name: string): TrainConfig {
  const c = flatten(presets, '', new Map()).get(name);
  if (!c) {
    const near = PRESET_NAMES.filter((n) => n.startsWith(name.split('.')[0] ?? '')).slice(0, 12);
    throw new CvglError('a preset name', `'${name}'`, `one of: ${(near.length ? near : PRESET_NAMES).join(', ')}${near.length && near.length < PRESET_NAMES.length ? ' (cvgl train --list-presets for all)' : ''}`);
  }
  return cloneConfig(c);
}
