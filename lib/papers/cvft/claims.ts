/** CVFT (002)'s claims, checked on reproduced results (conventions: lib/papers/claim.ts). */
import type { Claim } from '../types.js';
import { beats, decreasing, RECALLS, resultOf as get } from '../claim.js';

const CVFT = 'cvft.table1.full';
export const CVFT_CLAIMS: Claim[] = [
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
