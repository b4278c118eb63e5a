/**
 * Loaded into every kernel process the runner starts (`node --import`, kernel.ts): the kernel
 * dies with the runner. The runner holds the write end of the kernel's stdin pipe and never writes
 * to it; when the runner goes, however it goes (kill -9 included, where none of its exit handlers
 * run), the system closes that end, stdin ends here, and this kills the kernel's process group
 * (the kernel and whatever its cells started: it was spawned detached, so it leads its group).
 */
function exitWithRunner(): void {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    /* not a group leader: at least this process goes */
  }
  process.exit(1);
}

process.stdin.on('end', exitWithRunner);
process.stdin.on('close', exitWithRunner);
process.stdin.on('error', exitWithRunner);
process.stdin.resume();
// Listening must not by itself keep a kernel alive that would otherwise exit.
(process.stdin as { unref?: () => void }).unref?.();
