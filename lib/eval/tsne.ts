/**
 * t-SNE to 2-D (van der Maaten & Hinton 2008, ref. [46] of the thesis 003): the first of the
 * thesis' three feature-distribution plots (Sec. 3.3; Figs. 4.3 and 4.4, column 1, "features in
 * R² by t-SNE dimensionality reduction"). Columns 2 and 3 (S¹ and the vMF KDE on angles) are in
 * circle.ts and vmf_kde.ts.
 *
 * Follows scikit-learn 1.2's `TSNE` defaults so that plots and numbers are comparable:
 *   - perplexity 30; sparse P over the min(n − 1, ⌊3·perplexity + 1⌋) exact nearest neighbours
 *     (squared Euclidean), per-point bandwidths by binary search, symmetrised and normalised
 *     (tsne_affinities.ts);
 *   - init 'pca' scaled to std 1e-4 along the first component (tsne_pca.ts), or 'random'
 *     N(0, 1e-4²);
 *   - gradient descent of `_gradient_descent`: 250 iterations with P exaggerated ×12 and momentum
 *     0.5, then momentum 0.8 up to nIter = 1000, each phase starting with zero update and unit
 *     gains; delta-bar-delta gains (+0.2 when the step and gradient disagree in sign, ×0.8
 *     otherwise, floor 0.01); learning rate 'auto' = max(n / 12 / 4, 50); every 50 iterations the
 *     KL divergence is checked: stop after 300 iterations without improvement (250 in the first
 *     phase) or when ‖gains·∇‖ ≤ 1e-7;
 *   - Barnes–Hut repulsion with θ = 0.5 (tsne_gradient.ts), or exact repulsion over all pairs
 *     (method 'exact', the 'auto' choice for n ≤ 1000 where it is about as fast).
 * Differences from scikit-learn: float64 throughout (it uses float32 in the gradient); its
 * method='exact' also uses a dense P, ours keeps the sparse one; the PCA is our own randomised
 * range finder, so signs and the last digits of the init can differ.
 *
 * Everything random draws from `SeededRandom(seed)`: the same seed and data give the same bits.
 */
import { CvglError } from '../engine/errors.js';
import { SeededRandom } from '../engine/random.js';
import { conditionalProbabilities, nearestNeighbours, symmetrise, type SparseRows } from './tsne_affinities.js';
import { gradientWorkspace, klGradient } from './tsne_gradient.js';
import { pcaInit } from './tsne_pca.js';

export { trustworthiness } from './trustworthiness.js';

export type TsneStage = 'neighbours' | 'affinities' | 'optimise';

export interface TsneOptions {
  /** Effective number of neighbours (Eq. 1 of [46]); default 30. Must be below n − 1. */
  perplexity?: number;
  /** Factor on P during the first `exaggerationIterations`; default 12. */
  earlyExaggeration?: number;
  /** Default 250 (scikit-learn's `_EXPLORATION_N_ITER`). */
  exaggerationIterations?: number;
  /** Total iterations (both phases); default 1000, at least `exaggerationIterations`. */
  nIter?: number;
  /** Step size, or 'auto' = max(n / earlyExaggeration / 4, 50) (default). */
  learningRate?: number | 'auto';
  /** Default 'pca'; or an [n, 2] initial embedding. */
  init?: 'pca' | 'random' | Float64Array;
  /** 'barnes_hut', 'exact' (O(n²) repulsion) or 'auto' (exact for n ≤ 1000). */
  method?: 'auto' | 'barnes_hut' | 'exact';
  /** Barnes–Hut opening angle θ in [0, 0.7]; default 0.5. */
  theta?: number;
  /** Iterations without a lower KL (checked every 50) after which the second phase stops; default 300. */
  nIterWithoutProgress?: number;
  /** Stop when the norm of the gain-scaled gradient falls to this; default 1e-7. */
  minGradNorm?: number;
  /** Seed of everything random (PCA range finder, random init); default 0. */
  seed?: number;
  /** Called now and then: rows done while finding neighbours/affinities, then iterations done. */
  onProgress?: (done: number, total: number, stage: TsneStage) => void;
}

export interface TsneResult {
  /** The embedding, [n, 2] row-major. */
  y: Float64Array;
  /** KL(P‖Q) at the last iteration (scikit-learn's `kl_divergence_`). */
  klDivergence: number;
  /** Iterations run (early stopping can make it fewer than nIter). */
  iterations: number;
  /** The learning rate used (scikit-learn's `learning_rate_`). */
  learningRate: number;
  /** Whether the repulsion was exact or Barnes–Hut. */
  method: 'barnes_hut' | 'exact';
}

