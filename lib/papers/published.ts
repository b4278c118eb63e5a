/** Every published number of the five papers, by paper, and the papers' titles and text files. */
import type { PaperKey, PublishedNumber } from './types.js';
import { CVFT_NUMBERS } from './cvft/published.js';
import { GEOCAPSNET_NUMBERS } from './geocapsnet/published.js';
import { MDUIT_NUMBERS } from './mduit/published.js';
import { MGTL_NUMBERS } from './mgtl/published.js';
import { THESIS_NUMBERS } from './thesis/published.js';

export { CVFT_NUMBERS, GEOCAPSNET_NUMBERS, MDUIT_NUMBERS, MGTL_NUMBERS, THESIS_NUMBERS };
export { MGTL_PUBLISHED } from './mgtl/published.js';
export { GEOCAPSNET_PUBLISHED } from './geocapsnet/published.js';
export { THESIS_SETTINGS } from './thesis/published.js';

export const PUBLISHED: Record<PaperKey, PublishedNumber[]> = {
  mgtl: MGTL_NUMBERS,
  geocapsnet: GEOCAPSNET_NUMBERS,
  cvft: CVFT_NUMBERS,
  thesis: THESIS_NUMBERS,
  mduit: MDUIT_NUMBERS,
};

/** Title and text file (under the shared papers folder, e.g. ../shared/papers/) of each paper. */
export const PAPER_TITLES: Record<PaperKey, { title: string; file: string }> = {
  mgtl: { title: 'Mutual Generative Transformer Learning for Cross-View Geo-Localization', file: '000_abd6e3df7bf4d4de.txt' },
  geocapsnet: { title: 'GeoCapsNet: Aerial to Ground View Image Geo-Localization Using Capsule Network', file: '001_6780bdfd1d558cde.txt' },
  cvft: { title: 'Optimal Feature Transport for Cross-View Image Geo-Localization', file: '002_591ec4e6a5c92dd8.txt' },
  thesis: { title: 'Improving Cross-View Matching with Self-Supervised Learning', file: '003_1d2df26de7ee37a9.txt' },
  mduit: { title: 'Multi-Domain Unsupervised Image-to-Image Translation with Appearance Adaptive Convolution', file: '004_a4ebd01a41e10a48.txt' },
};

/** The published number at (paper, table, row, column); throws when it is not typed in. */
export function publishedValue(paper: PaperKey, table: string, row: string, column: string): number {
  const n = PUBLISHED[paper].find((p) => p.table === table && p.row === row && p.column === column);
  if (!n) throw new Error(`no published number for ${paper} ${table} '${row}' / '${column}'`);
  return n.value;
}

/**
 * The row label a paper prints for experiment `id` (its first table, or `table`), e.g.
 * 'Our network wo/ CVFT' for 'cvft.table1.woCvft'; the id itself when the paper has no such row.
 */
export function experimentRow(paper: PaperKey, id: string, table?: string): string {
  const n = PUBLISHED[paper].find((p) => p.experiment === id && (table === undefined || p.table === table));
  return n ? n.row : id;
}
