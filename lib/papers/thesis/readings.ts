/** THESIS's register of readings (lib/papers/reading.ts): where the paper is ambiguous, what the library chose. */
import type { Reading } from '../reading.js';
import type { TrainConfig } from '../../train/config.js';

const triplet = (c: TrainConfig) => c.loss.kind === 'soft-triplet-thesis';
const siamese = (c: TrainConfig) => c.model.name === 'siamese-vgg';

export const THESIS_READINGS: Reading[] = [
  {
    id: 'thesis.siamese-vgg-head',
    topic: 'Siamese-VGG aggregation module',
    paperSays:
      'Sec. 3.2.1: "Siamese-VGG [60] serves as a baseline method that simply uses an average pooling module and a fully-connected layer after the image backbone"; Sec. 4.2: "the aggregation part uses two settings: 1. global average pooling plus a shared fully-connected layer as in [60] … The output dimension of the representation is 4096." Appendix 6.1, "The aggregation module of Siamese-VGG": AdaptiveAvgPool2d, then Linear(512, 512), ReLU, Linear(512, 128) — the same lines as the MoCo projection head of Sec. 3.1.2.',
    where: 'Sec. 3.2.1, Sec. 4.2, appendix 6.1',
    options: [
      { name: 'fc', meaning: 'global average pooling, then one shared Linear(512, 4096) (÷ widthDivisor at reduced widths); 31,530,624 parameters' },
      { name: 'mlp', meaning: "appendix 6.1's listing: global average pooling, Linear(512, 512), ReLU, Linear(512, 128); 29,757,696 parameters" },
    ],
    defaultOption: 'fc',
    evidence:
      'The main text says it twice (Sec. 3.2.1 and 4.2) and gives the length, 4096, which SAFA also has (512·8); the appendix listing is a copy of the MoCo projection head listed in Sec. 3.1.2 (identical lines, 128-d as MoCov2), so it more likely documents the pre-training head than the stage-2 one.',
    selectedBy: 'model.options.head',
    usedBy: (c) => (siamese(c) ? String(c.model.options?.head ?? 'fc') : undefined),
  },
  {
    id: 'thesis.uniformity-t',
    topic: 't of the uniformity metric and loss (Eqs. 3.5–3.9)',
    paperSays: 'Eq. 3.5: "L_uniform(f; t) ≜ log E exp(−t ‖f(x) − f(y)‖²)"; Eqs. 3.6–3.9 use t; no value of t is given anywhere in the thesis.',
    where: 'Sec. 3.3, Eqs. 3.5–3.8; Sec. 3.4.1, Eq. 3.9',
    options: [{ name: 't=2', meaning: 'the default of Wang & Isola [51], whose metric the thesis adopts' }],
    defaultOption: 't=2',
    evidence: 'The thesis cites [51] for the metric; t = 2 is the value [51] recommends and uses. Not stated by the thesis: the published uniformity values (Figs. 4.3, 4.4) cannot confirm it.',
    usedBy: (c) => (c.evalUniformity || (c.loss.uniformity ?? 0) > 0 ? 't=2' : undefined),
  },
  {
    id: 'thesis.uniformity-metric-mean',
    topic: 'Uniformity metric: sum or mean (Eqs. 3.6–3.8)',
    paperSays: 'Eqs. 3.6–3.8 print "log Σ_i Σ_{j≠i} exp(−t ‖z_i − z_j‖²)"; Eq. 3.5 (from [51]) is "log E_{x,y}", a mean; the reported values are −0.92 … −2.76 (Figs. 4.3, 4.4).',
    where: 'Sec. 3.3, Eqs. 3.5–3.8; Figs. 4.3, 4.4',
    options: [
      { name: 'mean', meaning: 'the log of the mean over ordered pairs i ≠ j (Eq. 3.5)' },
      { name: 'sum', meaning: 'the log of the sum, as Eqs. 3.6–3.8 print it' },
    ],
    defaultOption: 'mean',
    evidence: 'A sum over N(N−1) terms, each ≥ e^{−4t}, is far above 1 for thousands of samples, so its log would be positive; every reported value is negative, which only the mean gives.',
    usedBy: (c) => (c.evalUniformity ? 'mean' : undefined),
  },
  {
    id: 'thesis.uniformity-loss-sum',
    topic: 'Uniformity loss (Eq. 3.9) as printed',
    paperSays: 'Eq. 3.9: "L_uniformity = log Σ_i Σ_{j≠i} exp(−t ‖z_i^g − z_j^g‖²) + log Σ_i Σ_{j≠i} exp(−t ‖z_i^s − z_j^s‖²)" on a mini-batch, weighted by α in Eq. 3.10.',
    where: 'Sec. 3.4.1, Eqs. 3.9, 3.10',
    options: [{ name: 'log-sum', meaning: 'the log of the sum over ordered pairs of the batch, as printed' }],
    defaultOption: 'log-sum',
    evidence: 'The log of a sum and the log of a mean differ by the constant 2·log(B(B−1)), which leaves the gradient unchanged: nothing to choose for training, only the logged value differs.',
    usedBy: (c) => ((c.loss.uniformity ?? 0) > 0 ? 'log-sum' : undefined),
  },
  {
    id: 'thesis.triplet-reduction',
    topic: 'Eq. 3.4: sum or mean of the triplet terms',
    paperSays: 'Eq. 3.4: "L_total = Σ_{i=0}^{N} Σ_{j≠i} (L_triplet(z_i^g, z_i^s, z_j^s) + L_triplet(z_i^s, z_i^g, z_j^g))" — "In total, it sums over N(N−1) single triplet loss. In practice, the loss is calculated within each mini-batch of size B." Eq. 3.10 adds α·L_uniformity with α ≤ 0.1; Table 4.7: R@1 3.28 (α = 0) → 0.24 (α = 0.1); Sec. 4.2: Adam, weight decay 0.0001.',
    where: 'Sec. 3.2.2, Eq. 3.4; Sec. 3.4.1, Eq. 3.10; Table 4.7; Sec. 4.2',
    options: [
      { name: 'mean', meaning: 'the mean over the 2B(B−1) triplet terms of the batch' },
      { name: 'sum', meaning: 'the sum over the 2B(B−1) terms, as Eq. 3.4 prints it' },
    ],
    defaultOption: 'mean',
    evidence:
      "With a sum over 2·96·95 = 18,240 terms, α·L_uniformity at α = 0.1 is about 10⁻⁴ of the triplet signal and Adam's L2 weight decay is weakened by ~B(B−1): Table 4.7's collapse at α = 0.1 (R@1 3.28 → 0.24) could not appear. SAFA's released loss, which the thesis re-implements in PyTorch, divides each direction's sum by B(B−1) and averages the two. One reading for every row: exp. 12 is one run in Tables 4.4, 4.7 and 4.8.",
    selectedBy: 'loss.reduction',
    usedBy: (c) => (triplet(c) ? (c.loss.reduction ?? 'sum') : undefined),
  },
  {
    id: 'thesis.triplet-gamma',
    topic: 'Eq. 3.3: where γ acts',
    paperSays: 'Sec. 3.2.2: "We adopt the soft-margin triplet loss in [23]" (CVM-Net); Eq. 3.3: "L_triplet(z_a, z_p, z_n) = log(1 + γ·exp(d_pos − d_neg))"; "γ is a hyper-parameter adjusting the gradient of the loss, thus controlling the convergence speed."',
    where: 'Sec. 3.2.2, Eq. 3.3',
    options: [
      { name: 'gap', meaning: 'log(1 + exp(γ·(d_pos − d_neg))): γ scales the distance gap (CVM-Net [23], SAFA), focusing on hard triplets' },
      { name: 'exp', meaning: 'log(1 + γ·exp(d_pos − d_neg)), as printed: a constant shift of the gap by ln γ' },
    ],
    defaultOption: 'gap',
    evidence: 'The cited loss [23] and SAFA\'s code (loss_weight = 10) multiply the gap; the sentence on γ ("adjusting the gradient … convergence speed") describes a scale of the gap, while a factor on exp only shifts it. Eq. 3.3 as printed is offered as \'exp\'.',
    selectedBy: 'loss.gammaOn',
    usedBy: (c) => (triplet(c) ? (c.loss.gammaOn ?? 'exp') : undefined),
  },
  {
    id: 'thesis.triplet-gamma-value',
    topic: 'The value of γ (Eq. 3.3)',
    paperSays: 'Sec. 3.2.2: "γ is a hyper-parameter adjusting the gradient of the loss"; no value is given.',
    where: 'Sec. 3.2.2, Eq. 3.3; Sec. 4.2',
    options: [{ name: '10', meaning: 'γ = 10' }],
    defaultOption: '10',
    evidence: 'The value of the works the thesis cites for the loss and the architectures: CVM-Net [23] and SAFA [42] (loss_weight = 10).',
    selectedBy: 'loss.gamma',
    usedBy: (c) => (triplet(c) ? String(c.loss.gamma ?? 10) : undefined),
  },
  {
    id: 'thesis.safa-aerial',
    topic: 'SAFA rows: raw or polar-transformed aerials',
    paperSays: 'Sec. 4.2: "The settings for the image sizes are the same as those during pre-training" (aerials 256x256 CVACT, 224x224 VIGOR; the sat* weights are pre-trained on raw aerials). Sec. 2: "it is inappropriate to apply polar transformation in real-world scenarios". SAFA [42] itself polar-transforms the aerial; the thesis never says it does.',
    where: 'Sec. 4.2; Sec. 2 (SAFA and VIGOR paragraphs); appendix 6.1 (class SPE)',
    options: [
      { name: 'raw', meaning: 'the raw square aerial at the pre-training size; the SPE is built for its pool5 map' },
      { name: 'polar', meaning: "SAFA's polar transform of the aerial to the panorama size" },
    ],
    defaultOption: 'raw',
    evidence:
      'Sec. 4.2 ties the stage-2 sizes to pre-training, whose aerials are raw; the sat* weights a SAFA row loads were learnt on raw aerials; VIGOR is not centre-aligned, where the thesis calls the transform inappropriate. The paper profile follows that; the quick and smoke profiles keep the polar transform, because their 32-px raw aerials give a 1x1 pool5 map, where the SPE has no hidden unit.',
    selectedBy: 'data.aerial.polar',
    usedBy: (c) => (c.model.name === 'safa' ? (c.data.aerial.polar ? 'polar' : 'raw') : undefined),
  },
  {
    id: 'thesis.safa-dim',
    topic: 'SAFA: number D of importance maps',
    paperSays: 'Sec. 4.2: "The output dimension of the representation is 4096"; appendix 6.1 (class SPE) leaves D out (fc2 outputs "(B, D, H*W)").',
    where: 'Sec. 4.2; appendix 6.1',
    options: [{ name: 'D=8', meaning: 'C·D = 512·8 = 4096' }],
    defaultOption: 'D=8',
    evidence: 'The only D giving the stated 4096 with VGG16\'s 512 channels; SAFA [42] also uses 8.',
    selectedBy: 'model.options.D',
    usedBy: (c) => (c.model.name === 'safa' ? `D=${String(c.model.options?.D ?? 8)}` : undefined),
  },
  {
    id: 'thesis.vgg-cut',
    topic: 'Where the VGG16 backbone ends',
    paperSays: 'Appendix 6.1 lists the backbone as VGG16 `features` (0) … (30): MaxPool2d — the pool after conv5_3 included; appendix 6.4 calls its output "last layer output of f_θ".',
    where: 'appendix 6.1, 6.4',
    options: [{ name: 'pool5', meaning: 'conv1_1 … conv5_3 and the fifth max-pool' }],
    defaultOption: 'pool5',
    evidence: 'The listing, the only description of the backbone, ends with (30): MaxPool2d, and the same backbone is loaded from pre-training (Sec. 3.2.1).',
    usedBy: (c) => (c.model.name === 'safa' || siamese(c) || c.model.name === 'unified-moco' ? 'pool5' : undefined),
  },
  {
    id: 'thesis.stage2-schedule',
    topic: 'Stage-2 learning-rate schedule',
    paperSays: 'Sec. 4.2: "We train for 100 epochs with the learning rate, taking 21 hours for training." (the sentence is cut off)',
    where: 'Sec. 4.2',
    options: [
      { name: 'constant', meaning: 'the initial learning rate 1e-4 throughout' },
      { name: 'step', meaning: 'a decay (as stage 1: ×0.1 at fixed epochs), if the missing words named one' },
    ],
    defaultOption: 'constant',
    evidence: 'An assumption: the words after "with the learning rate" are missing; no other sentence names a decay for stage 2.',
    selectedBy: 'schedule',
    usedBy: (c) => (c.loss.kind === 'soft-triplet-thesis' || c.loss.kind === 'unified-infonce' ? c.schedule.kind : undefined),
  },
  {
    id: 'thesis.unified-hyperparameters',
    topic: 'The unified model: hyper-parameters and augmentation (appendix 6.5)',
    paperSays: 'Appendix 6.5: "we combined MoCov2 [7]\'s design with our cross-view matching architecture … Another aspect of the design is that complex data augmentation is also added to the pipeline." No hyper-parameter is given; "Training with 40 epochs".',
    where: 'appendix 6.5, Fig. 6.3 (c)',
    options: [{ name: 'mocov2-stage2', meaning: "MoCov2's K 16384 per queue, m 0.999, τ 0.2, 128-d projections, with stage 2's optimizer; MoCov2's augmentation without random resized crop" }],
    defaultOption: 'mocov2-stage2',
    evidence: 'The design is "MoCov2\'s"; the crop breaks the cross-view alignment (Sec. 3.4.2, Table 4.8: with it R@1 drops to 0.45).',
    usedBy: (c) => (c.model.name === 'unified-moco' ? 'mocov2-stage2' : undefined),
  },
];
