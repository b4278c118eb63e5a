/**
 * MGTL, mutual generative transformer learning (Zhao, Zhai, Huang, Cheng; paper 000), written
 * from the paper's Sec. 2 and 2.3:
 *
 *   MIFE (Eq. 1, Sec. 2.3): two unshared VGG16 `features` (conv1_1 … pool5), ground and
 *     polar-transformed aerial → mean over height → an FC layer C → c (c = 384) applied at each
 *     of the W' positions: F* ∈ R^{c×1×W'}. The paper's 384×1×20 needs W' = 20, i.e. inputs
 *     640 pixels wide at pool5's stride 32 (default here: 128x640 ground and polar aerial).
 *   Eq. 2: F̂⁰ = F* + PE (learnable positional encodings PE_G, PE_S, [W', c]).
 *   Eq. 6, for l = 1 … L (independent weights per step and per branch):
 *     F̌^{l−1} = LN(F̂^{l−1});
 *     CMI (Eq. 3): L_S = G2S(F̌_G), L_G = S2G(F̌_S) — each generator an encoder and a decoder of
 *       two FC layers with a GELU inside (Sec. 2.3), c → 4c → c each, per position;
 *     GKST (Eq. 4–5): F' = MH(Q = F̌_G W_Q, K = L_S W_K, V = L_S W_V) + F̌_G, then by `block`:
 *       'pre-ln-ffn' (default): F̂^l = F' + MLP(LN(F')), MLP c → 4c → c with GELU — the standard
 *         pre-LN transformer block, Eq. 6's LN in front of the attention, Eq. 5's LN in front of
 *         the MLP; the only reading whose parameter count meets Table 2 (51.13M / 79.49M against
 *         50.92M / 79.27M);
 *       'literal': F̂^l = F' + LN(F'), Eq. 5 as printed (36.95M / 65.31M);
 *       'literal-ffn': Eq. 5 as printed, then F̂^l = F + MLP(LN₂(F)) with a LayerNorm of its own
 *         (51.14M / 79.50M), the reading of the `ffn` option this replaces.
 *     The register (lib/papers/mgtl/readings.ts, 'mgtl.gkst-block') has the paper's words and the counts.
 *   Descriptor: the paper pools nothing ("the final representations F_G, F_S are produced by the
 *     last layer"); F̂^L is flattened (c·W' = 7680) and L2-normalised, as SAFA [6] does.
 *
 * Variants: 'full'; 'wo-cmi' (Table 2 "w/o": no generators, each branch attends to itself);
 * 'vgg16' (Table 2 row 1, "VGG16" alone: the two backbones, pool5 averaged over height and
 * flattened, C·W' = 10240; no FC, PE or GKST — its 29.42M parameters are exactly the two VGG16s);
 * 'naive' (Table 4 "Naïve": the generators' FC layers become local-receptive 1-D convolutions,
 * kernel 3 along the positions).
 *
 * Choices the paper leaves open (each an entry of lib/papers/mgtl/readings.ts, with its evidence):
 * MH has an output projection W_O (the standard block; Eq. 4 writes only Concat); the generation
 * loss's target F^l_G is F̌^l_G, the normalised intra-modal feature at the same step as L^l_G, not
 * detached; attention scale 1/√(c/heads).
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { rng as globalRng, type Rng } from '../engine/rng.js';
import { softMarginTripletExhaustive } from '../losses/triplet.js';
import { gelu } from '../nn/activations.js';
import { conv, convLayer } from '../nn/conv.js';
import { densePerPosition, denseLayer } from '../nn/dense.js';
import { TORCH_DEFAULT } from '../nn/init.js';
import { l2NormalizeRows } from '../nn/l2.js';
import { layerNorm } from '../nn/norm.js';
import { param } from '../nn/param.js';
import { NamedVariableModel, type CrossViewModel, type Embeddings } from './model.js';
import { Vgg16, vgg16ConvMacs, vgg16Layers, vgg16ParamCount } from './vgg16.js';
import type { ModelRecord } from './record.js';

export type MgtlVariant = 'full' | 'naive' | 'wo-cmi' | 'vgg16';

/** How a GKST block ends after Eq. 5's first line (see the header and 'mgtl.gkst-block'). */
export type GkstBlock = 'pre-ln-ffn' | 'literal' | 'literal-ffn';
export const GKST_BLOCKS: readonly GkstBlock[] = ['pre-ln-ffn', 'literal', 'literal-ffn'];
export const GKST_DEFAULT_BLOCK: GkstBlock = 'pre-ln-ffn';

