/**
 * The retrieval scan shared by recall@K, distance recall and the heat map: the similarity of every
 * query to every gallery item, computed chunk by chunk so that no query x gallery matrix larger
 * than `blockBytes` (default 128 MiB) ever exists, and handed to a visitor one query chunk at a
 * time as row-major scores [rows of the chunk, galleryN].
 *
 * Descriptors come as a `tf.Tensor2D` or as a plain `Float32Array` with its shape (what the
 * evaluator collects in JS memory): the gallery is uploaded (or sliced) and transposed in chunks
 * of `galleryChunk` rows (256 MiB of rows by default); the chunks stay on the backend between
 * query chunks when the whole gallery is within `residentBytes` (2 GiB), else they are uploaded
 * again for every query chunk.
 *
 * Scores (higher = better), per query row q and gallery row s_j:
 *   cosine  score_j = (q · s_j) / ‖s_j‖        (the query's own norm does not change its ranking;
 *                                              `cosineOf` turns a score into the cosine)
 *   l2      score_j = 2 q · s_j − ‖s_j‖²         (= ‖q‖² − ‖q − s_j‖², same order as −distance)
 * Every score of a query, its true item's included, comes out of the same matMul block and the
 * same per-column scaling, so an exact duplicate of a gallery row scores exactly as that row does.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';

export type Metric = 'cosine' | 'l2';

/** Descriptors held in JS memory: `data` row-major [shape[0], shape[1]]. */
export interface DescriptorArray {
  data: Float32Array;
  shape: [number, number];
}

export type Descriptors = tf.Tensor2D | DescriptorArray;

export interface ScanProgress {
  /** Queries scored so far, of `total`. */
  done: number;
  total: number;
  seconds: number;
}

export interface ScanOptions {
  metric?: Metric;
  /** Most bytes of one query-chunk x gallery score block (default 128 MiB). */
  blockBytes?: number;
  /** Query rows per chunk (default: what fits `blockBytes`). */
  queryChunk?: number;
  /** Gallery rows per uploaded chunk (default: 256 MiB of rows). */
  galleryChunk?: number;
  /** A gallery up to this size stays uploaded between query chunks (default 2 GiB). */
  residentBytes?: number;
  onProgress?: (p: ScanProgress) => void;
}

/** Called once per query chunk with the scores of queries [q0, q1): row r at r * galleryN. */
export type BlockVisitor = (q0: number, q1: number, scores: Float32Array) => void;

const MiB = 1024 * 1024;

export function isTensor(x: Descriptors): x is tf.Tensor2D {
  return x instanceof tf.Tensor;
}

/** [rows, dimension] of descriptors, validated. */
export function shapeOf(x: Descriptors, what: string): [number, number] {
  const shape = isTensor(x) ? x.shape : x.shape;
  if (shape.length !== 2 || !Number.isInteger(shape[0]) || !Number.isInteger(shape[1]) || shape[1] < 1) {
    throw new CvglError(`${what}: descriptors of shape [n, D]`, `shape [${shape.join(', ')}]`, 'pass a 2-D tensor or { data, shape: [n, D] }');
  }
  if (!isTensor(x) && x.data.length !== shape[0] * shape[1]) {
    throw new CvglError(`${what}: ${shape[0]} x ${shape[1]} = ${shape[0] * shape[1]} floats`, `${x.data.length}`, 'check the shape given with the array');
  }
  if (isTensor(x) && x.dtype !== 'float32') throw new CvglError(`${what}: float32 descriptors`, x.dtype, 'cast them with tf.cast(x, "float32")');
  return [shape[0], shape[1]];
}

/** Rows [start, end) on the current backend; `owned` says whether the caller must dispose it. */
export function rowsTensor(x: Descriptors, start: number, end: number): { t: tf.Tensor2D; owned: boolean } {
  if (isTensor(x)) {
    if (start === 0 && end === x.shape[0]) return { t: x, owned: false };
    return { t: tf.slice(x, [start, 0], [end - start, x.shape[1]]), owned: true };
  }
  const d = x.shape[1];
  return { t: tf.tensor2d(x.data.subarray(start * d, end * d), [end - start, d]), owned: true };
}

/**
 * Descriptors as a JS array: tensors are read back once with `await data()` (GPU backends in Node
 * have no synchronous read-back), arrays pass through.
 */
export async function descriptorArray(x: Descriptors): Promise<DescriptorArray> {
  if (!isTensor(x)) return x;
  return { data: (await x.data()) as Float32Array, shape: [x.shape[0], x.shape[1]] };
}

/** Squared L2 norm of every row, float64 accumulation, then rounded to float32. */
export function rowSquaredNorms(x: DescriptorArray): Float32Array {
  const [n, d] = x.shape;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = i * d, e = k + d; k < e; k++) s += x.data[k]! * x.data[k]!;
    out[i] = s;
  }
  return out;
}

interface GalleryChunk {
  start: number;
  end: number;
  /** The chunk's rows transposed, [D, rows]: tfjs-wasm's MatMul with transposeB takes a path several
   *  times slower (docs/benchmark.md), so the gallery is transposed once. */
  colsT: tf.Tensor2D | null;
  /** [1, rows]: 1/‖s‖ for cosine, ‖s‖² for l2. */
  column: tf.Tensor2D;
}

