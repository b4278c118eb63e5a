/**
 * Training presets: one config per experiment row of a paper, named as the row is
 * (`cvft.table1.full`, `mgtl.table4.l3`, `geocapsnet.table3.iiSoftTriHard`, …), with where each
 * setting comes from and what the paper leaves open (`assumptions`). `quick.<model>` presets
 * train narrow models on small images of the synthetic set in minutes on a CPU.
 *
 * A notebook writes `presets.cvft.table1.full`; the CLI `--preset cvft.table1.full`.
 */
import { CvglError } from '../engine/errors.js';
import { NO_APPEARANCE, type PairOptions } from '../data/augment.js';
import { THESIS_SETTINGS } from '../report/papers/thesis.js';
import { cloneConfig, type InitSource, type TrainConfig } from './config.js';
import { quickPreset } from './quick_presets.js';

type Rows = { [row: string]: TrainConfig };
type Tree = { [k: string]: Rows | Tree };

// ------------------------------------------------------------------------- CVFT (paper 002)
const CVFT_SOURCE = 'CVFT (002) Sec. 4.1 "Implementation Details": Adam lr 1e-5, batch 12, γ = 10, exhaustive mini-batch; VGG16 conv5_3 from ImageNet weights';
const cvft = (name: string, row: string, options: Record<string, unknown>, augment: PairOptions | null = null, evalAugment: PairOptions | null = null): TrainConfig => ({
  name,
  source: `${CVFT_SOURCE}; ${row}`,
  assumptions: [
    'epochs: not stated in the paper; 100 chosen',
    'inputs 112x616 panoramas and 256x256 aerials (the released code); CVACT_val with --data pointing to a CVACT folder',
    'backbones start from ImageNet VGG16 weights given as init.ground/init.aerial (user-supplied files); without them, from random',
  ],
  model: { name: 'cvft', options },
  loss: { kind: 'soft-margin-exhaustive', gamma: 10 },
  data: { dir: 'data/cvusa', ground: { height: 112, width: 616 }, aerial: { size: 256, polar: null }, batchSize: 12, augment, ...(evalAugment ? { evalAugment } : {}) },
  optimizer: { kind: 'adam', lr: 1e-5 },
  schedule: { kind: 'constant' },
  epochs: 100,
  seed: 1,
});

/** CVFT Sec. 5.4: panoramas turned by a random yaw in ±20°, nothing else changed (train and test). */
const ORIENTATION_NOISE_20: PairOptions = { yawNoiseDeg: 20, flipP: 0, ground: NO_APPEARANCE, aerial: NO_APPEARANCE };

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
/** Table 3.1's initialisation of setting k, read from its labels in lib/report/papers/thesis.ts ('/' random, 'ImageNet'). */
export function thesisSettingInit(setting: number): { ground: InitSource; aerial: InitSource } {
  const label = THESIS_SETTINGS[setting];
  if (!label) throw new CvglError(`a setting of the thesis' Table 3.1: ${Object.keys(THESIS_SETTINGS).join(', ')}`, String(setting), 'e.g. 6 (ImageNet / sat*)');
  const [ground, aerial] = label === '/ / /' ? ['/', '/'] : label.split(' / ');
  const source = (w: string): InitSource => (w === '/' ? 'random' : w === 'ImageNet' ? 'imagenet' : (w as InitSource));
  return { ground: source(ground!), aerial: source(aerial!) };
}
/** MoCov2's augmentation (appendix 6.2) in stage 2, Table 4.8: with or without random resized crop. */
const mocoAugment = (crop: boolean): PairOptions => ({ ground: { resizedCrop: crop }, aerial: { resizedCrop: crop } });

interface ThesisRow {
  /** Table 3.1 setting of the two branches' weights (2: ImageNet / ImageNet, the baseline). */
  setting?: number;
  /** α of the uniformity loss (Eq. 3.10, Table 4.7). */
  uniformity?: number;
  /** Downstream augmentation (Table 4.8). */
  augment?: PairOptions;
  /** Table 4.6: trained on VIGOR's cross-area validation cities, evaluated on its training cities. */
  swapped?: boolean;
  /** Uniformity metric at every evaluation (Fig. 4.5). */
  evalUniformity?: boolean;
  epochs?: number;
  model?: 'siamese-vgg' | 'safa' | 'unified-moco';
  extraAssumptions?: string[];
}

