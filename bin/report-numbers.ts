/**
 * The reproduced numbers of an `npm run report` folder as text, or the difference between two:
 *
 *   npx tsx bin/report-numbers.ts reports/                 # every number of every executed notebook
 *   npx tsx bin/report-numbers.ts before/reports after/reports   # what changed (exit 1 if anything)
 *
 * A behaviour-preserving change proves itself with the second form: the runs are deterministic on
 * one machine and backend, so everything but wall-clock times must be identical. Read are the
 * display outputs (tables' text, results bundles and other JSON bundles, a hash of each picture)
 * of reports/<paper>/*.ipynb; stream output (logs) is left out, and so are times: "12 s" phrases,
 * JSON fields named seconds/wall/time…, and a table row's last column when it is a plain number of
 * seconds (the notebooks' tables end with their run time).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

type Output = { output_type: string; data?: Record<string, unknown>; ename?: string; evalue?: string };
const text = (v: unknown) => (Array.isArray(v) ? v.join('') : String(v));

function notebooks(dir: string): string[] {
  return readdirSync(dir)
    .map((d) => join(dir, d))
    .filter((d) => statSync(d).isDirectory())
    .flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.ipynb')).map((f) => join(d, f)))
    .sort();
}

function withoutTimes(line: string, json: boolean): string {
  let l = line.replace(/\b\d+(\.\d+)? s\b/g, 'S');
  if (json) l = l.replace(/"(seconds|wall|time)[A-Za-z]*": ?[0-9.e+-]+/g, '"$1": T');
  else l = l.replace(/\s+\d+(\.\d+)?\s*$/, '');
  return l.trimEnd();
}

function numbers(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`no report folder ${dir}`);
  const lines: string[] = [];
  for (const p of notebooks(dir)) {
    lines.push(`== ${relative(dir, p)}`);
    const nb = JSON.parse(readFileSync(p, 'utf8')) as { cells: { cell_type: string; outputs?: Output[] }[] };
    nb.cells.forEach((c, i) => {
      for (const o of c.outputs ?? []) {
        if (o.output_type === 'error') lines.push(`[${i}] ERROR ${o.ename}: ${o.evalue}`);
        for (const [mime, v] of Object.entries(o.data ?? {})) {
          if (mime === 'text/plain') for (const l of text(v).split('\n')) lines.push(`[${i}] ${withoutTimes(l, false)}`);
          else if (mime.endsWith('+json')) lines.push(`[${i}] ${mime} ${withoutTimes(JSON.stringify(v), true)}`);
          else if (mime.startsWith('image/')) lines.push(`[${i}] ${mime} sha1 ${createHash('sha1').update(text(v)).digest('hex')}`);
        }
      }
    });
  }
  return lines;
}

const [a, b] = process.argv.slice(2);
if (!a) {
  console.error('usage: npx tsx bin/report-numbers.ts REPORTS_DIR [OTHER_REPORTS_DIR]');
  process.exit(2);
}
if (!b) {
  console.log(numbers(a).join('\n'));
} else {
  const [x, y] = [numbers(a), numbers(b)];
  const setY = new Set(y), setX = new Set(x);
  const gone = x.filter((l) => !setY.has(l)), added = y.filter((l) => !setX.has(l));
  for (const l of gone) console.log(`- ${l}`);
  for (const l of added) console.log(`+ ${l}`);
  console.log(gone.length + added.length === 0 ? `identical: ${x.length} lines of numbers in ${a} and ${b}` : `${gone.length} line(s) only in ${a}, ${added.length} only in ${b}`);
  process.exit(gone.length + added.length === 0 ? 0 : 1);
}
