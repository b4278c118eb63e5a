/**
 * Published numbers of the thesis "Improving Cross-View Matching with Self-Supervised Learning"
 * (paper 003): Tables 4.2–4.8 and the uniformity values printed in the captions of Figures 4.3
 * and 4.4, typed in once from the thesis text.
 *
 * Rows are labelled 'exp. N (ground branch / satellite branch)' with the pre-trained weights of
 * each branch as ticked in the table (Table 3.1's names: '/' random, 'ImageNet', 'sat' MoCov2 from
 * scratch on the satellites of the whole dataset, 'sat train*' / 'sat val*' / 'sat*' MoCov2 from
 * ImageNet weights on the satellites of the training / validation split / whole dataset, 'grd*' the
 * same on the ground images). The experiments follow Table 3.1's settings 1–7:
 * 1 '/ / /', 2 'ImageNet / ImageNet' (the baseline: the thesis.stage2.* presets),
 * 3 'ImageNet / sat', 4 'ImageNet / sat train*', 5 'ImageNet / sat val*', 6 'ImageNet / sat*',
 * 7 'grd* / sat*'; future ids are thesis.table4N.settingK.
 *
 * Uniformity values (L_uniform, lower = more uniform, no unit) are measured on the validation set
 * before downstream training (Sec. 4.5), so they belong to the initialisation of the experiment.
 */
import type { PublishedNumber } from '../types.js';

/** Table 3.1: the weights of each setting, as 'ground / satellite'. */
export const THESIS_SETTINGS: Record<number, string> = {
  1: '/ / /',
  2: 'ImageNet / ImageNet',
  3: 'ImageNet / sat',
  4: 'ImageNet / sat train*',
  5: 'ImageNet / sat val*',
  6: 'ImageNet / sat*',
  7: 'grd* / sat*',
};

const RECALL_COLS = [['R@1', 'r1'], ['R@5', 'r5'], ['R@1%', 'r1pct']] as const;

/** One row of a recall table: exp number, Table 3.1 setting, R@1, R@5, R@1%. */
type ExpRow = [exp: number, setting: number, values: [number, number, number]];

function recallTable(table: string, dataset: string, baseline: string | null, future: string, rows: ExpRow[]): PublishedNumber[] {
  return rows.flatMap(([exp, setting, values]) => {
    const experiment = setting === 2 && baseline ? baseline : `${future}.setting${setting}`;
    const row = `exp. ${exp} (${THESIS_SETTINGS[setting]})`;
    return RECALL_COLS.map(([column, metric], i): PublishedNumber => ({
      paper: 'thesis', table, row, column, dataset, metric, value: values[i]!, unit: '%', experiment, higherIsBetter: true,
    }));
  });
}

function labelledTable(table: string, dataset: string, rows: [row: string, experiment: string, values: [number, number, number]][]): PublishedNumber[] {
  return rows.flatMap(([row, experiment, values]) =>
    RECALL_COLS.map(([column, metric], i): PublishedNumber => ({
      paper: 'thesis', table, row, column, dataset, metric, value: values[i]!, unit: '%', experiment, higherIsBetter: true,
    })),
  );
}

const UNIFORM_COLS = [['L_uniform-ground', 'uniformGround'], ['L_uniform-satellite', 'uniformSatellite'], ['L_uniform-all', 'uniformAll']] as const;

function uniformity(table: string, dataset: string, rows: [row: string, experiment: string, values: [number, number, number]][]): PublishedNumber[] {
  return rows.flatMap(([row, experiment, values]) =>
    UNIFORM_COLS.map(([column, metric], i): PublishedNumber => ({
      paper: 'thesis', table, row, column, dataset, metric, value: values[i]!, unit: '', experiment, higherIsBetter: false,
    })),
  );
}

const CVACT = 'CVACT_val';
const VIGOR = 'VIGOR cross-area';

