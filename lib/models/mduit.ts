/**
 * MDUIT, multi-domain unsupervised image-to-image translation with appearance-adaptive
 * convolution (paper 004), Sec. 2 and Fig. 2:
 *
 *   f_s = E_c(I_s),  W_t = E_a(I_t),  I_s→t = G(f_s ⊗ W_t)            (Eq. 1)
 *   z = H(f)  (trainable GeM pooling, two MLP layers, l2 normalisation; Sec. 2.2)
 *   D_i(I): real image or translated;  D_a(I, I'): same appearance or not (Sec. 2.1)
 *
 * What the paper states and this file follows:
 *  - E_a reads VGG16's relu3_3 activation of I_t (a pre-trained VGG16 [27]) and ends with an
 *    average pooling; its output is reshaped into the filter W_t (c' × c/G × k × k per sample);
 *  - ⊗ is a per-sample group convolution, c = c' = 256 channels in 256 groups, 5 × 5
 *    (Sec. 3.1; lib/models/adaptive_conv.ts);
 *  - every network is initialised from N(0, 0.001²) (Sec. 3.1; biases zero: assumption);
 *  - D_a sees two images concatenated (Sec. 2.1: "whether two concatenated images represent the
 *    same appearance"), along the channels (assumption).
 *
 * What the paper leaves open (assumptions, chosen after MUNIT [5], whose content/appearance
 * split MDUIT adopts, Sec. 1):
 *  - E_c: conv 7×7/1 (c/4) → conv 4×4/2 (c/2) → conv 4×4/2 (c), each with instance norm and
 *    ReLU, then `contentResBlocks` residual blocks (conv 3×3 – IN – ReLU – conv 3×3 – IN, + x);
 *    f_s has c = 256 channels at a quarter of the input size. Instance norm is what removes
 *    appearance statistics from the content (the paper's point that the adaptive convolution
 *    replaces IN/AdaIN for *injecting* appearance).
 *  - E_a after relu3_3 (256 channels): two conv 3×3/2 + ReLU (c), global average pooling, one
 *    linear layer to the k·k·(c/G)·c' filter weights. The VGG16 is frozen ("pre-trained");
 *    without ImageNet weights (none are downloaded) it keeps its random He initialisation,
 *    still a colour/texture statistic of I_t, and E_a's own layers learn on top.
 *  - G: `generatorResBlocks` residual blocks without normalisation (a normalisation would undo
 *    the per-channel gains the adaptive convolution injects), two × (nearest upsampling ×2,
 *    conv 5×5, ReLU) to c/2 and c/4 channels, conv 7×7 to RGB and tanh. Images are in [−1, 1].
 *  - D_i, D_a: `discriminatorLayers` × (conv 4×4/2 + LeakyReLU 0.2), widths c/4, c/2, c, c, …,
 *    then a 1×1 convolution to one logit per patch (MUNIT's single-scale discriminator).
 *  - H: GeM with p initialised to 3 (Radenović's default), Linear(c, c) – ReLU – Linear(c, K),
 *    K = 128.
 *
 * `widthDivisor` divides every width (c = 256 / divisor) for CPU-sized runs; `groups` defaults
 * to c (one channel per group, the paper's 256 groups of 256). `i2i: false` builds E_c and H
 * only: the "w/o I2I" rows of Table 1, whose positive is a colour-jittered copy of I_s.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { rng as globalRng, type Rng } from '../engine/rng.js';
import { dynamicGroupConv2d } from './adaptive_conv.js';
import { conv, convLayer, type ConvLayer } from '../nn/conv.js';
import { dense, denseLayer, type DenseLayer } from '../nn/dense.js';
import type { WeightInit } from '../nn/init.js';
import { l2NormalizeRows } from '../nn/l2.js';
import { instanceNorm } from '../nn/norm.js';
import { param } from '../nn/param.js';
import { gemPool } from '../nn/pool.js';
import { upsample2x } from '../nn/resize.js';
import { NamedVariableModel } from './model.js';
import { Vgg16 } from './vgg16.js';

export interface MduitOptions {
  /** Prefix of the tfjs variable names (default 'mduit'). */
  name?: string;
  rng?: Rng;
  /** Divides every width: c = 256 / divisor (1, 2, 4, 8, 16, 32). */
  widthDivisor?: number;
  /** Appearance filter size k (paper: 5). */
  kernel?: number;
  /** Groups of the adaptive convolution (default c: one channel per group, as the paper's 256). */
  groups?: number;
  contentResBlocks?: number;
  generatorResBlocks?: number;
  discriminatorLayers?: number;
  /** K, the length of z (assumption: 128). */
  embedDim?: number;
  /** Weight initialisation (paper: N(0, 0.001²)). */
  init?: WeightInit;
  /** Train the VGG16 of E_a too (default false: it is the paper's pre-trained, fixed network). */
  vggTrainable?: boolean;
  /** false: E_c and H only (Table 1's "w/o I2I" rows). Default true. */
  i2i?: boolean;
}

