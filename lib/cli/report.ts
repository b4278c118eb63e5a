/**
 * `cvgl report`: with --notebooks, re-executes notebooks on tslab kernels and renders the HTML
 * (and PDF) reports (lib/report/build.ts); without, the quick-start report (machine, backends,
 * the training-step benchmark) until the per-paper notebooks exist.
 */
import { parseArgs } from 'node:util';
import { relative } from 'node:path';
import { CvglError } from '../engine/errors.js';
import { writeQuickstartReport } from '../papers/quickstart/report.js';
import { buildReports } from '../report/build.js';
import { CellError, CellTimeoutError, KernelDiedError, NotebookInvalidError } from '../report/runner/errors.js';

import { REPORT_HELP } from './commands.js';
import { isProfile, PROFILES } from '../train/profiles.js';

export { REPORT_HELP };

/** `key=value` with value as JSON when it parses (numbers, booleans, arrays), else a string. */
export function parseParam(raw: string): [string, unknown] {
  const eq = raw.indexOf('=');
  if (eq < 1) throw new CvglError('--param key=value', `'${raw}'`, 'e.g. --param epochs=3 --param backend=wasm');
  const key = raw.slice(0, eq), text = raw.slice(eq + 1);
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) throw new CvglError('--param with a TypeScript identifier as key', `'${key}'`, 'e.g. --param epochs=3');
  try {
    return [key, JSON.parse(text)];
  } catch {
    return [key, text];
  }
}

function seconds(raw: string | boolean | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!(n > 0)) throw new CvglError(`--${name}: seconds > 0`, `'${String(raw)}'`, `e.g. --${name} 600`);
  return n;
}

/** One line on how a notebook failed, by the runner's error type. */
export function describeFailure(e: Error): string {
  if (e instanceof NotebookInvalidError) return `invalid, not run: ${e.reason}`;
  if (e instanceof CellTimeoutError) return `cell ${e.cellIndex} ran past the ${e.scope === 'cell' ? 'per-cell' : 'notebook'} limit of ${e.limitS} s (--${e.scope === 'cell' ? 'cell-timeout' : 'timeout'})${e.killed ? '; the kernel was killed' : ''}`;
  if (e instanceof KernelDiedError) return e.cellIndex === null ? 'the kernel died while starting' : `the kernel died in cell ${e.cellIndex}`;
  if (e instanceof CellError) return `cell ${e.cellIndex} raised ${e.ename}: ${e.evalue}`;
  return e.message.split('\n')[0]!;
}

export async function reportCommand(args: string[]): Promise<number> {
  let v: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    v = parseArgs({
      args,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' }, full: { type: 'boolean' }, out: { type: 'string' },
        notebooks: { type: 'string', multiple: true }, param: { type: 'string', multiple: true }, profile: { type: 'string' },
        jobs: { type: 'string' }, pdf: { type: 'boolean' }, 'no-pdf': { type: 'boolean' }, 'cell-timeout': { type: 'string' }, timeout: { type: 'string' },
      },
    }).values;
  } catch (e) {
    throw new CvglError('known options (see `cvgl report --help`)', (e as Error).message, 'check the spelling of the options');
  }
  if (v.help) {
    console.log(REPORT_HELP);
    return 0;
  }
  const out = typeof v.out === 'string' ? v.out : 'reports';
  const notebooks = ((v.notebooks as string[] | undefined) ?? []).flatMap((s) => s.split(',')).filter(Boolean);
  if (notebooks.length === 0) {
    const files = await writeQuickstartReport({ quick: !v.full, outDir: out, log: (l) => console.error(l) });
    for (const f of files) console.log(`wrote ${f}`);
    return 0;
  }
  if (v.pdf && v['no-pdf']) throw new CvglError('--pdf or --no-pdf', 'both', 'give one of them');
  const profile = typeof v.profile === 'string' ? v.profile : 'quick';
  if (!isProfile(profile)) throw new CvglError(`--profile ${PROFILES.join(', ')}`, `'${profile}'`, "quick: the synthetic set at small sizes; paper: the papers' settings on your datasets; smoke: a few steps of everything (CI)");
  const jobs = v.jobs === undefined ? 1 : Number(v.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new CvglError('--jobs: an integer >= 1', `'${String(v.jobs)}'`, 'e.g. --jobs 2');
  const params = Object.fromEntries(((v.param as string[] | undefined) ?? []).map(parseParam));
  const r = await buildReports({
    notebooks, outDir: out, params, profile, jobs,
    pdf: v.pdf ? true : v['no-pdf'] ? false : undefined,
    cellTimeoutS: seconds(v['cell-timeout'] as string | undefined, 'cell-timeout'), timeoutS: seconds(v.timeout as string | undefined, 'timeout'),
    log: (l) => console.error(l),
  });
  for (const p of r.pages) console.log(`${p.group}: ${relative(process.cwd(), p.html)}${p.pdf ? `, ${relative(process.cwd(), p.pdf)}` : ''} — ${p.claims}`);
  console.log(`index: ${relative(process.cwd(), r.index)}`);
  if (r.pdfSkipped) console.error(`PDF: ${r.pdfSkipped}`);
  if (r.failures.length) {
    for (const f of r.failures) console.error(`  ${relative(process.cwd(), f.path)}: ${describeFailure(f.error)}`);
    console.error(`${r.failures.length} notebook(s) failed: ${r.failures.map((f) => relative(process.cwd(), f.path)).join(', ')} (the pages of those that ran show the failing cell)`);
    return 1;
  }
  return 0;
}
