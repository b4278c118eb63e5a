/** MGTL's register of readings (lib/papers/reading.ts): where the paper is ambiguous, what the library chose. */
import type { Reading } from '../reading.js';
import type { TrainConfig } from '../../train/config.js';
import { branchInits } from '../../train/init_weights.js';
import { GKST_DEFAULT_BLOCK } from '../../models/mgtl.js';

// The model's option names and defaults (lib/models/mgtl.ts), read here as a config carries them.
const isMgtl = (c: TrainConfig) => c.model.name === 'mgtl';
const variantOf = (c: TrainConfig) => String(c.model.options?.variant ?? 'full');
/** Runs with the GKST blocks (every variant but 'vgg16', Table 2 row 1). */
const hasGkst = (c: TrainConfig) => isMgtl(c) && variantOf(c) !== 'vgg16';
/** Runs with the G2S / S2G generators ('full' and 'naive'). */
const hasCmi = (c: TrainConfig) => hasGkst(c) && variantOf(c) !== 'wo-cmi';
const blockOf = (c: TrainConfig) => String(c.model.options?.block ?? GKST_DEFAULT_BLOCK);
const fixed = (name: string, applies: (c: TrainConfig) => boolean) => (c: TrainConfig) => (applies(c) ? name : undefined);

export const MGTL_READINGS: Reading[] = [
  {
    id: 'mgtl.gkst-block',
    topic: 'GKST block (Eq. 5): a feed-forward or not',
    paperSays:
      '"The updated representations F_G can be achieved by follows: F′_G = MH(Q, K, V) + F̌_G, F_G = F′_G + LN(F′_G). (5)" and, of the step around it, "where F̌^{l−1}_G = LN(F̂^{l−1}_G)" (Eq. 6). No feed-forward or MLP is named anywhere; Table 2 gives 50.92M (w/o CMI) and 79.27M (w/ CMI) parameters.',
    where: 'Sec. 2.2, Eq. 4–6 (L93–L107); Table 2 (L141–L143)',
    options: [
      { name: 'pre-ln-ffn', meaning: "F = F′ + MLP(LN(F′)), MLP c → 4c → c with GELU: Eq. 5's LN in front of an MLP, i.e. the standard pre-LN transformer block with Eq. 6's LN in front of the attention (51.13M / 79.49M)" },
      { name: 'literal', meaning: 'F = F′ + LN(F′), Eq. 5 as printed, no feed-forward (36.95M / 65.31M)' },
      { name: 'literal-ffn', meaning: "Eq. 5 as printed, then G + MLP(LN₂(G)) with a LayerNorm of its own: the former option ffn: true (51.14M / 79.50M)" },
    ],
    defaultOption: 'pre-ln-ffn',
    evidence:
      "Parameter counts at the paper's size (L = 6, c = 384, W' = 20, two branches, so 12 GKST blocks): 'literal' gives 36,953,472 (w/o CMI) and 65,311,104 (full), 27.4% and 17.6% below Table 2's 50.92M and 79.27M; 'pre-ln-ffn' gives 51,132,288 (+0.42%) and 79,489,920 (+0.28%). The gap of the literal reading (13.97M and 13.96M) is one c → 4c → c MLP per block (12 x 1,181,568 = 14.18M) and nothing else in the model is of that size (the generators are the full − w/o difference, 28.36M against 28.35M). Of the two ways to add it, the standard block uses Eq. 5's LN as the MLP's pre-norm and adds no parameter the counts do not need; 'literal-ffn' (the library's earlier reading) adds a second LN per block and keeps an LN-add no transformer block has. Table 2's FLOPs do not decide: the w/o-CMI increment (+0.15G) fits the literal block's 0.153 GMACs (0.436 with the MLP), but the CMI increment (+0.27G) fits neither (0.566 GMACs either way). Tests: test/models/mgtl.test.ts (counts against Table 2 from lib/papers/mgtl/published.ts; all three blocks against PyTorch, test/reference/mgtl_torch.py). The runs before issue 23 used 'literal'.",
    selectedBy: 'model.options.block',
    usedBy: (c) => (hasGkst(c) ? blockOf(c) : undefined),
  },
  {
    id: 'mgtl.gkst-mlp',
    topic: "Width and activation of the GKST block's MLP",
    paperSays: 'Not stated (the block has no MLP in Eq. 5). Of the generators only: "The encoder and decoder are both implemented by two fully-connected layers with the GELU activation layer inside."',
    where: 'Sec. 2.2, Eq. 5; Sec. 2.3 "Cross-modal Interaction" (L115)',
    options: [{ name: 'gelu-4c', meaning: 'FC c → 4c, GELU (exact, erf), FC 4c → c, as the ViT block; the generators of this library use the same shape' }],
    defaultOption: 'gelu-4c',
    evidence:
      "The counts fix the MLP at about 8c² + 5c parameters per block: the gap of 'literal' to Table 2 is 1.16M per block (13.97M and 13.96M over 12 blocks), a 4c MLP 1.18M; a 2c width (0.59M) would leave both rows about 7M short. 4c is the transformer default. The activation has no parameters, so nothing in the paper decides it: GELU is the ViT block's and the one the paper names for its generators.",
    usedBy: (c) => (hasGkst(c) && blockOf(c) !== 'literal' ? 'gelu-4c' : undefined),
  },
  {
    id: 'mgtl.attention-output-projection',
    topic: 'Output projection W_O of the multi-head attention (Eq. 4)',
    paperSays: '"MH(Q, K, V) = Concat(Head_1, …, Head_n)", "where W^i_Q, W^i_K and W^i_V are learnable parameters."',
    where: 'Sec. 2.2, Eq. 4 (L95–L97)',
    options: [{ name: 'with-wo', meaning: 'MH = Concat(Head_1 … Head_n)·W_O + b_O, the standard multi-head attention (Vaswani et al.)' }],
    defaultOption: 'with-wo',
    evidence:
      "Without W_O the 12 blocks lose 12 x (c² + c) = 1,774,080 parameters: w/o CMI 49.36M (−3.1% against 50.92M), full 77.72M (−2.0% against 79.27M), outside the 1% the default block reaches with it.",
    usedBy: fixed('with-wo', hasGkst),
  },
  {
    id: 'mgtl.attention-scale',
    topic: 'Attention(Q, K, V) of Eq. 4',
    paperSays: '"Head_i = Attention(Q^i_G, K^i_S, V^i_S)"; Attention is not defined.',
    where: 'Sec. 2.2, Eq. 4 (L95)',
    options: [{ name: 'scaled-dot-product', meaning: 'softmax(Q_i K_iᵀ / √d) V_i with d = c / heads (= 64 at c = 384, 6 heads)' }],
    defaultOption: 'scaled-dot-product',
    evidence: 'The transformer attention the paper builds on; it has no parameters, so the counts cannot tell, and no other form is suggested.',
    usedBy: fixed('scaled-dot-product', hasGkst),
  },
  {
    id: 'mgtl.weight-sharing',
    topic: 'Weights across the L steps and the two branches (Eq. 6)',
    paperSays: 'Eq. 6 writes one f_GKST, f_G2S and f_S2G for every step l and both views: "F̂^l_G = f_GKST(L^{l−1}_S, F̌^{l−1}_G), L^{l−1}_S = f_G2S(F̌^{l−1}_G), F̂^l_S = f_GKST(L^{l−1}_G, F̌^{l−1}_S), …"',
    where: 'Sec. 2.2, Eq. 6 (L105–L107); Table 2',
    options: [{ name: 'independent', meaning: 'each step has its own G2S, S2G, ground GKST block and aerial GKST block (and its own LNs)' }],
    defaultOption: 'independent',
    evidence:
      "Table 2's full − w/o CMI = 28.35M is 12 generators (6 steps x G2S, S2G, 2,363,136 each = 28.36M); generators shared across steps would be 4.73M. The w/o-CMI count likewise needs 12 GKST blocks (2 branches x 6 steps).",
    usedBy: fixed('independent', hasGkst),
  },
  {
    id: 'mgtl.backbone-sharing',
    topic: 'One backbone or two (MIFE, Eq. 1)',
    paperSays: 'Eq. 1: "F*_G = f_MIFE(I_G; Θ_MIFE), F*_S = f_MIFE(I_S; Θ_MIFE)", one Θ_MIFE for both views ("a Siamese-like VGG-based FCN network"); Sec. 2.3: "Following [6], we employ two independent VGG-16 pre-trained on ImageNet as the backbone".',
    where: 'Sec. 2.2, Eq. 1 (L60–L62); Sec. 2.3 (L111–L113)',
    options: [{ name: 'unshared', meaning: 'two VGG16s with their own weights, one per view, as SAFA [6]' }],
    defaultOption: 'unshared',
    evidence: 'Table 2 row 1 ("VGG16", 29.42M) is exactly two VGG16 `features` blocks, 2 x 14,714,688 = 29,429,376; one shared VGG16 would be 14.71M. Sec. 2.3 and the cited SAFA [6] agree.',
    usedBy: fixed('unshared', isMgtl),
  },
  {
    id: 'mgtl.step-layernorm',
    topic: 'The LayerNorm before the generators (Eq. 3) and before the GKST (Eq. 6)',
    paperSays: 'Eq. 3 feeds the generators "F̃_G = LN(F̂_G)"; Eq. 6 feeds both the generator and the GKST "F̌^{l−1}_G = LN(F̂^{l−1}_G)".',
    where: 'Sec. 2.2, text before Eq. 3 (L70) and Eq. 6 (L105–L107)',
    options: [{ name: 'one-per-step', meaning: 'one LN per step and branch, its output the generator input, the attention query and the residual of Eq. 5' }],
    defaultOption: 'one-per-step',
    evidence: 'Eq. 6, which states the recurrence, uses the one F̌ for both; the F̃ of Eq. 3 is the same LN(F̂) written before the recurrence is introduced. An LN is 2c = 768 parameters, so the counts cannot tell.',
    usedBy: fixed('one-per-step', hasGkst),
  },
  {
    id: 'mgtl.positional-encoding',
    topic: 'Positional encodings PE_G, PE_S (Eq. 2)',
    paperSays: '"where PE_G and PE_S are the positional encoding of feature maps F*_G and F*_S, respectively."',
    where: 'Sec. 2.2, Eq. 2 (L68–L70)',
    options: [{ name: 'learnable', meaning: "a learnable [W', c] table per view, initialised N(0, 0.02²)" }],
    defaultOption: 'learnable',
    evidence: 'One encoding per view (PE_G, PE_S) suggests parameters rather than a fixed sinusoid shared by both; 2 x 20 x 384 = 15,360 values are too few for the counts to decide.',
    usedBy: fixed('learnable', hasGkst),
  },
  {
    id: 'mgtl.input-size',
    topic: 'Image sizes of the two branches',
    paperSays: '"We average the feature maps produced by the backbone along height followed by a FCN layer to prepare a more compact feature F*_G and F*_S with the resolution 384 x 1 x 20." No image size is stated.',
    where: 'Sec. 2.3 "Modality Independent Feature Extractor" (L113)',
    options: [
      { name: '128x640', meaning: 'ground panoramas and polar-transformed aerials both 128x640: pool5 is 4x20, so W\' = 20 positions; the FCN layer is an FC 512 → 384 at each position' },
      { name: 'other', meaning: 'other sizes (data.ground, data.aerial.polar and model.options.groundHW / aerialHW), e.g. the quick size 32x128 (W\' = 4)' },
    ],
    defaultOption: '128x640',
    evidence: "VGG16's pool5 has stride 32, so 20 positions need inputs 640 wide (SAFA [6], whom the paper follows, uses 128x512, which gives 16); the height is averaged away, and 128 keeps SAFA's. Both branches must give the same W' for the cross-attention.",
    selectedBy: 'data.ground, data.aerial.polar, model.options.groundHW / aerialHW',
    usedBy: (c) => {
      if (!isMgtl(c)) return undefined;
      const hw = (x: unknown) => (Array.isArray(x) ? x.join('x') : '128x640'); // the model's default, 128x640
      return hw(c.model.options?.groundHW) === '128x640' && hw(c.model.options?.aerialHW) === '128x640' ? '128x640' : 'other';
    },
  },
  {
    id: 'mgtl.descriptor',
    topic: 'The descriptor compared at retrieval',
    paperSays: '"the final representations F_G and F_S are produced by the last layer"; Eq. 7 takes "the Euclidean distance between the positive and the negative pairs". No pooling is named.',
    where: 'Sec. 2.2 after Eq. 6 (L107); Eq. 7 (L119–L121)',
    options: [{ name: 'flatten-l2', meaning: "F̂^L flattened (c x W' = 7680) and L2-normalised, as SAFA [6] normalises its descriptor ('vgg16': pool5 averaged over height, 512 x 20)" }],
    defaultOption: 'flatten-l2',
    evidence: 'The paper follows SAFA [6] for the loss and γ = 10, which presupposes unit-length descriptors for distances in [0, 2]; pooling F̂^L over positions would discard the orientation the polar transform preserves.',
    usedBy: fixed('flatten-l2', isMgtl),
  },
  {
    id: 'mgtl.generation-target',
    topic: 'The target F^l of the generation loss (Eq. 8)',
    paperSays: '"Loss_S2G^l = L_MSE^G(L^l_G, F^l_G) and Loss_G2S^l = L_MSE^S(L^l_S, F^l_S)"; F^l is not defined (F̂^l, F̌^l and the final F_G all appear in Sec. 2.2).',
    where: 'Sec. 2.3, Eq. 8 (L123–L125)',
    options: [{ name: 'normalised-same-step', meaning: 'L^l_G (S2G of the aerial F̌^l_S) is compared with the ground branch\'s F̌^l_G, the LN output of the same step, by mean squared error over its elements; gradients flow into both sides (no detach)' }],
    defaultOption: 'normalised-same-step',
    evidence: 'S2G generates the ground view from the aerial one at step l, so the natural target is what the ground branch has at that step, in the normalised space the generator reads (F̌). A detach is not mentioned; Eq. 9 sums the terms into one loss.',
    usedBy: fixed('normalised-same-step', hasCmi),
  },
  {
    id: 'mgtl.triplet-batch',
    topic: 'The triplets of Eq. 7 in a mini-batch',
    paperSays: '"Following [6], we employ a margin triplet loss for final representation learning: Loss_Triplet = log(1 + e^{γ(d_pos − d_neg)})", "following [6], the regular item γ in Eq. 7 is set to 10.0."',
    where: 'Sec. 2.3 "Loss Function", Eq. 7 (L117–L121); Sec. 3.1 "Training Setting" (L165)',
    options: [{ name: 'safa-exhaustive', meaning: "SAFA's [6] exhaustive mini-batch: every other pair of the batch a negative, ground and aerial anchors, the mean over the 2B(B − 1) triplets (loss kind 'mgtl')" }],
    defaultOption: 'safa-exhaustive',
    evidence: 'The paper says it follows SAFA [6] for the loss and γ; SAFA (and CVM-Net before it) forms the triplets exhaustively within the batch of 16.',
    usedBy: (c) => (isMgtl(c) && c.loss.kind === 'mgtl' ? 'safa-exhaustive' : undefined),
  },
  {
    id: 'mgtl.wo-cmi',
    topic: 'Table 2 "w/o" CMI: what the GKST attends to without generators',
    paperSays: '"When we remove CMI, i.e., \'w/o\' in Table 2, and keep the workflow in the Siamese-like network independent …"',
    where: 'Sec. 3.3 "Effectiveness of CMI" (L181); Table 2 row 2',
    options: [{ name: 'self-attention', meaning: 'no G2S / S2G; each branch\'s GKST takes its own F̌ as keys and values (variant wo-cmi)' }],
    defaultOption: 'self-attention',
    evidence: '"keep the workflow … independent": no branch sees the other; the GKST blocks stay, since Table 2\'s full − w/o (28.35M) is exactly the generators.',
    usedBy: (c) => (isMgtl(c) && variantOf(c) === 'wo-cmi' ? 'self-attention' : undefined),
  },
  {
    id: 'mgtl.vgg16-row',
    topic: 'Table 2 row 1, "VGG16" alone',
    paperSays: 'A row of Table 2 with only the VGG16 column ticked: 4.01G, 29.42M.',
    where: 'Table 2 row 1 (L141)',
    options: [{ name: 'backbones-alone', meaning: 'the two VGG16s, pool5 averaged over height and flattened (512 x 20 = 10240), L2-normalised; no FC, PE, GKST or CMI (variant vgg16), trained with Eq. 7' }],
    defaultOption: 'backbones-alone',
    evidence: '29.42M is exactly the two VGG16 `features` blocks (29,429,376); an FC 512 → 384 per branch (0.39M) would already show in the second decimal.',
    usedBy: (c) => (isMgtl(c) && variantOf(c) === 'vgg16' ? 'backbones-alone' : undefined),
  },
  {
    id: 'mgtl.naive-generators',
    topic: 'Table 4 "Naïve" generators',
    paperSays: '"if we use the local-receptive CNNs to produce the generative knowledge, i.e., \'Naïve\' in Table 4, the localization accuracy degradation still be observed."',
    where: 'Sec. 3.3 "Effectiveness of CMI" (L181); Table 4 last column',
    options: [{ name: 'conv1d-k3', meaning: "each of the generators' four FC layers becomes a 1-D convolution of kernel 3 along the W' positions (same widths c → 4c → c, padding 'same'), GELU inside as before (variant naive)" }],
    defaultOption: 'conv1d-k3',
    evidence: "No kernel, depth or width is given and Table 4 prints no size for the row; kernel 3 is the smallest receptive field that is local but not pointwise, and keeping the layers' widths changes only the receptive field, which is what the ablation is about.",
    usedBy: (c) => (isMgtl(c) && variantOf(c) === 'naive' ? 'conv1d-k3' : undefined),
  },
  {
    id: 'mgtl.init',
    topic: 'ImageNet initialisation of the VGG16s',
    paperSays: '"Following [6], we employ two independent VGG-16 [20] pre-trained on ImageNet [21] as the backbone"',
    where: 'Sec. 2.3 "Implementation Details" (line 111)',
    options: [
      { name: 'imagenet', meaning: 'both VGG16s start from a user-supplied ImageNet VGG16 file (cvgl train --imagenet FILE, init.ground / init.aerial; docs/data.md)' },
      { name: 'random', meaning: 'both start from random weights: refused on the paper profile unless allowRandomInit (--allow-random-init); always so on quick and smoke (narrow models); the report marks these runs' },
    ],
    defaultOption: 'imagenet',
    evidence: "Stated by the paper; nothing is downloaded at run time, so the file is the user's and a run without it is refused rather than silently another experiment (initFrom imagenet, lib/train/init_weights.ts).",
    selectedBy: 'init, allowRandomInit',
    usedBy: (c) => (c.model.name === 'mgtl' ? (branchInits(c).ground.used === 'file' ? 'imagenet' : 'random') : undefined),
  },
];