/** Default inputs: 128x640 ground panorama and polar aerial, so pool5 is 4x20 and W' = 20 (Sec. 2.3). */
export const MGTL_DEFAULT_HW: [number, number] = [128, 640];

export interface MgtlOptions {
  variant?: MgtlVariant;
  /** Recurrent steps L (Eq. 6; paper: 6, ablation 1, 3, 6, 9 in Table 4). */
  steps?: number;
  /** Divides the VGG16 widths and c = 384 (default 1). */
  widthDivisor?: number;
  /** Attention heads (paper: 6). */
  heads?: number;
  /** The GKST block (default 'pre-ln-ffn': Eq. 5's LN in front of a c → 4c → c MLP; 'literal': Eq. 5 as printed). */
  block?: GkstBlock;
  groundHW?: [number, number];
  aerialHW?: [number, number];
  rng?: Rng;
  /** Prefix of tfjs variable names (default 'mgtl'). */
  name?: string;
}

interface Lin {
  w: tf.Variable; // [in, out] (or [1, k, in, out] for the naive convolutions)
  b: tf.Variable;
}
interface Ln {
  g: tf.Variable;
  b: tf.Variable;
}
/** Weights of one multi-head attention (Eq. 4) with its output projection. */
export interface AttnWeights {
  wq: tf.Tensor; bq: tf.Tensor; wk: tf.Tensor; bk: tf.Tensor; wv: tf.Tensor; bv: tf.Tensor; wo: tf.Tensor; bo: tf.Tensor;
}
interface Block {
  ln: Ln; // F̌ = LN(F̂) of Eq. 6
  q: Lin; k: Lin; v: Lin; o: Lin;
  lnOut: Ln; // LN of Eq. 5 (in 'pre-ln-ffn' the MLP's pre-LN)
  mlp?: { fc1: Lin; fc2: Lin }; // 'pre-ln-ffn'
  ffn?: { ln: Ln; fc1: Lin; fc2: Lin }; // 'literal-ffn'
}
interface Generator {
  layers: Lin[]; // enc.0, enc.1, dec.0, dec.1
}
interface Step {
  ground: Block;
  aerial: Block;
  g2s?: Generator;
  s2g?: Generator;
}

/** One step's generated cross-modal knowledge and its targets (Eq. 8), each [B, W', c]. */
export interface MgtlGenerated {
  LG: tf.Tensor3D;
  FG: tf.Tensor3D;
  LS: tf.Tensor3D;
  FS: tf.Tensor3D;
}
export interface MgtlOutput extends Embeddings {
  generated: MgtlGenerated[];
}

/**
 * Eq. 4: MH(Q, K, V) = Concat(Head_1 … Head_n)·W_O, Head_i = softmax(Q_i K_iᵀ/√d)·V_i with
 * Q = x W_Q, K = kv W_K, V = kv W_V. x [B,N,c] (queries), kv [B,M,c] (keys/values).
 */
export function multiHeadCrossAttention(x: tf.Tensor3D, kv: tf.Tensor3D, p: AttnWeights, heads: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, N, c] = x.shape;
    const M = kv.shape[1];
    if (c % heads !== 0) throw new CvglError(`a width c divisible by the ${heads} heads`, `c = ${c}`, 'choose heads dividing c');
    const d = c / heads;
    const split = (t: tf.Tensor3D, n: number) =>
      tf.reshape(tf.transpose(tf.reshape(t, [B, n, heads, d]), [0, 2, 1, 3]), [B * heads, n, d]) as tf.Tensor3D;
    const q = split(densePerPosition(x, { w: p.wq, b: p.bq }), N);
    const k = split(densePerPosition(kv, { w: p.wk, b: p.bk }), M);
    const v = split(densePerPosition(kv, { w: p.wv, b: p.bv }), M);
    const att = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d)));
    const h = tf.matMul(att, v); // [B·heads, N, d]
    const cat = tf.reshape(tf.transpose(tf.reshape(h, [B, heads, N, d]), [0, 2, 1, 3]), [B, N, c]) as tf.Tensor3D;
    return densePerPosition(cat, { w: p.wo, b: p.bo });
  });
}