export const MDUIT_DEFAULTS = {
  widthDivisor: 1,
  kernel: 5,
  contentResBlocks: 4,
  generatorResBlocks: 4,
  discriminatorLayers: 4,
  embedDim: 128,
  init: { kind: 'normal', std: 0.001 } as WeightInit,
};

/** ImageNet statistics the VGG16 of E_a expects (torchvision's), for RGB in [0, 1]. */
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

interface ResBlock {
  a: ConvLayer;
  b: ConvLayer;
}

export interface MduitSizes {
  c: number;
  groups: number;
  kernel: number;
  /** Filter weights per sample: k·k·(c/G)·c'. */
  filterSize: number;
  embedDim: number;
}

export class Mduit extends NamedVariableModel {
  readonly name: string;
  readonly sizes: MduitSizes;
  readonly i2i: boolean;
  private readonly named = new Map<string, tf.Variable>();
  // E_c
  private readonly cIn: ConvLayer[];
  private readonly cRes: ResBlock[];
  // E_a
  readonly vgg: Vgg16 | null;
  private readonly aConv: ConvLayer[];
  private readonly aFc: DenseLayer | null;
  // G
  private readonly gRes: ResBlock[];
  private readonly gUp: ConvLayer[];
  private readonly gOut: ConvLayer | null;
  // D_i, D_a
  private readonly di: ConvLayer[];
  private readonly da: ConvLayer[];
  // H
  readonly gemP: tf.Variable;
  private readonly h1: DenseLayer;
  private readonly h2: DenseLayer;