const thesis = (name: string, row: string, model: 'siamese-vgg' | 'safa' | 'unified-moco', dataset: 'cvact' | 'vigor', o: ThesisRow = {}): TrainConfig => {
  const vigor = dataset === 'vigor';
  const ground = vigor ? { height: 224, width: 448 } : { height: 112, width: 616 };
  const aerialSize = vigor ? 224 : 256;
  const polar = model === 'safa' ? { height: ground.height, width: ground.width } : null;
  const setting = o.setting ?? 2;
  const initFrom = thesisSettingInit(setting);
  return {
    name,
    source: `${THESIS_SOURCE}; image sizes Sec. 4.2 (CVACT 112x616 / 256x256, VIGOR 224x448 / 224x224; VIGOR cross-area as Table 4.7); ${row}; weights Table 3.1 setting ${setting} (${THESIS_SETTINGS[setting]})`,
    assumptions: [
      'γ of Eq. 3.3 is not given: 10',
      ...(model === 'safa' ? ['SAFA sees the aerial polar-transformed to the panorama size'] : []),
      ...(Object.values(initFrom).some((v) => v !== 'random') ? ['initFrom names pre-trained weights (ImageNet: a user file; MoCov2 runs: thesis.stage1 pre-training) that a study resolves into init (lib/train/thesis_study.ts)'] : []),
      ...(o.extraAssumptions ?? []),
    ],
    model: { name: model, options: model === 'safa' ? { groundHW: [ground.height, ground.width], aerialHW: [ground.height, ground.width] } : {} },
    loss: model === 'unified-moco' ? { kind: 'unified-infonce' } : { kind: 'soft-triplet-thesis', gamma: 10, ...(o.uniformity ? { uniformity: o.uniformity } : {}) },
    data: {
      dir: vigor ? 'data/vigor' : 'data/cvact', ground, aerial: { size: aerialSize, polar }, batchSize: 96,
      ...(vigor ? { sampler: 'vigor' as const, vigorProtocol: 'cross' as const } : {}),
      ...(o.swapped ? { trainSplit: 'test', valSplit: 'train' } : {}),
      ...(o.augment ? { augment: o.augment } : {}),
    },
    optimizer: { kind: 'adam', lr: 1e-4, weightDecay: 1e-4 },
    schedule: { kind: 'constant' },
    epochs: o.epochs ?? 100,
    seed: 1,
    initFrom,
    ...(o.evalUniformity ? { evalUniformity: true, evalEveryEpochs: 1 } : {}),
  };
};
/** One preset per listed Table 3.1 setting of a table: `<prefix>.setting<k>`. */
const thesisSettings = (prefix: string, table: string, exps: Record<number, number>, model: 'siamese-vgg' | 'safa', dataset: 'cvact' | 'vigor', swapped = false): Rows =>
  Object.fromEntries(Object.entries(exps).map(([setting, exp]) => [`setting${setting}`, thesis(`${prefix}.setting${setting}`, `${table} exp. ${exp}`, model, dataset, { setting: Number(setting), swapped })]));

