/** Every paper's claims in one list, and their status on a set of results. */
import type { Claim, ClaimStatus, ReproducedResults } from './types.js';
import { CVFT_CLAIMS } from './cvft/claims.js';
import { GEOCAPSNET_CLAIMS } from './geocapsnet/claims.js';
import { MDUIT_CLAIMS } from './mduit/claims.js';
import { MGTL_CLAIMS } from './mgtl/claims.js';
import { THESIS_CLAIMS } from './thesis/claims.js';

export { CVFT_CLAIMS, GEOCAPSNET_CLAIMS, MDUIT_CLAIMS, MGTL_CLAIMS, THESIS_CLAIMS };

export const CLAIMS: Claim[] = [...MGTL_CLAIMS, ...GEOCAPSNET_CLAIMS, ...CVFT_CLAIMS, ...THESIS_CLAIMS, ...MDUIT_CLAIMS];

/**
 * Each claim's status on `results`: 'not run' when an experiment it needs is missing,
 * else 'reproduced' / 'not reproduced' by `holds` (a claim whose check throws counts as not reproduced).
 */
export function evaluateClaims(results: ReproducedResults, claims: readonly Claim[] = CLAIMS): { claim: Claim; status: ClaimStatus }[] {
  return claims.map((claim) => {
    if (claim.needs.some((id) => results[id] === undefined)) return { claim, status: 'not run' as const };
    let ok = false;
    try {
      ok = claim.holds(results);
    } catch {
      ok = false;
    }
    return { claim, status: ok ? 'reproduced' : 'not reproduced' };
  });
}
