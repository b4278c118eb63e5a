/**
 * Published numbers of CVFT (paper 002, "Optimal Feature Transport for Cross-View Image
 * Geo-Localization", AAAI 2020): Tables 1–4, typed in once from the paper text. Recalls in
 * percent as printed; experiment ids are the presets of lib/papers/presets.ts (other authors'
 * rows carry none: they are shown for context, not reproduced).
 */
import type { PublishedNumber } from '../types.js';
import { gridFor, type Col } from '../grid.js';

const grid = gridFor('cvft');

const RECALLS: Col[] = (['CVUSA', 'CVACT_val'] as const).flatMap((dataset) =>
  ([['r@1', 'r1'], ['r@5', 'r5'], ['r@10', 'r10'], ['r@1%', 'r1pct']] as const).map(([label, metric]) => ({ column: `${dataset} ${label}`, dataset, metric })),
);

export const CVFT_NUMBERS: PublishedNumber[] = [
  // Table 1: Recall performance on CVUSA and CVACT_val.
  ...grid('Table 1', RECALLS, [
    ['Liu & Li (Liu and Li 2019)', undefined, [40.79, 66.82, 76.36, 96.12, 46.96, 68.28, 75.48, 92.04]],
    ['CVM-NET (Hu et al. 2018)', undefined, [22.47, 49.98, 63.18, 93.62, 20.15, 45.0, 56.87, 87.57]],
    ['VGG global pooling', 'cvft.table1.vggGlobalPooling', [31.53, 59.85, 70.91, 95.09, 28.98, 57.04, 67.96, 91.72]],
    ['Our network wo/ CVFT', 'cvft.table1.woCvft', [41.68, 70.71, 80.71, 97.7, 45.28, 71.74, 80.14, 95.28]],
    ['Our network', 'cvft.table1.full', [61.43, 84.69, 90.49, 99.02, 61.05, 81.33, 86.52, 95.93]],
    ['Our network (orientation noise = ±20°)', 'cvft.table1.orientationNoise20', [52.07, 76.87, 84.58, 97.77, 54.81, 77.7, 83.37, 94.92]],
  ]),
  // Table 2: r@1% on CVUSA by state-of-the-art methods.
  ...grid('Table 2', [{ column: 'r@1%', dataset: 'CVUSA', metric: 'r1pct' }], [
    ['Workman', undefined, [34.3]],
    ['Zhai', undefined, [43.2]],
    ['Vo', undefined, [63.7]],
    ['CVM-NET', undefined, [93.62]],
    ['Liu', undefined, [96.12]],
    ['Ours', 'cvft.table1.full', [99.02]],
  ]),
  // Table 3 (supplementary B): our framework vs STNs.
  ...grid('Table 3', RECALLS, [
    ['Our network wo/ CVFT', 'cvft.table1.woCvft', [41.68, 70.71, 80.71, 97.7, 45.28, 71.74, 80.14, 95.28]],
    ['STN_affine', 'cvft.table3.stnAffine', [37.29, 66.75, 77.03, 96.06, 35.64, 63.67, 73.3, 92.77]],
    ['STN_tps', 'cvft.table3.stnTps', [42.38, 71.16, 81.22, 97.13, 41.61, 68.69, 77.03, 93.33]],
    ['Our network', 'cvft.table1.full', [61.43, 84.69, 90.49, 99.02, 61.05, 81.33, 86.52, 95.93]],
  ]),
  // Table 4 (supplementary C): feature embedding dimensions. Note CVACT_val r@5 of the 4096 row
  // is printed 81.34 here and 81.33 in Tables 1 and 3 (same model).
  ...grid('Table 4', RECALLS, [
    ['4096', 'cvft.table1.full', [61.43, 84.69, 90.49, 99.02, 61.05, 81.34, 86.52, 95.93]],
    ['2048', 'cvft.table4.d2048', [56.43, 80.77, 88.07, 98.81, 57.86, 79.69, 85.25, 95.49]],
    ['1536', 'cvft.table4.d1536', [52.22, 77.3, 85.31, 98.33, 53.94, 77.4, 83.27, 95.09]],
    ['512', 'cvft.table4.d512', [43.05, 69.42, 78.66, 96.89, 44.69, 70.19, 77.81, 93.56]],
    ['4096 (CVM-NET (Hu et al. 2018))', undefined, [22.47, 49.98, 63.18, 93.62, 17.53, 42.13, 53.15, 86.72]],
    ['1536 (Liu & Li (Liu and Li 2019))', undefined, [40.79, 66.82, 76.36, 96.12, 46.96, 68.28, 75.48, 92.04]],
  ]),
];
