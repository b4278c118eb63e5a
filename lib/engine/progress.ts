/**
 * A progress line for long work on stderr: a redrawn bar on a terminal, a line every 10% when
 * the output is a file or a pipe (CI logs, notebooks), nothing when `quiet`.
 * `detail` adds a live suffix (e.g. the current loss).
 */
export type ProgressFn = (done: number, total: number) => void;

export function progressBar(label: string, opts: { stream?: NodeJS.WriteStream; quiet?: boolean; unit?: string; detail?: () => string } = {}): ProgressFn & { end(): void } {
  const stream = opts.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const start = Date.now();
  let lastDecile = -1, lastDraw = 0, lastDone = 0, lastTotal = 0;
  const line = (done: number, total: number) => {
    const s = (Date.now() - start) / 1000;
    const rate = s > 0 ? done / s : 0;
    const eta = rate > 0 ? (total - done) / rate : 0;
    const frac = total > 0 ? done / total : 1;
    const width = 24;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const detail = opts.detail ? `  ${opts.detail()}` : '';
    return `${label} [${bar}] ${done}/${total} ${(frac * 100).toFixed(0)}%  ${rate.toFixed(1)} ${opts.unit ?? 'items'}/s  ${done < total ? `eta ${eta.toFixed(0)} s` : `${s.toFixed(1)} s`}${detail}`;
  };
  const fn = ((done: number, total: number) => {
    lastDone = done;
    lastTotal = total;
    if (opts.quiet) return;
    if (tty) {
      const now = Date.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      stream.write(`\r${line(done, total)}\x1b[K`);
      if (done >= total) stream.write('\n');
    } else {
      const decile = total > 0 ? Math.floor((done / total) * 10) : 10;
      if (decile > lastDecile) {
        lastDecile = decile;
        stream.write(line(done, total) + '\n');
      }
    }
  }) as ProgressFn & { end(): void };
  fn.end = () => {
    if (!opts.quiet && tty && lastDone < lastTotal) stream.write('\n');
  };
  return fn;
}
