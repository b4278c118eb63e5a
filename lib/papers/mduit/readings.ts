/**
 * MDUIT's register of readings (lib/papers/reading.ts): where the paper is ambiguous, what the
 * library chose. MDUIT's runs are not TrainConfigs (its study has its own config,
 * `MduitStudyConfig`): `mduitReadingsUsed` says, per Table 1 row, the option a study's config
 * used for the readings a profile can change; the others are fixed in the code (their default).
 */
import type { Reading } from '../reading.js';
import { MDUIT_ROWS, type MduitRowId, type MduitStudyConfig } from './presets.js';

export const MDUIT_READINGS: Reading[] = [
  {
    id: 'mduit.group-filter',
    topic: 'Shape of the grouped appearance filter W_t',
    paperSays:
      '"We set the appearance filter size as {c′ × c × k × k} = {256 × 256 × 5 × 5}, but due to the memory capacity, we adopted group convolution … We divided the content features into 256 groups, allowing the filter size to be reduced to 1 × 256 × 5 × 5."',
    where: 'Sec. 3.1 (L117–L123); Sec. 2.1, W_t ∈ R^{c′×c×k×k}',
    options: [
      { name: 'depthwise', meaning: 'groups = c: every content channel has its own k×k filter, W_t of c′ × 1 × k × k (256 · 25 weights, the count of the printed 1 × 256 × 5 × 5)' },
      { name: 'grouped', meaning: 'fewer groups G (model.groups): W_t of c′ × c/G × k × k' },
    ],
    defaultOption: 'depthwise',
    evidence: 'With 256 groups of a 256-channel map each group holds one channel, so each of the c′ = 256 outputs sees one input channel: the printed 1 × 256 × 5 × 5 has the right number of weights with the two channel axes swapped (a filter of one output channel cannot give c′ = 256).',
    selectedBy: 'model.groups (MduitStudyConfig)',
  },
  {
    id: 'mduit.nce-negatives',
    topic: "Which images are L_NCE's negatives",
    paperSays:
      'Sec. 2.2: "randomly sampled images {I_i^-}_{i=1}^{N_neg} as negative"; Sec. 3.1: "Among the most similar images, we defined the image samples with pose differences less than a threshold as positive, and otherwise as to the negative" (8°, 7 m)',
    where: 'Sec. 2.2 (L96), Eq. 5; Sec. 3.1 (L127)',
    options: [{ name: 'similar-beyond-pose', meaning: 'the N_neg = 16 most similar images (cosine of z) whose pose differs by more than 8° or 7 m; random images for an image without a pose' }],
    defaultOption: 'similar-beyond-pose',
    evidence: 'The two sections disagree; Sec. 3.1 is the one that describes this experiment\'s sampling and its thresholds, and it is refreshed every epoch as it says ("we updated these samples every epoch"); lib/train/mduit_train.ts.',
  },
  {
    id: 'mduit.nce-encoding',
    topic: "How the negatives' z are computed",
    paperSays: '"These samples are mapped to a compact K-dimensional vector through H" (N_neg = 16, batch size 1)',
    where: 'Sec. 2.2 (L96), Sec. 3.1 (L117)',
    options: [
      { name: 'current', meaning: 'the 16 negatives are encoded by the current network at every step' },
      { name: 'bank', meaning: "their z are read from the epoch's embedding of every training image (a memory bank)" },
    ],
    defaultOption: 'current',
    evidence: 'The paper maps the samples through H, i.e. the current network; the bank is a cost cut of the quick profile (a run a thousand times shorter; lib/papers/mduit/presets.ts).',
    selectedBy: 'i2iTraining.negatives, plainTraining.negatives (MduitStudyConfig)',
  },
  {
    id: 'mduit.embed-dim',
    topic: 'K, the length of z',
    paperSays: '"These samples are mapped to a compact K-dimensional vector through H" (no value of K)',
    where: 'Sec. 2.2 (L96)',
    options: [
      { name: '128', meaning: 'K = 128' },
      { name: 'smaller', meaning: 'a smaller K at the quick and smoke sizes (64, 16)' },
    ],
    defaultOption: '128',
    evidence: 'No value is given; 128 is SimCLR\'s [23] projection size, which Sec. 2.2 follows.',
    selectedBy: 'model.embedDim (MduitStudyConfig)',
  },
  {
    id: 'mduit.image-size',
    topic: 'Training and evaluation image size',
    paperSays: 'No image size is stated (RobotCar Seasons\' rear images are 1024 × 1024).',
    where: 'Sec. 3.1',
    options: [
      { name: '128x128', meaning: 'images resized to 128 × 128 (the paper profile)' },
      { name: 'other', meaning: 'another size (the quick 48 × 64, smoke 32 × 48, or overrides { height, width })' },
    ],
    defaultOption: '128x128',
    evidence: 'A batch-1 step of the full model at 128 × 128 fits the 4 GB heap of the wasm/native backends, 256 × 256 does not; pass 256 × 256 on a GPU backend (lib/papers/mduit/presets.ts).',
    selectedBy: 'height, width (MduitStudyConfig)',
  },
  {
    id: 'mduit.content-encoder',
    topic: 'Architecture of E_c, G and the discriminators',
    paperSays: '"I_s is fed into E_c to extract the content feature f_s ∈ R^{c×h×w} … f_s^t is passed into G and the translated image I_s→t is generated" (no layers given)',
    where: 'Sec. 2.1 (L59), Fig. 2',
    options: [{ name: 'munit', meaning: "MUNIT's [5]: E_c conv 7×7 + two stride-2 convs with instance norm + residual blocks; G residual blocks without normalisation, two upsampling stages, conv 7×7, tanh; single-scale PatchGAN discriminators" }],
    defaultOption: 'munit',
    evidence: 'MDUIT adopts MUNIT\'s content/appearance split (Sec. 1); G has no normalisation because the adaptive convolution is what injects the appearance ("can substitute various normalization layers", L65). lib/models/mduit.ts.',
  },
  {
    id: 'mduit.appearance-encoder',
    topic: "E_a after VGG16's relu3_3, and whether that VGG16 trains",
    paperSays: '"I_t is fed into the pre-trained VGG-16 network, and then the activation from \'relu3-3\' layer is passed to E_a along with the average pooling layer. The obtained output is reshaped to generate the appearance filter."',
    where: 'Sec. 2.1 (L59)',
    options: [
      { name: 'frozen-vgg', meaning: 'the VGG16 is fixed; E_a = two conv 3×3/2 + ReLU, global average pooling, one linear layer to the filter weights' },
      { name: 'trainable-vgg', meaning: 'the same with the VGG16 trained too (model.vggTrainable)' },
    ],
    defaultOption: 'frozen-vgg',
    evidence: '"Pre-trained" and the absence of the VGG16 from the minimised networks of Eq. 6 (E_*, G, H) read as fixed. Without ImageNet weights (none are downloaded) it keeps its random initialisation.',
    selectedBy: 'model.vggTrainable (MduitStudyConfig)',
  },
  {
    id: 'mduit.appearance-pair',
    topic: 'How D_a sees its two images',
    paperSays: '"D_a aims to determine whether two concatenated images represent the same appearance or not"',
    where: 'Sec. 2.1 (L67), Eq. 2',
    options: [{ name: 'channels', meaning: 'the two images concatenated along the channels (6 input channels)' }],
    defaultOption: 'channels',
    evidence: 'The axis is not said; along the channels the discriminator compares the two images at every position.',
  },
  {
    id: 'mduit.generator-adversarial',
    topic: "The generator's side of Eq. 2",
    paperSays: 'L^i_adv = E[log D_i(I_s) + log D_i(I_t) + log(1 − D_i(I_s→t))], L^a_adv likewise, under min over E_*, G, H and max over D_* (Eq. 6)',
    where: 'Eq. 2 (L69–L71), Eq. 6',
    options: [{ name: 'non-saturating', meaning: 'the generator minimises −log D(I_s→t) (binary cross-entropy with logits, target real) for D_i and D_a' }],
    defaultOption: 'non-saturating',
    evidence: 'Goodfellow et al. [1] Sec. 3: the same fixed point as log(1 − D) with usable gradients early in training; the discriminators minimise the cross-entropy of Eq. 2 as printed (lib/losses/mduit.ts).',
  },
  {
    id: 'mduit.norm-reduction',
    topic: 'Reduction of ‖·‖₁ (Eq. 3) and ‖·‖² (Eq. 4)',
    paperSays: 'L^self_rec = ‖G(f_s ⊗ W_s) − I_s‖₁; L^c_con = max(0, ‖f_s − f_s→t‖² − ‖f_s − f_s−‖² + m_c), m_c = 0.1',
    where: 'Eq. 3 (L78–L80), Eq. 4, Sec. 3.1',
    options: [{ name: 'per-element-mean', meaning: 'the mean absolute / squared difference per element (PyTorch\'s L1Loss, MSELoss), the hinge per sample, then the batch mean' }],
    defaultOption: 'per-element-mean',
    evidence: 'With a per-element scale the paper\'s m_c = 0.1 is comparable to the distances of instance-normalised features; a sum over 256 × h × w elements would make the margin irrelevant.',
  },
  {
    id: 'mduit.wo-nce',
    topic: 'The "w/o L_NCE" rows of Table 1',
    paperSays: '"We used a simple L_1 consistency loss between the positive vectors to evaluate the effect of L_NCE."',
    where: 'Sec. 3.3 (L157), Table 1',
    options: [{ name: 'l1-mean', meaning: '‖z_s − z_s→t‖₁ as the mean absolute difference, in L_NCE\'s place with the same weight β_NCE = 1' }],
    defaultOption: 'l1-mean',
    evidence: 'The "positive vectors" are z_s and z_s→t, the positive pair of Eq. 5; the weight is not given, so L_NCE\'s is kept.',
  },
  {
    id: 'mduit.init-bias',
    topic: 'Biases and the initialisation',
    paperSays: '"The weights of all networks were initialized by a Gaussian distribution with a zero mean and a standard deviation of 0.001"',
    where: 'Sec. 3.1 (L123)',
    options: [
      { name: 'normal-0.001', meaning: 'weights N(0, 0.001²), biases 0' },
      { name: 'torch-default', meaning: "PyTorch's default initialisation (the quick and smoke profiles: with σ = 0.001 the L1 reconstruction does not move in a run a thousand times shorter)" },
    ],
    defaultOption: 'normal-0.001',
    evidence: 'Biases are not mentioned; zero is the usual companion of a Gaussian weight initialisation.',
    selectedBy: 'model.init (MduitStudyConfig)',
  },
];

