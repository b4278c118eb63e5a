/** GEOCAPSNET's register of readings (lib/papers/reading.ts): where the paper is ambiguous, what the library chose. */
import type { Reading } from '../reading.js';
import type { TrainConfig } from '../../train/config.js';

const isGeoCapsNet = (c: TrainConfig) => c.model.name === 'geocapsnet-i' || c.model.name === 'geocapsnet-ii';
const variantOf = (c: TrainConfig) => String(c.model.options?.variant ?? (c.model.name === 'geocapsnet-ii' ? 'II' : 'I'));
const hasCapsules = (c: TrainConfig) => isGeoCapsNet(c) && !variantOf(c).startsWith('resnetx-fc');

export const GEOCAPSNET_READINGS: Reading[] = [
  {
    id: 'geocapsnet.triplet-row',
    topic: 'Table 3 "Triplet" column: the loss without hard mining',
    paperSays:
      '"To demonstrate the effectiveness of the batch hard sample mining procedure, we remove this process in our Soft-TriHard loss function. Therefore, the loss reduces to the weighted soft-margin triplet loss [17], represented by Triplet in Table 3."',
    where: 'Sec. 5.2 "Batch hard-mining" (L156), Table 3; Eq. 2 (Sec. 4)',
    options: [
      { name: 'eq2-without-mining', meaning: 'Eq. 2 with min_{n∈B} replaced by the mean over the B − 1 negatives of B; α = 15, ground anchors only, 1/M over the anchors (loss soft-trihard, mining none)' },
      { name: 'cvm-net-exhaustive', meaning: "CVM-Net's [17] weighted soft-margin triplet as CVFT uses it: γ = 10, ground and aerial anchors, mean over 2B(B − 1) triplets (loss soft-margin-exhaustive)" },
    ],
    defaultOption: 'eq2-without-mining',
    evidence:
      'The row is an ablation of the mining ("we remove this process"), so only the min may change: α = 15 (Sec. 5.1) and the ground anchors of Eq. 2 stay. "Reduces to [17]" names the family, not [17]\'s γ = 10 and two anchor directions; taking those too would change three things at once and the Table 3 claim would no longer isolate mining. The mean over the negatives keeps the loss on the scale of Eq. 2 (Adam is insensitive to a constant factor anyway). The rows before issue 23 used cvm-net-exhaustive.',
    selectedBy: 'loss.kind, loss.mining',
    usedBy: (c) => (!isGeoCapsNet(c) ? undefined : c.loss.kind === 'soft-trihard' && c.loss.mining === 'none' ? 'eq2-without-mining' : c.loss.kind === 'soft-margin-exhaustive' ? 'cvm-net-exhaustive' : undefined),
  },
  {
    id: 'geocapsnet.squash',
    topic: 'Squash of v_j (Sec. 3.2 equation)',
    paperSays: 'v_j = ‖s_j‖² / (1 + ‖s_j‖²) · s_j / ‖s_j‖²  (as printed; it cites Sabour et al. [18], whose squash divides by ‖s_j‖)',
    where: 'Sec. 3.2, the equation of û_j|i, s_j, v_j (L75–L77); Sec. 3.1',
    options: [
      { name: 'sabour', meaning: "Sabour et al.'s Eq. 1: ‖s‖²/(1 + ‖s‖²) · s/‖s‖, lengths in [0, 1) growing with ‖s‖" },
      { name: 'paper-literal', meaning: 'the equation as printed: s/(1 + ‖s‖²), whose length peaks at 1/2 (‖s‖ = 1) and falls to 0 for long s' },
    ],
    defaultOption: 'sabour',
    evidence:
      'A typo by every sign: Sec. 3.1 says a capsule\'s "length represents the probability of occurrence", which needs a length that grows with ‖s‖, as in the cited [18]; the printed form maps long and short s alike to short vectors. Both squashes of the model (PrimaryCaps outputs, GeoCaps v_j) use the chosen form; PyTorch parity of both forms: test/models/geocapsnet.test.ts.',
    selectedBy: 'model.options.squash',
    usedBy: (c) => (hasCapsules(c) ? String(c.model.options?.squash ?? 'sabour') : undefined),
  },
  {
    id: 'geocapsnet.input-size',
    topic: 'Input size of both branches',
    paperSays: '"The output of ResNetX is 2048 feature maps with spatial size 7×7"; Table 1: Conv1 112×112 … Conv6_x 7×7. No image size is stated, nor how CVUSA\'s panoramas are resized.',
    where: 'Sec. 3.2 (L51), Table 1',
    options: [
      { name: '224x224', meaning: 'ground and aerial images resized to 224×224, the size Table 1\'s output sizes imply (the panorama loses its aspect ratio)' },
      { name: 'other', meaning: 'another size (model.options.groundHW / aerialHW with data.ground / data.aerial), e.g. the quick size 72×288 with a polar aerial' },
    ],
    defaultOption: '224x224',
    evidence: 'Conv1 with stride 2 gives 112×112 and five halvings 7×7 only from 224×224; Sec. 3.2\'s 5×5×8×32 PrimaryCaps grid needs the 7×7 map. The quick profile runs 72×288 (docs/papers/geocapsnet.md, "GeoCapsNet at quick size").',
    selectedBy: 'data.ground, data.aerial, model.options.groundHW / aerialHW',
    usedBy: (c) => (!isGeoCapsNet(c) ? undefined : c.data.ground.height === 224 && c.data.ground.width === 224 && c.data.aerial.size === 224 && !c.data.aerial.polar ? '224x224' : 'other'),
  },
  {
    id: 'geocapsnet.l2-regularisation',
    topic: 'Weight of the L2 regularisation',
    paperSays: '"Regularization is implemented in combination of L2-regularization and Batch Normalization."',
    where: 'Sec. 5.1 (L115)',
    options: [
      { name: 'none', meaning: 'no weight decay' },
      { name: 'weight-decay', meaning: 'Adam with optimizer.weightDecay set (coupled L2, a value the user picks)' },
    ],
    defaultOption: 'none',
    evidence: 'The paper gives no weight, and any value would be invented; BatchNorm, which it also names, is in the model.',
    selectedBy: 'optimizer.weightDecay',
    usedBy: (c) => (!isGeoCapsNet(c) ? undefined : (c.optimizer as { weightDecay?: number }).weightDecay ? 'weight-decay' : 'none'),
  },
  {
    id: 'geocapsnet.residual-init',
    topic: "Initialisation of ResNetX's residual branches",
    paperSays: 'No initialisation is stated; "ResNetX uses Batch Normalization at every layer."',
    where: 'Sec. 3.2 (L49), Table 1',
    options: [
      { name: 'zero-gamma', meaning: 'BatchNorm γ = 0 at the end of every residual branch (Goyal et al. 2017), every other γ = 1' },
      { name: 'keras-gamma-1', meaning: "Keras' default γ = 1 everywhere" },
    ],
    defaultOption: 'zero-gamma',
    evidence: 'With γ = 1 the untrained 16-bottleneck ResNetX is chaotic (a 4% input perturbation moved the output 0.84–0.94 of the way to another image\'s) and every quick run collapsed; with γ = 0, 0.12–0.32 and the Triplet rows learn (test/models/resnetx_init.test.ts; docs/papers/geocapsnet.md).',
    selectedBy: 'model.options.zeroInitResidual',
    usedBy: (c) => (!isGeoCapsNet(c) ? undefined : c.model.options?.zeroInitResidual === false ? 'keras-gamma-1' : 'zero-gamma'),
  },
  {
    id: 'geocapsnet.batchnorm-evaluation',
    topic: 'BatchNorm statistics at evaluation',
    paperSays: '"ResNetX uses Batch Normalization at every layer." (nothing on the statistics used to evaluate)',
    where: 'Sec. 3.2 (L49), Sec. 5.1',
    options: [
      { name: 'moving-averages', meaning: "Keras' moving averages (momentum 0.99) as trained" },
      { name: 'precise-bn', meaning: 'PreciseBN: the statistics recomputed over N training batches before each evaluation (config preciseBatchNorm)' },
    ],
    defaultOption: 'moving-averages',
    evidence: "The paper's TensorFlow model would evaluate with its moving averages, which converge over 50 epochs; after the quick profile's 100 steps they have not (R@5 3.2% with them, 13.7% with batch statistics), so the quick size sets precise-bn (lib/models/geocapsnet.ts, quick).",
    selectedBy: 'preciseBatchNorm',
    usedBy: (c) => (!isGeoCapsNet(c) ? undefined : c.preciseBatchNorm ? 'precise-bn' : 'moving-averages'),
  },
  {
    id: 'geocapsnet.primarycaps-layout',
    topic: 'Which convolution channels form a PrimaryCaps capsule',
    paperSays: '"Each capsule applies eight 3×3×2048 convolutional kernels … the output volume has shape of 5×5×8×32."',
    where: 'Sec. 3.2 (L68)',
    options: [{ name: 'dim-major', meaning: 'channel c of the 256 is (capsule dimension ⌊c/32⌋, capsule c mod 32): the 5×5×8×32 reshape as printed' }],
    defaultOption: 'dim-major',
    evidence: 'The printed shape puts the 8 dimensions before the 32 capsules; with one convolution learning all 256 channels the layout is a relabelling, so any fixed choice is equivalent after training.',
  },
  {
    id: 'geocapsnet.routing-details',
    topic: 'Dynamic routing: logits, gradients, weight initialisation',
    paperSays: '"c_ij are coupling coefficients that are determined by the iterative dynamic routing process" ("As per the dynamic routing algorithm [18]"; 4 iterations, Sec. 5.1)',
    where: 'Sec. 3.2 (L68, L79), Sec. 5.1',
    options: [{ name: 'sabour-procedure-1', meaning: "Sabour et al.'s Procedure 1: b_ij = 0 at start, c = softmax_j(b), b_ij += û_j|i · v_j after every round but the last, gradients through every round; w_ij ~ N(0, 0.01²) without bias (Sabour's code)" }],
    defaultOption: 'sabour-procedure-1',
    evidence: 'The paper defers to [18]; Procedure 1 describes no stop-gradient.',
  },
  {
    id: 'geocapsnet.fc-head',
    topic: 'The fully connected layer of ResNetX-fc (Fig. 5)',
    paperSays: '"we replace the capsule layers (PrimaryCaps and Geo-Caps layer) in our Geo-CapsNets with a fully connected layer as the final feature representation"',
    where: 'Sec. 5.2 "Capsule layers" (L141), Fig. 5',
    options: [{ name: 'flatten-to-2048', meaning: "one dense layer (with bias, no activation) from the flattened 7×7×2048 map to a 2048-long descriptor, then L2 normalisation" }],
    defaultOption: 'flatten-to-2048',
    evidence: 'The paper says neither its input nor its width; the same 2048-long code as the capsules keeps the ablation about the capsule layers only.',
    usedBy: (c) => (isGeoCapsNet(c) && variantOf(c).startsWith('resnetx-fc') ? 'flatten-to-2048' : undefined),
  },
];
