/**
 * The gradient of the t-SNE cost C = KL(P‖Q) = Σ p_ij log(p_ij / q_ij) in 2-D, with the
 * Student-t (one degree of freedom) similarities q_ij = w_ij / Z, w_ij = (1 + ‖y_i − y_j‖²)⁻¹,
 * Z = Σ_{k≠l} w_kl (Eq. 4 of van der Maaten & Hinton 2008, ref. [46] of the thesis 003):
 *
 *   ∂C/∂y_i = 4 Σ_j (p_ij − q_ij) w_ij (y_i − y_j)                       (Eq. 5 of [46])
 *           = 4 [ Σ_j p_ij w_ij (y_i − y_j)  −  (1/Z) Σ_j w_ij² (y_i − y_j) ]
 *
 * The attractive sum runs over the sparse P only; the repulsive sum either exactly over all pairs
 * (O(n²)) or by Barnes–Hut on a quadtree (van der Maaten 2014, "Accelerating t-SNE using
 * tree-based algorithms", Sec. 4.2): a cell of width w at distance d from y_i whose
 * w / d < θ stands for all its points at their centre of mass.
 */
import type { SparseRows } from './tsne_affinities.js';

/** Float32's smallest normal, the floor scikit-learn puts under p and q inside the log. */
const TINY = 1.1754943508222875e-38;

/** Cells deeper than this keep several (coincident) points in one leaf. */
const MAX_DEPTH = 48;

/** A quadtree over 2-D points, rebuilt in place each iteration (arrays grow as needed). */
export class QuadTree {
  private cap = 0;
  private nodes = 0;
  cx = new Float64Array(0);
  cy = new Float64Array(0);
  half = new Float64Array(0);
  comX = new Float64Array(0);
  comY = new Float64Array(0);
  count = new Int32Array(0);
  /** Index of the first of four consecutive children, or −1 for a leaf. */
  firstChild = new Int32Array(0);
  /** The point a leaf holds (the first one, for a leaf of coincident points). */
  point = new Int32Array(0);
  /** The leaf each point ended in. */
  leafOf = new Int32Array(0);
  /** Points in the order they were inserted (Morton order). */
  order = new Int32Array(0);
  private keys = new Float64Array(0);
  private packed = new Float64Array(0);