/** Weights of a position-wise MLP c → 4c → c with GELU between. */
export interface MlpWeights {
  w1: tf.Tensor; b1: tf.Tensor; w2: tf.Tensor; b2: tf.Tensor;
}
function mlp(x: tf.Tensor3D, p: MlpWeights): tf.Tensor3D {
  return densePerPosition(gelu(densePerPosition(x, { w: p.w1, b: p.b1 })) as tf.Tensor3D, { w: p.w2, b: p.b2 });
}

/** Eq. 5 as printed ('literal'): F' = MH(x, kv) + x; F = F' + LN(F'). */
export function gkstAttention(x: tf.Tensor3D, kv: tf.Tensor3D, p: AttnWeights, lnGamma: tf.Tensor, lnBeta: tf.Tensor, heads: number): tf.Tensor3D {
  return tf.tidy(() => {
    const f1 = tf.add(multiHeadCrossAttention(x, kv, p, heads), x);
    return tf.add(f1, layerNorm(f1, lnGamma, lnBeta)) as tf.Tensor3D;
  });
}

/** Weights of one GKST block: the attention, Eq. 5's LN, and by reading the MLP and the MLP's own LN. */
export interface GkstWeights extends AttnWeights {
  lnG: tf.Tensor; lnB: tf.Tensor;
  /** 'pre-ln-ffn' and 'literal-ffn'. */
  mlp?: MlpWeights;
  /** 'literal-ffn': the LayerNorm in front of its MLP. */
  ffnLnG?: tf.Tensor; ffnLnB?: tf.Tensor;
}

/**
 * One GKST block (Eq. 4–5), x [B,N,c] the normalised intra-modal features (Eq. 6's F̌), kv [B,M,c]
 * the generated knowledge. All start F' = MH(x, kv) + x (Eq. 5, first line), then:
 *   'pre-ln-ffn' (default): F = F' + MLP(LN(F')) — Eq. 5's LN moved in front of an MLP; with
 *     Eq. 6's LN producing x, the standard pre-LN transformer block (ViT), and Table 2's counts
 *     need its MLP;
 *   'literal': F = F' + LN(F') (`gkstAttention`);
 *   'literal-ffn': G = F' + LN(F'), F = G + MLP(LN₂(G)).
 */
export function gkstBlock(kind: GkstBlock, x: tf.Tensor3D, kv: tf.Tensor3D, p: GkstWeights, heads: number): tf.Tensor3D {
  if (kind === 'literal') return gkstAttention(x, kv, p, p.lnG, p.lnB, heads);
  const m = p.mlp;
  if (!m || (kind === 'literal-ffn' && (!p.ffnLnG || !p.ffnLnB))) {
    throw new CvglError(`the weights of a '${kind}' block (an MLP${kind === 'literal-ffn' ? ' and its LayerNorm' : ''})`, 'none', 'pass mlp (and ffnLnG, ffnLnB for literal-ffn)');
  }
  return tf.tidy(() => {
    if (kind === 'pre-ln-ffn') {
      const f1 = tf.add(multiHeadCrossAttention(x, kv, p, heads), x) as tf.Tensor3D;
      return tf.add(f1, mlp(layerNorm(f1, p.lnG, p.lnB) as tf.Tensor3D, m)) as tf.Tensor3D;
    }
    const f = gkstAttention(x, kv, p, p.lnG, p.lnB, heads);
    return tf.add(f, mlp(layerNorm(f, p.ffnLnG!, p.ffnLnB!) as tf.Tensor3D, m)) as tf.Tensor3D;
  });
}

function vggParams(div: number): number {
  return vgg16Layers('pool5', div).reduce((n, l) => n + (l.kind === 'conv' ? 9 * l.cin * l.cout + l.cout : 0), 0);
}

