/**
 * Option parsing shared by the command groups of `cvgl`: node's parseArgs, with its errors
 * turned into CvglErrors (a usage error exits 2 and names where the options are listed).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CvglError } from '../engine/errors.js';

export type Values = Record<string, string | boolean | undefined>;

const NEGATIVE_NUMBER = /^-(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * `--epochs -1` rewritten as `--epochs=-1`: parseArgs refuses a separate value starting with
 * '-' ("ambiguous"), so a negative number never reached the range check that says what is
 * allowed. Applied to every command's arguments before its handler parses them (main.ts); a
 * boolean option followed by a number then fails as "does not take an argument", still a usage error.
 */
export function negativesAsValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const tok = args[i]!, next = args[i + 1];
    if (tok === '--') return out.concat(args.slice(i));
    if (tok.startsWith('--') && tok.length > 2 && !tok.includes('=') && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${tok}=${next}`);
      i++;
    } else out.push(tok);
  }
  return out;
}

/** Options and positionals of `args`; `--help`/`-h` is always accepted. `see` is the help to point at. */
export function parseOptions(args: string[], options: ParseArgsConfig['options'], o: { positionals?: boolean; see?: string } = {}): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: o.positionals ?? false });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    throw new CvglError(`known options (see \`${o.see ?? 'cvgl --help'}\`)`, (e as Error).message, 'check the spelling of the options');
  }
}
