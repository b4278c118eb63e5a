/**
 * Training presets: one config per experiment row of a paper, named as the row is
 * (`cvft.table1.full`, `mgtl.table4.l3`, `geocapsnet.table3.iiSoftTriHard`, …), with where each
 * setting comes from and what the paper leaves open (`assumptions`). `quick.<model>` presets
 * train narrow models on small images of the synthetic set in minutes on a CPU.
 *
 * A notebook writes `presets.cvft.table1.full`; the CLI `--preset cvft.table1.full`.
 */
import { CvglError } from '../engine/errors.js';
import { DEFAULT_SYNTHETIC_DIR } from '../report/quickstart.js';
import type { PairOptions } from '../data/augment.js';
import { cloneConfig, type TrainConfig } from './config.js';

type Rows = { [row: string]: TrainConfig };
type Tree = { [k: string]: Rows | Tree };

// ------------------------------------------------------------------------- CVFT (paper 002)
const CVFT_SOURCE = 'CVFT (002) Sec. 4.1 "Implementation Details": Adam lr 1e-5, batch 12, γ = 10, exhaustive mini-batch; VGG16 conv5_3 from ImageNet weights';
const cvft = (name: string, row: string, options: Record<string, unknown>, augment: PairOptions | null = null): TrainConfig => ({
  name,
  source: `${CVFT_SOURCE}; ${row}`,
  assumptions: [
    'epochs: not stated in the paper; 100 chosen',
    'inputs 112x616 panoramas and 256x256 aerials (the released code); CVACT_val with --data pointing to a CVACT folder',
    'backbones start from ImageNet VGG16 weights given as init.ground/init.aerial (user-supplied files); without them, from random',
  ],
  model: { name: 'cvft', options },
  loss: { kind: 'soft-margin-exhaustive', gamma: 10 },
  data: { dir: 'data/cvusa', ground: { height: 112, width: 616 }, aerial: { size: 256, polar: null }, batchSize: 12, augment },
  optimizer: { kind: 'adam', lr: 1e-5 },
  schedule: { kind: 'constant' },
  epochs: 100,
  seed: 1,
});

// ------------------------------------------------------------------------- MGTL (paper 000)
const MGTL_SOURCE = 'MGTL (000) Sec. 3.1 "Training Setting": Adam lr 1e-5, batch 16, 150 epochs, L = 6 steps, 6 heads, λ = 0.05, γ = 10';
const mgtl = (name: string, row: string, options: Record<string, unknown>): TrainConfig => ({
  name,
  source: `${MGTL_SOURCE}; ${row}`,
  assumptions: ['inputs: 128x640 panoramas and 128x640 polar-transformed 256x256 aerials (20 positions after pool5, Sec. 2.3)'],
  model: { name: 'mgtl', options: { groundHW: [128, 640], aerialHW: [128, 640], ...options } },
  loss: { kind: 'mgtl', gamma: 10, lambda: 0.05 },
  data: { dir: 'data/cvusa', ground: { height: 128, width: 640 }, aerial: { size: 256, polar: { height: 128, width: 640 } }, batchSize: 16 },
  optimizer: { kind: 'adam', lr: 1e-5 },
  schedule: { kind: 'constant' },
  epochs: 150,
  seed: 1,
});

// ------------------------------------------------------------------------- GeoCapsNet (paper 001)
const GCN_SOURCE = 'GeoCapsNet (001) Sec. 4: Adam lr 1e-3, batch M = 32, 50 epochs, α = 15, 4 routing iterations';
const geocapsnet = (name: string, row: string, model: 'geocapsnet-i' | 'geocapsnet-ii', variant: string, loss: TrainConfig['loss']): TrainConfig => ({
  name,
  source: `${GCN_SOURCE}; ${row}`,
  assumptions: [
    '224x224 inputs for both branches (Table 1 output sizes)',
    'the paper uses L2 regularisation without a weight: none here (set optimizer.weightDecay to add it)',
    ...(loss.kind === 'soft-margin-exhaustive' ? ['"Triplet": the weighted soft-margin triplet of CVM-Net with γ = 10 over the exhaustive batch'] : []),
  ],
  model: { name: model, options: { variant } },
  loss,
  data: { dir: 'data/cvusa', ground: { height: 224, width: 224 }, aerial: { size: 224, polar: null }, batchSize: 32 },
  optimizer: { kind: 'adam', lr: 1e-3 },
  schedule: { kind: 'constant' },
  epochs: 50,
  seed: 1,
});