function pool5HW(hw: [number, number]): [number, number] {
  return [Math.floor(hw[0] / 32), Math.floor(hw[1] / 32)];
}

/**
 * Parameters of MGTL without building it: 2 VGG16 + 2 FC (C → c) + 2 PE ([W', c]) + per step
 * and branch LN + MH (4 FC c → c) + LN [+ MLP c → 4c → c ('pre-ln-ffn'), + LN and MLP
 * ('literal-ffn')], + per step the G2S and S2G generators (full: 4 FC layers c→4c→c, c→4c→c
 * each; naive: the same as kernel-3 convolutions).
 */
export function mgtlParamCount(variant: MgtlVariant = 'full', L = 6, opts: { widthDivisor?: number; positions?: number; block?: GkstBlock } = {}): number {
  const div = opts.widthDivisor ?? 1;
  const P = opts.positions ?? 20;
  const C = 512 / div;
  const c = 384 / div;
  const blockKind = opts.block ?? GKST_DEFAULT_BLOCK;
  const lin = (i: number, o: number, k = 1) => k * i * o + o;
  const mlpParams = lin(c, 4 * c) + lin(4 * c, c);
  const block = 2 * c + 4 * lin(c, c) + 2 * c + (blockKind === 'pre-ln-ffn' ? mlpParams : blockKind === 'literal-ffn' ? 2 * c + mlpParams : 0);
  const k = variant === 'naive' ? 3 : 1;
  const gen = variant === 'wo-cmi' ? 0 : 2 * (lin(c, 4 * c, k) + lin(4 * c, c, k));
  if (variant === 'vgg16') return 2 * vggParams(div);
  return 2 * vggParams(div) + 2 * lin(C, c) + 2 * P * c + L * (2 * block + 2 * gen);
}

/** Forward multiply-accumulates of one pair (convolutions, FC, attention, generators, GKST MLPs). */
export function mgtlForwardMacs(
  groundHW: [number, number],
  aerialHW: [number, number],
  variant: MgtlVariant = 'full',
  L = 6,
  opts: { widthDivisor?: number; block?: GkstBlock } = {},
): number {
  const div = opts.widthDivisor ?? 1;
  const C = 512 / div;
  const c = 384 / div;
  const conv = (hw: [number, number]) => vgg16ConvMacs(hw[0], hw[1], 'pool5', div).reduce((n, l) => n + l.macs, 0);
  const P = pool5HW(groundHW)[1];
  const block = 4 * P * c * c + 2 * P * P * c + ((opts.block ?? GKST_DEFAULT_BLOCK) === 'literal' ? 0 : 8 * P * c * c);
  const k = variant === 'naive' ? 3 : 1;
  const gen = variant === 'wo-cmi' ? 0 : 4 * k * P * c * 4 * c;
  if (variant === 'vgg16') return conv(groundHW) + conv(aerialHW);
  return conv(groundHW) + conv(aerialHW) + 2 * P * C * c + L * (2 * block + 2 * gen);
}

/** An FC layer fin → fout, or for k > 1 a 1 x k convolution along the positions (Table 4's naive
 *  generators); PyTorch's default initialisation U(−1/√(k·fin), 1/√(k·fin)), weight and bias. */
function linear(r: Rng, name: string, fin: number, fout: number, k = 1): Lin {
  return k === 1 ? denseLayer(r, name, fin, fout, TORCH_DEFAULT) : convLayer(r, name, [1, k], fin, fout, 1, TORCH_DEFAULT);
}
function ln(name: string, c: number): Ln {
  return { g: param(() => tf.ones([c]), `${name}.weight`), b: param(() => tf.zeros([c]), `${name}.bias`) };
}

export class Mgtl extends NamedVariableModel implements CrossViewModel {
  readonly name = 'mgtl';
  readonly variant: MgtlVariant;
  readonly L: number;
  readonly widthDivisor: number;
  readonly heads: number;
  readonly block: GkstBlock;
  readonly groundHW: [number, number];
  readonly aerialHW: [number, number];
  /** W' (20 in the paper) and c (384 at full width). */
  readonly positions: number;
  readonly c: number;
  readonly ground: Vgg16;
  readonly aerial: Vgg16;
  /** MIFE's FC layers and the positional encodings; null in the 'vgg16' variant. */
  readonly fcG: Lin | null = null;
  readonly fcS: Lin | null = null;
  readonly peG: tf.Variable | null = null;
  readonly peS: tf.Variable | null = null;
  readonly steps: Step[] = [];

