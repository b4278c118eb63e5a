/** CVFT (002)'s claims, checked on reproduced results (conventions: lib/papers/claim.ts). */
import type { Claim } from '../types.js';
import { beats, beatsPublished, decreasing, RECALLS, type ClaimPart } from '../claim.js';
import { publishedValue } from '../published.js';

const CVFT = 'cvft.table1.full';
const NOISY = 'cvft.table1.orientationNoise20';
/** Table 1's column label of a recall on a dataset, e.g. 'CVUSA r@1'. */
const LABEL: Record<string, string> = { r1: 'r@1', r5: 'r@5', r10: 'r@10', r1pct: 'r@1%' };
const table1 = (row: string, dataset: string, metric: string): number => publishedValue('cvft', 'Table 1', row, `${dataset} ${LABEL[metric]}`);
/** The state of the art Sec. 5.4 names, as Table 1 prints their rows. */
const SOTA = ['CVM-NET (Hu et al. 2018)', 'Liu & Li (Liu and Li 2019)'];
/** The noisy model trained and tested on the real datasets: no preset (the data are not here), so 'not run'. */
const NOISY_REAL = { CVUSA: 'cvft.table1.orientationNoise20Cvusa', CVACT_val: 'cvft.table1.orientationNoise20CvactVal' } as const;
/** Table 4's reduced descriptors trained and tested on the real datasets (no preset: 'not run' here). */
const DIMS = [['2048', 'cvft.table4.d2048'], ['1536', 'cvft.table4.d1536'], ['512', 'cvft.table4.d512']] as const;
const dimReal = (preset: string, dataset: 'CVUSA' | 'CVACT_val') => `${preset}${dataset === 'CVUSA' ? 'Cvusa' : 'CvactVal'}`;
/** The state of the art of supplementary C, as Table 4 prints their rows. */
const SOTA_T4 = [['4096 (CVM-NET (Hu et al. 2018))', 'CVM-Net'], ['1536 (Liu & Li (Liu and Li 2019))', 'Liu & Li']] as const;
/** Rows on a real dataset (ids without a preset) → the preset whose published numbers on that dataset they are. */
export const CVFT_REAL_ROWS: Record<string, [preset: string, dataset: string]> = {
  [NOISY_REAL.CVUSA]: [NOISY, 'CVUSA'],
  [NOISY_REAL.CVACT_val]: [NOISY, 'CVACT_val'],
  ...Object.fromEntries(DIMS.flatMap(([, id]) => (['CVUSA', 'CVACT_val'] as const).map((d) => [dimReal(id, d), [id, d]]))),
};
/** Where `better` does not beat every row of `worse` on Table 1's own numbers: 'dataset r@k (a vs b)'. */
function failsOnTable1(better: string, worse: readonly string[]): string[] {
  return Object.keys(NOISY_REAL).flatMap((d) =>
    worse.flatMap((w) => RECALLS.flatMap((m) => {
      const a = table1(better, d, m);
      const b = table1(w, d, m);
      return a > b ? [] : [`${d} ${LABEL[m]} (${a} vs ${w}'s ${b})`];
    })));
}
/** Sec. 5.4's statement on Table 1's numbers, and our proxy of it on the same numbers. */
const NOISE_VS_SOTA_AS_PUBLISHED = failsOnTable1('Our network (orientation noise = ±20°)', SOTA);
const NOISE_VS_OURS_AS_PUBLISHED = failsOnTable1('Our network (orientation noise = ±20°)', ['Our network wo/ CVFT', 'VGG global pooling']);
export const CVFT_CLAIMS: Claim[] = [
  {
    id: 'cvft.beats-wo-cvft',
    paper: 'cvft',
    statement: 'CVFT beats wo/ CVFT on R@1, R@5, R@10 and R@1%',
    source: 'Sec. 5.1 "Our Network with CVFT", Table 1 rows 4–5',
    needs: [CVFT, 'cvft.table1.woCvft'],
    terms: beats(CVFT, 'cvft.table1.woCvft', RECALLS),
  },
  {
    id: 'cvft.wo-cvft-gain-over-15',
    paper: 'cvft',
    statement: 'CVFT improves R@1 over wo/ CVFT by more than 15 points',
    source: 'Sec. 5.1 ("over 15% improvements on recall@1 on both datasets"), Fig. 5 caption (19.75 and 15.77)',
    needs: [CVFT, 'cvft.table1.woCvft'],
    terms: beats(CVFT, 'cvft.table1.woCvft', ['r1'], { margin: 15 }),
  },
  {
    id: 'cvft.spatial-layout-matters',
    paper: 'cvft',
    statement: 'VGG global pooling is the worst: wo/ CVFT (spatial layout kept) beats it on every recall',
    source: 'Sec. 5.1 "Baseline Networks", Table 1 rows 3–4',
    needs: ['cvft.table1.woCvft', 'cvft.table1.vggGlobalPooling', CVFT],
    terms: [...beats('cvft.table1.woCvft', 'cvft.table1.vggGlobalPooling', RECALLS), ...beats(CVFT, 'cvft.table1.vggGlobalPooling', RECALLS)],
  },
  {
    id: 'cvft.orientation-noise',
    paper: 'cvft',
    statement:
      'Proxy with our own rows (the paper compares with CVM-Net and Liu & Li as published, see cvft.orientation-noise-beats-sota): ' +
      'CVFT under ±20° orientation noise beats our noise-free wo/ CVFT and VGG global pooling rows on R@1, R@5, R@10 and R@1%',
    source:
      'Sec. 5.4 "Robustness to Orientation Perturbations" (paper text line 219: "our method still outperforms the state-of-the-art ' +
      '(CVM-NET and Liu & Li) although they are tested on the orientation aligned ground-level panoramas"), Table 1 last row. ' +
      `On the paper's own Table 1 numbers the paper's statement ${NOISE_VS_SOTA_AS_PUBLISHED.length === 0 ? 'holds on all 8 recalls' : `does not hold on ${NOISE_VS_SOTA_AS_PUBLISHED.join(', ')}`}; ` +
      `this proxy ${NOISE_VS_OURS_AS_PUBLISHED.length === 0 ? 'holds on them too' : `does not hold on ${NOISE_VS_OURS_AS_PUBLISHED.join(', ')}`}`,
    needs: [NOISY, 'cvft.table1.woCvft', 'cvft.table1.vggGlobalPooling'],
    terms: [...beats(NOISY, 'cvft.table1.woCvft', RECALLS), ...beats(NOISY, 'cvft.table1.vggGlobalPooling', RECALLS)],
  },
  {
    id: 'cvft.orientation-noise-beats-sota',
    paper: 'cvft',
    statement:
      'CVFT under ±20° orientation noise beats CVM-Net and Liu & Li as published (tested without noise) on R@1, R@5, R@10 and R@1%, ' +
      'on CVUSA and on CVACT_val (needs runs on the real datasets: published numbers of other methods are not comparable with runs on other data)',
    source: 'Sec. 5.4 (paper text line 219: "our method still outperforms the state-of-the-art (CVM-NET and Liu & Li) although they are tested on the orientation aligned ground-level panoramas"), Table 1',
    needs: Object.values(NOISY_REAL),
    terms: (Object.entries(NOISY_REAL) as [keyof typeof NOISY_REAL, string][]).flatMap(([dataset, id]) =>
      SOTA.flatMap((row) => RECALLS.map((m) => beatsPublished(id, m, table1(row, dataset, m), `${row.split(' (')[0]}'s ${dataset} ${LABEL[m]} (Table 1)`)))),
  },
  {
    id: 'cvft.orientation-noise-costs',
    paper: 'cvft',
    statement: '±20° orientation noise lowers R@1 of CVFT (the aligned model is better)',
    source: 'Sec. 5.4, Table 1 rows "Our network" vs "orientation noise = ±20°"',
    needs: [CVFT, NOISY],
    terms: beats(CVFT, NOISY, ['r1']),
  },
  {
    id: 'cvft.beats-stn',
    paper: 'cvft',
    statement: 'CVFT beats STN (affine) and STN (TPS) on every recall',
    source: 'Supplementary B, Table 3',
    needs: [CVFT, 'cvft.table3.stnAffine', 'cvft.table3.stnTps'],
    terms: [...beats(CVFT, 'cvft.table3.stnAffine', RECALLS), ...beats(CVFT, 'cvft.table3.stnTps', RECALLS)],
  },
  {
    id: 'cvft.dimension-monotone',
    paper: 'cvft',
    statement: 'Recalls decrease gradually with the embedding dimension: 4096 > 2048 > 1536 > 512 on every recall',
    source: 'Supplementary C, Table 4',
    needs: [CVFT, 'cvft.table4.d2048', 'cvft.table4.d1536', 'cvft.table4.d512'],
    terms: decreasing([CVFT, 'cvft.table4.d2048', 'cvft.table4.d1536', 'cvft.table4.d512'], RECALLS),
  },
  {
    id: 'cvft.cvact-test-distance-recall',
    paper: 'cvft',
    statement:
      'On CVACT_test (a query counts as localized when a top-K satellite image lies within 25 m), CVFT beats Liu & Li, the second-best method, at top-1 ' +
      '(the paper: +28.87%; needs CVACT_test, which the synthetic data do not have, and a Liu & Li run)',
    source: 'Sec. 5.3 "Accurate Geo-localization", Fig. 8 (paper text line 215: "our method still significantly outperforms the second-best method (Liu and Li 2019), with an improvement of 28.87% at top-1")',
    needs: ['cvft.fig8.cvactTest', 'cvft.fig8.liuLiCvactTest'],
    terms: beats('cvft.fig8.cvactTest', 'cvft.fig8.liuLiCvactTest', ['r1']),
  },
  {
    id: 'cvft.reduced-dims-beat-sota',
    paper: 'cvft',
    statement:
      'The reduced descriptors (2048, 1536 and 512 dimensions) still beat CVM-Net and Liu & Li as published on every recall, on CVUSA and CVACT_val ' +
      '(needs runs on the real datasets: published numbers of other methods are not comparable with runs on other data)',
    source: 'Supplementary C, Table 4 (paper text line 286: "our recall performance decreases gradually with the decrease of feature embedding dimension, yet still outperforms state-of-the-art methods (Hu et al. 2018; Liu and Li 2019)")',
    needs: DIMS.flatMap(([, id]) => [dimReal(id, 'CVUSA'), dimReal(id, 'CVACT_val')]),
    terms: DIMS.flatMap(([, id]) =>
      (['CVUSA', 'CVACT_val'] as const).flatMap((dataset) =>
        SOTA_T4.flatMap(([row, who]) => RECALLS.map((m): ClaimPart => beatsPublished(dimReal(id, dataset), m, publishedValue('cvft', 'Table 4', row, `${dataset} ${LABEL[m]}`), `${who}'s ${dataset} ${LABEL[m]} (Table 4)`))))),
  },
];
