/**
 * Published numbers of MDUIT (paper 004, multi-domain unsupervised image-to-image translation
 * with appearance adaptive convolution): Table 1, visual localization on RobotCar Seasons, typed
 * in once from the paper text. The paper has no other table: its translation results (Figs. 3, 4)
 * are qualitative only (no FID or other score is printed).
 *
 * Values are the percentage of queries localized within each (position, orientation) threshold,
 * as printed; metric keys 'day_0.25m_2deg' … 'night_5m_10deg'. Experiment ids are future ones
 * (mduit.table1.*): no MDUIT preset exists yet; NetVLAD is the paper's own baseline run.
 */
import type { PublishedNumber } from '../types.js';

const COLS = (['Day-All', 'Night-All'] as const).flatMap((cond) =>
  ([['0.25m 2°', '0.25m_2deg'], ['0.5m 5°', '0.5m_5deg'], ['5m 10°', '5m_10deg']] as const).map(([label, key]) => ({
    column: `${cond} ${label}`,
    metric: `${cond === 'Day-All' ? 'day' : 'night'}_${key}`,
  })),
);

const ROWS: [row: string, experiment: string, values: number[]][] = [
  ['NetVLAD [35] (baseline)', 'mduit.table1.netvlad', [6.4, 26.3, 90.9, 0.3, 2.3, 15.9]],
  ['w/o I2I, L_NCE', 'mduit.table1.woI2iNce', [2.9, 12.7, 56.8, 0.2, 1.3, 18.7]],
  ['w/o I2I', 'mduit.table1.woI2i', [5.1, 18.9, 74.9, 0.7, 4.4, 27.7]],
  ['w/o L_NCE', 'mduit.table1.woNce', [7.7, 25.9, 82.4, 1.7, 6.3, 41.9]],
  ['Full', 'mduit.table1.full', [8.5, 31.8, 88.2, 4.1, 14.2, 61.0]],
];

export const MDUIT_NUMBERS: PublishedNumber[] = ROWS.flatMap(([row, experiment, values]) =>
  COLS.map(({ column, metric }, i): PublishedNumber => ({
    paper: 'mduit', table: 'Table 1', row, column, dataset: 'RobotCar Seasons', metric, value: values[i]!, unit: '%', experiment, higherIsBetter: true,
  })),
);
