/** Published numbers of GeoCapsNet (paper 001), Table 4, with how ours compare (lib/models/geocapsnet.ts). */
import type { PublishedNumber } from '../types.js';
import { gridFor } from '../grid.js';
/**
 * Table 4 of the paper, with how ours compares (all Keras-style counts, 224x224, full width).
 */
export const GEOCAPSNET_PUBLISHED = {
  source: 'paper 001 (GeoCapsNet), Table 4',
  params: { I: 82_764_672, II: 64_938_624 },
  modelSize: { I: '947.51M', II: '743.51M' },
  codeLength: 2048,
  /** I − II: one set of capsule layers (Table 4). */
  capsuleLayerParams: 17_826_048,
  explanation: {
    difference:
      'Table 4: I − II = 82,764,672 − 64,938,624 = 17,826,048 = one set of capsule layers (Sec. 3.2): ' +
      'PrimaryCaps 3·3·2048·256 + 256 bias = 4,718,848, GeoCaps 800·32·8·64 = 13,107,200; ours is the same.',
    total:
      'Ours (Keras count, Table 1 as printed, biased convolutions, BatchNorm with moving statistics, projection ' +
      'shortcut in the first block of each stage): ResNetX 22,995,904 per branch, GeoCapsNet-II 63,817,856 and -I ' +
      '81,643,904, i.e. 1,120,768 (560,384 per ResNetX) below Table 4. Table 4 implies 23,556,288 per ResNetX ' +
      '((64,938,624 − 17,826,048)/2). No variant of the unstated details matches it exactly: without conv biases or ' +
      'BatchNorm statistics the gap grows; with ResNet-50\'s 512 outputs for Conv4_x (Table 1 prints 256) ResNetX ' +
      'has 23,624,896 (68,608 too many). The paper gives no per-layer counts, so the residual stays unexplained; ' +
      'most likely Table 1 does not list the exact implementation (e.g. Conv4_x widths or the shortcut layout).',
  },
} as const;

// ------------------------------------------------------------------------- every printed number
const grid = gridFor('geocapsnet');

const VO = 'Vo and Hays (Denver)';

/**
 * Every number of GeoCapsNet's Tables 2–4 as printed, and the two top-1 recalls the text of
 * Sec. 5.2 reads off Fig. 4 (Figs. 5 and 6 print no values). Recalls in percent; Table 4's
 * parameters as a count, model size in the printed unit ('MB' for 'M', 'GB' for 'G'), code
 * length as a count. Table 2's GeoCapsNet rows on CVUSA are the Soft-TriHard runs of Table 3.
 */
export const GEOCAPSNET_NUMBERS: PublishedNumber[] = [
  // Table 2: Recall @top1% vs the state of the art (Zhai et al. print no Vo and Hays value).
  ...grid('Table 2', [
    { column: 'Recall @top1% Vo and Hays [13]', dataset: VO, metric: 'r1pct' },
    { column: 'Recall @top1% CVUSA [15]', dataset: 'CVUSA', metric: 'r1pct' },
  ], [
    ['Workman et.al [12]', undefined, [15.4, 34.3]],
    ['Vo and Hays [13]', undefined, [59.9, 63.7]],
    ['Zhai et al [15]', undefined, [null, 43.2]],
    ['CVM-Net [17]', undefined, [67.9, 91.4]],
    ['GeoCapsNet-I', undefined, [69.59, 96.52]],
    ['GeoCapsNet-II', undefined, [76.83, 98.07]],
  ]).map((n) => (n.row.startsWith('GeoCapsNet')
    ? { ...n, experiment: n.dataset === 'CVUSA' ? `geocapsnet.table3.${n.row === 'GeoCapsNet-I' ? 'i' : 'ii'}SoftTriHard` : `geocapsnet.table2.${n.row === 'GeoCapsNet-I' ? 'i' : 'ii'}VoHays` }
    : n)),
  // Table 3: Recall@top1% (CVUSA) with different losses.
  ...grid('Table 3', [
    { column: 'Triplet', dataset: 'CVUSA', metric: 'r1pct' },
    { column: 'Soft-TriHard', dataset: 'CVUSA', metric: 'r1pct' },
  ], [
    ['GeoCapsNet-I', undefined, [70.38, 96.52]],
    ['GeoCapsNet-II', undefined, [77.46, 98.07]],
  ]).map((n) => ({ ...n, experiment: `geocapsnet.table3.${n.row === 'GeoCapsNet-I' ? 'i' : 'ii'}${n.column === 'Triplet' ? 'Triplet' : 'SoftTriHard'}` })),
  // Table 4: model comparison with CVM-Net.
  ...grid('Table 4', [
    { column: '# Parameters', dataset: 'model', metric: 'params', unit: 'count', higherIsBetter: false },
    { column: 'Model size', dataset: 'model', metric: 'modelSize', unit: 'MB', higherIsBetter: false },
    { column: 'Code length', dataset: 'model', metric: 'codeLength', unit: 'count', higherIsBetter: false },
  ], [
    ['CVM-Net [17]', undefined, [160_311_424, { value: 1.8, unit: 'GB' }, 4096]],
    ['GeoCapsNet-I', 'geocapsnet.table3.iSoftTriHard', [82_764_672, 947.51, 2048]],
    ['GeoCapsNet-II', 'geocapsnet.table3.iiSoftTriHard', [64_938_624, 743.51, 2048]],
  ]),
  // Fig. 4 (Top-K recall on CVUSA), values given in the text of Sec. 5.2.
  ...grid('Fig. 4', [{ column: 'Top-1 recall (Sec. 5.2 text)', dataset: 'CVUSA', metric: 'r1' }], [
    ['GeoCapsNet-II', 'geocapsnet.table3.iiSoftTriHard', [55.09]],
    ['CVM-Net', undefined, [34.56]],
  ]),
];
