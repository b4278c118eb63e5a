/** MDUIT (004)'s claims, checked on reproduced results (conventions: lib/papers/claim.ts). */
import type { Claim } from '../types.js';
import { beats } from '../claim.js';

const MDUIT_ALL = ['day_0.25m_2deg', 'day_0.5m_5deg', 'day_5m_10deg', 'night_0.25m_2deg', 'night_0.5m_5deg', 'night_5m_10deg'];
const MDUIT_NIGHT = MDUIT_ALL.filter((m) => m.startsWith('night'));
export const MDUIT_CLAIMS: Claim[] = [
  {
    id: 'mduit.full-beats-ablations',
    paper: 'mduit',
    statement: 'Full MDUIT beats w/o L_NCE, w/o I2I and w/o I2I, L_NCE at every threshold, day and night',
    source: 'Sec. 3.3, Table 1',
    needs: ['mduit.table1.full', 'mduit.table1.woNce', 'mduit.table1.woI2i', 'mduit.table1.woI2iNce'],
    terms: ['woNce', 'woI2i', 'woI2iNce'].flatMap((b) => beats('mduit.table1.full', `mduit.table1.${b}`, MDUIT_ALL)),
  },
  {
    id: 'mduit.nce-beats-l1',
    paper: 'mduit',
    statement: 'Without I2I, L_NCE beats the L1 consistency loss: w/o I2I beats w/o I2I, L_NCE at every threshold',
    source: 'Sec. 3.3 ("clearly aggravated … L1 loss introduces less effective representation learning"), Table 1',
    needs: ['mduit.table1.woI2i', 'mduit.table1.woI2iNce'],
    terms: beats('mduit.table1.woI2i', 'mduit.table1.woI2iNce', MDUIT_ALL),
  },
  {
    id: 'mduit.i2i-helps',
    paper: 'mduit',
    statement: 'Appearance diversity from I2I helps: w/o L_NCE beats w/o I2I, L_NCE at every threshold',
    source: 'Sec. 3.3 ("the diversity of image appearance has a positive effect on performance"), Table 1',
    needs: ['mduit.table1.woNce', 'mduit.table1.woI2iNce'],
    terms: beats('mduit.table1.woNce', 'mduit.table1.woI2iNce', MDUIT_ALL),
  },
  {
    id: 'mduit.night-beats-netvlad',
    paper: 'mduit',
    statement: 'Full MDUIT beats the NetVLAD baseline at every Night-All threshold',
    source: 'Sec. 3.3 ("especially better in the night domain"), Table 1',
    needs: ['mduit.table1.full', 'mduit.table1.netvlad'],
    terms: beats('mduit.table1.full', 'mduit.table1.netvlad', MDUIT_NIGHT),
  },
  {
    id: 'mduit.day-comparable-netvlad',
    paper: 'mduit',
    statement: "By day, Full is comparable to NetVLAD, tested as Full above NetVLAD at every Day-All threshold (the paper names no tolerance: an interval around 0 stays inconclusive, one clearly below contradicts)",
    source: 'Sec. 3.3 (paper text line 157: "Compared to NetVLAD [35], \'Full\' achieves comparable overall performance, especially better in the night domain"), Table 1',
    needs: ['mduit.table1.full', 'mduit.table1.netvlad'],
    terms: beats('mduit.table1.full', 'mduit.table1.netvlad', MDUIT_ALL.filter((m) => m.startsWith('day'))),
  },
];
