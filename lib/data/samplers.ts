/**
 * Batch orders for training and evaluation, deterministic for a (seed, epoch):
 * - `sequential`: the split in order (evaluation);
 * - `random`: a fresh shuffle each epoch (random pairs);
 * - `distinct`: GeoCapsNet's batch construction (paper 001, Sec. 3.3 "Batch construction and
 *   hard sample mining"): M ground images per batch whose positives are M different aerials, so
 *   the other M-1 aerials of the batch are true negatives for batch-hard mining;
 * - `vigor`: VIGOR-style one-to-many data (thesis 003, Sec. 3.2): no two queries in a batch share
 *   any of their four aerials (positive or semi-positive), so no neighbouring aerial of a query
 *   acts as a negative for it.
 */
import { SeededRandom } from '../engine/random.js';
import type { PairRecord } from './dataset.js';

export type SamplerName = 'sequential' | 'random' | 'distinct' | 'vigor';
export const SAMPLERS: readonly SamplerName[] = ['sequential', 'random', 'distinct', 'vigor'];

export function epochRng(seed: number, epoch: number): SeededRandom {
  return new SeededRandom((seed >>> 0) * 1_000_003 + epoch * 7919 + 17);
}

/** The batches (lists of pair indices) of one epoch. */
export function epochBatches(pairs: PairRecord[], sampler: SamplerName, batchSize: number, seed: number, epoch: number, dropLast: boolean): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const order = pairs.map((_, i) => i);
  if (sampler !== 'sequential') epochRng(seed, epoch).shuffle(order);
  let batches: number[][];
  if (sampler === 'distinct') batches = exclusiveBatches(order, (i) => [pairs[i]!.galleryIndex[0]!], batchSize);
  else if (sampler === 'vigor') batches = exclusiveBatches(order, (i) => pairs[i]!.galleryIndex, batchSize);
  else {
    batches = [];
    for (let k = 0; k < order.length; k += batchSize) batches.push(order.slice(k, k + batchSize));
  }
  if (dropLast && batches.length && batches[batches.length - 1]!.length < batchSize) batches.pop();
  return batches;
}

/**
 * Greedy packing: walk the shuffled order and put each index into the oldest open batch none of
 * whose members shares a key with it; batches close when full. Every index lands in exactly one
 * batch; only the last few batches can be short.
 */
export function exclusiveBatches(order: number[], keysOf: (i: number) => number[], batchSize: number): number[][] {
  const open: { items: number[]; keys: Set<number> }[] = [];
  const done: number[][] = [];
  for (const i of order) {
    const keys = keysOf(i);
    let target = open.find((b) => keys.every((k) => !b.keys.has(k)));
    if (!target) {
      target = { items: [], keys: new Set() };
      open.push(target);
    }
    target.items.push(i);
    for (const k of keys) target.keys.add(k);
    if (target.items.length === batchSize) {
      done.push(target.items);
      open.splice(open.indexOf(target), 1);
    }
  }
  for (const b of open) done.push(b.items);
  return done;
}