  constructor(opts: MgtlOptions = {}) {
    super();
    const r = opts.rng ?? globalRng;
    const prefix = opts.name ?? 'mgtl';
    this.variant = opts.variant ?? 'full';
    this.L = this.variant === 'vgg16' ? 0 : opts.steps ?? 6;
    this.widthDivisor = opts.widthDivisor ?? 1;
    this.heads = opts.heads ?? 6;
    this.block = opts.block ?? GKST_DEFAULT_BLOCK;
    this.groundHW = opts.groundHW ?? MGTL_DEFAULT_HW;
    this.aerialHW = opts.aerialHW ?? MGTL_DEFAULT_HW;
    if (!['full', 'naive', 'wo-cmi', 'vgg16'].includes(this.variant)) {
      throw new CvglError("variant 'full', 'naive', 'wo-cmi' or 'vgg16'", String(this.variant), 'pick one of them (Tables 2 and 4)');
    }
    if (!GKST_BLOCKS.includes(this.block)) {
      throw new CvglError(`block ${GKST_BLOCKS.map((b) => `'${b}'`).join(', ')}`, String(this.block), "use 'pre-ln-ffn' (the default, Table 2's counts) or 'literal' (Eq. 5 as printed)");
    }
    if (this.variant !== 'vgg16' && (!Number.isInteger(this.L) || this.L < 1)) throw new CvglError('steps L, an integer >= 1 (Eq. 6)', String(this.L), 'use 1, 3, 6 or 9 (Table 4)');
    if (!Number.isInteger(this.widthDivisor) || this.widthDivisor < 1 || 64 % this.widthDivisor !== 0) {
      throw new CvglError('widthDivisor dividing 64 (1, 2, 4, …, 64)', String(this.widthDivisor), 'pass e.g. 16 for tests');
    }
    this.c = 384 / this.widthDivisor;
    if (this.c % this.heads !== 0) throw new CvglError(`heads dividing c = ${this.c}`, String(this.heads), 'use 6 heads (the paper) or a divisor of c');
    const [hg, wg] = pool5HW(this.groundHW);
    const [ha, wa] = pool5HW(this.aerialHW);
    if (hg < 1 || wg < 1 || ha < 1 || wa < 1 || wg !== wa) {
      throw new CvglError(
        'ground and aerial inputs at least 32 pixels high whose pool5 maps are equally wide (W\' positions, 20 in the paper)',
        `ground ${this.groundHW.join('x')}, aerial ${this.aerialHW.join('x')}`,
        'use widths with equal floor(W/32), e.g. 128x640 for both',
      );
    }
    this.positions = wg;
    const c = this.c;
    const C = 512 / this.widthDivisor;
    const P = this.positions;
    this.ground = new Vgg16({ cut: 'pool5', name: `${prefix}/ground`, rng: r, widthDivisor: this.widthDivisor });
    this.aerial = new Vgg16({ cut: 'pool5', name: `${prefix}/aerial`, rng: r, widthDivisor: this.widthDivisor });
    if (this.variant === 'vgg16') return;
    this.fcG = linear(r, `${prefix}/ground.fc`, C, c);
    this.fcS = linear(r, `${prefix}/aerial.fc`, C, c);
    this.peG = param(() => r.normalTensor([P, c], 0, 0.02), `${prefix}/ground.pe`);
    this.peS = param(() => r.normalTensor([P, c], 0, 0.02), `${prefix}/aerial.pe`);
    const block = (n: string): Block => ({
      ln: ln(`${n}.ln`, c),
      q: linear(r, `${n}.attn.q`, c, c),
      k: linear(r, `${n}.attn.k`, c, c),
      v: linear(r, `${n}.attn.v`, c, c),
      o: linear(r, `${n}.attn.o`, c, c),
      lnOut: ln(`${n}.ln_out`, c),
      ...(this.block === 'pre-ln-ffn' ? { mlp: { fc1: linear(r, `${n}.mlp.0`, c, 4 * c), fc2: linear(r, `${n}.mlp.1`, 4 * c, c) } } : {}),
      ...(this.block === 'literal-ffn' ? { ffn: { ln: ln(`${n}.ffn.ln`, c), fc1: linear(r, `${n}.ffn.0`, c, 4 * c), fc2: linear(r, `${n}.ffn.1`, 4 * c, c) } } : {}),
    });
    const k = this.variant === 'naive' ? 3 : 1;
    const gen = (n: string): Generator => ({
      layers: [
        linear(r, `${n}.enc.0`, c, 4 * c, k),
        linear(r, `${n}.enc.1`, 4 * c, c, k),
        linear(r, `${n}.dec.0`, c, 4 * c, k),
        linear(r, `${n}.dec.1`, 4 * c, c, k),
      ],
    });
    for (let l = 0; l < this.L; l++) {
      const n = `${prefix}/steps.${l}`;
      this.steps.push({
        ground: block(`${n}.ground`),
        aerial: block(`${n}.aerial`),
        ...(this.variant === 'wo-cmi' ? {} : { g2s: gen(`${n}.g2s`), s2g: gen(`${n}.s2g`) }),
      });
    }
  }