  private grow(min: number): void {
    const cap = Math.max(min, this.cap * 2, 64);
    const f = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a.subarray(0, this.nodes));
      return b;
    };
    const g = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a.subarray(0, this.nodes));
      return b;
    };
    this.cx = f(this.cx);
    this.cy = f(this.cy);
    this.half = f(this.half);
    this.comX = f(this.comX);
    this.comY = f(this.comY);
    this.count = g(this.count);
    this.firstChild = g(this.firstChild);
    this.point = g(this.point);
    this.cap = cap;
  }

  private newNode(cx: number, cy: number, half: number): number {
    if (this.nodes >= this.cap) this.grow(this.nodes + 4);
    const i = this.nodes++;
    this.cx[i] = cx;
    this.cy[i] = cy;
    this.half[i] = half;
    this.comX[i] = 0;
    this.comY[i] = 0;
    this.count[i] = 0;
    this.firstChild[i] = -1;
    this.point[i] = -1;
    return i;
  }

  /** Builds the tree over y ([n, 2], row-major). */
  build(y: Float64Array, n: number): void {
    if (this.cap < 4 * n + 8) this.grow(4 * n + 8);
    if (this.leafOf.length < n) this.leafOf = new Int32Array(n);
    this.nodes = 0;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = y[2 * i]!, v = y[2 * i + 1]!;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (v < minY) minY = v;
      if (v > maxY) maxY = v;
    }
    const half = Math.max(maxX - minX, maxY - minY) / 2;
    this.newNode((minX + maxX) / 2, (minY + maxY) / 2, half * (1 + 1e-6) + 1e-12);
    // insert in Morton (Z-curve) order: nodes come out allocated in spatial order, and the
    // traversals, made in that order too, walk memory that the previous one just touched
    if (this.order.length !== n) {
      this.order = new Int32Array(n);
      this.keys = new Float64Array(n);
    }
    const scale = 8191 / Math.max(2 * half, 1e-300);
    for (let i = 0; i < n; i++) {
      const gx = Math.min(8191, Math.max(0, Math.floor((y[2 * i]! - minX) * scale)));
      const gy = Math.min(8191, Math.max(0, Math.floor((y[2 * i + 1]! - minY) * scale)));
      this.keys[i] = interleave13(gx, gy) * 67108864 + i;
    }
    this.keys.sort();
    for (let i = 0; i < n; i++) {
      const p = this.keys[i]! % 67108864;
      this.order[i] = p;
      this.insert(y, p, y[2 * p]!, y[2 * p + 1]!);
    }
    // the traversal's compact copy: [comX, comY, width², count] per node
    if (this.packed.length < 4 * this.nodes) this.packed = new Float64Array(4 * this.cap);
    const pk = this.packed;
    for (let v = 0; v < this.nodes; v++) {
      pk[4 * v] = this.comX[v]!;
      pk[4 * v + 1] = this.comY[v]!;
      pk[4 * v + 2] = 4 * this.half[v]! * this.half[v]!;
      pk[4 * v + 3] = this.count[v]!;
    }
  }

  private insert(y: Float64Array, p: number, px: number, py: number): void {
    let node = 0;
    for (let depth = 0; ; depth++) {
      const c = this.count[node]!;
      this.comX[node] = (this.comX[node]! * c + px) / (c + 1);
      this.comY[node] = (this.comY[node]! * c + py) / (c + 1);
      this.count[node] = c + 1;
      if (this.firstChild[node] === -1) {
        if (c === 0) {
          this.point[node] = p;
          this.leafOf[p] = node;
          return;
        }
        if (depth >= MAX_DEPTH) {
          this.leafOf[p] = node; // coincident points share the leaf
          return;
        }
        // split: four children, the resident point moves down into its quadrant
        const h = this.half[node]! / 2;
        const ncx = this.cx[node]!, ncy = this.cy[node]!;
        const first = this.newNode(ncx - h, ncy - h, h);
        this.newNode(ncx + h, ncy - h, h);
        this.newNode(ncx - h, ncy + h, h);
        this.newNode(ncx + h, ncy + h, h);
        this.firstChild[node] = first;
        const q = this.point[node]!; // the single resident (c = 1: only depth-capped leaves hold more)
        const rx = y[2 * q]!, ry = y[2 * q + 1]!;
        const qc = first + (rx >= ncx ? 1 : 0) + (ry >= ncy ? 2 : 0);
        this.count[qc] = 1;
        this.comX[qc] = rx;
        this.comY[qc] = ry;
        this.point[qc] = q;
        this.leafOf[q] = qc;
        this.point[node] = -1;
      }
      node = this.firstChild[node]! + (px >= this.cx[node]! ? 1 : 0) + (py >= this.cy[node]! ? 2 : 0);
    }
  }

  /**
   * Barnes–Hut repulsion on point i: adds Σ_j w_ij² (y_i − y_j) into rep[2i], rep[2i+1] and
   * returns Σ_{j≠i} w_ij (its share of Z).
   */
  repulsion(i: number, yx: number, yy: number, theta2: number, stack: Int32Array, rep: Float64Array): number {
    const pk = this.packed;
    const firstChild = this.firstChild;
    let sp = 0;
    stack[sp++] = 0;
    let z = 0, fx = 0, fy = 0;
    const own = this.leafOf[i]!;
    while (sp > 0) {
      const node = stack[--sp]!;
      const b = 4 * node;
      const c = pk[b + 3]!;
      if (c === 0) continue;
      const dx = yx - pk[b]!;
      const dy = yy - pk[b + 1]!;
      const d2 = dx * dx + dy * dy;
      const fc = firstChild[node]!;
      if (fc === -1 || pk[b + 2]! < theta2 * d2) {
        const m = node === own ? c - 1 : c;
        if (m === 0) continue;
        const q = 1 / (1 + d2);
        z += m * q;
        const mq2 = m * q * q;
        fx += mq2 * dx;
        fy += mq2 * dy;
      } else {
        stack[sp++] = fc;
        stack[sp++] = fc + 1;
        stack[sp++] = fc + 2;
        stack[sp++] = fc + 3;
      }
    }
    rep[2 * i] = fx;
    rep[2 * i + 1] = fy;
    return z;
  }
}

