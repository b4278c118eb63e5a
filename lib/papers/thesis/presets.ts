/**
 * The thesis' (003) stage-2 experiment rows as training presets (`thesis.table44.setting6`, …),
 * each with the Table 3.1 initialisation of its branches (`initFrom`), which the thesis study
 * (./study.ts) resolves to weight files.
 */
import { CvglError } from '../../engine/errors.js';
import type { PairOptions } from '../../data/augment.js';
import type { InitSource, LossConfig, TrainConfig } from '../../train/config.js';
import type { PresetRows, PresetTree } from '../types.js';
import { THESIS_SETTINGS } from './published.js';

const THESIS_SOURCE = 'thesis (003) Sec. 4.2 stage 2: Adam lr 1e-4, weight decay 1e-4, batch 96, 100 epochs';

/**
 * The stage-2 loss of every Siamese-VGG and SAFA row (Eq. 3.3/3.4, γ = 10) as the register reads it
 * (lib/papers/thesis/readings.ts): averaged over the 2B(B−1) triplets, γ on the gap (CVM-Net [23],
 * SAFA's code). One reading for all rows: exp. 12 is one run in Tables 4.4, 4.7 and 4.8.
 */
export const THESIS_TRIPLET = { kind: 'soft-triplet-thesis', gamma: 10, reduction: 'mean', gammaOn: 'gap' } as const satisfies LossConfig;
/** Siamese-VGG's aggregation module on the thesis rows: Sec. 4.2's GAP + one shared FC (4096-d). */
export const THESIS_SIAMESE_HEAD = 'fc' as const;
/** The aerial SAFA sees on the thesis rows: 'raw', at the sizes of pre-training (Sec. 4.2). */
export const THESIS_SAFA_AERIAL = 'raw' as 'raw' | 'polar';
/** Table 3.1's initialisation of setting k, read from its labels in lib/papers/thesis/published.ts ('/' random, 'ImageNet'). */
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
  // Sec. 4.2: "The settings for the image sizes are the same as those during pre-training" (raw aerials)
  const safaPolar = model === 'safa' && THESIS_SAFA_AERIAL === 'polar';
  const polar = safaPolar ? { height: ground.height, width: ground.width } : null;
  const aerialHW: [number, number] = safaPolar ? [ground.height, ground.width] : [aerialSize, aerialSize];
  const setting = o.setting ?? 2;
  const initFrom = thesisSettingInit(setting);
  return {
    name,
    source: `${THESIS_SOURCE}; image sizes Sec. 4.2 (CVACT 112x616 / 256x256, VIGOR 224x448 / 224x224; VIGOR cross-area as Table 4.7); ${row}; weights Table 3.1 setting ${setting} (${THESIS_SETTINGS[setting]})`,
    assumptions: [
      ...(model === 'unified-moco' ? [] : [
        'γ of Eq. 3.3 is not given: 10',
        'Eq. 3.3/3.4 read as SAFA\'s code and the cited CVM-Net loss: log(1 + exp(γ·(d_pos − d_neg))) averaged over the 2B(B−1) triplets (printed: γ·exp, a sum; see the thesis readings)',
      ]),
      ...(model === 'siamese-vgg' ? ['Siamese-VGG head: Sec. 4.2\'s global average pooling + one shared FC layer to 4096-d (appendix 6.1 lists a 512-512-128 MLP: head "mlp")'] : []),
      ...(model === 'safa' ? [safaPolar ? 'SAFA sees the aerial polar-transformed to the panorama size' : `SAFA sees the raw ${aerialSize}x${aerialSize} aerial, as pre-training did (Sec. 4.2); SAFA's own polar transform is data.aerial.polar`] : []),
      'stage-2 learning rate constant: the thesis\' sentence on it is cut off ("We train for 100 epochs with the learning rate, taking 21 hours")',
      ...(Object.values(initFrom).some((v) => v !== 'random') ? ['initFrom names pre-trained weights (ImageNet: a user file; MoCov2 runs: thesis.stage1 pre-training) that a study resolves into init (lib/papers/thesis/study.ts)'] : []),
      ...(o.extraAssumptions ?? []),
    ],
    model: { name: model, options: model === 'safa' ? { groundHW: [ground.height, ground.width], aerialHW } : model === 'siamese-vgg' ? { head: THESIS_SIAMESE_HEAD } : {} },
    loss: model === 'unified-moco' ? { kind: 'unified-infonce' } : { ...THESIS_TRIPLET, ...(o.uniformity ? { uniformity: o.uniformity } : {}) },
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
const thesisSettings = (prefix: string, table: string, exps: Record<number, number>, model: 'siamese-vgg' | 'safa', dataset: 'cvact' | 'vigor', swapped = false): PresetRows =>
  Object.fromEntries(Object.entries(exps).map(([setting, exp]) => [`setting${setting}`, thesis(`${prefix}.setting${setting}`, `${table} exp. ${exp}`, model, dataset, { setting: Number(setting), swapped })]));

export const THESIS_PRESETS = {
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
} satisfies PresetTree;
