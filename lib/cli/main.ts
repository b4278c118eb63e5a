/**
 * The `cvgl` command: dispatch through the command table (lib/cli/commands.ts).
 * Errors meant for a user (CvglError) print their message alone and exit with status 2;
 * anything else exits 1.
 */
import { CvglError, isCvglError } from '../engine/errors.js';
import { negativesAsValues } from './args.js';
import { COMMANDS, helpText } from './commands.js';

async function main(argv: string[]): Promise<number | void> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') return console.log(helpText());
  const command = COMMANDS.find((c) => c.name === cmd);
  if (!command) throw new CvglError(`a command: ${COMMANDS.map((c) => c.name).join(', ')}`, `'${cmd}'`, 'run `cvgl --help`');
  return command.run(negativesAsValues(rest));
}

main(process.argv.slice(2)).then(
  // wasm's worker threads and Dawn keep the event loop alive: leave explicitly
  (code) => process.exit(typeof code === 'number' ? code : 0),
  (e: unknown) => {
    if (isCvglError(e)) console.error(`cvgl: expected ${e.message}`);
    else console.error(`cvgl: ${(e as Error)?.message ?? e}\n  (CVGL_DEBUG=1 shows the stack trace)`);
    if (process.env.CVGL_DEBUG) console.error((e as Error)?.stack);
    process.exit(isCvglError(e) ? 2 : 1);
  },
);
