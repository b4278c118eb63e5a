/** Published numbers of MGTL (paper 000): every table as data, and the complexity figures (Tables 2, 3) with how ours compare (lib/models/mgtl.ts). */
import type { PublishedNumber } from '../types.js';
import { gridFor, type Col } from '../grid.js';
/**
 * The paper's complexity numbers (Tables 2, 3) beside ours. Ours: full width, L = 6, 6 heads,
 * 128x640 inputs (W' = 20); FLOPs here are 2 x MACs (this codebase's convention).
 */
export const MGTL_PUBLISHED = {
  params: {
    vgg16Only: { value: 29.42e6, ref: 'Table 2, row 1' },
    woCmi: { value: 50.92e6, ref: 'Table 2, row 2 (w/o CMI)' },
    full: { value: 79.27e6, ref: 'Table 2, row 3 (w/ CMI)' },
    fullTable3: { value: 72.29e6, ref: 'Table 3 (MGTL, VGG16), the same model as Table 2 row 3' },
  },
  flops: {
    vgg16Only: { value: 4.01e9, ref: 'Table 2, row 1' },
    woCmi: { value: 4.16e9, ref: 'Table 2, row 2' },
    full: { value: 4.43e9, ref: 'Table 2, row 3' },
  },
  explanation: [
    'Table 2 row 1 (29.42M) = two VGG16 `features` blocks, 2 x 14,714,688 = 29,429,376 (29.43M; the paper truncates).',
    'Table 2 full − w/o = 28.35M; ours: 12 generators (L = 6 steps x G2S, S2G), each four FC layers c→4c→c, c→4c→c (2,363,136), 28,357,632: CMI matches to 0.01M.',
    "Table 2 w/o − VGG16 = 21.50M; ours by the GKST block (model option `block`): 'pre-ln-ffn' (the default: Eq. 5's LN in front of a c→4c→c GELU MLP, the standard pre-LN block) 21,702,912 (w/o CMI 51.13M vs 50.92M, +0.42%; full 79.49M vs 79.27M, +0.28%); 'literal' (Eq. 2, 4–5 as printed: 2 FC 512→384, 2 PE 20x384, 12 blocks of MH + 2 LN) 7,524,096 (w/o CMI 36.95M, full 65.31M: 27% and 18% short); 'literal-ffn' (Eq. 5 as printed, then an MLP behind a LayerNorm of its own) 21,712,128 (51.14M, 79.50M).",
    'Table 3 (72.29M) differs from Table 2 (79.27M) by 6.98M for the same model; no part of ours gives it exactly (12 MH blocks are 7.10M, 6 generators 14.18M): unexplained.',
    'FLOPs (Table 2: 4.01G / 4.16G / 4.43G): VGG16 alone is 20.04 GMACs per 128x512 image and 25.06 GMACs per 128x640 image (2 branches at 128x640: 100.2 GFLOPs at 2 x MACs); 4.01G fits no CVGL input size (as MACs: about 13,100 pixels over both branches, 305,856 MACs per pixel). The increments look like MACs: ours w/o CMI adds 0.436 GMACs with the default block (FC + 12 attention blocks and their MLPs on 20 tokens; 0.153 with the literal block; paper +0.15G); the 12 generators add 0.566 GMACs (paper +0.27G, unexplained).',
  ],
} as const;

// ------------------------------------------------------------------------- every printed number

const grid = gridFor('mgtl');

const RECALL_KEYS = [['r@1', 'r1'], ['r@5', 'r5'], ['r@10', 'r10'], ['r@1%', 'r1pct']] as const;
const RECALLS: Col[] = (['CVUSA', 'CVACT_val'] as const).flatMap((dataset) =>
  RECALL_KEYS.map(([label, metric]) => ({ column: `${dataset} ${label}`, dataset, metric })),
);
/** Complexity columns: dataset-independent ('model'); Param. as printed in millions ('M'), FLOPs in G. */
const FLOPS: Col = { column: 'FLOPs↓', dataset: 'model', metric: 'gflops', unit: 'G', higherIsBetter: false };
const PARAMS: Col = { column: 'Param.↓', dataset: 'model', metric: 'params', unit: 'M', higherIsBetter: false };

/**
 * Every number of MGTL's Tables 1–4 as printed (recalls in percent; Param. in millions, unit 'M';
 * FLOPs in G, unit 'G'). The MGTL rows of Table 1 and Table 4 (L = 6) are the full model of Table 2.
 */
