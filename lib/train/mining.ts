/**
 * What the mining trainers share (NetVLAD's hard negatives, netvlad_train.ts; MDUIT's pairing,
 * mduit_train.ts): every image of a bank embedded, the same-place test of two posed images, and
 * the indices of a similarity row's largest values; their run options on the training loop.
 */
import { tf } from '../engine/tf.js';
import { bankBatch, type ImageBank } from '../data/image_bank.js';
import { poseError, type PosedImage } from '../data/localization.js';
import { CvglError } from '../engine/errors.js';
import { loadCheckpoint, type LoadedCheckpoint } from './checkpoint.js';
import { openRun } from './loop.js';

/** The embeddings (e.g. MDUIT's z = H(E_c(I))) of every image of the bank, in batches: [n, dim] row-major. */
export async function embedBank(embed: (x: tf.Tensor4D) => tf.Tensor2D, bank: ImageBank, batch = 32): Promise<{ z: Float32Array; dim: number }> {
  const parts: Float32Array[] = [];
  let dim = 0;
  for (let i = 0; i < bank.n; i += batch) {
    const idx = Array.from({ length: Math.min(batch, bank.n - i) }, (_, k) => i + k);
    const z = tf.tidy(() => embed(bankBatch(bank, idx)));
    dim = z.shape[1];
    parts.push((await z.data()) as Float32Array);
    z.dispose();
  }
  const z = new Float32Array(bank.n * dim);
  let off = 0;
  for (const p of parts) {
    z.set(p, off);
    off += p.length;
  }
  return { z, dim };
}

/** Whether two images show the same place (poses within the thresholds); false when a pose is unknown. */
export function samePlace(a: PosedImage, b: PosedImage, t: { metres: number; degrees: number }): boolean {
  if (!a.pose || !b.pose) return false;
  const e = poseError(a.pose, b.pose);
  return e.metres <= t.metres && e.degrees <= t.degrees;
}

/** Indices of the `m` largest values of `row`, largest first (ties: lower index first). */
export function topIndices(row: Float32Array, m: number): number[] {
  const better = (a: number, b: number) => row[a]! > row[b]! || (row[a] === row[b] && a < b);
  // a min-heap of the best m so far: its root is the worst kept
  const heap: number[] = [];
  const down = (k: number) => {
    for (;;) {
      const l = 2 * k + 1, r = l + 1;
      let w = k;
      if (l < heap.length && better(heap[w]!, heap[l]!)) w = l;
      if (r < heap.length && better(heap[w]!, heap[r]!)) w = r;
      if (w === k) return;
      [heap[k], heap[w]] = [heap[w]!, heap[k]!];
      k = w;
    }
  };
  for (let j = 0; j < row.length; j++) {
    if (heap.length < m) {
      heap.push(j);
      for (let k = heap.length - 1; k > 0; ) {
        const p = (k - 1) >> 1;
        if (!better(heap[p]!, heap[k]!)) break;
        [heap[k], heap[p]] = [heap[p]!, heap[k]!];
        k = p;
      }
    } else if (m > 0 && better(j, heap[0]!)) {
      heap[0] = j;
      down(0);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : 1));
}

/** Run options of a training on the loop (both NetVLAD's and MDUIT's): a run folder makes checkpoints and a metric log. */
export interface MiningRunOptions {
  /** Run folder (metrics.jsonl, config.json, checkpoints/, written at each epoch's end); none: nothing is written. */
  out?: string;
  /** Continue the run in `out` from its last checkpoint (the epoch it stopped in is done again). */
  resume?: boolean;
  /** Stop after this many steps of this session. */
  maxSteps?: number;
  /** Stop cleanly on SIGINT/SIGTERM. */
  handleSignals?: boolean;
}

/** The checkpoint to resume a mining run from (its stored config must be this one), or null for a new run. */
export async function miningCheckpoint(o: MiningRunOptions, config: object, what: string): Promise<LoadedCheckpoint | null> {
  if (!o.out) return null;
  const path = openRun(o.out, o.resume, what);
  if (!path) return null;
  const ck = await loadCheckpoint(path, (c) => c);
  if (JSON.stringify(ck.state.config) !== JSON.stringify(config)) throw new CvglError(`a checkpoint of this ${what}'s config`, `${path} holds another (${JSON.stringify(ck.state.config).slice(0, 200)})`, 'resume with the config the run was started with, or start a new run in another out folder');
  return ck;
}
