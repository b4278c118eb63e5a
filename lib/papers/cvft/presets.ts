/**
 * CVFT's (002) experiment rows as training presets, named as the rows are (`cvft.table1.full`, …),
 * with where each setting comes from and what the paper leaves open (`assumptions`).
 */
import { NO_APPEARANCE, type PairOptions } from '../../data/augment.js';
import type { TrainConfig } from '../../train/config.js';
import type { PresetTree } from '../types.js';

const CVFT_SOURCE = 'CVFT (002) Sec. 4.1 "Implementation Details": Adam lr 1e-5, batch 12, γ = 10, exhaustive mini-batch; VGG16 conv5_3 from ImageNet weights';
const cvft = (name: string, row: string, options: Record<string, unknown>, augment: PairOptions | null = null, evalAugment: PairOptions | null = null): TrainConfig => ({
  name,
  source: `${CVFT_SOURCE}; ${row}`,
  assumptions: [
    'epochs: not stated in the paper; 100 chosen',
    'inputs 112x616 panoramas and 256x256 aerials (the released code); CVACT_val with --data pointing to a CVACT folder',
    'backbones start from ImageNet VGG16 weights (initFrom imagenet): a user-supplied file (cvgl train --imagenet FILE, or init.ground/init.aerial); without it the run is refused unless allowRandomInit (--allow-random-init) starts them from random',
  ],
  // Sec. 4.1 "Implementation Details" (line 137): "VGG16 with pre-trained weights on ImageNet"
  initFrom: { ground: 'imagenet', aerial: 'imagenet' },
  model: { name: 'cvft', options },
  loss: { kind: 'soft-margin-exhaustive', gamma: 10 },
  data: { dir: 'data/cvusa', ground: { height: 112, width: 616 }, aerial: { size: 256, polar: null }, batchSize: 12, augment, ...(evalAugment ? { evalAugment } : {}) },
  optimizer: { kind: 'adam', lr: 1e-5 },
  schedule: { kind: 'constant' },
  epochs: 100,
  seed: 1,
});

/** CVFT Sec. 5.4: panoramas turned by a random yaw in ±20°, nothing else changed (train and test). */
const ORIENTATION_NOISE_20: PairOptions = { yawNoiseDeg: 20, flipP: 0, ground: NO_APPEARANCE, aerial: NO_APPEARANCE };

export const CVFT_PRESETS = {
  table1: {
    full: cvft('cvft.table1.full', 'Table 1 "Ours"', { variant: 'full' }),
    woCvft: cvft('cvft.table1.woCvft', 'Table 1 "Our network wo/ CVFT"', { variant: 'wo-cvft' }),
    vggGlobalPooling: cvft('cvft.table1.vggGlobalPooling', 'Table 1 "VGG global pooling"', { variant: 'vgg-global-pooling' }),
    orientationNoise20: cvft('cvft.table1.orientationNoise20', 'Table 1 last row, ±20° orientation noise (trained and tested with it)', { variant: 'full' }, ORIENTATION_NOISE_20, ORIENTATION_NOISE_20),
  },
  table3: {
    stnAffine: cvft('cvft.table3.stnAffine', 'Table 3 "STN (affine)"', { variant: 'stn-affine' }),
    stnTps: cvft('cvft.table3.stnTps', 'Table 3 "STN (TPS)"', { variant: 'stn-tps' }),
  },
  table4: {
    d2048: cvft('cvft.table4.d2048', 'Table 4, descriptor 2048', { variant: 'full', dim: 2048 }),
    d1536: cvft('cvft.table4.d1536', 'Table 4, descriptor 1536', { variant: 'full', dim: 1536 }),
    d512: cvft('cvft.table4.d512', 'Table 4, descriptor 512', { variant: 'full', dim: 512 }),
  },
} satisfies PresetTree;