  constructor(opts: MduitOptions = {}) {
    super();
    const r = opts.rng ?? globalRng;
    this.name = opts.name ?? 'mduit';
    const div = opts.widthDivisor ?? MDUIT_DEFAULTS.widthDivisor;
    const bad = (what: string, found: unknown, fix: string) => new CvglError(`MDUIT: ${what}`, String(found), fix);
    if (![1, 2, 4, 8, 16, 32].includes(div)) throw bad('widthDivisor 1, 2, 4, 8, 16 or 32 (c = 256 / divisor)', div, 'the paper is divisor 1 (c = 256); CPU-sized runs use 8');
    const c = 256 / div;
    const k = opts.kernel ?? MDUIT_DEFAULTS.kernel;
    if (!Number.isInteger(k) || k < 1 || k % 2 !== 1) throw bad('an odd filter size k', k, 'the paper uses k = 5');
    const groups = opts.groups ?? c;
    if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0) throw bad(`groups dividing c = ${c}`, groups, `use ${c} (one channel per group, as the paper's 256 groups)`);
    const embedDim = opts.embedDim ?? MDUIT_DEFAULTS.embedDim;
    const init = opts.init ?? MDUIT_DEFAULTS.init;
    if (init.kind === 'normal' && !(init.std > 0)) throw bad('an initialisation std > 0', init.std, 'the paper uses 0.001');
    this.i2i = opts.i2i ?? true;
    this.sizes = { c, groups, kernel: k, filterSize: k * k * (c / groups) * c, embedDim };
    const nRes = (v: number | undefined, d: number, what: string) => {
      const n = v ?? d;
      if (!Number.isInteger(n) || n < 0) throw bad(`${what}: an integer >= 0`, n, `MUNIT uses ${d}`);
      return n;
    };
    const p = this.name;
    const reg = <T extends ConvLayer | DenseLayer>(key: string, l: T): T => {
      this.named.set(`${key}.weight`, l.w);
      this.named.set(`${key}.bias`, l.b);
      return l;
    };
    const cv = (key: string, kk: number, cin: number, cout: number, stride: number) => reg(key, convLayer(r, `${p}/${key}`, kk, cin, cout, stride, init));
    const res = (key: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ a: cv(`${key}.${i}.conv1`, 3, c, c, 1), b: cv(`${key}.${i}.conv2`, 3, c, c, 1) }));

    // E_c
    this.cIn = [cv('content.conv0', 7, 3, c / 4, 1), cv('content.conv1', 4, c / 4, c / 2, 2), cv('content.conv2', 4, c / 2, c, 2)];
    this.cRes = res('content.res', nRes(opts.contentResBlocks, MDUIT_DEFAULTS.contentResBlocks, 'contentResBlocks'));
    // H
    this.gemP = param(() => tf.scalar(3), `${p}/head.gem.p`);
    this.named.set('head.gem.p', this.gemP);
    this.h1 = reg('head.fc1', denseLayer(r, `${p}/head.fc1`, c, c, init));
    this.h2 = reg('head.fc2', denseLayer(r, `${p}/head.fc2`, c, embedDim, init));

    if (this.i2i) {
      // E_a
      this.vgg = new Vgg16({ cut: 'conv3_3', name: `${p}/appearance.vgg`, rng: r, widthDivisor: div, trainable: opts.vggTrainable ?? false });
      for (const [n, v] of this.vgg.namedVariables()) this.named.set(`appearance.vgg.${n}`, v);
      const v = this.vgg.outChannels;
      this.aConv = [cv('appearance.conv0', 3, v, c, 2), cv('appearance.conv1', 3, c, c, 2)];
      this.aFc = reg('appearance.fc', denseLayer(r, `${p}/appearance.fc`, c, this.sizes.filterSize, init));
      // G
      this.gRes = res('generator.res', nRes(opts.generatorResBlocks, MDUIT_DEFAULTS.generatorResBlocks, 'generatorResBlocks'));
      this.gUp = [cv('generator.up0', 5, c, c / 2, 1), cv('generator.up1', 5, c / 2, c / 4, 1)];
      this.gOut = cv('generator.out', 7, c / 4, 3, 1);
      // D_i, D_a
      const nD = nRes(opts.discriminatorLayers, MDUIT_DEFAULTS.discriminatorLayers, 'discriminatorLayers');
      if (nD < 1) throw bad('discriminatorLayers >= 1', nD, 'MUNIT uses 4');
      const disc = (key: string, cin: number) => {
        const layers: ConvLayer[] = [];
        let w = cin;
        for (let i = 0; i < nD; i++) {
          const out = Math.min(c, (c / 4) * 2 ** i);
          layers.push(cv(`${key}.conv${i}`, 4, w, out, 2));
          w = out;
        }
        layers.push(cv(`${key}.out`, 1, w, 1, 1));
        return layers;
      };
      this.di = disc('disc_image', 3);
      this.da = disc('disc_appearance', 6);
    } else {
      this.vgg = null;
      this.aConv = [];
      this.aFc = null;
      this.gRes = [];
      this.gUp = [];
      this.gOut = null;
      this.di = [];
      this.da = [];
    }
  }

  private needI2i(what: string): void {
    if (!this.i2i) throw new CvglError(`MDUIT.${what}: a model with the image-translation module (i2i: true)`, 'a model built with i2i: false (E_c and H only)', 'build it with i2i: true, or use content() / project() only');
  }

  /** E_c: images [B, H, W, 3] in [−1, 1] → content features f [B, H/4, W/4, c]. */
  content(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      for (const l of this.cIn) h = tf.relu(instanceNorm(conv(h, l)));
      for (const rb of this.cRes) h = tf.add(h, instanceNorm(conv(tf.relu(instanceNorm(conv(h, rb.a))), rb.b))) as tf.Tensor4D;
      return h;
    });
  }

  /** E_a: images [B, H, W, 3] in [−1, 1] → appearance filters W [B, k, k, c/G, c'] (VGG16 relu3_3, two convs, average pooling, linear). */
  appearance(x: tf.Tensor4D): tf.Tensor {
    this.needI2i('appearance');
    return tf.tidy(() => {
      const rgb01 = tf.div(tf.add(x, 1), 2);
      const vggIn = tf.div(tf.sub(rgb01, tf.tensor1d(IMAGENET_MEAN)), tf.tensor1d(IMAGENET_STD)) as tf.Tensor4D;
      let h = this.vgg!.apply(vggIn);
      for (const l of this.aConv) h = tf.relu(conv(h, l));
      const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
      const { c, groups, kernel: k } = this.sizes;
      return tf.reshape(dense(pooled, this.aFc!), [x.shape[0], k, k, c / groups, c]);
    });
  }

  /** f ⊗ W (Eq. 1): the appearance-adaptive (group) convolution. */
  adapt(f: tf.Tensor4D, w: tf.Tensor): tf.Tensor4D {
    return dynamicGroupConv2d(f, w, this.sizes.groups);
  }

  /** G: appearance-representative content [B, h, w, c] → image [B, 4h, 4w, 3] in [−1, 1]. */
  generate(fa: tf.Tensor4D): tf.Tensor4D {
    this.needI2i('generate');
    return tf.tidy(() => {
      let h = fa;
      for (const rb of this.gRes) h = tf.add(h, conv(tf.relu(conv(h, rb.a)), rb.b)) as tf.Tensor4D;
      for (const l of this.gUp) h = tf.relu(conv(upsample2x(h), l));
      return tf.tanh(conv(h, this.gOut!)) as tf.Tensor4D;
    });
  }

  /** I_s→t = G(E_c(I_s) ⊗ E_a(I_t)) (Eq. 1). */
  translate(source: tf.Tensor4D, target: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.generate(this.adapt(this.content(source), this.appearance(target))));
  }

  /** H: content features [B, h, w, c] → z [B, K], unit rows (GeM, Linear, ReLU, Linear, l2). */
  project(f: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => l2NormalizeRows(dense(tf.relu(dense(gemPool(f, this.gemP), this.h1)), this.h2)));
  }

  /** z = H(E_c(I)): the descriptor retrieval uses (Sec. 3.3). */
  embedImages(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.project(this.content(x)));
  }

  /** The discriminator's layers on x; for D_a the first convolution reads the pair (a, b) as
   *  concatenated channels, computed as conv(a, W[:, :, :3]) + conv(b, W[:, :, 3:]) (the same
   *  numbers without a concat, whose gradient tfjs-wasm computes slowly). */
  private discriminate(layers: ConvLayer[], a: tf.Tensor4D, b?: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const first = layers[0]!;
      let h: tf.Tensor4D;
      if (b) {
        const cin = a.shape[3];
        const wa = tf.slice(first.w, [0, 0, 0, 0], [-1, -1, cin, -1]) as tf.Tensor4D;
        const wb = tf.slice(first.w, [0, 0, cin, 0], [-1, -1, b.shape[3], -1]) as tf.Tensor4D;
        h = tf.add(tf.add(tf.conv2d(a, wa, first.stride, 'same'), tf.conv2d(b, wb, first.stride, 'same')), first.b) as tf.Tensor4D;
      } else h = conv(a, first);
      h = tf.leakyRelu(h, 0.2);
      for (let i = 1; i < layers.length - 1; i++) h = tf.leakyRelu(conv(h, layers[i]!), 0.2);
      return conv(h, layers[layers.length - 1]!);
    });
  }

  /** D_i: logits [B, h', w', 1], one per patch, of "real image" (Eq. 2, first line). */
  discriminateImage(x: tf.Tensor4D): tf.Tensor4D {
    this.needI2i('discriminateImage');
    return this.discriminate(this.di, x);
  }

  /** D_a: logits of "a and b have the same appearance", the pair concatenated along channels (Eq. 2, second line). */
  discriminateAppearance(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
    this.needI2i('discriminateAppearance');
    return this.discriminate(this.da, a, b);
  }

  /** Every variable by name (`content.*`, `appearance.vgg.features.N.*`, `appearance.*`, `generator.*`, `disc_image.*`, `disc_appearance.*`, `head.*`). */
  namedVariables(): Map<string, tf.Variable> {
    return new Map(this.named);
  }

  /** The trainable variables of the minimising side of Eq. 6: E_c, E_a, G, H. */
  generatorVariables(): Map<string, tf.Variable> {
    return new Map([...this.named].filter(([n, v]) => v.trainable && !n.startsWith('disc_')));
  }

  /** The trainable variables of the maximising side of Eq. 6: D_i, D_a. */
  discriminatorVariables(): Map<string, tf.Variable> {
    return new Map([...this.named].filter(([n, v]) => v.trainable && n.startsWith('disc_')));
  }
}
