/** The thesis' (003) claims, checked on reproduced results (conventions: lib/papers/claim.ts). */
import type { Claim } from '../types.js';
import { beats, decreasing, lower } from '../claim.js';

const SV_CVACT = 'thesis.stage2.siameseVggCvact';
const SAFA_CVACT = 'thesis.stage2.safaCvact';
const SV_VIGOR = 'thesis.stage2.siameseVggVigor';
const SAFA_VIGOR = 'thesis.stage2.safaVigor';
/** [label, source table, ImageNet baseline, future-id prefix] per architecture × dataset. */
const THESIS_GRID: [string, string, string, string][] = [
  ['Siamese-VGG on CVACT', 'Table 4.2', SV_CVACT, 'thesis.table42'],
  ['SAFA on CVACT', 'Table 4.3', SAFA_CVACT, 'thesis.table43'],
  ['Siamese-VGG on VIGOR', 'Table 4.4', SV_VIGOR, 'thesis.table44'],
  ['SAFA on VIGOR', 'Table 4.5', SAFA_VIGOR, 'thesis.table45'],
];
export const THESIS_CLAIMS: Claim[] = [
  ...THESIS_GRID.map(([label, table, base, prefix]): Claim => ({
    id: `thesis.sat-star-beats-imagenet.${prefix.split('.')[1]}`,
    paper: 'thesis',
    statement: `${label}: sat* pre-training (MoCov2 on the dataset's satellites from ImageNet weights) beats ImageNet-only on R@1`,
    source: `Sec. 4.3 findings (exp 12 vs 16; 2 vs 5, 7 vs 10, 18 vs 22), ${table}`,
    needs: [base, `${prefix}.setting6`],
    terms: beats(`${prefix}.setting6`, base, ['r1']),
  })),
  {
    id: 'thesis.grd-star-helps.table42',
    paper: 'thesis',
    statement: 'Siamese-VGG on CVACT: pre-training both branches (grd* / sat*, exp 6) beats ImageNet on both branches (exp 2) on R@1, the comparison the thesis names for CVACT',
    source:
      'Sec. 4.3 findings (thesis text line 683: "Exp 16. and exp 17.: … give us another performance improvement than that of only using the satellite images (5.78 vs. 7.35 on Recall@1). ' +
      'This is also shown by the comparison between exp 2. and 6."), Table 4.2 (exp 2: ImageNet / ImageNet; exp 6: grd* / sat*; the thesis does not name exp 5 vs 6)',
    needs: [SV_CVACT, 'thesis.table42.setting7'],
    terms: beats('thesis.table42.setting7', SV_CVACT, ['r1']),
  },
  {
    id: 'thesis.grd-star-helps.table44',
    paper: 'thesis',
    statement: 'Siamese-VGG on VIGOR: pre-training both branches (grd* / sat*, exp 17) beats sat* alone (exp 16) on R@1',
    source: 'Sec. 4.3 findings (thesis text line 683: "Exp 16. and exp 17.: … give us another performance improvement than that of only using the satellite images (5.78 vs. 7.35 on Recall@1)"), Table 4.4',
    needs: ['thesis.table44.setting6', 'thesis.table44.setting7'],
    terms: beats('thesis.table44.setting7', 'thesis.table44.setting6', ['r1']),
    quotes: [{ experiment: 'thesis.table44.setting6', metric: 'r1', value: 5.78, where: 'exp 16' }, { experiment: 'thesis.table44.setting7', metric: 'r1', value: 7.35, where: 'exp 17' }],
  },
  ...([['Siamese-VGG on CVACT', 'Table 4.2', 'thesis.table42', SV_CVACT, 'exp 1 vs 2'], ['Siamese-VGG on VIGOR', 'Table 4.4', 'thesis.table44', SV_VIGOR, 'exp 11 vs 12']] as const).map(([label, table, prefix, base, exps]): Claim => ({
    id: `thesis.scratch-worst.${prefix.split('.')[1]}`,
    paper: 'thesis',
    statement: `${label}: random initialisation is far below ImageNet on R@1, R@5 and R@1% (read off ${table}; the thesis' text makes no such comparison)`,
    source: `${table} only (${exps}); Sec. 4.3's findings do not compare random initialisation with ImageNet`,
    needs: [base, `${prefix}.setting1`],
    terms: beats(base, `${prefix}.setting1`, ['r1', 'r5', 'r1pct']),
  })),
  {
    id: 'thesis.sat-scratch-on-par.table44',
    paper: 'thesis',
    statement: 'Siamese-VGG on VIGOR: MoCov2 from scratch on the satellites (sat, exp 13) is on par or slightly better than ImageNet (exp 12) on R@1',
    source:
      'Sec. 4.3 findings (thesis text lines 645 and 679, split by Table 4.3: "Exp 12. and exp 13.: on the VIGOR dataset, initialized weights that are pre-trained using contrastive learning from scratch ' +
      'on satellite images of the target (downstream) dataset produce an on-par and slightly higher cross-view matching performance than that of ImageNet pre-trained weights (3.28 vs. 3.75 on Recall@1)"), Table 4.4 (the thesis says it of exp 12 and 13 only)',
    needs: [SV_VIGOR, 'thesis.table44.setting3'],
    // "on par and slightly higher": read as higher (the thesis names no tolerance)
    terms: beats('thesis.table44.setting3', SV_VIGOR, ['r1']),
    quotes: [{ experiment: SV_VIGOR, metric: 'r1', value: 3.28, where: 'exp 12' }, { experiment: 'thesis.table44.setting3', metric: 'r1', value: 3.75, where: 'exp 13' }],
  },
  ...([['Siamese-VGG', 'Table 4.4', 'thesis.table44'], ['SAFA', 'Table 4.5', 'thesis.table45']] as const).map(([label, table, prefix]): Claim => ({
    id: `thesis.vigor-target-city.${prefix.split('.')[1]}`,
    paper: 'thesis',
    statement: `${label} on VIGOR cross-area: pre-training on the satellites of the evaluation cities (sat val*) beats the training cities (sat train*) on R@1`,
    source: `Sec. 4.3 findings (exp 14 vs 15, 20 vs 21), ${table}`,
    needs: [`${prefix}.setting4`, `${prefix}.setting5`],
    terms: beats(`${prefix}.setting5`, `${prefix}.setting4`, ['r1']),
  })),
  ...([['Siamese-VGG', 'Table 4.2', 'thesis.table42'], ['SAFA', 'Table 4.3', 'thesis.table43']] as const).map(([label, table, prefix]): Claim => ({
    id: `thesis.cvact-opposite.${prefix.split('.')[1]}`,
    paper: 'thesis',
    statement: `${label} on CVACT (the opposite of VIGOR): sat train* beats sat val* on R@1`,
    source: `Sec. 4.3 findings ("the result on the CVACT dataset is the opposite", exp 3 vs 4, 8 vs 9), ${table}`,
    needs: [`${prefix}.setting4`, `${prefix}.setting5`],
    terms: beats(`${prefix}.setting4`, `${prefix}.setting5`, ['r1']),
  })),
  {
    id: 'thesis.swapped-target-city',
    paper: 'thesis',
    statement: 'Swapped VIGOR split: pre-training on the satellites of the evaluation cities (here sat train*) beats the training cities (sat val*) on R@1',
    source: 'Sec. 4.4, Table 4.6 (exp 24 vs 25)',
    needs: ['thesis.table46.setting4', 'thesis.table46.setting5'],
    terms: beats('thesis.table46.setting4', 'thesis.table46.setting5', ['r1']),
  },
  {
    id: 'thesis.uniformity-loss-hurts',
    paper: 'thesis',
    statement: 'The uniformity loss hurts R@1 for every α > 0 (α = 0.0001 … 0.1 all below α = 0)',
    source: 'Sec. 4.6, Table 4.7',
    needs: ['thesis.table47.alpha0', 'thesis.table47.alpha1e4', 'thesis.table47.alpha1e3', 'thesis.table47.alpha1e2', 'thesis.table47.alpha1e1'],
    terms: ['alpha1e4', 'alpha1e3', 'alpha1e2', 'alpha1e1'].flatMap((a) => beats('thesis.table47.alpha0', `thesis.table47.${a}`, ['r1'])),
  },
  {
    id: 'thesis.uniformity-alpha-0.1',
    paper: 'thesis',
    statement: 'The uniformity loss with α = 0.1 hurts R@1, R@5 and R@1% badly (below α = 0.01, which is below α = 0)',
    source: 'Sec. 4.6, Table 4.7 (exp 30)',
    needs: ['thesis.table47.alpha0', 'thesis.table47.alpha1e2', 'thesis.table47.alpha1e1'],
    terms: decreasing(['thesis.table47.alpha0', 'thesis.table47.alpha1e2', 'thesis.table47.alpha1e1'], ['r1', 'r5', 'r1pct']),
  },
  {
    id: 'thesis.aug-without-crop-helps',
    paper: 'thesis',
    statement: 'MoCov2 augmentations without random cropping and resize improve R@1 over no augmentation; with cropping they hurt',
    source: 'Sec. 4.6, Table 4.8 (exp 32 vs 12: 4.13 vs 3.28; exp 31)',
    needs: [SV_VIGOR, 'thesis.table48.mocoAug', 'thesis.table48.mocoAugNoCrop'],
    terms: [...beats('thesis.table48.mocoAugNoCrop', SV_VIGOR, ['r1']), ...beats(SV_VIGOR, 'thesis.table48.mocoAug', ['r1'])],
    quotes: [{ experiment: 'thesis.table48.mocoAugNoCrop', metric: 'r1', value: 4.13, where: 'exp 32' }, { experiment: SV_VIGOR, metric: 'r1', value: 3.28, where: 'exp 12' }],
  },
  ...([['CVACT', 'Figure 4.3', 'thesis.table42', SV_CVACT], ['VIGOR', 'Figure 4.4', 'thesis.table44', SV_VIGOR]] as const).flatMap(([label, fig, prefix, base]): Claim[] => [
    {
      id: `thesis.sat-pretraining-more-uniform.${label.toLowerCase()}`,
      paper: 'thesis',
      statement: `${label}: before downstream training, sat* pre-training makes satellite features and all features more uniform than ImageNet (lower L_uniform-satellite and L_uniform-all)`,
      source: `Sec. 4.5.2, ${fig} (a) vs (b)`,
      needs: [base, `${prefix}.setting6`],
      terms: lower(`${prefix}.setting6`, base, ['uniformSatellite', 'uniformAll']),
    },
    {
      id: `thesis.grd-pretraining-more-uniform.${label.toLowerCase()}`,
      paper: 'thesis',
      statement: `${label}: before downstream training, grd* pre-training makes ground features and all features more uniform than sat* alone (lower L_uniform-ground and L_uniform-all)`,
      source: `Sec. 4.5.2, ${fig} (b) vs (c)`,
      needs: [`${prefix}.setting6`, `${prefix}.setting7`],
      terms: lower(`${prefix}.setting7`, `${prefix}.setting6`, ['uniformGround', 'uniformAll']),
    },
  ]),
  {
    id: 'thesis.uniformity-loss-more-uniform',
    paper: 'thesis',
    statement: 'A larger uniformity weight α gives a more uniform distribution (lower L_uniform-all on the validation set): α = 0.1 < α = 0.01 < α = 0',
    source: 'Sec. 4.6, Figure 4.5 (no values printed)',
    needs: ['thesis.table47.alpha0', 'thesis.table47.alpha1e2', 'thesis.table47.alpha1e1'],
    terms: [...lower('thesis.table47.alpha1e2', 'thesis.table47.alpha0', ['uniformAll']), ...lower('thesis.table47.alpha1e1', 'thesis.table47.alpha1e2', ['uniformAll'])],
  },
  {
    id: 'thesis.whole-beats-val-sat.table46',
    paper: 'thesis',
    statement: 'Swapped VIGOR split: sat* pre-training on the satellites of the whole dataset (exp 26) is slightly better than on the validation set only (exp 25) on R@1',
    source:
      'Sec. 4.4 (thesis text line 696: "by comparing exp 25. and exp 26., this time initialized weights that are pre-trained using satellite images from the whole dataset achieve slightly better ' +
      'performance than that of only the validation set (6.41 vs. 6.46 on Recall@1)"), Table 4.6',
    needs: ['thesis.table46.setting5', 'thesis.table46.setting6'],
    terms: beats('thesis.table46.setting6', 'thesis.table46.setting5', ['r1']),
    quotes: [{ experiment: 'thesis.table46.setting5', metric: 'r1', value: 6.41, where: 'exp 25' }, { experiment: 'thesis.table46.setting6', metric: 'r1', value: 6.46, where: 'exp 26' }],
  },
];
