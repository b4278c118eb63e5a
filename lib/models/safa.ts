/**
 * SAFA, spatial-aware feature aggregation (Shi et al., NeurIPS 2019), as the thesis (003)
 * re-implements it for its downstream cross-view matching stage (Sec. 3.2.1, Sec. 4.2 and the
 * `class SPE` listing of appendix 6.1):
 *
 *   ground  [B,Hg,Wg,3] → VGG16 `features` (conv1_1 … pool5) → SPE → L2-normalise → [B, C·D]
 *   aerial  [B,Ha,Wa,3] → VGG16 `features` (conv1_1 … pool5) → SPE → L2-normalise → [B, C·D]
 *
 * The two branches share nothing (two VGG16s, two SPE modules). C = 512 and D = 8 give the
 * thesis' representation length 4096 (Sec. 4.2: "The output dimension of the representation
 * is 4096").
 *
 * SAFA [42] feeds the polar-transformed satellite image (SAFA Eq. 1; `polarTransform` in
 * lib/data/polar.ts), e.g. 128x512 beside a 128x512 ground panorama; the thesis' rows feed the raw
 * aerial at its pre-training size on the paper profile (Sec. 4.2; lib/papers/thesis/readings.ts,
 * thesis.safa-aerial). The model takes whatever it is given and does not transform it itself. Because the SPE's fully
 * connected layers act on the flattened H'·W' feature map, the model is built for fixed input
 * sizes (`groundHW`, `aerialHW`): any input whose pool5 map has the same H'xW' is accepted.
 *
 * Parameters at full width, 128x512 ground and aerial (pool5 maps 4x16, H'W' = 64):
 * 2 x 14,714,688 (VGG16) + 2 x (64·32 + 32 + 32·512 + 512 = 18,976) (SPE) = 29,467,328.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { rng as globalRng, type Rng } from '../engine/rng.js';
import { NamedVariableModel, type CrossViewModel, type Embeddings } from './model.js';
import { dense, denseLayer, type DenseLayer, type DenseWeights } from '../nn/dense.js';
import { TORCH_DEFAULT } from '../nn/init.js';
import { l2NormalizeRows } from '../nn/l2.js';
import { Vgg16, vgg16ConvMacs, vgg16Layers, vgg16ParamCount, type Vgg16Cut } from './vgg16.js';
import type { ModelRecord } from './record.js';

/**
 * The backbone cut SAFA uses here: the thesis lists one VGG16 for Sec. 3.1 and Sec. 3.2 — its
 * appendix 6.1 `(vgg16): Sequential(0 … 30)`, which ends with `(30): MaxPool2d` — and calls its
 * output "last layer output of f_θ" (appendix 6.4).
 */
export const SAFA_VGG_CUT: Vgg16Cut = 'pool5';

/** Default input sizes: a 128x512 ground panorama and a 128x512 polar-transformed aerial. */
export const SAFA_DEFAULT_HW: [number, number] = [128, 512];

export interface SafaOptions {
  rng?: Rng;
  /** Number D of spatial-aware importance maps per branch (thesis: 8, so C·D = 512·8 = 4096). */
  D?: number;
  /** Divides every VGG16 width (default 1: the thesis' model); see `vgg16Cfg`. C = 512 / divisor. */
  widthDivisor?: number;
  /** Ground input size [H, W] the SPE is built for (default 128x512). */
  groundHW?: [number, number];
  /** Aerial (polar-transformed) input size [H, W] the SPE is built for (default 128x512). */
  aerialHW?: [number, number];
  /**
   * Prefix of the tfjs variable names (default 'safa'). tfjs refuses two live variables of one
   * name: give a second live instance (e.g. a momentum copy) another prefix.
   */
  name?: string;
}

/** Sizes of one SPE: flattened map length n = H'·W', hidden n//2, output D·n. */
export function speDims(fmpHW: [number, number], D: number): { n: number; hidden: number; out: number } {
  const n = fmpHW[0] * fmpHW[1];
  const hidden = Math.floor(n / 2);
  if (!Number.isInteger(D) || D < 1) throw new RangeError(`SPE: D must be a positive integer, got ${D}`);
  if (hidden < 1) {
    throw new CvglError(
      'a VGG16 pool5 feature map of at least 2 positions for the SPE (its first layer has H\'·W\'//2 outputs)',
      `a ${fmpHW[0]}x${fmpHW[1]} feature map`,
      'use inputs of at least 32x64 pixels (pool5 divides each side by 32)',
    );
  }
  return { n, hidden, out: D * n };
}

