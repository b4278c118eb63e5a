/** CVFT's register of readings (lib/papers/reading.ts): where the paper is ambiguous, what the library chose. */
import type { Reading } from '../reading.js';
import type { TrainConfig } from '../../train/config.js';
import { branchInits } from '../../train/init_weights.js';

const isCvft = (c: TrainConfig) => c.model.name === 'cvft';
const opt = (c: TrainConfig, k: string) => (c.model.options ?? {})[k];
/** Rows with a reducing convolution and a resize (all but VGG global pooling). */
const reduces = (c: TrainConfig) => isCvft(c) && opt(c, 'variant') !== 'vgg-global-pooling';

export const CVFT_READINGS: Reading[] = [
  {
    id: 'cvft.resize',
    topic: 'conv5_3 to the 8x8 map',
    paperSays:
      '"Since our backbone CNN, VGG network, outputs the feature maps with a high dimension (i.e., 8 x 8 x 512), we apply another convolutional layer to reduce the feature dimension along the channel dimension rather than the spatial dimension." (Sec. 4.1); "For simplicity, we resize the ground and aerial feature maps into the same size before they are fed into the feature transport module." (footnote 1)',
    where: 'Sec. 4.1 (line 76), footnote 1 (line 92)',
    options: [
      { name: 'area', meaning: 'after the channel reduction, an area resize (adaptive average pooling) to 8x8: every conv5_3 position is averaged into the map (16x16 aerial: 2x2 means; 7x38 ground: windows of 1-2 rows and 5-6 columns)' },
      { name: 'bilinear-tf1', meaning: "TF 1 resize_bilinear (align_corners false): at 16 → 8 it reads exactly every other row and column (75% of the aerial positions get no gradient), at 38 → 8 14 of the 38 ground columns" },
    ],
    defaultOption: 'area',
    evidence:
      'The text has VGG output 8x8 and the reduction leave the spatial size alone, yet the authors\' input sizes (released code: 256x256 aerial, 112x616 ground) give 16x16 and 7x38 conv5_3 maps, so a resize (footnote 1) must bring them to 8x8. A resize that reads every position keeps the text\'s promise that only channels are reduced; TF 1\'s bilinear resize (the authors\' framework, the former default) drops three quarters of the aerial map, which no sentence of the paper suggests. Area is the one resize that is a plain mean at 2:1 (TF\'s resize_area and PyTorch\'s adaptive pooling agree there). Test: every conv5_3 position has a non-zero gradient at the authors\' sizes (test/models/cvft.test.ts); checked against torch adaptive_avg_pool2d.',
    selectedBy: 'model.options.resize',
    usedBy: (c) => (reduces(c) ? String(opt(c, 'resize') ?? 'area') : undefined),
  },
  {
    id: 'cvft.reduction',
    topic: 'the channel-reducing convolution',
    paperSays: '"we apply another convolutional layer to reduce the feature dimension along the channel dimension rather than the spatial dimension" … "Our final output feature dimension is 8 x 8 x 64 = 4096"',
    where: 'Sec. 4.1 (line 76)',
    options: [
      { name: 'paper', meaning: '1x1 convolution, stride 1, 512 → 64 channels, + ReLU: channels only' },
      { name: 'released-code', meaning: "the released code's 3x3 convolution with stride 2 + ReLU: halves the map (16x16 → 8x8), i.e. reduces the spatial dimension too" },
    ],
    defaultOption: 'paper',
    evidence: 'The text says channel dimension "rather than the spatial dimension"; a stride-2 3x3 convolution reduces both, so it is kept as an option (it also keeps every aerial position, with 9x the parameters: 294,976 per branch instead of 32,832).',
    selectedBy: 'model.options.reduction',
    usedBy: (c) => (reduces(c) ? String(opt(c, 'reduction') ?? 'paper') : undefined),
  },
  {
    id: 'cvft.init',
    topic: 'ImageNet initialisation of the VGG16s',
    paperSays: '"We employ VGG16 with pre-trained weights on ImageNet (Deng et al. 2009) as our backbone network to extract image features."',
    where: 'Sec. 4.1 "Implementation Details" (line 137)',
    options: [
      { name: 'imagenet', meaning: 'both VGG16s start from a user-supplied ImageNet VGG16 file (cvgl train --imagenet FILE, init.ground / init.aerial; docs/data.md)' },
      { name: 'random', meaning: 'both start from random weights: refused on the paper profile unless allowRandomInit (--allow-random-init); always so on quick and smoke (narrow models); the report marks these runs' },
    ],
    defaultOption: 'imagenet',
    evidence: 'Stated by the paper; nothing is downloaded at run time, so the file is the user\'s and a run without it is refused rather than silently another experiment (initFrom imagenet, lib/train/init_weights.ts).',
    selectedBy: 'init, allowRandomInit',
    usedBy: (c) => (isCvft(c) ? (branchInits(c).ground.used === 'file' ? 'imagenet' : 'random') : undefined),
  },
  {
    id: 'cvft.input-sizes',
    topic: 'input image sizes',
    paperSays: '"VGG network, outputs the feature maps with a high dimension (i.e., 8 x 8 x 512)" (no input size is stated; 8x8 at conv5_3 means 128-pixel sides)',
    where: 'Sec. 4.1 (line 76)',
    options: [
      { name: 'released-code', meaning: '112x616 ground panoramas and 256x256 aerial images (conv5_3 7x38 and 16x16), resized to 8x8 after the reduction' },
      { name: 'other', meaning: 'any other size (e.g. the quick profile\'s 32x128 / 64): the resize brings every map to featureHW' },
    ],
    defaultOption: 'released-code',
    evidence: 'The authors\' released code (footnote 1) feeds these sizes; the paper\'s 8x8 conv5_3 would need 128x128 inputs, a square crop of a panorama no other part of the paper describes. Evaluation on CVACT is on CVACT_val (a CVACT folder given with --data).',
    selectedBy: 'data.ground, data.aerial',
    usedBy: (c) => (isCvft(c) ? (c.data.ground.height === 112 && c.data.ground.width === 616 && c.data.aerial.size === 256 ? 'released-code' : 'other') : undefined),
  },
  {
    id: 'cvft.epochs',
    topic: 'training length',
    paperSays: '"Our network is trained using Adam optimizer (Kingma and Ba 2014) with a learning rate of 10^-5." (no number of epochs)',
    where: 'Sec. 4.1 "Implementation Details" (line 137)',
    options: [
      { name: '100', meaning: '100 epochs (the paper profile)' },
      { name: 'profile', meaning: "the quick and smoke profiles' own few epochs (substitute runs, not a reading of the paper)" },
    ],
    defaultOption: '100',
    evidence: 'Not stated; 100 chosen (the thesis, 003 Sec. 4.2, trains a VGG16 two-branch model at the same 112x616 / 256x256 sizes for 100 epochs). Batch 12 and γ = 10 are the paper\'s (Sec. 4.1, line 145).',
    selectedBy: 'epochs',
    usedBy: (c) => (isCvft(c) ? (c.epochs === 100 ? '100' : 'profile') : undefined),
  },
  {
    id: 'cvft.regression-block',
    topic: 'layers of the cost-generation block',
    paperSays: 'Fig. 3 (an image): "a regression block" on the ground features generates the cost matrix (Sec. 4.2, "Cost Matrix Generation")',
    where: 'Sec. 4.2, Fig. 3',
    options: [{ name: 'released-code', meaning: '1x1 conv to one channel + ReLU, then FC N → N² (N = h·w); FC weights ~ truncated N(0, 0.005²), FC bias = the flattened identity; convolutions Glorot-uniform, zero bias' }],
    defaultOption: 'released-code',
    evidence: 'The figure gives no layer sizes; these are the released code\'s.',
  },
  {
    id: 'cvft.sinkhorn',
    topic: 'λ and the number of Sinkhorn iterations m',
    paperSays: 'C\' = exp(−λC), then m alternating row and column normalisations (Eq. 1–3); neither λ nor m is given',
    where: 'Sec. 4.2, Eq. 1–3',
    options: [{ name: 'lambda100-m20', meaning: 'λ = 100, m = 20 (model.options.lambda, .iterations)' }],
    defaultOption: 'lambda100-m20',
    evidence: 'The released code\'s sinkhorn(fc * -100) with 20 iterations.',
    selectedBy: 'model.options.lambda, model.options.iterations',
    usedBy: (c) => (isCvft(c) && (opt(c, 'variant') ?? 'full') === 'full' ? `lambda${opt(c, 'lambda') ?? 100}-m${opt(c, 'iterations') ?? 20}` : undefined),
  },
  {
    id: 'cvft.eq5',
    topic: 'direction of the transport (Eq. 5)',
    paperSays: 'f^i(a) = n_a P* f^i(g) (Eq. 5), with P* the optimal plan of Eq. 1',
    where: 'Sec. 4.2, Eq. 5',
    options: [{ name: 'plan-times-ground', meaning: 'P* between uniform distributions, so n_a P* = S^m and each transported position is a convex combination of ground positions' }],
    defaultOption: 'plan-times-ground',
    evidence: 'As printed. The released code applies the transpose (Σ_i P_io f_i); since C is a free output of the FC layer the two are the same model up to relabelling.',
  },
  {
    id: 'cvft.table4-shapes',
    topic: 'map shapes of the Table 4 dimensions',
    paperSays: '"we resize the output feature map to different spatial sizes, thus leading to different feature embedding dimensions" (only the products 4096, 2048, 1536, 512 are given)',
    where: 'appendix C, Table 4 (line 286)',
    options: [{ name: 'ours', meaning: '8x8 (4096), 4x8 (2048), 4x6 (1536), 2x4 (512), 64 channels each' }],
    defaultOption: 'ours',
    evidence: 'Any h·w with h·w·64 = D fits the text; these keep the panorama\'s width ≥ its height.',
    selectedBy: 'model.options.dim',
    usedBy: (c) => (isCvft(c) && (opt(c, 'variant') ?? 'full') !== 'vgg-global-pooling' ? 'ours' : undefined),
  },
  {
    id: 'cvft.stn',
    topic: 'the STN baselines\' localisation networks',
    paperSays: 'Table 3 compares CVFT with an affine and a TPS spatial transformer (Jaderberg et al. 2015) in its place; their networks are not described',
    where: 'appendix B, Table 3',
    options: [{ name: 'regression-block', meaning: 'the same regression block with 6 outputs (affine θ, zero weights, identity bias) or the displacements of a 4x4 TPS control grid (zero init = identity); bilinear sampling, zero padding' }],
    defaultOption: 'regression-block',
    evidence: 'Our choice: the module CVFT uses for its cost, so that only the transport differs between the rows.',
    selectedBy: 'model.options.tpsGrid',
    usedBy: (c) => (isCvft(c) && String(opt(c, 'variant') ?? '').startsWith('stn') ? 'regression-block' : undefined),
  },
  {
    id: 'cvft.dropout',
    topic: 'dropout and the FC regulariser of the released code',
    paperSays: 'nothing (the paper mentions neither)',
    where: 'Sec. 4.1',
    options: [{ name: 'none', meaning: 'no dropout, no L2 term' }],
    defaultOption: 'none',
    evidence: 'The released code has dropout (keep 0.8) after conv4_x/conv5_x and an L2 regulariser on the FC weights that is never added to its training loss; the paper describes neither, so neither is modelled.',
  },
];
