/**
 * VGG16 feature extractor (Simonyan & Zisserman), conv1_1 … conv5_3 and the five 2x2 max-pools,
 * as listed in the thesis (003), appendix 6.1, `(vgg16): Sequential(0 … 30)`.
 * Any input size; NHWC; 3x3 convolutions with padding 1 (`same`).
 *
 * Parameters are tfjs variables named as torchvision names them (`features.0.weight`,
 * `features.0.bias`, …, `features.28.*`), filters in HWIO, so weight files keep those names.
 */
import { tf } from '../engine/tf.js';
import { rng as globalRng, type Rng } from '../engine/rng.js';
import { param } from '../nn/param.js';

/** Channel widths, 'M' = max-pool 2x2/2 (torchvision cfg "D"). */
export const VGG16_CFG = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'] as const;

/**
 * VGG16's layer list with every width divided by `divisor` (1, 2, 4, 8, …, 64): divisor 1 is
 * VGG16 itself; larger divisors give the same structure at a fraction of the cost (the quick
 * benchmark uses 8, a net the plain-JS cpu backend can train in seconds per step).
 */
export function vgg16Cfg(divisor = 1): (number | 'M')[] {
  if (!Number.isInteger(divisor) || divisor < 1 || 64 % divisor !== 0) {
    throw new RangeError(`VGG16 width divisor must divide 64 (1, 2, 4, …, 64), got ${divisor}`);
  }
  return VGG16_CFG.map((c) => (c === 'M' ? c : c / divisor));
}

/** Where the feature extractor stops (MDUIT's appearance encoder reads relu3_3: 'conv3_3'). */
export type Vgg16Cut = 'conv5_3' | 'pool5' | 'pool4' | 'conv4_3' | 'conv3_3';

export interface Vgg16Options {
  /** Default 'pool5': the full `features` block of the thesis' appendix. CVFT uses 'conv5_3'. */
  cut?: Vgg16Cut;
  /** Prefix of the variable names (unique per branch). */
  name?: string;
  rng?: Rng;
  trainable?: boolean;
  /** Divides every width (default 1: VGG16 itself); see `vgg16Cfg`. */
  widthDivisor?: number;
}

interface ConvLayer {
  index: number; // torchvision features index
  label: string; // conv1_1 …
  cin: number;
  cout: number;
  w: tf.Variable;
  b: tf.Variable;
}

/** One layer of VGG16's `features`, as torchvision numbers it (ReLUs take the odd indices). */
export type Vgg16LayerSpec =
  | { kind: 'conv'; index: number; label: string; cin: number; cout: number }
  | { kind: 'pool'; index: number; label: string };

/**
 * VGG16's `features` up to and including `cut`: 3x3 `same` convolutions (conv1_1 …) and 2x2/2
 * max-pools (pool1 …), widths divided by `widthDivisor`. The model, its FLOP and parameter
 * counts and the benchmark's memory estimate all walk this one list.
 */
export function vgg16Layers(cut: Vgg16Cut = 'pool5', widthDivisor = 1): Vgg16LayerSpec[] {
  const out: Vgg16LayerSpec[] = [];
  let cin = 3;
  let block = 1;
  let inBlock = 0;
  let index = 0;
  for (const c of vgg16Cfg(widthDivisor)) {
    if (c === 'M') {
      const label = `pool${block}`;
      out.push({ kind: 'pool', index, label });
      index += 1;
      if (label === cut) break;
      block += 1;
      inBlock = 0;
      continue;
    }
    inBlock += 1;
    const label = `conv${block}_${inBlock}`;
    out.push({ kind: 'conv', index, label, cin, cout: c });
    index += 2; // Conv2d + ReLU
    cin = c;
    if (label === cut) break;
  }
  return out;
}

/**
 * Multiply-accumulates of VGG16's forward convolutions up to `cut`, per conv layer, for one
 * h x w image (3x3 `same` convolutions; pools floor). Needs no model, so benchmarks can count
 * FLOPs before any tensor exists.
 */