/**
 * The spatial-aware embedding of the thesis' appendix 6.1 (`class SPE`, SAFA's spatial-aware
 * feature aggregation), on an NHWC feature map f [B,H,W,C]:
 *
 *   p = max_c f                       [B, H·W]        ("max pool" over channels, axis −3 in NCHW)
 *   x = fc2(fc1(p))  →  [B, D, H·W]   (fc1: H·W → H·W//2, fc2: H·W//2 → D·H·W; no activation)
 *   feat[b,d,c] = Σ_i f[b,i,c]·x[b,d,i]   (the listing's einsum 'bci,bdi->bdc')
 *   out = feat flattened               [B, D·C]        (index d·C + c, as torch's flatten)
 *
 * The listing declares fc2 as Linear(H·W//2, H·W), which with `reshape(B, -1, H*W)` gives one
 * map; its own comment `(B, D, H*W)` and the 4096-long representation (C·D, Sec. 4.2) need D
 * maps, so fc2 has D·H·W outputs here. The einsum is a batched matMul (tfjs has no Einsum
 * gradient). The gradient of the channel max goes to every tied maximum (torch's `max(dim)`
 * picks one); ties need exactly equal activations.
 */
export function spatialAwareEmbedding(f: tf.Tensor4D, fc1: DenseWeights, fc2: DenseWeights, D: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, H, W, C] = f.shape;
    const n = H * W;
    const pooled = tf.reshape(tf.max(f, 3), [B, n]) as tf.Tensor2D;
    const h = dense(pooled, fc1);
    const x = tf.reshape(dense(h, fc2), [B, D, n]) as tf.Tensor3D;
    const feat = tf.matMul(x, tf.reshape(f, [B, n, C]) as tf.Tensor3D); // [B, D, C]
    return tf.reshape(feat, [B, D * C]) as tf.Tensor2D;
  });
}

/** Multiply-accumulates of one SPE forward pass (two FC layers + the aggregation) for one image. */
export function speMacs(fmpHW: [number, number], channels: number, D: number): number {
  const { n, hidden, out } = speDims(fmpHW, D);
  return n * hidden + hidden * out + D * n * channels;
}

/** Parameters of one SPE. */
export function speParamCount(fmpHW: [number, number], D: number): number {
  const { n, hidden, out } = speDims(fmpHW, D);
  return n * hidden + hidden + hidden * out + out;
}

/** One SPE module (appendix 6.1, `class SPE`) with its own weights, built for one feature-map size. */
export class SpatialAwareEmbedding {
  readonly fc1: DenseLayer;
  readonly fc2: DenseLayer;
  readonly fmpHW: [number, number];
  readonly D: number;

  constructor(fmpHW: [number, number], D: number, opts: { name: string; rng?: Rng }) {
    const r = opts.rng ?? globalRng;
    const { n, hidden, out } = speDims(fmpHW, D);
    this.fmpHW = [fmpHW[0], fmpHW[1]];
    this.D = D;
    // PyTorch's nn.Linear default initialisation, as the listing's modules
    this.fc1 = denseLayer(r, `${opts.name}.fc1`, n, hidden, TORCH_DEFAULT);
    this.fc2 = denseLayer(r, `${opts.name}.fc2`, hidden, out, TORCH_DEFAULT);
  }

  /** f [B,H',W',C] → [B, D·C]; H'xW' must be the size this module was built for. */
  apply(f: tf.Tensor4D): tf.Tensor2D {
    const [, h, w] = f.shape;
    if (h !== this.fmpHW[0] || w !== this.fmpHW[1]) {
      throw new CvglError(
        `a ${this.fmpHW[0]}x${this.fmpHW[1]} feature map (the size this SPE's fully connected layers were built for)`,
        `${h}x${w}`,
        'feed images of the size the model was built for, or build the model with groundHW/aerialHW set to your sizes',
      );
    }
    return spatialAwareEmbedding(f, this.fc1, this.fc2, this.D);
  }

  /** `fc1.weight` ([in, out]), `fc1.bias`, `fc2.weight`, `fc2.bias`. */
  namedVariables(): Map<string, tf.Variable> {
    return new Map([
      ['fc1.weight', this.fc1.w],
      ['fc1.bias', this.fc1.b],
      ['fc2.weight', this.fc2.w],
      ['fc2.bias', this.fc2.b],
    ]);
  }

