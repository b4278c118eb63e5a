/**
 * Loaded into every kernel process the runner starts (`node --import`, kernel.ts): the kernel
 * dies with the runner. The runner holds the write end of the kernel's stdin pipe and never writes
 * to it; when the runner goes, however it goes (kill -9 included, where none of its exit handlers
 * run), the system closes that end, stdin ends here, and this kills the kernel's process group
 * (the kernel and whatever its cells started: it was spawned detached, so it leads its group).
 * It also makes tslab's sends wait for a busy socket instead of failing (kernel_send_queue.ts).
 */
import { isMainThread } from 'node:worker_threads';
import { queueKernelSends } from './kernel_send_queue.js';

function exitWithRunner(): void {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    /* not a group leader: at least this process goes */
  }
  process.exit(1);
}

// Worker threads inherit --import, and a worker's stdin is an empty stream that ends at once:
// only the kernel's main thread watches the pipe (else every worker a cell starts would exit).
if (isMainThread) {
  queueKernelSends();
  process.stdin.on('end', exitWithRunner);
  process.stdin.on('close', exitWithRunner);
  process.stdin.on('error', exitWithRunner);
  process.stdin.resume();
  // Listening must not by itself keep a kernel alive that would otherwise exit.
  (process.stdin as { unref?: () => void }).unref?.();
}