/** Per Table 1 row, the option of each reading a profile can change, for a study's config (the rest: their default). */
export function mduitReadingsUsed(config: MduitStudyConfig): Record<string, Record<string, string>> {
  const c = 256 / (config.model.widthDivisor ?? 1);
  const all = {
    'mduit.embed-dim': (config.model.embedDim ?? 128) === 128 ? '128' : 'smaller',
    'mduit.image-size': config.height === 128 && config.width === 128 ? '128x128' : 'other',
    'mduit.init-bias': config.model.init?.kind === 'torch-default' ? 'torch-default' : 'normal-0.001',
  };
  const out: Record<string, Record<string, string>> = {};
  for (const [id, row] of Object.entries(MDUIT_ROWS) as [MduitRowId, (typeof MDUIT_ROWS)[MduitRowId]][]) {
    if (row.variant === null) continue; // the NetVLAD baseline: none of MDUIT's readings
    const i2i = row.variant === 'full' || row.variant === 'woNce';
    const nce = row.variant === 'full' || row.variant === 'woI2i';
    out[id] = {
      ...all,
      ...(i2i ? { 'mduit.group-filter': config.model.groups === undefined || config.model.groups === c ? 'depthwise' : 'grouped', 'mduit.appearance-encoder': config.model.vggTrainable ? 'trainable-vgg' : 'frozen-vgg' } : {}),
      ...(nce ? { 'mduit.nce-encoding': (i2i ? config.i2iTraining : config.plainTraining).negatives } : {}),
    };
  }
  return out;
}
