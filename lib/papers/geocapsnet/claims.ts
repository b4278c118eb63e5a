/** GeoCapsNet (001)'s claims, checked on reproduced results (conventions: lib/papers/claim.ts). */
import type { Claim } from '../types.js';
import { beats, decreasing, resultOf as get } from '../claim.js';
import { publishedValue } from '../published.js';

export const GEOCAPSNET_CLAIMS: Claim[] = [
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
