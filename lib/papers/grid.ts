/**
 * Typing a printed table in once: columns (label, dataset, metric, unit) and rows (label, the
 * experiment reproducing it, the values as printed) expanded into PublishedNumbers.
 */
import type { PaperKey, PublishedNumber } from './types.js';

export interface Col {
  column: string;
  dataset: string;
  metric: string;
  unit?: string;
  higherIsBetter?: boolean;
}
/** A value as printed; `null`: a cell printed as '-' or empty; `{value, unit}`: a cell with its own unit. */
export type Cell = number | null | { value: number; unit: string };
export type Row = [row: string, experiment: string | undefined, values: Cell[]];

/** The table expander of one paper: `grid(table, cols, rows)`. */
export function gridFor(paper: PaperKey): (table: string, cols: Col[], rows: Row[]) => PublishedNumber[] {
  return (table, cols, rows) => {
    const out: PublishedNumber[] = [];
    for (const [row, experiment, values] of rows) {
      if (values.length !== cols.length) throw new Error(`${paper} ${table} '${row}': ${values.length} values for ${cols.length} columns`);
      values.forEach((cell, i) => {
        if (cell === null) return;
        const c = cols[i]!;
        const { value, unit } = typeof cell === 'number' ? { value: cell, unit: c.unit ?? '%' } : cell;
        out.push({ paper, table, row, column: c.column, dataset: c.dataset, metric: c.metric, value, unit, ...(experiment ? { experiment } : {}), higherIsBetter: c.higherIsBetter ?? true });
      });
    }
    return out;
  };
}