/** Bits of gx and gy (13 each) interleaved into a 26-bit Morton code. */
function interleave13(gx: number, gy: number): number {
  let code = 0;
  for (let b = 12; b >= 0; b--) code = code * 4 + ((gy >> b) & 1) * 2 + ((gx >> b) & 1);
  return code;
}

/** Reusable buffers of one optimisation run. */
export interface GradientWorkspace {
  tree: QuadTree;
  rep: Float64Array;
  stack: Int32Array;
}

export function gradientWorkspace(n: number): GradientWorkspace {
  return { tree: new QuadTree(), rep: new Float64Array(2 * n), stack: new Int32Array(4 * MAX_DEPTH + 16) };
}

/** Exact repulsion over all pairs: rep_i = Σ_j w_ij² (y_i − y_j); returns Z. */
function exactRepulsion(y: Float64Array, n: number, rep: Float64Array): number {
  rep.fill(0);
  let z = 0;
  for (let i = 0; i < n; i++) {
    const xi = y[2 * i]!, yi = y[2 * i + 1]!;
    let fx = rep[2 * i]!, fy = rep[2 * i + 1]!;
    for (let j = i + 1; j < n; j++) {
      const dx = xi - y[2 * j]!, dy = yi - y[2 * j + 1]!;
      const q = 1 / (1 + dx * dx + dy * dy);
      z += 2 * q;
      const q2 = q * q;
      fx += q2 * dx;
      fy += q2 * dy;
      rep[2 * j] = rep[2 * j]! - q2 * dx;
      rep[2 * j + 1] = rep[2 * j + 1]! - q2 * dy;
    }
    rep[2 * i] = fx;
    rep[2 * i + 1] = fy;
  }
  return z;
}

/**
 * ∂C/∂y (Eq. 5 of [46]) into `grad` ([n, 2]) for P scaled by `exaggeration`; θ = 0 or
 * `exact` sums the repulsion over all pairs. Returns KL(exaggeration·P ‖ Q) when `withError`
 * (as scikit-learn reports it, including during early exaggeration), else NaN.
 */
export function klGradient(
  p: SparseRows,
  y: Float64Array,
  grad: Float64Array,
  opts: { theta: number; exact: boolean; exaggeration: number; withError: boolean; ws: GradientWorkspace },
): number {
  const n = p.n;
  const { rep, stack, tree } = opts.ws;
  let z: number;
  if (opts.exact) z = exactRepulsion(y, n, rep);
  else {
    tree.build(y, n);
    z = 0;
    const theta2 = opts.theta * opts.theta;
    const order = tree.order;
    for (let t = 0; t < n; t++) {
      const i = order[t]!;
      z += tree.repulsion(i, y[2 * i]!, y[2 * i + 1]!, theta2, stack, rep);
    }
  }
  const invZ = 1 / z;
  const ex = opts.exaggeration;
  const { rowPtr, cols, vals } = p;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    const xi = y[2 * i]!, yi = y[2 * i + 1]!;
    let ax = 0, ay = 0;
    for (let e = rowPtr[i]!; e < rowPtr[i + 1]!; e++) {
      const j = cols[e]!;
      const dx = xi - y[2 * j]!, dy = yi - y[2 * j + 1]!;
      const w = 1 / (1 + dx * dx + dy * dy);
      const pw = ex * vals[e]! * w;
      ax += pw * dx;
      ay += pw * dy;
      if (opts.withError) {
        const pij = ex * vals[e]!;
        kl += pij * Math.log(Math.max(pij, TINY) / Math.max(w * invZ, TINY));
      }
    }
    grad[2 * i] = 4 * (ax - rep[2 * i]! * invZ);
    grad[2 * i + 1] = 4 * (ay - rep[2 * i + 1]! * invZ);
  }
  return opts.withError ? kl : NaN;
}

/** KL(P‖Q) exactly (all pairs for Z), for tests and reports. */
export function klDivergenceExact(p: SparseRows, y: Float64Array): number {
  const grad = new Float64Array(2 * p.n);
  return klGradient(p, y, grad, { theta: 0, exact: true, exaggeration: 1, withError: true, ws: gradientWorkspace(p.n) });
}
