/**
 * NetVLAD (Arandjelović et al., CVPR 2016 — MDUIT's reference [35], the baseline row of its
 * Table 1): VGG16 cropped at conv5_3 and a NetVLAD layer,
 *
 *   a_k(x_i) = softmax_k(w_k · x_i + b_k)                        (soft assignment, a 1×1 conv)
 *   V(j, k)  = Σ_i a_k(x_i) (x_i(j) − c_k(j))                     (residuals to K centroids)
 *   v        = l2( flatten( intra-l2(V) ) )                       (K·D descriptor)
 *
 * with the local descriptors x_i L2-normalised across channels first (as NetVLAD's released
 * implementation does), and the layer initialised from centroids c_k taken from the data:
 * w_k = 2α c_k, b_k = −α ‖c_k‖² (NetVLAD Sec. 3.1), α = 30 (assumption). VGG16's conv5_3 keeps its
 * ReLU here (NetVLAD crops before it; lib/models/vgg16.ts always applies it — a small difference).
 * No PCA whitening (the 4096-d projection of the paper needs a large training set).
 *
 * Training (MDUIT's baseline is NetVLAD trained for place recognition on day images): the
 * weakly supervised triplet ranking loss of NetVLAD Eq. 7,
 *   L = Σ_j max(0, min_i d²(q, p_i) + m − d²(q, n_j)),  m = 0.1,
 * on squared Euclidean distances of the descriptors, `netvladTripletLoss`.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { rng as globalRng, type Rng } from '../engine/rng.js';
import { l2Normalize, l2NormalizeRows } from '../nn/l2.js';
import { param } from '../nn/param.js';
import { NamedVariableModel } from './model.js';
import { Vgg16 } from './vgg16.js';

export interface NetVladOptions {
  name?: string;
  rng?: Rng;
  /** Divides every VGG16 width (1: VGG16). */
  widthDivisor?: number;
  /** Clusters K (NetVLAD: 64). */
  clusters?: number;
  /** Softness α of the assignment initialisation. */
  alpha?: number;
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

export class NetVlad extends NamedVariableModel {
  readonly name: string;
  readonly vgg: Vgg16;
  readonly clusters: number;
  readonly dim: number;
  readonly alpha: number;
  readonly centroids: tf.Variable; // [K, D]
  readonly assignW: tf.Variable; // [D, K]
  readonly assignB: tf.Variable; // [K]

  constructor(opts: NetVladOptions = {}) {
    super();
    const r = opts.rng ?? globalRng;
    this.name = opts.name ?? 'netvlad';
    this.clusters = opts.clusters ?? 64;
    this.alpha = opts.alpha ?? 30;
    if (!Number.isInteger(this.clusters) || this.clusters < 1) throw new CvglError('NetVLAD: clusters K, a positive integer', String(this.clusters), 'NetVLAD uses K = 64');
    this.vgg = new Vgg16({ cut: 'conv5_3', name: `${this.name}/vgg`, rng: r, widthDivisor: opts.widthDivisor ?? 1 });
    this.dim = this.vgg.outChannels;
    const c = tf.tidy(() => l2NormalizeRows(r.normalTensor([this.clusters, this.dim]) as tf.Tensor2D));
    this.centroids = param(() => tf.clone(c), `${this.name}/centroids`);
    this.assignW = param(() => tf.mul(tf.transpose(c), 2 * this.alpha), `${this.name}/assign.weight`);
    this.assignB = param(() => tf.mul(tf.sum(tf.square(c), 1), -this.alpha), `${this.name}/assign.bias`);
    c.dispose();
  }