export const presets = {
  // quick size, from each model's record (lib/models): the rows `cvgl quicktrain` also trains with
  quick: {
    'siamese-vgg': quickPreset('siamese-vgg'),
    safa: quickPreset('safa'),
    cvft: quickPreset('cvft'),
    mgtl: quickPreset('mgtl'),
    'geocapsnet-i': quickPreset('geocapsnet-i'),
    'geocapsnet-ii': quickPreset('geocapsnet-ii'),
    'unified-moco': quickPreset('unified-moco'),
  },
  cvft: {
    table1: {
      full: cvft('cvft.table1.full', 'Table 1 "Ours"', { variant: 'full' }),
      woCvft: cvft('cvft.table1.woCvft', 'Table 1 "Our network wo/ CVFT"', { variant: 'wo-cvft' }),
      vggGlobalPooling: cvft('cvft.table1.vggGlobalPooling', 'Table 1 "VGG global pooling"', { variant: 'vgg-global-pooling' }),
      orientationNoise20: cvft('cvft.table1.orientationNoise20', 'Table 1 last row, ±20° orientation noise (trained and tested with it)', { variant: 'full' }, ORIENTATION_NOISE_20, ORIENTATION_NOISE_20),
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
      vgg16: mgtl('mgtl.table2.vgg16', 'Table 2 row 1, "VGG16" alone (no FC, PE, GKST or CMI)', { variant: 'vgg16' }),
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
    // Fig. 6: batch sizes M below the paper's 32 (the M = 32 points are Table 3's Soft-TriHard rows)
    fig6: Object.fromEntries(
      (['I', 'II'] as const).flatMap((v) =>
        [8, 16].map((m) => {
          const c = geocapsnet(`geocapsnet.fig6.${v.toLowerCase()}M${m}`, `Fig. 6, GeoCapsNet-${v}, M = ${m}`, v === 'I' ? 'geocapsnet-i' : 'geocapsnet-ii', v, { kind: 'soft-trihard', alpha: 15 });
          c.data.batchSize = m;
          return [`${v.toLowerCase()}M${m}`, c];
        }),
      ),
    ),
  },
  thesis: {
    stage2: {
      siameseVggCvact: thesis('thesis.stage2.siameseVggCvact', 'Table 4.2 exp. 2, Siamese-VGG on CVACT', 'siamese-vgg', 'cvact'),
      safaCvact: thesis('thesis.stage2.safaCvact', 'Table 4.3 exp. 7, SAFA on CVACT', 'safa', 'cvact'),
      siameseVggVigor: thesis('thesis.stage2.siameseVggVigor', 'Table 4.4 exp. 12, Siamese-VGG on VIGOR', 'siamese-vgg', 'vigor'),
      safaVigor: thesis('thesis.stage2.safaVigor', 'Table 4.5 exp. 18, SAFA on VIGOR', 'safa', 'vigor'),
    },
    // Tables 4.2–4.6: the settings of Table 3.1 each table has (setting -> exp. number); setting 2 of
    // Tables 4.2–4.5 is the stage2 preset above
    table42: thesisSettings('thesis.table42', 'Table 4.2 (Siamese-VGG, CVACT_val)', { 1: 1, 4: 3, 5: 4, 6: 5, 7: 6 }, 'siamese-vgg', 'cvact'),
    table43: thesisSettings('thesis.table43', 'Table 4.3 (SAFA, CVACT_val)', { 4: 8, 5: 9, 6: 10 }, 'safa', 'cvact'),
    table44: thesisSettings('thesis.table44', 'Table 4.4 (Siamese-VGG, VIGOR cross-area)', { 1: 11, 3: 13, 4: 14, 5: 15, 6: 16, 7: 17 }, 'siamese-vgg', 'vigor'),
    table45: thesisSettings('thesis.table45', 'Table 4.5 (SAFA, VIGOR cross-area)', { 3: 19, 4: 20, 5: 21, 6: 22 }, 'safa', 'vigor'),
    table46: thesisSettings('thesis.table46', 'Table 4.6 (Siamese-VGG, VIGOR cross-area swapped: trained on the validation cities, evaluated on the training cities; weights named as in Table 4.4)', { 2: 23, 4: 24, 5: 25, 6: 26 }, 'siamese-vgg', 'vigor', true),
    table47: {
      alpha0: thesis('thesis.table47.alpha0', 'Table 4.7 exp. 12, α = 0', 'siamese-vgg', 'vigor', { evalUniformity: true }),
      alpha1e4: thesis('thesis.table47.alpha1e4', 'Table 4.7 exp. 27, α = 0.0001', 'siamese-vgg', 'vigor', { uniformity: 1e-4, evalUniformity: true }),
      alpha1e3: thesis('thesis.table47.alpha1e3', 'Table 4.7 exp. 28, α = 0.001', 'siamese-vgg', 'vigor', { uniformity: 1e-3, evalUniformity: true }),
      alpha1e2: thesis('thesis.table47.alpha1e2', 'Table 4.7 exp. 29, α = 0.01', 'siamese-vgg', 'vigor', { uniformity: 1e-2, evalUniformity: true }),
      alpha1e1: thesis('thesis.table47.alpha1e1', 'Table 4.7 exp. 30, α = 0.1', 'siamese-vgg', 'vigor', { uniformity: 1e-1, evalUniformity: true }),
    },
    table48: {
      mocoAug: thesis('thesis.table48.mocoAug', 'Table 4.8 exp. 31, MoCov2 augmentations (appendix 6.2) in stage 2', 'siamese-vgg', 'vigor', { augment: mocoAugment(true) }),
      mocoAugNoCrop: thesis('thesis.table48.mocoAugNoCrop', 'Table 4.8 exp. 32, MoCov2 augmentations without random resized crop', 'siamese-vgg', 'vigor', { augment: mocoAugment(false) }),
    },
    appendix65: {
      unified: thesis('thesis.appendix65.unified', 'appendix 6.5, Fig. 6.3 (c): the unified double MoCo (Siamese-VGG branches, VIGOR cross-area, 40 epochs)', 'unified-moco', 'vigor', {
        epochs: 40,
        augment: mocoAugment(false),
        extraAssumptions: [
          'the thesis gives no hyper-parameters of the unified model: MoCov2\'s (K 16384 per queue, m 0.999, τ 0.2, 128-d projections) with stage 2\'s optimizer',
          '"complex data augmentation is also added": MoCov2\'s without random resized crop (the crop breaks the cross-view alignment, Sec. 3.4.2)',
        ],
      }),
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
