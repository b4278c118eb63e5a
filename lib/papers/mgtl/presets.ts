/** MGTL's (000) experiment rows as training presets (`mgtl.table2.full`, …). */
import type { TrainConfig } from '../../train/config.js';
import type { PresetTree } from '../types.js';

const MGTL_SOURCE = 'MGTL (000) Sec. 3.1 "Training Setting": Adam lr 1e-5, batch 16, 150 epochs, L = 6 steps, 6 heads, λ = 0.05, γ = 10';
const mgtl = (name: string, row: string, options: Record<string, unknown>): TrainConfig => ({
  name,
  source: `${MGTL_SOURCE}; ${row}`,
  assumptions: [
    'inputs: 128x640 panoramas and 128x640 polar-transformed 256x256 aerials (20 positions after pool5, Sec. 2.3)',
    'backbones start from ImageNet VGG16 weights (initFrom imagenet): a user-supplied file (cvgl train --imagenet FILE, or init.ground/init.aerial); without it the run is refused unless allowRandomInit (--allow-random-init) starts them from random',
  ],
  // Sec. 2.3 "Implementation Details" (line 111): "two independent VGG-16 [20] pre-trained on ImageNet"
  initFrom: { ground: 'imagenet', aerial: 'imagenet' },
  model: { name: 'mgtl', options: { groundHW: [128, 640], aerialHW: [128, 640], ...options } },
  loss: { kind: 'mgtl', gamma: 10, lambda: 0.05 },
  data: { dir: 'data/cvusa', ground: { height: 128, width: 640 }, aerial: { size: 256, polar: { height: 128, width: 640 } }, batchSize: 16 },
  optimizer: { kind: 'adam', lr: 1e-5 },
  schedule: { kind: 'constant' },
  epochs: 150,
  seed: 1,
});

export const MGTL_PRESETS = {
  table2: {
    vgg16: mgtl('mgtl.table2.vgg16', 'Table 2 row 1, "VGG16" alone (no FC, PE, GKST or CMI)', { variant: 'vgg16' }),
    woCmi: mgtl('mgtl.table2.woCmi', 'Table 2 "w/o CMI"', { variant: 'wo-cmi', steps: 6 }),
    full: mgtl('mgtl.table2.full', 'Table 2 full model', { variant: 'full', steps: 6 }),
  },
  table4: {
    l1: mgtl('mgtl.table4.l1', 'Table 4, L = 1', { variant: 'full', steps: 1 }),
    l3: mgtl('mgtl.table4.l3', 'Table 4, L = 3', { variant: 'full', steps: 3 }),
    l6: mgtl('mgtl.table4.l6', 'Table 4, L = 6', { variant: 'full', steps: 6 }),
    l9: mgtl('mgtl.table4.l9', 'Table 4, L = 9', { variant: 'full', steps: 9 }),
    naive: mgtl('mgtl.table4.naive', 'Table 4 last column, "Naïve" CNN generators', { variant: 'naive', steps: 6 }),
  },
} satisfies PresetTree;