interface Resolved {
  perplexity: number;
  exaggeration: number;
  exIters: number;
  nIter: number;
  lr: number;
  init: 'pca' | 'random' | Float64Array;
  exact: boolean;
  theta: number;
  noProgress: number;
  minGradNorm: number;
  seed: number;
}

const bad = (expected: string, found: string, fix: string) => new CvglError(`t-SNE: ${expected}`, found, fix);

function resolve(data: Float32Array | Float64Array, n: number, dim: number, o: TsneOptions): Resolved {
  if (!Number.isInteger(n) || n < 2 || !Number.isInteger(dim) || dim < 1) {
    throw bad('n ≥ 2 points of dim ≥ 1 values', `n = ${n}, dim = ${dim}`, 'pass the number of points and the descriptor size');
  }
  if (data.length !== n * dim) {
    throw bad(`n · dim = ${n * dim} values (row-major [n, dim])`, `${data.length} values`, 'pass the descriptors as one row-major array with the matching n and dim');
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw bad('finite descriptor values', `${data[i]} at row ${Math.floor(i / dim)}, column ${i % dim}`, 'drop or repair the non-finite descriptors before the embedding');
    }
  }
  const perplexity = o.perplexity ?? 30;
  if (!(perplexity > 0) || !(perplexity < n - 1)) {
    throw bad(
      'a perplexity above 0 and below n − 1 (each point needs more neighbours than its perplexity)',
      `perplexity ${perplexity} for n = ${n} points`,
      `lower the perplexity (below ${n - 1}; about n / 3 or less, and 5–50 as usual), or embed more points`,
    );
  }
  const exaggeration = o.earlyExaggeration ?? 12;
  if (!(exaggeration >= 1)) throw bad('an early exaggeration ≥ 1', String(exaggeration), 'use the default 12, or 1 for none');
  const exIters = o.exaggerationIterations ?? 250;
  const nIter = o.nIter ?? 1000;
  if (!Number.isInteger(exIters) || exIters < 0 || !Number.isInteger(nIter) || nIter < exIters) {
    throw bad('integer iteration counts with nIter ≥ exaggerationIterations ≥ 0', `nIter ${nIter}, exaggerationIterations ${exIters}`, 'use the defaults 1000 and 250');
  }
  const lrOpt = o.learningRate ?? 'auto';
  const lr = lrOpt === 'auto' ? Math.max(n / exaggeration / 4, 50) : lrOpt;
  if (!(lr > 0)) throw bad("a positive learning rate or 'auto'", String(lrOpt), "use 'auto'");
  const theta = o.theta ?? 0.5;
  if (!(theta >= 0 && theta <= 0.7)) {
    throw bad('a Barnes–Hut angle θ in [0, 0.7]', String(theta), 'use 0.5 (0 is exact; larger is faster and coarser)');
  }
  const method = o.method ?? 'auto';
  if (method !== 'auto' && method !== 'exact' && method !== 'barnes_hut') {
    throw bad("method 'auto', 'exact' or 'barnes_hut'", String(method), "use 'auto'");
  }
  const init = o.init ?? 'pca';
  if (init instanceof Float64Array) {
    if (init.length !== 2 * n || !init.every(Number.isFinite)) {
      throw bad(`an initial embedding of ${2 * n} finite values ([n, 2])`, `${init.length} values`, "pass [n, 2] coordinates, or init: 'pca'");
    }
  } else if (init !== 'pca' && init !== 'random') {
    throw bad("init 'pca', 'random' or an [n, 2] Float64Array", String(init), "use 'pca'");
  }
  return {
    perplexity,
    exaggeration,
    exIters,
    nIter,
    lr,
    init,
    exact: method === 'exact' || (method === 'auto' && n <= 1000),
    theta,
    noProgress: o.nIterWithoutProgress ?? 300,
    minGradNorm: o.minGradNorm ?? 1e-7,
    seed: o.seed ?? 0,
  };
}

