/** GeoCapsNet (001)'s claims, checked on reproduced results (conventions: lib/papers/claim.ts). */
import type { Claim } from '../types.js';
import { beats, beatsPublished, decreasing, RECALLS, type ClaimPart } from '../claim.js';
import { GEOCAPSNET_NUMBERS } from './published.js';
import { publishedValue } from '../published.js';

/** Every other method of Table 2 on Vo and Hays (Denver), as published. */
const VO_HAYS_OTHERS = GEOCAPSNET_NUMBERS.filter((n) => n.table === 'Table 2' && n.dataset === 'Vo and Hays (Denver)' && !n.row.startsWith('GeoCapsNet'));

export const GEOCAPSNET_CLAIMS: Claim[] = [
  ...(['i', 'ii'] as const).map((v): Claim => ({
    id: `geocapsnet.soft-trihard-${v}`,
    paper: 'geocapsnet',
    statement: `Soft-TriHard beats the plain weighted soft-margin triplet for GeoCapsNet-${v.toUpperCase()} on R@1%`,
    source: 'Sec. 5.2 "Batch hard-mining", Table 3',
    needs: [`geocapsnet.table3.${v}Triplet`, `geocapsnet.table3.${v}SoftTriHard`],
    terms: beats(`geocapsnet.table3.${v}SoftTriHard`, `geocapsnet.table3.${v}Triplet`, ['r1pct']),
  })),
  {
    id: 'geocapsnet.ii-beats-i',
    paper: 'geocapsnet',
    statement: 'GeoCapsNet-II (shared capsule weights) beats GeoCapsNet-I on R@1%',
    source: 'Sec. 5.2 "Comparison to existing approaches", Tables 2 and 3',
    needs: ['geocapsnet.table3.iSoftTriHard', 'geocapsnet.table3.iiSoftTriHard'],
    terms: beats('geocapsnet.table3.iiSoftTriHard', 'geocapsnet.table3.iSoftTriHard', ['r1pct']),
  },
  {
    id: 'geocapsnet.beats-cvmnet-cvusa',
    paper: 'geocapsnet',
    statement: 'On CVUSA, GeoCapsNet-I and -II beat CVM-Net\'s published R@1% (91.40%)',
    source: 'Sec. 5.2, Table 2',
    needs: ['geocapsnet.table3.iSoftTriHard', 'geocapsnet.table3.iiSoftTriHard'],
    terms: ['geocapsnet.table3.iSoftTriHard', 'geocapsnet.table3.iiSoftTriHard'].map((e) =>
      beatsPublished(e, 'r1pct', publishedValue('geocapsnet', 'Table 2', 'CVM-Net [17]', 'Recall @top1% CVUSA [15]'), "CVM-Net's CVUSA R@1% (Table 2)")),
  },
  {
    id: 'geocapsnet.top1-beats-cvmnet',
    paper: 'geocapsnet',
    statement: 'On CVUSA, GeoCapsNet-II\'s top-1 recall beats CVM-Net\'s published 34.56%',
    source: 'Sec. 5.2, Fig. 4 ("GeoCapsNet-II 55.09% vs CVM-Net 34.56%")',
    needs: ['geocapsnet.table3.iiSoftTriHard'],
    terms: [beatsPublished('geocapsnet.table3.iiSoftTriHard', 'r1', publishedValue('geocapsnet', 'Fig. 4', 'CVM-Net', 'Top-1 recall (Sec. 5.2 text)'), "CVM-Net's CVUSA top-1 recall (Sec. 5.2)")],
  },
  ...(['I', 'II'] as const).map((v): Claim => ({
    id: `geocapsnet.batch-size-${v.toLowerCase()}`,
    paper: 'geocapsnet',
    statement: `GeoCapsNet-${v}: the top 1% recall rises with the batch size M over the values run (M = 8, 16 and the paper's M = 32, Table 3's Soft-TriHard row)`,
    source:
      'Sec. 5.2 "Batch size", Fig. 6 (paper text line 160: "as the batch size increases, the Top 1% recall accuracy of our GeoCapsNets becomes higher" ' +
      '… "we set M=32"; the paper names no other value of M, Fig. 6 prints no numbers)',
    needs: [`geocapsnet.fig6.${v.toLowerCase()}M8`, `geocapsnet.fig6.${v.toLowerCase()}M16`, `geocapsnet.table3.${v.toLowerCase()}SoftTriHard`],
    terms: decreasing([`geocapsnet.table3.${v.toLowerCase()}SoftTriHard`, `geocapsnet.fig6.${v.toLowerCase()}M16`, `geocapsnet.fig6.${v.toLowerCase()}M8`], ['r1pct']),
  })),
  ...(['I', 'II'] as const).map((v): Claim => ({
    id: `geocapsnet.capsules-help-${v.toLowerCase()}`,
    paper: 'geocapsnet',
    statement:
      `Capsule layers help: GeoCapsNet-${v} beats ResNetX-fc-${v} on every recall we measure (R@1, R@5, R@10, R@1%): ` +
      'Fig. 5 plots "recall accuracy" without naming a K (as Fig. 4 plots top-K recall curves), so the advantage is read as holding along the curve',
    source:
      'Sec. 5.2 "Capsule layers", Fig. 5 ("Recall accuracy of Geo-CapsNet without capsule layers on CVUSA"; paper text line 148: ' +
      '"The results in Fig. 5 clearly demonstrate the advantage of using capsule layers"; no values printed)',
    needs: [`geocapsnet.table3.${v.toLowerCase()}SoftTriHard`, `geocapsnet.fig5.resnetxFc${v}`],
    terms: beats(`geocapsnet.table3.${v.toLowerCase()}SoftTriHard`, `geocapsnet.fig5.resnetxFc${v}`, RECALLS),
  })),
  {
    id: 'geocapsnet.fewer-params-than-cvmnet',
    paper: 'geocapsnet',
    statement: 'GeoCapsNet-I and -II have fewer parameters than CVM-Net (160,311,424)',
    source: 'Sec. 5.2 "Model comparison", Table 4',
    needs: ['geocapsnet.table3.iSoftTriHard', 'geocapsnet.table3.iiSoftTriHard'],
    terms: ['geocapsnet.table3.iSoftTriHard', 'geocapsnet.table3.iiSoftTriHard'].map((a): ClaimPart => ({
      a, b: { published: publishedValue('geocapsnet', 'Table 4', 'CVM-Net [17]', '# Parameters'), label: "CVM-Net's parameters (Table 4)" }, metric: 'params', better: 'lower',
    })),
  },
  {
    id: 'geocapsnet.beats-sota-vo-hays',
    paper: 'geocapsnet',
    statement:
      'On Vo and Hays (Denver test city), GeoCapsNet-I and -II beat every other method of Table 2 as published on R@1% ' +
      '(needs a Vo and Hays loader: not run)',
    source: 'Sec. 5.2 "Comparison to existing approaches", Table 2 (paper text line 130: "Both GeoCapsNet-I and GeoCapsNet-II outperform all the other approaches by considerable margins on two datasets")',
    needs: ['geocapsnet.table2.iVoHays', 'geocapsnet.table2.iiVoHays'],
    terms: ['geocapsnet.table2.iVoHays', 'geocapsnet.table2.iiVoHays'].flatMap((e) =>
      VO_HAYS_OTHERS.map((n) => beatsPublished(e, 'r1pct', n.value, `${n.row}'s Vo and Hays R@1% (Table 2)`))),
  },
  {
    id: 'geocapsnet.half-code-length',
    paper: 'geocapsnet',
    statement: 'The code length (descriptor length) of GeoCapsNet-I and -II is exactly half of CVM-Net\'s 4096',
    source: 'Sec. 5.2 "Model comparison", Table 4 (paper text line 162: "the code length (i.e. feature dimension) of GeoCapsNet is only half the length of CVM-Net")',
    needs: ['geocapsnet.table3.iSoftTriHard', 'geocapsnet.table3.iiSoftTriHard'],
    // exactly half: neither longer nor shorter than CVM-Net's / 2 (two exact comparisons with a margin of −1 around it)
    terms: ['geocapsnet.table3.iSoftTriHard', 'geocapsnet.table3.iiSoftTriHard'].flatMap((a): ClaimPart[] => {
      const half = publishedValue('geocapsnet', 'Table 4', 'CVM-Net [17]', 'Code length') / 2;
      const label = "half of CVM-Net's code length (Table 4)";
      return [{ a, b: { published: half, label }, metric: 'codeLength', margin: -1, better: 'lower' }, { a, b: { published: half, label }, metric: 'codeLength', margin: -1 }];
    }),
  },
];
