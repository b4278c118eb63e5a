/**
 * Around the training loop's steps (loop.ts): stopping cleanly on Ctrl-C, trimming the metric
 * log on resume, the lock of a run folder, and refusing a folder that is not a run.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CvglError } from '../engine/errors.js';
import { releasePidLock, tryPidLock } from '../engine/pid_lock.js';

/** The lock file of a run folder: the pid of the process writing to it. */
export const LOCK_FILE = '.cvgl-lock';

/**
 * Takes the run folder `out` for this process (creating it): two runs writing one folder would
 * interleave their metrics and overwrite each other's checkpoints. The lock is a file created
 * exclusively, holding the pid; a lock whose process is gone (killed) is taken over. Returns the
 * release, which also runs at process exit and on a signal that would otherwise kill the process;
 * a folder this call created and nothing else filled is removed again.
 */
export function lockRunFolder(out: string, what: string): () => void {
  const created = !existsSync(out);
  mkdirSync(out, { recursive: true });
  const path = join(out, LOCK_FILE);
  const lock = tryPidLock(path);
  if (!lock.held) {
    throw new CvglError(`an output folder no other run is writing to, for the ${what}`, `${out} is in use by process ${lock.holder} (${path})`, `wait for that run to end (or stop it), or pass another --out; if no process ${lock.holder} of yours is training, delete ${path}`);
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.removeListener(s, onSignal);
    releasePidLock(path);
    try {
      if (created && readdirSync(out).length === 0) rmdirSync(out);
    } catch {
      // already gone: nothing to release
    }
  };
  // Only when no one else handles the signal (the loop's clean stop does): release, then die of it as before.
  function onSignal(sig: NodeJS.Signals) {
    if (process.listenerCount(sig) > 1) return;
    release();
    process.kill(process.pid, sig);
  }
  process.on('exit', release);
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, onSignal);
  return release;
}

/**
 * A new run may go into an empty folder or one of its own runs that never wrote a checkpoint
 * (its config.json passes `isOurs`); anything else would be overwritten (config.json,
 * metrics.jsonl), so it is refused.
 */
export function checkNewRunFolder(out: string, isOurs: (config: unknown) => boolean): void {
  if (!existsSync(out)) return;
  const entries = readdirSync(out).filter((f) => f !== LOCK_FILE).sort();
  if (entries.length === 0) return;
  const cfg = join(out, 'config.json');
  if (existsSync(cfg)) {
    try {
      if (isOurs(JSON.parse(readFileSync(cfg, 'utf8')))) return;
    } catch {
      // not JSON, or not a config of ours: refused below
    }
  }
  const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? ` and ${entries.length - 5} more` : '');
  throw new CvglError('an empty folder or a cvgl run folder for --out', `${out} is not a run (no checkpoints/last.safetensors, no config.json of a run) and holds ${shown}`, `pass another --out, or move or remove ${out} yourself (nothing was changed)`);
}

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
