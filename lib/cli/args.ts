/**
 * Option parsing shared by the command groups of `cvgl`: node's parseArgs, with its errors
 * turned into CvglErrors (a usage error exits 2 and names where the options are listed).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CvglError } from '../engine/errors.js';

export type Values = Record<string, string | boolean | undefined>;

/** Options and positionals of `args`; `--help`/`-h` is always accepted. `see` is the help to point at. */
export function parseOptions(args: string[], options: ParseArgsConfig['options'], o: { positionals?: boolean; see?: string } = {}): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: o.positionals ?? false });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    throw new CvglError(`known options (see \`${o.see ?? 'cvgl --help'}\`)`, (e as Error).message, 'check the spelling of the options');
  }
}
