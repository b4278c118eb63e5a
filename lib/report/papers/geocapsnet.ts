/** Published numbers of GeoCapsNet (paper 001), Table 4, with how ours compare (lib/models/geocapsnet.ts). */
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
