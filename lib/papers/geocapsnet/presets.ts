/** GeoCapsNet's (001) experiment rows as training presets (`geocapsnet.table3.iiSoftTriHard`, …). */
import type { TrainConfig } from '../../train/config.js';
import type { PresetTree } from '../types.js';

/** Eq. 2 (Soft-TriHard) and Table 3's "Triplet", Eq. 2 without the mining: the two differ in `mining` only. */
const SOFT_TRIHARD: TrainConfig['loss'] = { kind: 'soft-trihard', alpha: 15 };
const TRIPLET: TrainConfig['loss'] = { ...SOFT_TRIHARD, mining: 'none' };

const GCN_SOURCE = 'GeoCapsNet (001) Sec. 4: Adam lr 1e-3, batch M = 32, 50 epochs, α = 15, 4 routing iterations';
const geocapsnet = (name: string, row: string, model: 'geocapsnet-i' | 'geocapsnet-ii', variant: string, loss: TrainConfig['loss']): TrainConfig => ({
  name,
  source: `${GCN_SOURCE}; ${row}`,
  assumptions: [
    '224x224 inputs for both branches (Table 1 output sizes)',
    'the paper uses L2 regularisation without a weight: none here (set optimizer.weightDecay to add it)',
    ...(loss.mining === 'none' ? ['"Triplet" (Table 3, Sec. 5.2): Eq. 2 with the batch-hard mining removed and nothing else changed: every negative of the batch, averaged, α = 15, ground anchors only (reading geocapsnet.triplet-row)'] : []),
  ],
  model: { name: model, options: { variant } },
  loss: { ...loss },
  data: { dir: 'data/cvusa', ground: { height: 224, width: 224 }, aerial: { size: 224, polar: null }, batchSize: 32 },
  optimizer: { kind: 'adam', lr: 1e-3 },
  schedule: { kind: 'constant' },
  epochs: 50,
  seed: 1,
});

export const GEOCAPSNET_PRESETS = {
  table3: {
    iTriplet: geocapsnet('geocapsnet.table3.iTriplet', 'Table 3, GeoCapsNet-I, Triplet', 'geocapsnet-i', 'I', TRIPLET),
    iSoftTriHard: geocapsnet('geocapsnet.table3.iSoftTriHard', 'Table 3, GeoCapsNet-I, Soft-TriHard', 'geocapsnet-i', 'I', SOFT_TRIHARD),
    iiTriplet: geocapsnet('geocapsnet.table3.iiTriplet', 'Table 3, GeoCapsNet-II, Triplet', 'geocapsnet-ii', 'II', TRIPLET),
    iiSoftTriHard: geocapsnet('geocapsnet.table3.iiSoftTriHard', 'Table 3, GeoCapsNet-II, Soft-TriHard', 'geocapsnet-ii', 'II', SOFT_TRIHARD),
  },
  fig5: {
    resnetxFcI: geocapsnet('geocapsnet.fig5.resnetxFcI', 'Fig. 5, ResNetX-fc-I', 'geocapsnet-i', 'resnetx-fc-I', SOFT_TRIHARD),
    resnetxFcII: geocapsnet('geocapsnet.fig5.resnetxFcII', 'Fig. 5, ResNetX-fc-II', 'geocapsnet-ii', 'resnetx-fc-II', SOFT_TRIHARD),
  },
  // Fig. 6: batch sizes M below the paper's 32 (the M = 32 points are Table 3's Soft-TriHard rows)
  fig6: Object.fromEntries(
    (['I', 'II'] as const).flatMap((v) =>
      [8, 16].map((m) => {
        const c = geocapsnet(`geocapsnet.fig6.${v.toLowerCase()}M${m}`, `Fig. 6, GeoCapsNet-${v}, M = ${m}`, v === 'I' ? 'geocapsnet-i' : 'geocapsnet-ii', v, SOFT_TRIHARD);
        c.data.batchSize = m;
        return [`${v.toLowerCase()}M${m}`, c];
      }),
    ),
  ),
} satisfies PresetTree;