  /** Images in [−1, 1] → conv5_3 local descriptors [B, H', W', D], L2-normalised across channels. */
  localFeatures(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const rgb01 = tf.div(tf.add(x, 1), 2);
      const f = this.vgg.apply(tf.div(tf.sub(rgb01, tf.tensor1d(IMAGENET_MEAN)), tf.tensor1d(IMAGENET_STD)) as tf.Tensor4D);
      return l2Normalize(f, 3);
    });
  }

  /** Re-initialises the centroids and the assignment from local descriptors [N, D] (NetVLAD Sec. 3.1). */
  initFromDescriptors(desc: tf.Tensor2D, r: Rng): void {
    const n = desc.shape[0];
    if (n < this.clusters) throw new CvglError(`NetVLAD init: at least K = ${this.clusters} local descriptors`, String(n), 'pass more images');
    const picks = r.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, this.clusters);
    tf.tidy(() => {
      const c = l2NormalizeRows(tf.gather(desc, picks) as tf.Tensor2D);
      this.centroids.assign(c);
      this.assignW.assign(tf.mul(tf.transpose(c), 2 * this.alpha));
      this.assignB.assign(tf.mul(tf.sum(tf.square(c), 1), -this.alpha));
    });
  }

  /** The NetVLAD descriptor [B, K·D], unit rows. */
  embedImages(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => netvladLayer(this.localFeatures(x), this.assignW as tf.Tensor2D, this.assignB as tf.Tensor1D, this.centroids as tf.Tensor2D));
  }

  descriptorLength(): number {
    return this.clusters * this.dim;
  }

  namedVariables(): Map<string, tf.Variable> {
    const m = new Map<string, tf.Variable>();
    for (const [k, v] of this.vgg.namedVariables()) m.set(`vgg.${k}`, v);
    m.set('netvlad.centroids', this.centroids);
    m.set('netvlad.assign.weight', this.assignW);
    m.set('netvlad.assign.bias', this.assignB);
    return m;
  }
}

/**
 * The NetVLAD layer (NetVLAD Eq. 4 with the soft assignment of Eq. 3): local descriptors
 * f [B, H, W, D] (L2-normalised), assignment w [D, K], b [K], centroids c [K, D] → [B, K·D]:
 * V(k) = Σ_i a_k(x_i)(x_i − c_k), each V(k) L2-normalised (intra-normalisation), then the whole.
 */
export function netvladLayer(f: tf.Tensor4D, w: tf.Tensor2D, b: tf.Tensor1D, c: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, wd, d] = f.shape;
    const k = c.shape[0];
    const xs = tf.reshape(f, [n, h * wd, d]); // [B, N, D]
    const a = tf.reshape(tf.softmax(tf.add(tf.matMul(tf.reshape(xs, [n * h * wd, d]), w), b), -1), [n, h * wd, k]); // [B, N, K]
    // V = aᵀ x − (Σ_i a_ik) c_k : [B, K, D]
    const v = tf.sub(tf.matMul(a, xs, true, false), tf.mul(tf.expandDims(tf.sum(a, 1), 2), tf.expandDims(c, 0)));
    const intra = l2Normalize(v, 2);
    return l2NormalizeRows(tf.reshape(intra, [n, k * d]) as tf.Tensor2D);
  });
}

/**
 * NetVLAD's weakly supervised triplet ranking loss (Eq. 7), averaged over the batch: queries
 * q [B, D], their best positives p [B, D], negatives n [B, N, D]; squared Euclidean distances.
 */
export function netvladTripletLoss(q: tf.Tensor2D, p: tf.Tensor2D, n: tf.Tensor3D, margin = 0.1): tf.Scalar {
  if (p.shape.join() !== q.shape.join() || n.rank !== 3 || n.shape[0] !== q.shape[0] || n.shape[2] !== q.shape[1]) {
    throw new CvglError('netvladTripletLoss: q [B, D], p [B, D], negatives [B, N, D]', `q [${q.shape}], p [${p.shape}], n [${n.shape}]`, 'embed one best positive and N negatives per query');
  }
  return tf.tidy(() => {
    const dPos = tf.sum(tf.square(tf.sub(q, p)), 1, true); // [B, 1]
    const dNeg = tf.sum(tf.square(tf.sub(tf.expandDims(q, 1), n)), 2); // [B, N]
    return tf.mean(tf.sum(tf.relu(tf.sub(tf.add(dPos, margin), dNeg)), 1)) as tf.Scalar;
  });
}
