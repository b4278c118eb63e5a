/**
 * A set of images held in memory as one byte array (NHWC RGB), and batches of it as float
 * tensors with values in [−1, 1] (the convention of image-translation networks). The MDUIT study
 * keeps its whole multi-domain training set like this (5 MB at 48 × 64; RobotCar Seasons' 12,700
 * rear images at 256 × 256 would be 2.5 GB), so an epoch never decodes a file twice.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { decodeImage } from './image_io.js';

export interface ImageBank {
  n: number;
  height: number;
  width: number;
  /** [n, height, width, 3] RGB bytes. */
  data: Uint8Array;
}

/** Decodes and resizes every file (a plain stretch to width × height), `concurrency` at a time. */
export async function loadImageBank(paths: string[], height: number, width: number, opts: { concurrency?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<ImageBank> {
  const per = height * width * 3;
  const data = new Uint8Array(paths.length * per);
  let next = 0, done = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      const img = await decodeImage(paths[i]!, { width, height });
      data.set(img.data.subarray(0, per), i * per);
      opts.onProgress?.(++done, paths.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, paths.length) }, worker));
  return { n: paths.length, height, width, data };
}

/** The images at `indices` as one tensor [indices.length, H, W, 3]. */
export function bankBatch(bank: ImageBank, indices: number[]): tf.Tensor4D {
  const per = bank.height * bank.width * 3;
  const out = new Float32Array(indices.length * per);
  indices.forEach((i, k) => {
    if (!(i >= 0 && i < bank.n)) throw new CvglError(`an image index in [0, ${bank.n})`, String(i), 'index the bank the images were loaded into');
    out.set(bankImage(bank, i), k * per);
  });
  return tf.tensor4d(out, [indices.length, bank.height, bank.width, 3]);
}

/** Image i as [H, W, 3] floats in [−1, 1]. */
export function bankImage(bank: ImageBank, i: number): Float32Array {
  const per = bank.height * bank.width * 3;
  const src = bank.data.subarray(i * per, (i + 1) * per);
  const out = new Float32Array(per);
  for (let k = 0; k < per; k++) out[k] = src[k]! / 127.5 - 1;
  return out;
}

/** [−1, 1] floats → RGB bytes. */
export function floatToRgb(a: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let k = 0; k < a.length; k++) out[k] = Math.max(0, Math.min(255, Math.round((a[k]! + 1) * 127.5)));
  return out;
}
