/**
 * The thesis' (003) result tables rebuilt from a study's results beside the published numbers
 * (lib/papers/thesis/published.ts), for the notebook: Tables 4.2–4.8 and the unified model's R@1
 * (text under Fig. 6.3). Rows are the published rows, in the thesis' order; a row whose
 * experiment did not run shows empty reproduced cells.
 */
import type { ReproducedResults } from '../../train/study.js';
import type { TrainConfig } from '../../train/config.js';
import { THESIS_NUMBERS } from './published.js';
import { readingsUsed } from '../readings.js';
import { THESIS_READINGS } from './readings.js';

/** A table as `show.table` (lib/report/show.ts) takes it; typed here so papers need not import report. */
export interface ThesisTableSpec {
  columns: string[];
  rows: unknown[][];
  caption: string;
  digits: number;
}

const COLUMNS: [string, string][] = [['R@1', 'r1'], ['R@5', 'r5'], ['R@1%', 'r1pct']];

/** The weights of a row label 'exp. N (ground / satellite)', or null for labelled rows (α, augmentation). */
function weightsOf(row: string): [string, string] | null {
  const m = /\((.*)\)$/.exec(row);
  if (!m) return null;
  if (m[1] === '/ / /') return ['/', '/'];
  const parts = m[1]!.split(' / ');
  return parts.length === 2 ? [parts[0]!, parts[1]!] : null;
}

/**
 * `table` ('Table 4.2' … 'Table 4.8', 'Figure 6.3') as a show.table spec: experiment label (and the
 * two branches' weights where the table has them), reproduced R@1 / R@5 / R@1% (percent), the
 * thesis' values, and any `extra` columns read from the results (e.g. uniformAll).
 */
export function thesisTable(table: string, results: ReproducedResults, o: { caption?: string; extra?: [label: string, metric: string][] } = {}): ThesisTableSpec {
  const numbers = THESIS_NUMBERS.filter((n) => n.table === table);
  const rows = [...new Set(numbers.map((n) => n.row))];
  const withWeights = rows.every((r) => weightsOf(r) !== null);
  const cols = COLUMNS.filter(([c]) => numbers.some((n) => n.column === c));
  const extra = o.extra ?? [];
  const columns = [
    'experiment',
    ...(withWeights ? ['ground', 'satellite'] : []),
    ...cols.map(([c]) => c),
    ...cols.map(([c]) => `${c} (thesis)`),
    ...extra.map(([label]) => label),
  ];
  const body = rows.map((row) => {
    const ns = numbers.filter((n) => n.row === row);
    const id = ns[0]!.experiment!;
    const got = results[id] ?? {};
    const w = weightsOf(row);
    const label = withWeights ? row.replace(/\s*\(.*\)$/, '') : row;
    return [
      label,
      ...(withWeights ? [w![0], w![1]] : []),
      ...cols.map(([, m]) => got[m]),
      ...cols.map(([c]) => ns.find((n) => n.column === c)?.value),
      ...extra.map(([, m]) => got[m]),
    ];
  });
  return { columns, rows: body, caption: o.caption ?? `${table} (reproduced | thesis)`, digits: 2 };
}

/** The thesis' uniformity values of a figure caption row (Figs. 4.3/4.4) for experiment `id`, or null. */
export function publishedUniformity(figure: 'Figure 4.3' | 'Figure 4.4', id: string): { ground: number; satellite: number; all: number; row: string } | null {
  const ns = THESIS_NUMBERS.filter((n) => n.table === figure && n.experiment === id);
  if (!ns.length) return null;
  const v = (m: string) => ns.find((n) => n.metric === m)!.value;
  return { ground: v('uniformGround'), satellite: v('uniformSatellite'), all: v('uniformAll'), row: ns[0]!.row };
}

/**
 * Which reading of the register (lib/papers/thesis/readings.ts) each row used: one row per
 * configuration (e.g. a study's `configs`), one column per reading that applies to any of them;
 * an empty cell where the reading does not apply to that row.
 */
export function thesisReadingsTable(configs: Record<string, TrainConfig>): ThesisTableSpec {
  const ids = Object.keys(configs);
  const used = readingsUsed('thesis', configs);
  const readings = THESIS_READINGS.filter((r) => ids.some((id) => used[id]![r.id] !== undefined));
  return {
    columns: ['experiment', ...readings.map((r) => r.id.replace(/^thesis\./, ''))],
    rows: ids.map((id) => [id, ...readings.map((r) => used[id]![r.id] ?? '')]),
    caption: 'The reading of each ambiguity (lib/papers/thesis/readings.ts) each row used',
    digits: 0,
  };
}