export const MGTL_NUMBERS: PublishedNumber[] = [
  // Table 1: Quantitative results on CVUSA and CVACT ('-': not reported).
  ...grid('Table 1', RECALLS, [
    ['2015 Workman, et al. [14]', undefined, [null, null, null, 34.3, null, null, null, null]],
    ['2016 Vo, et al. [15]', undefined, [null, null, null, 63.7, null, null, null, null]],
    ['2017 Zhai, et al. [16]', undefined, [null, null, null, 43.2, null, null, null, null]],
    ['2018 CVM-Net [17]', undefined, [22.47, 49.98, 63.18, 93.62, 20.15, 45.0, 56.87, 87.57]],
    ['2019 Liu, et al. [12]', undefined, [40.79, 66.82, 76.36, 96.12, 46.96, 68.28, 75.48, 92.04]],
    ['2019 Regmi, et al. [18]', undefined, [48.75, null, 81.27, 95.98, null, null, null, null]],
    ['2019 SAFA [6]', undefined, [89.84, 96.93, 98.14, 99.64, 81.03, 92.8, 94.84, 98.17]],
    ['2020 CVFT [7]', undefined, [61.43, 84.69, 90.49, 99.02, 61.05, 81.33, 86.52, 95.93]],
    ['2020 DSM [19]', undefined, [91.96, 97.5, 98.54, 99.67, 82.49, 92.44, 93.99, 97.32]],
    ['2021 Toker, et al. [10]', undefined, [92.56, 97.55, 98.33, 99.57, 83.28, 93.57, 95.42, 98.22]],
    ['2021 L2LTR [9]', undefined, [94.05, 98.27, 98.99, 99.67, 84.89, 94.59, 95.96, 98.37]],
    ['MGTL', 'mgtl.table2.full', [94.11, 98.3, 99.03, 99.74, 85.35, 94.45, 96.06, 98.48]],
  ]),
  // Table 2: Ablation study (rows printed as check marks under Candidate: VGG16, w/o, w/ CMI).
  ...grid('Table 2', [FLOPS, PARAMS, ...RECALLS], [
    ['VGG16', 'mgtl.table2.vgg16', [4.01, 29.42, 79.94, 93.66, 96.25, 99.31, 70.67, 87.73, 91.13, 95.78]],
    ['VGG16 + w/o (CMI)', 'mgtl.table2.woCmi', [4.16, 50.92, 91.42, 97.42, 98.46, 99.63, 81.25, 92.94, 94.81, 98.11]],
    ['VGG16 + w/ (CMI)', 'mgtl.table2.full', [4.43, 79.27, 94.11, 98.3, 99.03, 99.74, 85.35, 94.45, 96.06, 98.48]],
  ]),
  // Table 3: Complexity comparison with L2LTR (72.29M is printed for the model Table 2 gives as 79.27M).
  ...grid('Table 3', [{ ...PARAMS, column: 'Param.↓' }], [
    ['L2LTR [9] (ResNet50)', undefined, [195.9]],
    ['MGTL (VGG16)', 'mgtl.table2.full', [72.29]],
  ]),
  // Table 4: Detailed ablation study of the recurrent steps L (settings are printed as columns).
  ...(() => {
    const settings: [string, string][] = [
      ['CMI (L=1)', 'mgtl.table4.l1'], ['CMI (L=3)', 'mgtl.table4.l3'], ['CMI (L=6)', 'mgtl.table4.l6'],
      ['CMI (L=9)', 'mgtl.table4.l9'], ['Naïve (L=6)', 'mgtl.table4.naive'],
    ];
    // printed row by row (scene, metric) with one value per setting
    const printed: [dataset: string, label: string, metric: string, values: number[]][] = [
      ['CVUSA', 'r@1', 'r1', [86.44, 89.08, 94.11, 93.81, 92.04]],
      ['CVUSA', 'r@5', 'r5', [96.2, 96.89, 98.3, 98.28, 97.91]],
      ['CVUSA', 'r@10', 'r10', [97.74, 98.17, 99.03, 99.02, 98.8]],
      ['CVUSA', 'r@1%', 'r1pct', [98.64, 99.3, 99.74, 99.71, 99.67]],
      ['CVACT_val', 'r@1', 'r1', [73.06, 80.51, 85.35, 84.37, 82.31]],
      ['CVACT_val', 'r@5', 'r5', [88.32, 92.13, 94.45, 93.98, 93.08]],
      ['CVACT_val', 'r@10', 'r10', [91.13, 94.16, 96.06, 95.59, 95.09]],
      ['CVACT_val', 'r@1%', 'r1pct', [95.85, 98.01, 98.48, 98.35, 98.3]],
    ];
    return settings.flatMap(([row, experiment], s) =>
      printed.map(([dataset, label, metric, values]): PublishedNumber => ({
        paper: 'mgtl', table: 'Table 4', row, column: `${dataset} ${label}`, dataset, metric, value: values[s]!, unit: '%', experiment, higherIsBetter: true,
      })),
    );
  })(),
];