/** The symmetrised sparse P of the data (scikit-learn's `_joint_probabilities_nn`). */
export function* jointProbabilities(x: Float64Array, n: number, dim: number, perplexity: number, report?: TsneOptions['onProgress']): Generator<void, SparseRows> {
  const k = Math.min(n - 1, Math.floor(3 * perplexity + 1));
  const knn = nearestNeighbours(x, n, dim, k);
  let r = knn.next();
  while (!r.done) {
    report?.(r.value, n, 'neighbours');
    yield;
    r = knn.next();
  }
  const cp = conditionalProbabilities(r.value, n, perplexity);
  let c = cp.next();
  while (!c.done) {
    report?.(c.value, n, 'affinities');
    yield;
    c = cp.next();
  }
  return symmetrise(r.value, c.value, n);
}

/** The whole run as a generator: yields after every iteration (and every block of rows before). */
function* tsneSteps(data: Float32Array | Float64Array, n: number, dim: number, o: TsneOptions): Generator<void, TsneResult> {
  const cfg = resolve(data, n, dim, o);
  const x = data instanceof Float64Array ? data : Float64Array.from(data);
  const report = o.onProgress;
  const p = yield* jointProbabilities(x, n, dim, cfg.perplexity, report);
  const rng = new SeededRandom(cfg.seed);
  let y: Float64Array;
  if (cfg.init instanceof Float64Array) y = Float64Array.from(cfg.init);
  else if (cfg.init === 'pca') y = pcaInit(x, n, dim, rng);
  else y = Float64Array.from({ length: 2 * n }, () => 1e-4 * rng.normal());

  const ws = gradientWorkspace(n);
  const grad = new Float64Array(2 * n);
  const update = new Float64Array(2 * n);
  const gains = new Float64Array(2 * n);
  const CHECK = 50;
  let kl = NaN;
  let it = -1;
  const phases = [
    { from: 0, to: cfg.exIters, momentum: 0.5, exaggeration: cfg.exaggeration, noProgress: cfg.exIters },
    { from: -1, to: cfg.nIter, momentum: 0.8, exaggeration: 1, noProgress: cfg.noProgress },
  ];
  for (const [ph, phase] of phases.entries()) {
    const from = ph === 0 ? phase.from : it + 1;
    if (from >= phase.to) continue;
    update.fill(0);
    gains.fill(1);
    let best = Infinity;
    let bestIter = from;
    for (let i = from; i < phase.to; i++) {
      it = i;
      const check = (i + 1) % CHECK === 0;
      const err = klGradient(p, y, grad, {
        theta: cfg.theta,
        exact: cfg.exact,
        exaggeration: phase.exaggeration,
        withError: check || i === phase.to - 1,
        ws,
      });
      if (!Number.isNaN(err)) kl = err;
      let norm2 = 0;
      for (let e = 0; e < 2 * n; e++) {
        const g = grad[e]!;
        let gain = update[e]! * g < 0 ? gains[e]! + 0.2 : gains[e]! * 0.8;
        if (gain < 0.01) gain = 0.01;
        gains[e] = gain;
        const sg = g * gain;
        norm2 += sg * sg;
        const u = phase.momentum * update[e]! - cfg.lr * sg;
        update[e] = u;
        y[e] = y[e]! + u;
      }
      if (!Number.isFinite(norm2)) {
        throw bad(
          'a finite gradient',
          `a non-finite gradient at iteration ${i + 1}`,
          'lower the learning rate, or check the descriptors for extreme values (standardise them)',
        );
      }
      report?.(i + 1, cfg.nIter, 'optimise');
      yield;
      if (check) {
        if (err < best) {
          best = err;
          bestIter = i;
        } else if (i - bestIter > phase.noProgress) break;
        if (Math.sqrt(norm2) <= cfg.minGradNorm) break;
      }
    }
  }
  return { y, klDivergence: kl, iterations: it + 1, learningRate: cfg.lr, method: cfg.exact ? 'exact' : 'barnes_hut' };
}

/** t-SNE of `data` ([n, dim] row-major) to 2-D, synchronously (blocks until done). */
export function tsneSync(data: Float32Array | Float64Array, n: number, dim: number, opts: TsneOptions = {}): TsneResult {
  const steps = tsneSteps(data, n, dim, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * t-SNE of `data` ([n, dim] row-major) to 2-D. Runs on the calling thread but gives the event
 * loop a turn about every 50 ms (a notebook kernel or CLI spinner keeps running), reporting
 * progress through `opts.onProgress`. Same result as `tsneSync` for the same options.
 */
export async function tsne(data: Float32Array | Float64Array, n: number, dim: number, opts: TsneOptions = {}): Promise<TsneResult> {
  const steps = tsneSteps(data, n, dim, opts);
  let last = Date.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (Date.now() - last > 50) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = Date.now();
    }
  }
}