/** The gallery side of a scan: transposed chunks (kept, or uploaded per query chunk) and their column terms. */
class Gallery {
  readonly chunks: GalleryChunk[] = [];
  readonly resident: boolean;

  constructor(private readonly g: DescriptorArray, readonly n: number, d: number, readonly metric: Metric, o: ScanOptions) {
    const sq = rowSquaredNorms(g);
    const col = metric === 'cosine' ? sq.map((v) => (v > 0 ? 1 / Math.sqrt(v) : 0)) : sq;
    const per = Math.max(1, Math.min(n, o.galleryChunk ?? Math.floor((256 * MiB) / (4 * d))));
    this.resident = n * d * 4 <= (o.residentBytes ?? 2048 * MiB);
    for (let start = 0; start < n; start += per) {
      const end = Math.min(n, start + per);
      this.chunks.push({ start, end, colsT: null, column: tf.tensor2d(col.subarray(start, end), [1, end - start]) });
    }
  }

  cols(c: GalleryChunk): tf.Tensor2D {
    if (!c.colsT) {
      const r = rowsTensor(this.g, c.start, c.end);
      c.colsT = tf.transpose(r.t);
      if (r.owned) r.t.dispose();
    }
    return c.colsT;
  }

  release(c: GalleryChunk): void {
    if (this.resident || !c.colsT) return;
    c.colsT.dispose();
    c.colsT = null;
  }

  dispose(): void {
    for (const c of this.chunks) {
      c.colsT?.dispose();
      c.colsT = null;
      c.column.dispose();
    }
  }
}

/** Scores [q rows, gallery chunk rows] of one block (see the file comment for the formulas). */
function scoreBlock(q: tf.Tensor2D, gT: tf.Tensor2D, column: tf.Tensor2D, metric: Metric): tf.Tensor2D {
  return tf.tidy(() => {
    const dot = tf.matMul(q, gT);
    return (metric === 'cosine' ? tf.mul(dot, column) : tf.sub(tf.mul(dot, 2), column)) as tf.Tensor2D;
  });
}

interface Plan {
  nq: number;
  ng: number;
  qc: number;
  gallery: Gallery;
}

function plan(query: Descriptors, gallery: DescriptorArray, o: ScanOptions): Plan {
  const [nq, dq] = shapeOf(query, 'queries');
  const [ng, dg] = shapeOf(gallery, 'gallery');
  if (dq !== dg) throw new CvglError('query and gallery descriptors of the same dimension', `${dq} vs ${dg}`, 'embed both views with the same model');
  if (ng === 0) throw new CvglError('a non-empty gallery', '0 gallery rows', 'embed the reference images first');
  const metric = o.metric ?? 'cosine';
  if (metric !== 'cosine' && metric !== 'l2') throw new CvglError("metric 'cosine' or 'l2'", String(metric), "pass metric: 'cosine'");
  const qc = Math.max(1, Math.min(nq, o.queryChunk ?? Math.floor((o.blockBytes ?? 128 * MiB) / (4 * ng))));
  return { nq, ng, qc, gallery: new Gallery(gallery, ng, dg, metric, o) };
}

/** One query chunk's score rows, with each gallery chunk's block read back by `read`. */
function* chunkBlocks(query: Descriptors, p: Plan, q0: number, q1: number): Generator<{ c: GalleryChunk; block: tf.Tensor2D }> {
  const q = rowsTensor(query, q0, q1);
  try {
    for (const c of p.gallery.chunks) {
      const block = scoreBlock(q.t, p.gallery.cols(c), c.column, p.gallery.metric);
      p.gallery.release(c);
      try {
        yield { c, block };
      } finally {
        block.dispose();
      }
    }
  } finally {
    if (q.owned) q.t.dispose();
  }
}

function place(rows: Float32Array, block: Float32Array, n: number, ng: number, c: GalleryChunk): Float32Array {
  if (c.start === 0 && c.end === ng) return block;
  const w = c.end - c.start;
  for (let r = 0; r < n; r++) rows.set(block.subarray(r * w, (r + 1) * w), r * ng + c.start);
  return rows;
}

/** The scan, reading blocks back asynchronously (what GPU backends want; yields to the event loop). */
export async function scanSimilarity(query: Descriptors, gallery: Descriptors, o: ScanOptions, visit: BlockVisitor): Promise<void> {
  shapeOf(query, 'queries');
  shapeOf(gallery, 'gallery');
  gallery = await descriptorArray(gallery);
  const p = plan(query, gallery, o);
  const t0 = performance.now();
  const buf: Float32Array = p.gallery.chunks.length > 1 ? new Float32Array(p.qc * p.ng) : new Float32Array(0);
  try {
    for (let q0 = 0; q0 < p.nq; q0 += p.qc) {
      const q1 = Math.min(p.nq, q0 + p.qc);
      let rows: Float32Array = buf;
      for (const { c, block } of chunkBlocks(query, p, q0, q1)) rows = place(buf, (await block.data()) as Float32Array, q1 - q0, p.ng, c);
      visit(q0, q1, rows);
      o.onProgress?.({ done: q1, total: p.nq, seconds: (performance.now() - t0) / 1000 });
    }
  } finally {
    p.gallery.dispose();
  }
}
