/**
 * CVUSA reader, in the layout SAFA and CVFT use (the "CVUSA subset" of Zhai et al., 2017):
 *
 * ```
 * <root>/splits/train-19zl.csv      aerial,ground,annotation per row, paths relative to root
 * <root>/splits/val-19zl.csv
 * <root>/bingmap/19/0000019.jpg     aerial, 750x750
 * <root>/streetview/panos/0000019.jpg   ground panorama, 1232x224
 * <root>/polarmap/19/0000019.png    optional: SAFA's pre-made polar aerials
 * ```
 *
 * The annotation column is parsed but the files are not needed (and often not downloaded).
 * Individual image files are not opened here (that is `checkDataset`'s job): the reader checks
 * the split files and that the image folders they point to exist.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { CvglError } from '../engine/errors.js';
import type { CrossViewDataset, DatasetSplit, PairRecord } from './dataset.js';

/** The split files, by split name, relative to the root. */
export const CVUSA_SPLITS: Record<string, string> = {
  train: 'splits/train-19zl.csv',
  val: 'splits/val-19zl.csv',
};

/** One row of a CVUSA split file, paths as written (relative to the root). */
export interface CvusaRow {
  aerial: string;
  ground: string;
  annotation: string;
  line: number;
}

/**
 * Parses a CVUSA split CSV. Tolerates a UTF-8 BOM, CRLF line ends, blank lines and spaces
 * around commas; any other malformed row throws a CvglError naming `file:line`.
 */
export function parseCvusaCsv(text: string, file: string): CvusaRow[] {
  const rows: CvusaRow[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const fields = raw.split(',').map((f) => f.trim());
    const where = `${file}:${i + 1}`;
    if (fields.length !== 3) {
      throw new CvglError(
        `${where}: a row of 3 comma-separated paths (aerial, ground panorama, annotation), e.g. bingmap/19/0000019.jpg,streetview/panos/0000019.jpg,annotations/0000019.png`,
        `${fields.length} field${fields.length === 1 ? '' : 's'}: ${JSON.stringify(clip(raw))}`,
        `repair or delete line ${i + 1} of ${file} (a fresh copy of the split file comes with the CVUSA download)`,
      );
    }
    const empty = fields.findIndex((f) => f === '');
    if (empty >= 0) {
      const which = ['aerial', 'ground panorama', 'annotation'][empty];
      throw new CvglError(
        `${where}: 3 non-empty paths (aerial, ground panorama, annotation)`,
        `an empty ${which} path: ${JSON.stringify(clip(raw))}`,
        `repair or delete line ${i + 1} of ${file}`,
      );
    }
    rows.push({ aerial: fields[0]!, ground: fields[1]!, annotation: fields[2]!, line: i + 1 });
  }
  return rows;
}

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** SAFA's naming of the pre-made polar aerial: `bingmap/19/x.jpg` -> `polarmap/19/x.png`. */
export function cvusaPolarPath(aerialRel: string): string {
  const parts = aerialRel.split(/[\\/]/);
  if (parts[0] === 'bingmap') parts[0] = 'polarmap';
  const last = parts[parts.length - 1]!;
  parts[parts.length - 1] = last.slice(0, last.length - extname(last).length) + '.png';
  return parts.join('/');
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export async function readCvusa(root: string): Promise<CrossViewDataset> {
  root = resolve(root);
  const notes: string[] = [];
  const splits: Record<string, DatasetSplit> = {};
  const present = Object.entries(CVUSA_SPLITS).filter(([, f]) => existsSync(join(root, f)));
  if (present.length === 0) {
    throw new CvglError(
      `a CVUSA root with ${Object.values(CVUSA_SPLITS).join(' and ')}`,
      `neither file in ${root}`,
      'pass the folder of the unpacked CVUSA download (the one holding splits/, bingmap/ and streetview/)',
    );
  }
  for (const [name, file] of Object.entries(CVUSA_SPLITS)) {
    if (!present.some(([n]) => n === name)) notes.push(`${file} not present: no '${name}' split`);
  }

  // folders the split files point to (checked once each), and the polar folders present
  const dirOk = new Map<string, boolean>();
  const polarListing = new Map<string, Set<string> | null>();
  let annotationsSeen = false;
  let annotationsChecked = false;
  let polarMissing = 0;
  let polarTotal = 0;

  for (const [name, file] of present) {
    const path = join(root, file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new CvglError(`a readable CVUSA split file ${file}`, `${(e as Error).message}`, `check the permissions of ${path}`);
    }
    const rows = parseCvusaCsv(text, file);
    if (rows.length === 0) {
      throw new CvglError(`${file}: at least one row aerial,ground,annotation`, 'an empty file', `restore ${file} from the CVUSA download`);
    }
    const pairs: PairRecord[] = [];
    const gallery: string[] = [];
    for (const row of rows) {
      for (const [rel, what] of [
        [row.aerial, 'aerial'],
        [row.ground, 'ground panorama'],
      ] as const) {
        const dir = dirname(resolve(root, rel));
        let ok = dirOk.get(dir);
        if (ok === undefined) {
          ok = isDir(dir);
          dirOk.set(dir, ok);
        }
        if (!ok) {
          throw new CvglError(
            `the ${what} folder ${relative(root, dir) || '.'} (named on ${file}:${row.line})`,
            `no such folder in ${root}`,
            `unpack the CVUSA images into ${root} (bingmap/19/ holds the aerials, streetview/panos/ the panoramas)`,
          );
        }
      }
      if (!annotationsChecked) {
        annotationsChecked = true;
        annotationsSeen = isDir(dirname(resolve(root, row.annotation)));
      }
      const aerial = resolve(root, row.aerial);
      const ground = resolve(root, row.ground);
      const stem = basename(ground, extname(ground));
      const pair: PairRecord = { id: stem, ground, aerial, galleryIndex: [gallery.length] };
      gallery.push(aerial);
      const polarRel = cvusaPolarPath(row.aerial);
      if (polarRel.split('/')[0] === 'polarmap') {
        const polarAbs = resolve(root, polarRel);
        const pdir = dirname(polarAbs);
        let listing = polarListing.get(pdir);
        if (listing === undefined) {
          listing = isDir(pdir) ? new Set(readdirSync(pdir)) : null;
          polarListing.set(pdir, listing);
        }
        if (listing) {
          pair.polar = polarAbs;
          polarTotal++;
          if (!listing.has(basename(polarAbs))) polarMissing++;
        }
      }
      pairs.push(pair);
    }
    splits[name] = { name, pairs, gallery };
  }

  if (!annotationsSeen) notes.push('annotations/ not present (not needed: ignored)');
  if (polarTotal > 0) {
    notes.push(
      polarMissing === 0
        ? `polarmap/ present: SAFA's pre-made polar aerials used for all ${polarTotal} pairs`
        : `polarmap/ present but ${polarMissing} of ${polarTotal} polar aerials are missing (cvgl check lists them; or delete polarmap/ to polar-transform on the fly)`,
    );
  }
  return { format: 'cvusa', root, splits, notes };
}
