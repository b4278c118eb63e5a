/**
 * Around the training loop's steps (loop.ts): stopping cleanly on Ctrl-C, and trimming the metric
 * log on resume.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * SIGINT/SIGTERM (when `enabled`) ask the loop to stop after the current step — it writes a
 * checkpoint first; a second Ctrl-C exits at once (status 130). `release()` removes the handlers.
 */
export function stopOnSignal(enabled: boolean, log: (line: string) => void): { requested(): boolean; release(): void } {
  let signalled = false;
  const abort = () => process.exit(130);
  const onSignal = () => {
    signalled = true;
    log('stopping after this step (checkpoint first); press Ctrl-C again to abort at once');
    process.once('SIGINT', abort);
  };
  if (enabled) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return {
    requested: () => signalled,
    release: () => {
      if (!enabled) return;
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', abort);
    },
  };
}

/** On resume: metric lines written after the checkpoint belong to steps that will be done again. */
export function trimMetricLog(path: string, globalStep: number): void {
  if (!existsSync(path)) return;
  const kept = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() && (JSON.parse(l) as { globalStep: number }).globalStep <= globalStep);
  writeFileSync(path, kept.map((l) => l + '\n').join(''));
}
