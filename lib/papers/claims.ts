/**
 * Each paper's qualitative claims as checkable statements about reproduced results
 * (`ReproducedResults`: metric by experiment id), with where the paper makes them and the
 * experiments they need. Claims compare reproduced experiments with each other (A beats B),
 * never reproduced numbers with the paper's absolute numbers, except where the paper's claim
 * is itself about another method's published number (then the threshold is read from
 * lib/papers, never typed here).
 *
 * Conventions of the results a claim reads: recalls (r1, r5, r10, r1pct, MDUIT's
 * day_/night_ thresholds) in percent as the papers print them; `params` as a count;
 * uniformity (uniformGround/Satellite/All) as the value of L_uniform (lower = more uniform).
 * A comparison of one experiment with another holds on whichever dataset both ran on.
 */
import { publishedValue } from './published.js';
import type { Claim, ClaimStatus, ReproducedResults } from './types.js';

const RECALLS = ['r1', 'r5', 'r10', 'r1pct'] as const;

const get = (r: ReproducedResults, exp: string, metric: string): number => {
  const v = r[exp]?.[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN;
};
/** a > b on every metric (NaN, i.e. a metric missing, fails). */
const beats = (r: ReproducedResults, a: string, b: string, metrics: readonly string[]): boolean =>
  metrics.every((m) => get(r, a, m) > get(r, b, m));
/** values strictly decreasing along `exps` on every metric. */
const decreasing = (r: ReproducedResults, exps: readonly string[], metrics: readonly string[]): boolean =>
  metrics.every((m) => exps.every((e, i) => i === 0 || get(r, exps[i - 1]!, m) > get(r, e, m)));

// ------------------------------------------------------------------------- CVFT (002)
const CVFT = 'cvft.table1.full';
const CVFT_CLAIMS: Claim[] = [
  {
    id: 'cvft.beats-wo-cvft',
    paper: 'cvft',
    statement: 'CVFT beats wo/ CVFT on R@1, R@5, R@10 and R@1%',
    source: 'Sec. 5.1 "Our Network with CVFT", Table 1 rows 4–5',
    needs: [CVFT, 'cvft.table1.woCvft'],
    holds: (r) => beats(r, CVFT, 'cvft.table1.woCvft', RECALLS),
  },
  {
    id: 'cvft.wo-cvft-gain-over-15',
    paper: 'cvft',
    statement: 'CVFT improves R@1 over wo/ CVFT by more than 15 points',
    source: 'Sec. 5.1 ("over 15% improvements on recall@1 on both datasets"), Fig. 5 caption (19.75 and 15.77)',
    needs: [CVFT, 'cvft.table1.woCvft'],
    holds: (r) => get(r, CVFT, 'r1') - get(r, 'cvft.table1.woCvft', 'r1') > 15,
  },
  {
    id: 'cvft.spatial-layout-matters',
    paper: 'cvft',
    statement: 'VGG global pooling is the worst: wo/ CVFT (spatial layout kept) beats it on every recall',
    source: 'Sec. 5.1 "Baseline Networks", Table 1 rows 3–4',
    needs: ['cvft.table1.woCvft', 'cvft.table1.vggGlobalPooling'],
    holds: (r) => beats(r, 'cvft.table1.woCvft', 'cvft.table1.vggGlobalPooling', RECALLS) && beats(r, CVFT, 'cvft.table1.vggGlobalPooling', RECALLS),
  },
  {
    id: 'cvft.orientation-noise',
    paper: 'cvft',
    statement: 'CVFT under ±20° orientation noise still beats the noise-free wo/ CVFT and VGG global pooling baselines on R@1, R@5 and R@10',
    source: 'Sec. 5.4 "Robustness to Orientation Perturbations", Table 1 last row',
    needs: ['cvft.table1.orientationNoise20', 'cvft.table1.woCvft', 'cvft.table1.vggGlobalPooling'],
    holds: (r) =>
      beats(r, 'cvft.table1.orientationNoise20', 'cvft.table1.woCvft', ['r1', 'r5', 'r10']) &&
      beats(r, 'cvft.table1.orientationNoise20', 'cvft.table1.vggGlobalPooling', ['r1', 'r5', 'r10']),
  },
  {
    id: 'cvft.orientation-noise-costs',
    paper: 'cvft',
    statement: '±20° orientation noise lowers R@1 of CVFT (the aligned model is better)',
    source: 'Sec. 5.4, Table 1 rows "Our network" vs "orientation noise = ±20°"',
    needs: [CVFT, 'cvft.table1.orientationNoise20'],
    holds: (r) => get(r, CVFT, 'r1') > get(r, 'cvft.table1.orientationNoise20', 'r1'),
  },
  {
    id: 'cvft.beats-stn',
    paper: 'cvft',
    statement: 'CVFT beats STN (affine) and STN (TPS) on every recall',
    source: 'Supplementary B, Table 3',
    needs: [CVFT, 'cvft.table3.stnAffine', 'cvft.table3.stnTps'],
    holds: (r) => beats(r, CVFT, 'cvft.table3.stnAffine', RECALLS) && beats(r, CVFT, 'cvft.table3.stnTps', RECALLS),
  },
  {
    id: 'cvft.dimension-monotone',
    paper: 'cvft',
    statement: 'Recalls decrease gradually with the embedding dimension: 4096 > 2048 > 1536 > 512 on every recall',
    source: 'Supplementary C, Table 4',
    needs: [CVFT, 'cvft.table4.d2048', 'cvft.table4.d1536', 'cvft.table4.d512'],
    holds: (r) => decreasing(r, [CVFT, 'cvft.table4.d2048', 'cvft.table4.d1536', 'cvft.table4.d512'], RECALLS),
  },
];

// ------------------------------------------------------------------------- MGTL (000)
const MGTL_CLAIMS: Claim[] = [
  {
    id: 'mgtl.cmi-helps',
    paper: 'mgtl',
    statement: 'The full MGTL beats w/o CMI on every recall',
    source: 'Sec. 3.3 "Effectiveness of CMI", Table 2',
    needs: ['mgtl.table2.full', 'mgtl.table2.woCmi'],
    holds: (r) => beats(r, 'mgtl.table2.full', 'mgtl.table2.woCmi', RECALLS),
  },
  {
    id: 'mgtl.transformer-helps',
    paper: 'mgtl',
    statement: 'MGTL w/o CMI beats the VGG16 backbone alone on every recall',
    source: 'Table 2 rows 1–2',
    needs: ['mgtl.table2.woCmi', 'mgtl.table2.vgg16'],
    holds: (r) => beats(r, 'mgtl.table2.woCmi', 'mgtl.table2.vgg16', RECALLS),
  },
  {
    id: 'mgtl.recurrent-steps',
    paper: 'mgtl',
    statement: 'More recurrent steps help up to L = 6: R@1 of L = 6 > L = 3 > L = 1',
    source: 'Sec. 3.3 "Effect of Recurrent Learning", Table 4',
    needs: ['mgtl.table4.l1', 'mgtl.table4.l3', 'mgtl.table4.l6'],
    holds: (r) => decreasing(r, ['mgtl.table4.l6', 'mgtl.table4.l3', 'mgtl.table4.l1'], ['r1']),
  },
  {
    id: 'mgtl.l9-no-gain',
    paper: 'mgtl',
    statement: 'L = 9 brings no noticeable gain over L = 6: its R@1 is not above L = 6 by 0.5 points or more',
    source: 'Sec. 3.3 ("when further raising the learning steps (L=9), the gains are not noticeable and even go down"), Table 4',
    needs: ['mgtl.table4.l6', 'mgtl.table4.l9'],
    holds: (r) => get(r, 'mgtl.table4.l9', 'r1') - get(r, 'mgtl.table4.l6', 'r1') < 0.5,
  },
  {
    id: 'mgtl.beats-naive',
    paper: 'mgtl',
    statement: 'Generative CMI (L = 6) beats the Naïve CNN generators (L = 6) on every recall',
    source: 'Sec. 3.3 "Effectiveness of CMI", Table 4 last column',
    needs: ['mgtl.table4.l6', 'mgtl.table4.naive'],
    holds: (r) => beats(r, 'mgtl.table4.l6', 'mgtl.table4.naive', RECALLS),
  },
  {
    id: 'mgtl.lighter-than-l2ltr',
    paper: 'mgtl',
    statement: 'MGTL has less than half the parameters of L2LTR (195.9M)',
    source: 'Sec. 3.3 "Complexity Analysis" ("almost thrice the complexity of our model"), Table 3',
    needs: ['mgtl.table2.full'],
    holds: (r) => get(r, 'mgtl.table2.full', 'params') < (publishedValue('mgtl', 'Table 3', 'L2LTR [9] (ResNet50)', 'Param.↓') * 1e6) / 2,
  },
];

// ------------------------------------------------------------------------- GeoCapsNet (001)
const GCN_CLAIMS: Claim[] = [
  ...(['i', 'ii'] as const).map((v): Claim => ({
    id: `geocapsnet.soft-trihard-${v}`,
    paper: 'geocapsnet',
    statement: `Soft-TriHard beats the plain weighted soft-margin triplet for GeoCapsNet-${v.toUpperCase()} on R@1%`,
    source: 'Sec. 5.2 "Batch hard-mining", Table 3',
    needs: [`geocapsnet.table3.${v}Triplet`, `geocapsnet.table3.${v}SoftTriHard`],
    holds: (r) => beats(r, `geocapsnet.table3.${v}SoftTriHard`, `geocapsnet.table3.${v}Triplet`, ['r1pct']),
  })),
  {
    id: 'geocapsnet.ii-beats-i',
    paper: 'geocapsnet',
    statement: 'GeoCapsNet-II (shared capsule weights) beats GeoCapsNet-I on R@1%',
    source: 'Sec. 5.2 "Comparison to existing approaches", Tables 2 and 3',
    needs: ['geocapsnet.table3.iSoftTriHard', 'geocapsnet.table3.iiSoftTriHard'],
    holds: (r) => beats(r, 'geocapsnet.table3.iiSoftTriHard', 'geocapsnet.table3.iSoftTriHard', ['r1pct']),
  },
  {
    id: 'geocapsnet.beats-cvmnet-cvusa',
    paper: 'geocapsnet',
    statement: 'On CVUSA, GeoCapsNet-I and -II beat CVM-Net\'s published R@1% (91.40%)',
    source: 'Sec. 5.2, Table 2',
    needs: ['geocapsnet.table3.iSoftTriHard', 'geocapsnet.table3.iiSoftTriHard'],
    holds: (r) => {
      const cvm = publishedValue('geocapsnet', 'Table 2', 'CVM-Net [17]', 'Recall @top1% CVUSA [15]');
      return get(r, 'geocapsnet.table3.iSoftTriHard', 'r1pct') > cvm && get(r, 'geocapsnet.table3.iiSoftTriHard', 'r1pct') > cvm;
    },
  },
  {
    id: 'geocapsnet.top1-beats-cvmnet',
    paper: 'geocapsnet',
    statement: 'On CVUSA, GeoCapsNet-II\'s top-1 recall beats CVM-Net\'s published 34.56%',
    source: 'Sec. 5.2, Fig. 4 ("GeoCapsNet-II 55.09% vs CVM-Net 34.56%")',
    needs: ['geocapsnet.table3.iiSoftTriHard'],
    holds: (r) => get(r, 'geocapsnet.table3.iiSoftTriHard', 'r1') > publishedValue('geocapsnet', 'Fig. 4', 'CVM-Net', 'Top-1 recall (Sec. 5.2 text)'),
  },
  ...(['I', 'II'] as const).map((v): Claim => ({
    id: `geocapsnet.batch-size-${v.toLowerCase()}`,
    paper: 'geocapsnet',
    statement: `GeoCapsNet-${v}: R@1% grows with the batch size M (harder negatives to mine): M = 8 < 16 < 32`,
    source: 'Sec. 5.2 "Batch size", Fig. 6',
    needs: [`geocapsnet.fig6.${v.toLowerCase()}M8`, `geocapsnet.fig6.${v.toLowerCase()}M16`, `geocapsnet.table3.${v.toLowerCase()}SoftTriHard`],
    holds: (r) => decreasing(r, [`geocapsnet.table3.${v.toLowerCase()}SoftTriHard`, `geocapsnet.fig6.${v.toLowerCase()}M16`, `geocapsnet.fig6.${v.toLowerCase()}M8`], ['r1pct']),
  })),
  ...(['I', 'II'] as const).map((v): Claim => ({
    id: `geocapsnet.capsules-help-${v.toLowerCase()}`,
    paper: 'geocapsnet',
    statement: `Capsule layers help: GeoCapsNet-${v} beats ResNetX-fc-${v} on R@1%`,
    source: 'Sec. 5.2 "Capsule layers", Fig. 5',
    needs: [`geocapsnet.table3.${v.toLowerCase()}SoftTriHard`, `geocapsnet.fig5.resnetxFc${v}`],
    holds: (r) => beats(r, `geocapsnet.table3.${v.toLowerCase()}SoftTriHard`, `geocapsnet.fig5.resnetxFc${v}`, ['r1pct']),
  })),
  {
    id: 'geocapsnet.fewer-params-than-cvmnet',
    paper: 'geocapsnet',
    statement: 'GeoCapsNet-I and -II have fewer parameters than CVM-Net (160,311,424)',
    source: 'Sec. 5.2 "Model comparison", Table 4',
    needs: ['geocapsnet.table3.iSoftTriHard', 'geocapsnet.table3.iiSoftTriHard'],
    holds: (r) => {
      const cvm = publishedValue('geocapsnet', 'Table 4', 'CVM-Net [17]', '# Parameters');
      return get(r, 'geocapsnet.table3.iSoftTriHard', 'params') < cvm && get(r, 'geocapsnet.table3.iiSoftTriHard', 'params') < cvm;
    },
  },
];

// ------------------------------------------------------------------------- thesis (003)
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
const THESIS_CLAIMS: Claim[] = [
  ...THESIS_GRID.map(([label, table, base, prefix]): Claim => ({
    id: `thesis.sat-star-beats-imagenet.${prefix.split('.')[1]}`,
    paper: 'thesis',
    statement: `${label}: sat* pre-training (MoCov2 on the dataset's satellites from ImageNet weights) beats ImageNet-only on R@1`,
    source: `Sec. 4.3 findings (exp 12 vs 16; 2 vs 5, 7 vs 10, 18 vs 22), ${table}`,
    needs: [base, `${prefix}.setting6`],
    holds: (r) => beats(r, `${prefix}.setting6`, base, ['r1']),
  })),
  ...([['Siamese-VGG on CVACT', 'Table 4.2', 'thesis.table42', SV_CVACT], ['Siamese-VGG on VIGOR', 'Table 4.4', 'thesis.table44', SV_VIGOR]] as const).flatMap(([label, table, prefix, base]): Claim[] => [
    {
      id: `thesis.grd-star-helps.${prefix.split('.')[1]}`,
      paper: 'thesis',
      statement: `${label}: pre-training both branches (grd* / sat*) beats sat* alone on R@1`,
      source: `Sec. 4.3 findings (exp 16 vs 17; 5 vs 6), ${table}`,
      needs: [`${prefix}.setting6`, `${prefix}.setting7`],
      holds: (r) => beats(r, `${prefix}.setting7`, `${prefix}.setting6`, ['r1']),
    },
    {
      id: `thesis.scratch-worst.${prefix.split('.')[1]}`,
      paper: 'thesis',
      statement: `${label}: random initialisation is far below ImageNet on R@1, R@5 and R@1%`,
      source: `Sec. 4.3 (exp 1 vs 2; 11 vs 12), ${table}`,
      needs: [base, `${prefix}.setting1`],
      holds: (r) => beats(r, base, `${prefix}.setting1`, ['r1', 'r5', 'r1pct']),
    },
  ]),
  ...([['Siamese-VGG', 'thesis.table44', SV_VIGOR], ['SAFA', 'thesis.table45', SAFA_VIGOR]] as const).map(([label, prefix, base]): Claim => ({
    id: `thesis.sat-scratch-on-par.${prefix.split('.')[1]}`,
    paper: 'thesis',
    statement: `${label} on VIGOR: MoCov2 from scratch on the satellites (sat) is on par or slightly better than ImageNet on R@1`,
    source: 'Sec. 4.3 findings (exp 12 vs 13: 3.28 vs 3.75), Tables 4.4, 4.5',
    needs: [base, `${prefix}.setting3`],
    holds: (r) => get(r, `${prefix}.setting3`, 'r1') >= get(r, base, 'r1'),
  })),
  ...([['Siamese-VGG', 'Table 4.4', 'thesis.table44'], ['SAFA', 'Table 4.5', 'thesis.table45']] as const).map(([label, table, prefix]): Claim => ({
    id: `thesis.vigor-target-city.${prefix.split('.')[1]}`,
    paper: 'thesis',
    statement: `${label} on VIGOR cross-area: pre-training on the satellites of the evaluation cities (sat val*) beats the training cities (sat train*) on R@1`,
    source: `Sec. 4.3 findings (exp 14 vs 15, 20 vs 21), ${table}`,
    needs: [`${prefix}.setting4`, `${prefix}.setting5`],
    holds: (r) => beats(r, `${prefix}.setting5`, `${prefix}.setting4`, ['r1']),
  })),
  ...([['Siamese-VGG', 'Table 4.2', 'thesis.table42'], ['SAFA', 'Table 4.3', 'thesis.table43']] as const).map(([label, table, prefix]): Claim => ({
    id: `thesis.cvact-opposite.${prefix.split('.')[1]}`,
    paper: 'thesis',
    statement: `${label} on CVACT (the opposite of VIGOR): sat train* beats sat val* on R@1`,
    source: `Sec. 4.3 findings ("the result on the CVACT dataset is the opposite", exp 3 vs 4, 8 vs 9), ${table}`,
    needs: [`${prefix}.setting4`, `${prefix}.setting5`],
    holds: (r) => beats(r, `${prefix}.setting4`, `${prefix}.setting5`, ['r1']),
  })),
  {
    id: 'thesis.swapped-target-city',
    paper: 'thesis',
    statement: 'Swapped VIGOR split: pre-training on the satellites of the evaluation cities (here sat train*) beats the training cities (sat val*) on R@1',
    source: 'Sec. 4.4, Table 4.6 (exp 24 vs 25)',
    needs: ['thesis.table46.setting4', 'thesis.table46.setting5'],
    holds: (r) => beats(r, 'thesis.table46.setting4', 'thesis.table46.setting5', ['r1']),
  },
  {
    id: 'thesis.uniformity-loss-hurts',
    paper: 'thesis',
    statement: 'The uniformity loss hurts R@1 for every α > 0 (α = 0.0001 … 0.1 all below α = 0)',
    source: 'Sec. 4.6, Table 4.7',
    needs: ['thesis.table47.alpha0', 'thesis.table47.alpha1e4', 'thesis.table47.alpha1e3', 'thesis.table47.alpha1e2', 'thesis.table47.alpha1e1'],
    holds: (r) => ['alpha1e4', 'alpha1e3', 'alpha1e2', 'alpha1e1'].every((a) => beats(r, 'thesis.table47.alpha0', `thesis.table47.${a}`, ['r1'])),
  },
  {
    id: 'thesis.uniformity-alpha-0.1',
    paper: 'thesis',
    statement: 'The uniformity loss with α = 0.1 hurts R@1, R@5 and R@1% badly (below α = 0.01, which is below α = 0)',
    source: 'Sec. 4.6, Table 4.7 (exp 30)',
    needs: ['thesis.table47.alpha0', 'thesis.table47.alpha1e2', 'thesis.table47.alpha1e1'],
    holds: (r) => decreasing(r, ['thesis.table47.alpha0', 'thesis.table47.alpha1e2', 'thesis.table47.alpha1e1'], ['r1', 'r5', 'r1pct']),
  },
  {
    id: 'thesis.aug-without-crop-helps',
    paper: 'thesis',
    statement: 'MoCov2 augmentations without random cropping and resize improve R@1 over no augmentation; with cropping they hurt',
    source: 'Sec. 4.6, Table 4.8 (exp 32 vs 12: 4.13 vs 3.28; exp 31)',
    needs: [SV_VIGOR, 'thesis.table48.mocoAug', 'thesis.table48.mocoAugNoCrop'],
    holds: (r) => beats(r, 'thesis.table48.mocoAugNoCrop', SV_VIGOR, ['r1']) && beats(r, SV_VIGOR, 'thesis.table48.mocoAug', ['r1']),
  },
  ...([['CVACT', 'Figure 4.3', 'thesis.table42', SV_CVACT], ['VIGOR', 'Figure 4.4', 'thesis.table44', SV_VIGOR]] as const).flatMap(([label, fig, prefix, base]): Claim[] => [
    {
      id: `thesis.sat-pretraining-more-uniform.${label.toLowerCase()}`,
      paper: 'thesis',
      statement: `${label}: before downstream training, sat* pre-training makes satellite features and all features more uniform than ImageNet (lower L_uniform-satellite and L_uniform-all)`,
      source: `Sec. 4.5.2, ${fig} (a) vs (b)`,
      needs: [base, `${prefix}.setting6`],
      holds: (r) => beats(r, base, `${prefix}.setting6`, ['uniformSatellite', 'uniformAll']),
    },
    {
      id: `thesis.grd-pretraining-more-uniform.${label.toLowerCase()}`,
      paper: 'thesis',
      statement: `${label}: before downstream training, grd* pre-training makes ground features and all features more uniform than sat* alone (lower L_uniform-ground and L_uniform-all)`,
      source: `Sec. 4.5.2, ${fig} (b) vs (c)`,
      needs: [`${prefix}.setting6`, `${prefix}.setting7`],
      holds: (r) => beats(r, `${prefix}.setting6`, `${prefix}.setting7`, ['uniformGround', 'uniformAll']),
    },
  ]),
  {
    id: 'thesis.uniformity-loss-more-uniform',
    paper: 'thesis',
    statement: 'A larger uniformity weight α gives a more uniform distribution (lower L_uniform-all on the validation set): α = 0.1 < α = 0.01 < α = 0',
    source: 'Sec. 4.6, Figure 4.5 (no values printed)',
    needs: ['thesis.table47.alpha0', 'thesis.table47.alpha1e2', 'thesis.table47.alpha1e1'],
    holds: (r) => beats(r, 'thesis.table47.alpha0', 'thesis.table47.alpha1e2', ['uniformAll']) && beats(r, 'thesis.table47.alpha1e2', 'thesis.table47.alpha1e1', ['uniformAll']),
  },
];

// ------------------------------------------------------------------------- MDUIT (004)
const MDUIT_ALL = ['day_0.25m_2deg', 'day_0.5m_5deg', 'day_5m_10deg', 'night_0.25m_2deg', 'night_0.5m_5deg', 'night_5m_10deg'];
const MDUIT_NIGHT = MDUIT_ALL.filter((m) => m.startsWith('night'));
const MDUIT_CLAIMS: Claim[] = [
  {
    id: 'mduit.full-beats-ablations',
    paper: 'mduit',
    statement: 'Full MDUIT beats w/o L_NCE, w/o I2I and w/o I2I, L_NCE at every threshold, day and night',
    source: 'Sec. 3.3, Table 1',
    needs: ['mduit.table1.full', 'mduit.table1.woNce', 'mduit.table1.woI2i', 'mduit.table1.woI2iNce'],
    holds: (r) => ['woNce', 'woI2i', 'woI2iNce'].every((b) => beats(r, 'mduit.table1.full', `mduit.table1.${b}`, MDUIT_ALL)),
  },
  {
    id: 'mduit.nce-beats-l1',
    paper: 'mduit',
    statement: 'Without I2I, L_NCE beats the L1 consistency loss: w/o I2I beats w/o I2I, L_NCE at every threshold',
    source: 'Sec. 3.3 ("clearly aggravated … L1 loss introduces less effective representation learning"), Table 1',
    needs: ['mduit.table1.woI2i', 'mduit.table1.woI2iNce'],
    holds: (r) => beats(r, 'mduit.table1.woI2i', 'mduit.table1.woI2iNce', MDUIT_ALL),
  },
  {
    id: 'mduit.i2i-helps',
    paper: 'mduit',
    statement: 'Appearance diversity from I2I helps: w/o L_NCE beats w/o I2I, L_NCE at every threshold',
    source: 'Sec. 3.3 ("the diversity of image appearance has a positive effect on performance"), Table 1',
    needs: ['mduit.table1.woNce', 'mduit.table1.woI2iNce'],
    holds: (r) => beats(r, 'mduit.table1.woNce', 'mduit.table1.woI2iNce', MDUIT_ALL),
  },
  {
    id: 'mduit.night-beats-netvlad',
    paper: 'mduit',
    statement: 'Full MDUIT beats the NetVLAD baseline at every Night-All threshold',
    source: 'Sec. 3.3 ("especially better in the night domain"), Table 1',
    needs: ['mduit.table1.full', 'mduit.table1.netvlad'],
    holds: (r) => beats(r, 'mduit.table1.full', 'mduit.table1.netvlad', MDUIT_NIGHT),
  },
];

export const CLAIMS: Claim[] = [...MGTL_CLAIMS, ...GCN_CLAIMS, ...CVFT_CLAIMS, ...THESIS_CLAIMS, ...MDUIT_CLAIMS];

/**
 * Each claim's status on `results`: 'not run' when an experiment it needs is missing,
 * else 'reproduced' / 'not reproduced' by `holds` (a claim whose check throws counts as not reproduced).
 */
export function evaluateClaims(results: ReproducedResults, claims: readonly Claim[] = CLAIMS): { claim: Claim; status: ClaimStatus }[] {
  return claims.map((claim) => {
    if (claim.needs.some((id) => results[id] === undefined)) return { claim, status: 'not run' as const };
    let ok = false;
    try {
      ok = claim.holds(results);
    } catch {
      ok = false;
    }
    return { claim, status: ok ? 'reproduced' : 'not reproduced' };
  });
}