  /** G2S / S2G (Eq. 3): encoder FC–GELU–FC, decoder FC–GELU–FC (naive: kernel-3 convolutions). */
  private generate(g: Generator, x: tf.Tensor3D): tf.Tensor3D {
    const apply = (h: tf.Tensor3D, p: Lin): tf.Tensor3D => {
      if (p.w.rank === 2) return densePerPosition(h, p);
      const [B, N] = h.shape;
      const y = conv(tf.expandDims(h, 1) as tf.Tensor4D, { w: p.w, b: p.b, stride: 1 });
      return tf.reshape(y, [B, N, p.w.shape[3]!]) as tf.Tensor3D;
    };
    const [e0, e1, d0, d1] = g.layers as [Lin, Lin, Lin, Lin];
    const z = apply(gelu(apply(x, e0)) as tf.Tensor3D, e1);
    return apply(gelu(apply(z, d0)) as tf.Tensor3D, d1);
  }

  private gkst(b: Block, x: tf.Tensor3D, kv: tf.Tensor3D): tf.Tensor3D {
    const m = b.mlp ?? b.ffn;
    const w: GkstWeights = {
      wq: b.q.w, bq: b.q.b, wk: b.k.w, bk: b.k.b, wv: b.v.w, bv: b.v.b, wo: b.o.w, bo: b.o.b, lnG: b.lnOut.g, lnB: b.lnOut.b,
      ...(m ? { mlp: { w1: m.fc1.w, b1: m.fc1.b, w2: m.fc2.w, b2: m.fc2.b } } : {}),
      ...(b.ffn ? { ffnLnG: b.ffn.ln.g, ffnLnB: b.ffn.ln.b } : {}),
    };
    return gkstBlock(this.block, x, kv, w, this.heads);
  }

  /** MIFE (Eq. 1, Sec. 2.3) + Eq. 2: [B,H,W,3] → VGG16 → mean over height → FC → + PE, [B, W', c]
   *  ('vgg16': the mean over height alone, [B, W', C]). */
  private mife(vgg: Vgg16, fc: Lin | null, pe: tf.Tensor | null, x: tf.Tensor4D): tf.Tensor3D {
    const f = vgg.apply(x);
    const [, , W] = f.shape;
    if (W !== this.positions) {
      f.dispose();
      throw new CvglError(
        `inputs whose pool5 map is ${this.positions} positions wide (the width this model's PE was built for)`,
        `an input ${x.shape[1]}x${x.shape[2]} giving ${W}`,
        `pass ${this.groundHW.join('x')} images or build the model for this size`,
      );
    }
    if (!fc || !pe) return tf.mean(f, 1) as tf.Tensor3D;
    return tf.add(densePerPosition(tf.mean(f, 1) as tf.Tensor3D, fc), pe) as tf.Tensor3D;
  }

