/**
 * Errors meant for a person: what was expected, what was found, and what to do.
 * The CLI prints `message` alone (never a bare stack trace) for these.
 */
export class CvglError extends Error {
  readonly expected: string;
  readonly found: string;
  readonly fix: string;

  constructor(expected: string, found: string, fix: string) {
    super(`${expected}\n  found: ${found}\n  what to do: ${fix}`);
    this.name = 'CvglError';
    this.expected = expected;
    this.found = found;
    this.fix = fix;
  }
}

export function isCvglError(e: unknown): e is CvglError {
  return e instanceof CvglError;
}
