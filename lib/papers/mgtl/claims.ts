/** MGTL (000)'s claims, checked on reproduced results (conventions: lib/papers/claim.ts). */
import type { Claim } from '../types.js';
import { beats, decreasing, RECALLS, resultOf as get } from '../claim.js';
import { publishedValue } from '../published.js';

export const MGTL_CLAIMS: Claim[] = [
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