  variables(): tf.Variable[] {
    return [...this.namedVariables().values()];
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}

function checkHW(hw: [number, number], what: string): [number, number] {
  if (!Array.isArray(hw) || hw.length !== 2 || !hw.every((v) => Number.isInteger(v) && v > 0)) {
    throw new CvglError(`${what} as [height, width] in pixels`, JSON.stringify(hw), `pass e.g. [128, 512]`);
  }
  return [hw[0], hw[1]];
}

/** H'xW' of VGG16's pool5 map for an h x w input (each MaxPool2d(2,2) floors). */
export function safaFeatureHW(hw: [number, number]): [number, number] {
  let [h, w] = hw;
  for (const l of vgg16Layers(SAFA_VGG_CUT)) if (l.kind === 'pool') [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
  return [h, w];
}

/** Parameters of SAFA: two VGG16 `features` blocks and the two SPEs for these input sizes. */
export function safaParamCount(groundHW: [number, number] = SAFA_DEFAULT_HW, aerialHW: [number, number] = SAFA_DEFAULT_HW, widthDivisor = 1, D = 8): number {
  let vgg = 0;
  for (const l of vgg16Layers(SAFA_VGG_CUT, widthDivisor)) if (l.kind === 'conv') vgg += 9 * l.cin * l.cout + l.cout;
  return 2 * vgg + speParamCount(safaFeatureHW(groundHW), D) + speParamCount(safaFeatureHW(aerialHW), D);
}

/** Forward multiply-accumulates per (ground, aerial) pair: both branches' convolutions + both SPEs. */
export function safaForwardMacs(groundHW: [number, number], aerialHW: [number, number], widthDivisor = 1, D = 8): number {
  const c = 512 / widthDivisor;
  const branch = (hw: [number, number]) =>
    vgg16ConvMacs(hw[0], hw[1], SAFA_VGG_CUT, widthDivisor).reduce((n, l) => n + l.macs, 0) + speMacs(safaFeatureHW(hw), c, D);
  return branch(groundHW) + branch(aerialHW);
}

export class Safa extends NamedVariableModel implements CrossViewModel {
  readonly name = 'safa';
  readonly ground: Vgg16;
  readonly aerial: Vgg16;
  readonly groundSpe: SpatialAwareEmbedding;
  readonly aerialSpe: SpatialAwareEmbedding;
  readonly D: number;
  readonly widthDivisor: number;
  readonly groundHW: [number, number];
  readonly aerialHW: [number, number];

  constructor(opts: SafaOptions = {}) {
    super();
    const r = opts.rng ?? globalRng;
    const prefix = opts.name ?? 'safa';
    this.D = opts.D ?? 8;
    this.widthDivisor = opts.widthDivisor ?? 1;
    this.groundHW = checkHW(opts.groundHW ?? SAFA_DEFAULT_HW, 'groundHW');
    this.aerialHW = checkHW(opts.aerialHW ?? SAFA_DEFAULT_HW, 'aerialHW');
    // size checks before any variable exists, so that a bad option leaks nothing
    speDims(safaFeatureHW(this.groundHW), this.D);
    speDims(safaFeatureHW(this.aerialHW), this.D);
    this.ground = new Vgg16({ cut: SAFA_VGG_CUT, name: `${prefix}/ground`, rng: r, widthDivisor: this.widthDivisor });
    this.aerial = new Vgg16({ cut: SAFA_VGG_CUT, name: `${prefix}/aerial`, rng: r, widthDivisor: this.widthDivisor });
    this.groundSpe = new SpatialAwareEmbedding(safaFeatureHW(this.groundHW), this.D, { name: `${prefix}/ground/spe`, rng: r });
    this.aerialSpe = new SpatialAwareEmbedding(safaFeatureHW(this.aerialHW), this.D, { name: `${prefix}/aerial/spe`, rng: r });
  }

  /** Channels C of the backbone's output (512 at full width). */
  get channels(): number {
    return this.ground.outChannels;
  }

  /** L2-normalised descriptors [B, C·D] of ground [B,Hg,Wg,3] and (polar-transformed) aerial [B,Ha,Wa,3] images. */
  embed(ground: tf.Tensor4D, aerial: tf.Tensor4D): Embeddings {
    if (ground.shape[0] !== aerial.shape[0]) {
      throw new CvglError('ground and aerial batches of equal size', `${ground.shape[0]} ground, ${aerial.shape[0]} aerial images`, 'pair every ground image with one aerial image');
    }
    return tf.tidy(() => ({
      g: l2NormalizeRows(this.groundSpe.apply(this.ground.apply(ground))),
      s: l2NormalizeRows(this.aerialSpe.apply(this.aerial.apply(aerial))),
    }));
  }

  /** One view's descriptors (equal to that part of `embed`). */
  embedView(view: 'ground' | 'aerial', x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => l2NormalizeRows((view === 'ground' ? this.groundSpe : this.aerialSpe).apply(this[view].apply(x))));
  }

  /**
   * By PyTorch-style name (`ground.features.0.weight`, …, `ground.spe.fc1.weight`, …, then the
   * same under `aerial.`), the names test/reference/safa_torch.py's state_dict uses. Layouts
   * are tfjs': conv filters HWIO (torch: OIHW), linear weights [in, out] (torch: [out, in]).
   */
  namedVariables(): Map<string, tf.Variable> {
    const m = new Map<string, tf.Variable>();
    for (const [branch, vgg, spe] of [
      ['ground', this.ground, this.groundSpe],
      ['aerial', this.aerial, this.aerialSpe],
    ] as const) {
      for (const [k, v] of vgg.namedVariables()) m.set(`${branch}.${k}`, v);
      for (const [k, v] of spe.namedVariables()) m.set(`${branch}.spe.${k}`, v);
    }
    return m;
  }

  /** C·D (4096 for the thesis' model). */
  descriptorLength(): number {
    return this.channels * this.D;
  }

  /**
   * Forward FLOPs (2 x MACs: convolutions via `vgg16ConvMacs` + both SPEs) of one pair. The
   * sizes must give the feature maps this model was built for; `safaForwardMacs` counts other sizes.
   */
  flops(groundHW: [number, number], aerialHW: [number, number]): number {
    const same = (a: [number, number], b: [number, number]) => a[0] === b[0] && a[1] === b[1];
    if (!same(safaFeatureHW(groundHW), this.groundSpe.fmpHW) || !same(safaFeatureHW(aerialHW), this.aerialSpe.fmpHW)) {
      throw new CvglError(
        `input sizes whose pool5 maps are ${this.groundSpe.fmpHW.join('x')} (ground) and ${this.aerialSpe.fmpHW.join('x')} (aerial), as this model's SPEs`,
        `ground ${groundHW.join('x')}, aerial ${aerialHW.join('x')}`,
        'count other sizes with safaForwardMacs(groundHW, aerialHW, widthDivisor, D) (x2 for FLOPs)',
      );
    }
    return 2 * safaForwardMacs(groundHW, aerialHW, this.widthDivisor, this.D);
  }
}

/**
 * Registered as 'safa'. Facts at 128x512 ground and polar aerial (SAFA_DEFAULT_HW); the quick size
 * matches a 32x128 panorama with the aerial polar-transformed to 32x128, with the thesis' soft
 * triplet (Eq. 3.3, γ = 10).
 */
export const SAFA_MODEL: ModelRecord<'safa'> = {
  name: 'safa',
  paper: 'thesis (003) Sec. 3.2.1 and appendix 6.1 (SAFA, Shi et al. 2019)',
  options: ['D', 'widthDivisor', 'groundHW', 'aerialHW', 'name'],
  build: (options, rng) => new Safa({ ...options, rng }),
  paperSize: { ground: SAFA_DEFAULT_HW, aerial: SAFA_DEFAULT_HW },
  quick: {
    options: { widthDivisor: 8, groundHW: [32, 128], aerialHW: [32, 128] },
    ground: { height: 32, width: 128 }, aerial: { size: 64, polar: { height: 32, width: 128 } },
    loss: { kind: 'soft-triplet-thesis', gamma: 10 }, lr: 1e-3, epochs: 3, batchSize: 16,
  },
  facts: ({ ground, aerial }) => {
    const params = safaParamCount(ground, aerial), vgg = 2 * vgg16ParamCount('pool5');
    // C x D = 512 x 8 (thesis Sec. 4.2: "The output dimension of the representation is 4096")
    return { params, descriptorLength: 512 * 8, forwardGflops: (2 * safaForwardMacs(ground, aerial)) / 1e9, breakdown: { vgg16x2: vgg, spe: params - vgg } };
  },
};