export function vgg16ConvMacs(h: number, w: number, cut: Vgg16Cut = 'pool5', widthDivisor = 1): { label: string; macs: number }[] {
  const out: { label: string; macs: number }[] = [];
  for (const l of vgg16Layers(cut, widthDivisor)) {
    if (l.kind === 'pool') [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
    else out.push({ label: l.label, macs: h * w * 9 * l.cin * l.cout });
  }
  return out;
}

type Step = { kind: 'conv'; layer: ConvLayer } | { kind: 'pool'; label: string };

export class Vgg16 {
  readonly steps: Step[] = [];
  readonly convs: ConvLayer[] = [];
  readonly cut: Vgg16Cut;
  readonly name: string;
  readonly widthDivisor: number;

  constructor(opts: Vgg16Options = {}) {
    this.cut = opts.cut ?? 'pool5';
    this.name = opts.name ?? 'vgg16';
    this.widthDivisor = opts.widthDivisor ?? 1;
    const r = opts.rng ?? globalRng;
    for (const l of vgg16Layers(this.cut, this.widthDivisor)) {
      if (l.kind === 'pool') {
        this.steps.push({ kind: 'pool', label: l.label });
        continue;
      }
      // torchvision's init: Kaiming normal, fan_out, ReLU gain; zero bias.
      const std = Math.sqrt(2 / (3 * 3 * l.cout));
      const prefix = `${this.name}/features.${l.index}`;
      const layer: ConvLayer = {
        index: l.index,
        label: l.label,
        cin: l.cin,
        cout: l.cout,
        w: param(() => r.normalTensor([3, 3, l.cin, l.cout], 0, std), `${prefix}.weight`, opts.trainable ?? true),
        b: param(() => tf.zeros([l.cout]), `${prefix}.bias`, opts.trainable ?? true),
      };
      this.convs.push(layer);
      this.steps.push({ kind: 'conv', layer });
    }
  }

  /** Channels of the output feature map. */
  get outChannels(): number {
    return this.convs[this.convs.length - 1]!.cout;
  }

  /** Forward pass: x [N,H,W,3] -> features [N,H',W',C]. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h: tf.Tensor4D = x;
      for (const s of this.steps) {
        if (s.kind === 'pool') h = tf.maxPool(h, 2, 2, 'valid');
        else h = tf.relu(tf.add(tf.conv2d(h, s.layer.w as tf.Tensor4D, 1, 'same'), s.layer.b)) as tf.Tensor4D;
      }
      return h;
    });
  }

  /** Output spatial size for an input of h x w (pools floor, as MaxPool2d(2,2) does). */
  outputSize(h: number, w: number): [number, number] {
    for (const s of this.steps) if (s.kind === 'pool') [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
    return [h, w];
  }

  /** Multiply-accumulates of the forward convolutions, per conv layer, for one h x w image. */
  convMacs(h: number, w: number): { label: string; macs: number }[] {
    return vgg16ConvMacs(h, w, this.cut, this.widthDivisor);
  }

  variables(): tf.Variable[] {
    return this.convs.flatMap((c) => [c.w, c.b]);
  }

  /** Parameters by torchvision name (`features.N.weight` in HWIO, `features.N.bias`). */
  namedVariables(): Map<string, tf.Variable> {
    const m = new Map<string, tf.Variable>();
    for (const c of this.convs) {
      m.set(`features.${c.index}.weight`, c.w);
      m.set(`features.${c.index}.bias`, c.b);
    }
    return m;
  }

  paramCount(): number {
    return this.variables().reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}

/** Parameters of VGG16's `features` up to `cut` (14,714,688 to pool5 at full width). */
export function vgg16ParamCount(cut: Vgg16Cut = 'pool5', widthDivisor = 1): number {
  let n = 0;
  for (const l of vgg16Layers(cut, widthDivisor)) if (l.kind === 'conv') n += 9 * l.cin * l.cout + l.cout;
  return n;
}