export const THESIS_NUMBERS: PublishedNumber[] = [
  // Table 4.2: Siamese-VGG on CVACT (CVACT_val).
  ...recallTable('Table 4.2', CVACT, 'thesis.stage2.siameseVggCvact', 'thesis.table42', [
    [1, 1, [22.29, 51.65, 70.17]],
    [2, 2, [53.2, 77.36, 95.05]],
    [3, 4, [63.26, 83.51, 96.02]],
    [4, 5, [60.46, 81.79, 96.07]],
    [5, 6, [64.9, 84.22, 96.29]],
    [6, 7, [65.0, 85.21, 96.6]],
  ]),
  // Table 4.3: SAFA on CVACT. Exp 10's R@1 is printed with bold residue as '7 <b>9.2</b> 7' (79.27).
  ...recallTable('Table 4.3', CVACT, 'thesis.stage2.safaCvact', 'thesis.table43', [
    [7, 2, [76.96, 88.98, 96.58]],
    [8, 4, [79.01, 89.88, 96.79]],
    [9, 5, [78.31, 89.24, 96.6]],
    [10, 6, [79.27, 90.27, 96.99]],
  ]),
  // Table 4.4: Siamese-VGG on VIGOR, cross-area.
  ...recallTable('Table 4.4', VIGOR, 'thesis.stage2.siameseVggVigor', 'thesis.table44', [
    [11, 1, [0.5, 1.75, 29.13]],
    [12, 2, [3.28, 9.21, 62.16]],
    [13, 3, [3.75, 10.4, 66.45]],
    [14, 4, [5.29, 13.88, 69.61]],
    [15, 5, [5.82, 14.64, 71.51]],
    [16, 6, [5.78, 14.63, 70.87]],
    [17, 7, [7.35, 18.25, 76.91]],
  ]),
  // Table 4.5: SAFA on VIGOR, cross-area.
  ...recallTable('Table 4.5', VIGOR, 'thesis.stage2.safaVigor', 'thesis.table45', [
    [18, 2, [4.45, 11.44, 65.02]],
    [19, 3, [4.89, 12.07, 68.36]],
    [20, 4, [7.09, 17.06, 74.85]],
    [21, 5, [8.12, 18.8, 76.68]],
    [22, 6, [8.18, 19.36, 75.32]],
  ]),
  // Table 4.6: Siamese-VGG on the swapped VIGOR cross-area split (trained on the original
  // validation cities, evaluated on the training cities; weights named as in Table 4.4).
  ...recallTable('Table 4.6', 'VIGOR cross-area (swapped)', null, 'thesis.table46', [
    [23, 2, [3.87, 10.01, 57.91]],
    [24, 4, [6.41, 15.12, 68.83]],
    [25, 5, [5.58, 13.4, 64.52]],
    [26, 6, [6.46, 15.39, 69.11]],
  ]),
  // Table 4.7: Siamese-VGG on VIGOR cross-area with the uniformity loss, weight α.
  ...labelledTable('Table 4.7', VIGOR, [
    ['exp. 12, α = 0', 'thesis.table47.alpha0', [3.28, 9.21, 62.16]],
    ['exp. 27, α = 0.0001', 'thesis.table47.alpha1e4', [2.94, 8.76, 63.77]],
    ['exp. 28, α = 0.001', 'thesis.table47.alpha1e3', [2.69, 7.99, 60.95]],
    ['exp. 29, α = 0.01', 'thesis.table47.alpha1e2', [1.2, 4.1, 46.11]],
    ['exp. 30, α = 0.1', 'thesis.table47.alpha1e1', [0.24, 0.96, 23.4]],
  ]),
  // Table 4.8: Siamese-VGG on VIGOR cross-area with MoCov2 augmentations in downstream training.
  ...labelledTable('Table 4.8', VIGOR, [
    ['exp. 12, No aug-', 'thesis.stage2.siameseVggVigor', [3.28, 9.21, 62.16]],
    ['exp. 31, MoCov2 aug-', 'thesis.table48.mocoAug', [0.45, 1.61, 30.4]],
    ['exp. 32, MoCov2 aug- w/o random cropping and resize', 'thesis.table48.mocoAugNoCrop', [4.13, 11.7, 69.42]],
  ]),
  // Appendix 6.5 (the text under Figure 6.3): the unified double MoCo, Siamese-VGG on VIGOR
  // cross-area, 40 epochs: "R@1 = 0.28%" (only R@1 is printed; the thesis draws no conclusion from it).
  {
    paper: 'thesis', table: 'Figure 6.3', row: 'unified MoCov2 + cross-view matching (Fig. 6.3 c), Siamese-VGG, 40 epochs', column: 'R@1',
    dataset: VIGOR, metric: 'r1', value: 0.28, unit: '%', experiment: 'thesis.appendix65.unified', higherIsBetter: true,
  },
  // Figure 4.3 captions: uniformity of CVACT validation features before downstream training.
  ...uniformity('Figure 4.3', CVACT, [
    ['(a) exp 2. (ImageNet / ImageNet)', 'thesis.stage2.siameseVggCvact', [-0.92, -1.33, -1.48]],
    ['(b) exp 5. (ImageNet / sat*)', 'thesis.table42.setting6', [-0.93, -2.76, -1.92]],
    ['(c) exp 6. (grd* / sat*)', 'thesis.table42.setting7', [-2.21, -2.75, -2.64]],
  ]),
  // Figure 4.4 captions: the same on the VIGOR cross-area validation set.
  ...uniformity('Figure 4.4', VIGOR, [
    ['(a) exp 12. (ImageNet / ImageNet)', 'thesis.stage2.siameseVggVigor', [-1.08, -1.35, -1.51]],
    ['(b) exp 16. (ImageNet / sat*)', 'thesis.table44.setting6', [-1.04, -2.53, -1.93]],
    ['(c) exp 17. (grd* / sat*)', 'thesis.table44.setting7', [-2.05, -2.53, -2.66]],
  ]),
];
