/** Every paper's claims in one list, and the ids of rows on the papers' real datasets. */
import type { Claim } from './types.js';
import { CVFT_CLAIMS, CVFT_REAL_ROWS } from './cvft/claims.js';
import { GEOCAPSNET_CLAIMS } from './geocapsnet/claims.js';
import { MDUIT_CLAIMS } from './mduit/claims.js';
import { MGTL_CLAIMS, MGTL_REAL_ROWS } from './mgtl/claims.js';
import { THESIS_CLAIMS } from './thesis/claims.js';

export { CVFT_CLAIMS, GEOCAPSNET_CLAIMS, MDUIT_CLAIMS, MGTL_CLAIMS, THESIS_CLAIMS };

export const CLAIMS: Claim[] = [...MGTL_CLAIMS, ...GEOCAPSNET_CLAIMS, ...CVFT_CLAIMS, ...THESIS_CLAIMS, ...MDUIT_CLAIMS];

/**
 * Rows on a paper's real dataset that have no preset (claims against other methods' published
 * numbers need them) → the preset whose published numbers on that dataset they are.
 */
export const REAL_ROWS: Record<string, readonly [preset: string, dataset: string]> = { ...MGTL_REAL_ROWS, ...CVFT_REAL_ROWS };
