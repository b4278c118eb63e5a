/**
 * "Readings this run used" of a report page: for each reading of the paper (its register,
 * lib/papers/<paper>/readings.ts), the option each run of the notebooks used, from the results
 * bundles' `readings`, or the default where the code fixes it or the notebook recorded none.
 */
import type { Reading, ResultsBundle } from '../types.ts';
import { escapeHtml } from './outputs.ts';

/** One reading on a page: the options used and by which experiments. */
export interface ReadingUse {
  reading: Reading;
  /** option name → experiment ids that used it (empty: none recorded). */
  used: Map<string, string[]>;
  /** How the page states it when nothing was recorded. */
  fallback: 'fixed' | 'not-recorded' | 'not-applicable' | null;
}

/** Merges the bundles' records per reading. */
export function readingUses(readings: Reading[], bundles: ResultsBundle[]): ReadingUse[] {
  const recorded = bundles.some((b) => b.readings && typeof b.readings === 'object');
  const perRun = new Map<string, Record<string, string>>();
  for (const b of bundles) for (const [id, r] of Object.entries(b.readings ?? {})) perRun.set(id, { ...(perRun.get(id) ?? {}), ...r });
  return readings.map((reading) => {
    const used = new Map<string, string[]>();
    for (const [id, r] of perRun) {
      const o = r[reading.id];
      if (o !== undefined) used.set(o, [...(used.get(o) ?? []), id]);
    }
    const fallback = used.size ? null : !reading.usedBy && !reading.selectedBy ? 'fixed' : recorded ? 'not-applicable' : 'not-recorded';
    return { reading, used, fallback };
  });
}

const code = (s: string) => `<code>${escapeHtml(s)}</code>`;

/** The section's HTML (empty when the paper has no readings). */
export function readingsSectionHtml(readings: Reading[], bundles: ResultsBundle[], paper: string): string {
  if (!readings.length) return '';
  const short = (id: string) => (id.startsWith(`${paper}.`) ? id.slice(paper.length + 1) : id);
  const runs = new Set(bundles.flatMap((b) => Object.keys(b.readings ?? {})));
  const rows = readingUses(readings, bundles).map(({ reading: r, used, fallback }) => {
    let cell: string;
    if (used.size) {
      cell = [...used]
        .map(([o, ids]) => {
          const label = r.options.some((x) => x.name === o) ? code(o) : `${code(o)} <span class="badge badge-warn">not an option of this reading</span>`;
          const who = used.size === 1 && ids.length === runs.size ? `all ${ids.length} run${ids.length === 1 ? '' : 's'}` : ids.map(short).map(escapeHtml).join(', ');
          return `${label}${o === r.defaultOption ? '' : ' <span class="muted">(not the default)</span>'} <span class="small muted">— ${who}</span>`;
        })
        .join('<br>');
    } else if (fallback === 'not-applicable') {
      cell = '<span class="muted">no run of these notebooks applies</span>';
    } else {
      cell = `${code(r.defaultOption)} <span class="small muted">(${fallback === 'fixed' ? 'fixed in the code' : 'the default: the notebook recorded no options'})</span>`;
    }
    const meaning = r.options.find((o) => o.name === r.defaultOption)?.meaning ?? '';
    return (
      `<tr><td>${code(short(r.id))}<br><span class="small">${escapeHtml(r.topic)}</span></td><td class="small">${escapeHtml(r.where)}</td>` +
      `<td>${cell}</td><td class="small">${code(r.defaultOption)}: ${escapeHtml(meaning)}</td></tr>`
    );
  });
  return (
    `<section id="readings"><h2>Readings this run used</h2>` +
    `<p class="muted">Where the paper is ambiguous or contradicts itself, the option each run used (the register with the paper's words, the options and the evidence: docs/papers/readings.md).</p>` +
    `<table class="readings"><thead><tr><th>reading</th><th>paper</th><th>used</th><th>default</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`
  );
}
