/**
 * What every dataset reader returns: splits of ground queries with their aerial references, as
 * absolute file paths (the pipeline decodes them later). CVUSA and CVACT are one-to-one
 * (the aerial is centred on the camera); VIGOR is one-to-many (a positive and three
 * semi-positives, the camera offset from each aerial's centre in pixels).
 */
import { createHash } from 'node:crypto';
import { relative } from 'node:path';

export type DatasetFormat = 'cvusa' | 'cvact' | 'vigor';

/** One ground query and its aerial reference(s). */
export interface PairRecord {
  /** Stable id inside the dataset (file stem, CVACT panoId, VIGOR panorama name). */
  id: string;
  /** Absolute path of the ground panorama. */
  ground: string;
  /** Absolute path of the positive aerial image. */
  aerial: string;
  /** Indices into the split's `gallery`: the positive first, then VIGOR's semi-positives. */
  galleryIndex: number[];
  /** A pre-made polar-transformed aerial (CVUSA `polarmap/`), when the dataset ships one. */
  polar?: string;
  /** Camera position, metres [easting, northing] (CVACT UTM; the synthetic world's frame). */
  utm?: [number, number];
  /** VIGOR: the camera's offset from the centre of each gallery aerial in `galleryIndex`, in
   *  pixels of the aerial as the split file gives them: [row, column] (VIGOR's delta, which its
   *  code reads as `[row_offset, col_offset]`; rows grow southwards, columns eastwards), the
   *  positive first. */
  offsets?: [number, number][];
}

export interface DatasetSplit {
  name: string;
  pairs: PairRecord[];
  /** The aerial reference database of this split (absolute paths). For CVUSA and CVACT it is
   *  the pairs' aerials in order; for VIGOR every satellite image of the split's cities. */
  gallery: string[];
  /** VIGOR: positions (metres, local frame) of the gallery aerials when known. */
  galleryUtm?: [number, number][];
}

export interface CrossViewDataset {
  format: DatasetFormat;
  root: string;
  /** e.g. cvusa: train, val; cvact: train, val (+ test for the full CVACT_test set);
   *  vigor: train, test under the chosen protocol. */
  splits: Record<string, DatasetSplit>;
  /** Human-readable notes gathered while reading (e.g. "annotations/ not present, ignored"). */
  notes: string[];
}

/** True when the split's gallery is its pairs' aerials in order (one-to-one retrieval). */
export function isOneToOne(split: DatasetSplit): boolean {
  return split.gallery.length === split.pairs.length && split.pairs.every((p, i) => p.galleryIndex.length === 1 && p.galleryIndex[0] === i);
}

/**
 * The first `n` pairs of `split` (all of them when it has fewer). A one-to-one split (gallery i
 * = pair i's aerial) keeps the matching gallery rows, so it stays one-to-one; a one-to-many
 * split (VIGOR) keeps its whole gallery.
 */
export function limitSplit(split: DatasetSplit, n: number): DatasetSplit {
  if (split.pairs.length <= n) return split;
  const pairs = split.pairs.slice(0, n);
  if (!isOneToOne(split)) return { ...split, pairs };
  return { ...split, pairs, gallery: split.gallery.slice(0, n), ...(split.galleryUtm ? { galleryUtm: split.galleryUtm.slice(0, n) } : {}) };
}

/**
 * A short hash of a dataset's splits: every split's pairs (id, ground, aerial) and gallery, paths
 * relative to the root, so a moved copy of the same set hashes the same. A run records it to tell
 * whether it is resumed or evaluated on the data it was trained on.
 */
export function splitsHash(ds: CrossViewDataset): string {
  const h = createHash('sha256');
  for (const name of Object.keys(ds.splits).sort()) {
    const s = ds.splits[name]!;
    h.update(`split ${name}\n`);
    for (const p of s.pairs) h.update(`${p.id}\t${relative(ds.root, p.ground)}\t${relative(ds.root, p.aerial)}\n`);
    for (const g of s.gallery) h.update(`g\t${relative(ds.root, g)}\n`);
  }
  return h.digest('hex').slice(0, 16);
}