// ------------------------------------------------------------------------- thesis (003)
const THESIS_SOURCE = 'thesis (003) Sec. 4.2 stage 2: Adam lr 1e-4, weight decay 1e-4, batch 96, 100 epochs';
const thesis = (name: string, row: string, model: 'siamese-vgg' | 'safa', dataset: 'cvact' | 'vigor', uniformity = 0): TrainConfig => {
  const vigor = dataset === 'vigor';
  const ground = vigor ? { height: 224, width: 448 } : { height: 112, width: 616 };
  const aerialSize = vigor ? 224 : 256;
  const polar = model === 'safa' ? { height: ground.height, width: ground.width } : null;
  return {
    name,
    source: `${THESIS_SOURCE}; image sizes Sec. 4.2 (CVACT 112x616 / 256x256, VIGOR 224x448 / 224x224; VIGOR cross-area as Table 4.7); ${row}`,
    assumptions: [
      'γ of Eq. 3.3 is not given: 10',
      ...(model === 'safa' ? ['SAFA sees the aerial polar-transformed to the panorama size'] : []),
    ],
    model: { name: model, options: model === 'safa' ? { groundHW: [ground.height, ground.width], aerialHW: [ground.height, ground.width] } : {} },
    loss: { kind: 'soft-triplet-thesis', gamma: 10, ...(uniformity ? { uniformity } : {}) },
    data: { dir: vigor ? 'data/vigor' : 'data/cvact', ground, aerial: { size: aerialSize, polar }, batchSize: 96, ...(vigor ? { sampler: 'vigor' as const, vigorProtocol: 'cross' as const } : {}) },
    optimizer: { kind: 'adam', lr: 1e-4, weightDecay: 1e-4 },
    schedule: { kind: 'constant' },
    epochs: 100,
    seed: 1,
  };
};

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
    cvft: quick({ name: 'cvft', options: { widthDivisor: 8 } }, { kind: 'soft-margin-exhaustive', gamma: 10 }, { ...PANO, aerial: { size: 64, polar: null } }),
    mgtl: quick({ name: 'mgtl', options: { widthDivisor: 8, steps: 2, groundHW: [32, 128], aerialHW: [32, 128] } }, { kind: 'mgtl', gamma: 10, lambda: 0.05 }, { ...PANO, aerial: { size: 64, polar: { height: 32, width: 128 } } }, 3e-4),
    'geocapsnet-i': geocapsnetQuick('geocapsnet-i'),
    'geocapsnet-ii': geocapsnetQuick('geocapsnet-ii'),
  },
  cvft: {
    table1: {
      full: cvft('cvft.table1.full', 'Table 1 "Ours"', { variant: 'full' }),
      woCvft: cvft('cvft.table1.woCvft', 'Table 1 "Our network wo/ CVFT"', { variant: 'wo-cvft' }),
      vggGlobalPooling: cvft('cvft.table1.vggGlobalPooling', 'Table 1 "VGG global pooling"', { variant: 'vgg-global-pooling' }),
      orientationNoise20: cvft('cvft.table1.orientationNoise20', 'Table 1 last row, ±20° orientation noise (trained and tested with it)', { variant: 'full' }, { yawNoiseDeg: 20 }),
    },
    table3: {
      stnAffine: cvft('cvft.table3.stnAffine', 'Table 3 "STN (affine)"', { variant: 'stn-affine' }),
      stnTps: cvft('cvft.table3.stnTps', 'Table 3 "STN (TPS)"', { variant: 'stn-tps' }),
    },
    table4: {
      d2048: cvft('cvft.table4.d2048', 'Table 4, descriptor 2048', { variant: 'full', dim: 2048 }),
      d1536: cvft('cvft.table4.d1536', 'Table 4, descriptor 1536', { variant: 'full', dim: 1536 }),
      d512: cvft('cvft.table4.d512', 'Table 4, descriptor 512', { variant: 'full', dim: 512 }),
    },
  },
  mgtl: {
    table2: {
      woCmi: mgtl('mgtl.table2.woCmi', 'Table 2 "w/o CMI"', { variant: 'wo-cmi', steps: 6 }),
      full: mgtl('mgtl.table2.full', 'Table 2 full model', { variant: 'full', steps: 6 }),
    },
    table4: {
      l1: mgtl('mgtl.table4.l1', 'Table 4, L = 1', { variant: 'full', steps: 1 }),
      l3: mgtl('mgtl.table4.l3', 'Table 4, L = 3', { variant: 'full', steps: 3 }),
      l6: mgtl('mgtl.table4.l6', 'Table 4, L = 6', { variant: 'full', steps: 6 }),
      l9: mgtl('mgtl.table4.l9', 'Table 4, L = 9', { variant: 'full', steps: 9 }),
      naive: mgtl('mgtl.table4.naive', 'Table 4 last column, "Naïve" CNN generators', { variant: 'naive', steps: 6 }),
    },
  },
  geocapsnet: {
    table3: {
      iTriplet: geocapsnet('geocapsnet.table3.iTriplet', 'Table 3, GeoCapsNet-I, Triplet', 'geocapsnet-i', 'I', { kind: 'soft-margin-exhaustive', gamma: 10 }),
      iSoftTriHard: geocapsnet('geocapsnet.table3.iSoftTriHard', 'Table 3, GeoCapsNet-I, Soft-TriHard', 'geocapsnet-i', 'I', { kind: 'soft-trihard', alpha: 15 }),
      iiTriplet: geocapsnet('geocapsnet.table3.iiTriplet', 'Table 3, GeoCapsNet-II, Triplet', 'geocapsnet-ii', 'II', { kind: 'soft-margin-exhaustive', gamma: 10 }),
      iiSoftTriHard: geocapsnet('geocapsnet.table3.iiSoftTriHard', 'Table 3, GeoCapsNet-II, Soft-TriHard', 'geocapsnet-ii', 'II', { kind: 'soft-trihard', alpha: 15 }),
    },
    fig5: {
      resnetxFcI: geocapsnet('geocapsnet.fig5.resnetxFcI', 'Fig. 5, ResNetX-fc-I', 'geocapsnet-i', 'resnetx-fc-I', { kind: 'soft-trihard', alpha: 15 }),
      resnetxFcII: geocapsnet('geocapsnet.fig5.resnetxFcII', 'Fig. 5, ResNetX-fc-II', 'geocapsnet-ii', 'resnetx-fc-II', { kind: 'soft-trihard', alpha: 15 }),
    },
  },
  thesis: {
    stage2: {
      siameseVggCvact: thesis('thesis.stage2.siameseVggCvact', 'Table 4.2/4.3 Siamese-VGG on CVACT', 'siamese-vgg', 'cvact'),
      safaCvact: thesis('thesis.stage2.safaCvact', 'Table 4.2/4.3 SAFA on CVACT', 'safa', 'cvact'),
      siameseVggVigor: thesis('thesis.stage2.siameseVggVigor', 'Table 4.4 Siamese-VGG on VIGOR', 'siamese-vgg', 'vigor'),
      safaVigor: thesis('thesis.stage2.safaVigor', 'Table 4.4 SAFA on VIGOR', 'safa', 'vigor'),
    },
    table47: {
      alpha0: thesis('thesis.table47.alpha0', 'Table 4.7 exp. 12, α = 0', 'siamese-vgg', 'vigor', 0),
      alpha1e4: thesis('thesis.table47.alpha1e4', 'Table 4.7 exp. 27, α = 0.0001', 'siamese-vgg', 'vigor', 1e-4),
      alpha1e3: thesis('thesis.table47.alpha1e3', 'Table 4.7 exp. 28, α = 0.001', 'siamese-vgg', 'vigor', 1e-3),
      alpha1e2: thesis('thesis.table47.alpha1e2', 'Table 4.7 exp. 29, α = 0.01', 'siamese-vgg', 'vigor', 1e-2),
      alpha1e1: thesis('thesis.table47.alpha1e1', 'Table 4.7 exp. 30, α = 0.1', 'siamese-vgg', 'vigor', 1e-1),
    },
  },
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