  /** Descriptors and, per step, the generated knowledge with its targets (for `mgtlLoss`). */
  forwardWithAux(ground: tf.Tensor4D, aerial: tf.Tensor4D): MgtlOutput {
    if (ground.shape[0] !== aerial.shape[0]) {
      throw new CvglError('ground and aerial batches of equal size', `${ground.shape[0]} ground, ${aerial.shape[0]} aerial images`, 'pair every ground image with one aerial image');
    }
    const run = (): tf.TensorContainer => {
      let fg = this.mife(this.ground, this.fcG, this.peG, ground);
      let fs = this.mife(this.aerial, this.fcS, this.peS, aerial);
      const generated: MgtlGenerated[] = [];
      for (const st of this.steps) {
        const cg = layerNorm(fg, st.ground.ln.g, st.ground.ln.b) as tf.Tensor3D;
        const cs = layerNorm(fs, st.aerial.ln.g, st.aerial.ln.b) as tf.Tensor3D;
        let kvG = cg;
        let kvS = cs;
        if (st.g2s && st.s2g) {
          const LS = this.generate(st.g2s, cg);
          const LG = this.generate(st.s2g, cs);
          generated.push({ LG, FG: cg, LS, FS: cs });
          kvG = LS;
          kvS = LG;
        }
        fg = this.gkst(st.ground, cg, kvG);
        fs = this.gkst(st.aerial, cs, kvS);
      }
      const B = ground.shape[0];
      return {
        g: l2NormalizeRows(tf.reshape(fg, [B, -1]) as tf.Tensor2D),
        s: l2NormalizeRows(tf.reshape(fs, [B, -1]) as tf.Tensor2D),
        generated,
      } as unknown as tf.TensorContainer;
    };
    return tf.tidy(run) as unknown as MgtlOutput;
  }

  embed(ground: tf.Tensor4D, aerial: tf.Tensor4D): Embeddings {
    const out = this.forwardWithAux(ground, aerial);
    for (const x of out.generated) tf.dispose([x.LG, x.LS, x.FG, x.FS]);
    return { g: out.g, s: out.s };
  }

  namedVariables(): Map<string, tf.Variable> {
    const m = new Map<string, tf.Variable>();
    const putLin = (n: string, p: Lin) => (m.set(`${n}.weight`, p.w), m.set(`${n}.bias`, p.b));
    const putLn = (n: string, p: Ln) => (m.set(`${n}.weight`, p.g), m.set(`${n}.bias`, p.b));
    for (const [k, v] of this.ground.namedVariables()) m.set(`ground.${k}`, v);
    for (const [k, v] of this.aerial.namedVariables()) m.set(`aerial.${k}`, v);
    if (this.fcG && this.fcS && this.peG && this.peS) {
      putLin('ground.fc', this.fcG);
      putLin('aerial.fc', this.fcS);
      m.set('ground.pe', this.peG);
      m.set('aerial.pe', this.peS);
    }
    this.steps.forEach((st, l) => {
      for (const [side, b] of [['ground', st.ground], ['aerial', st.aerial]] as const) {
        const n = `steps.${l}.${side}`;
        putLn(`${n}.ln`, b.ln);
        putLin(`${n}.attn.q`, b.q);
        putLin(`${n}.attn.k`, b.k);
        putLin(`${n}.attn.v`, b.v);
        putLin(`${n}.attn.o`, b.o);
        putLn(`${n}.ln_out`, b.lnOut);
        if (b.mlp) {
          putLin(`${n}.mlp.0`, b.mlp.fc1);
          putLin(`${n}.mlp.1`, b.mlp.fc2);
        }
        if (b.ffn) {
          putLn(`${n}.ffn.ln`, b.ffn.ln);
          putLin(`${n}.ffn.0`, b.ffn.fc1);
          putLin(`${n}.ffn.1`, b.ffn.fc2);
        }
      }
      for (const [gn, g] of [['g2s', st.g2s], ['s2g', st.s2g]] as const) {
        if (!g) continue;
        ['enc.0', 'enc.1', 'dec.0', 'dec.1'].forEach((ln, i) => putLin(`steps.${l}.${gn}.${ln}`, g.layers[i]!));
      }
    });
    return m;
  }

