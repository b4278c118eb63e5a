/**
 * Files that say "process N holds this": a lock created exclusively with the holder's pid, taken
 * over when that process is gone (killed, a machine that crashed). Used for run folders
 * (lib/train/run_support.ts) and the generated synthetic dataset (lib/synth/generate.ts).
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

/** Whether a process runs (a zombie, dead but not yet reaped by its parent, does not). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, another user's
  }
  try {
    // third field of /proc/<pid>/stat, after "(comm)": the state; Z = zombie, X = dead
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return true; // no /proc (macOS): signal 0 said it is there
  }
}

/** The pid in a lock file, or null (no file, or not a pid). */
export function lockHolder(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Creates `path` holding this process's pid if no live process holds it. Returns `{ held: true }`,
 * or `{ held: false, holder }` naming the live process that does.
 */
export function tryPidLock(path: string): { held: true } | { held: false; holder: number } {
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { held: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw e;
      const pid = lockHolder(path);
      if (pid !== null && pid !== process.pid && processAlive(pid)) return { held: false, holder: pid };
      if (pid === null && attempt === 0) continue; // being written this instant: look again
      try {
        unlinkSync(path); // its process is gone: a stale lock
      } catch {
        /* someone else took it over first */
      }
    }
  }
}

/** Removes the lock if this process holds it. */
export function releasePidLock(path: string): void {
  try {
    if (lockHolder(path) === process.pid) unlinkSync(path);
  } catch {
    /* already gone */
  }
}
