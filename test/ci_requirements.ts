/**
 * What a test needs from the system (Mesa for the software GPU adapter, Debian's python3-torch
 * for references). Locally a missing piece skips those tests with a loud warning; under CI
 * (`CI=true`, where .ci/run installs everything first) it fails, so a missing install step can
 * never turn into silently skipped tests.
 */
import { it, expect } from 'vitest';

export function requireInCi(what: string, available: boolean, reason: string | undefined): void {
  it(`${what} is available${process.env.CI ? ' (required under CI)' : ''}`, () => {
    if (!available && !process.env.CI) {
      console.warn(`\n!!  ${what} unavailable: ${reason ?? 'unknown'} — its tests are skipped (npm run setup:system)\n`);
      return;
    }
    expect(available, `${what} unavailable: ${reason}`).toBe(true);
  });
}