  /** c·W' (384·20 = 7680 in the paper's setting); C·W' (512·20 = 10240) for 'vgg16'. */
  descriptorLength(): number {
    return (this.variant === 'vgg16' ? 512 / this.widthDivisor : this.c) * this.positions;
  }

  /** 2 x `mgtlForwardMacs` for these sizes (they must give this model's W'). */
  flops(groundHW: [number, number], aerialHW: [number, number]): number {
    if (pool5HW(groundHW)[1] !== this.positions || pool5HW(aerialHW)[1] !== this.positions) {
      throw new CvglError(
        `input sizes whose pool5 maps are ${this.positions} wide`,
        `ground ${groundHW.join('x')}, aerial ${aerialHW.join('x')}`,
        'count other sizes with mgtlForwardMacs(...) (x2 for FLOPs)',
      );
    }
    return 2 * mgtlForwardMacs(groundHW, aerialHW, this.variant, this.L, { widthDivisor: this.widthDivisor, block: this.block });
  }
}

/**
 * Eq. 9: Loss = Loss_Triplet + λ·Loss_Gen. Loss_Triplet (Eq. 7, γ = 10) over the exhaustive
 * mini-batch as SAFA [6] (`softMarginTripletExhaustive`); Loss_Gen (Eq. 8) =
 * Σ_l MSE(L_G^l, F_G^l) + MSE(L_S^l, F_S^l) (means over elements); λ = 0.05 (Sec. 3.1).
 */
export function mgtlLoss(out: MgtlOutput, gamma = 10, lambda = 0.05): tf.Scalar {
  return tf.tidy(() => {
    let loss: tf.Tensor = softMarginTripletExhaustive(out.g, out.s, gamma);
    for (const x of out.generated) {
      const gen = tf.add(tf.mean(tf.squaredDifference(x.LG, x.FG)), tf.mean(tf.squaredDifference(x.LS, x.FS)));
      loss = tf.add(loss, tf.mul(lambda, gen));
    }
    return loss as tf.Scalar;
  });
}

/**
 * Registered as 'mgtl'. Facts at 128x640 panorama and polar aerial, which give the paper's 20
 * positions (pool5 width 640/32, Sec. 2.3), L = 6 steps, 6 heads (Sec. 3.1) and the default GKST
 * block ('pre-ln-ffn', whose count meets Table 2). The quick size has
 * polar aerial and panorama of the same width (both branches have the same positions), 2 steps,
 * the paper's loss (Eq. 7–9, γ = 10, λ = 0.05) at Adam 3e-4: at 1e-3 it collapsed to identical
 * descriptors (loss → ln 2) in one of two runs; 3e-4: R@1 17% after 2 epochs (both with the
 * 'literal' block, the default until issue 23).
 */
export const MGTL_MODEL: ModelRecord<'mgtl'> = {
  name: 'mgtl',
  paper: 'MGTL (000) Sec. 2 and Sec. 3.1',
  options: ['variant', 'steps', 'widthDivisor', 'heads', 'block', 'groundHW', 'aerialHW', 'name'],
  build: (options, rng) => new Mgtl({ ...options, rng }),
  paperSize: { ground: MGTL_DEFAULT_HW, aerial: MGTL_DEFAULT_HW },
  quick: {
    options: { widthDivisor: 8, steps: 2, groundHW: [32, 128], aerialHW: [32, 128] },
    ground: { height: 32, width: 128 }, aerial: { size: 64, polar: { height: 32, width: 128 } },
    loss: { kind: 'mgtl', gamma: 10, lambda: 0.05 }, lr: 3e-4, epochs: 3, batchSize: 16,
  },
  facts: ({ ground, aerial }) => {
    const full = mgtlParamCount('full', 6), wo = mgtlParamCount('wo-cmi', 6), vgg = 2 * vgg16ParamCount('pool5');
    // c x W' = 384 x 20 (Sec. 2.3, F* ∈ R^{384×1×20})
    return {
      params: full, descriptorLength: 384 * 20, forwardGflops: (2 * mgtlForwardMacs(ground, aerial, 'full', 6)) / 1e9,
      breakdown: { vgg16x2: vgg, mife_pe_gkst: wo - vgg, cmi_generators: full - wo },
    };
  },
};
