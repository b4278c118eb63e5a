/**
 * The claims' verdicts of an `npm run report` folder, or how two folders' verdicts agree (issue 20):
 *
 *   npx tsx bin/verdicts.ts reports/                      # per paper: supported / contradicted / inconclusive / not run
 *   npx tsx bin/verdicts.ts seed1/reports seed2/reports   # the same for both, and their agreement
 *
 * Read are the executed notebooks (<dir>/<paper>/*.ipynb): their results bundles are assessed
 * again with the claims of this checkout (lib/papers/assess.ts), so two folders are compared
 * with the same claims. Agreement: of the claims decided (supported or contradicted) in both, the
 * share with the same verdict; a flip is supported in one and contradicted in the other. Claims
 * on trained models (not exact comparisons of parameter counts) are counted apart. Exit 1 when
 * two folders flip a claim.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLAIMS } from '../lib/papers/claims.js';
import type { PaperKey } from '../lib/papers/types.js';
import { collectResultBundles, type Notebook } from '../lib/report/render/outputs.js';
import { evaluateClaims, type ClaimResult } from '../lib/report/render/tables.js';

function assessed(dir: string): Map<string, ClaimResult> {
  if (!existsSync(dir)) throw new Error(`no report folder ${dir}`);
  const out = new Map<string, ClaimResult>();
  for (const d of readdirSync(dir).map((x) => join(dir, x)).filter((x) => statSync(x).isDirectory())) {
    const paper = d.split('/').pop() as PaperKey;
    const bundles = readdirSync(d)
      .filter((f) => f.endsWith('.ipynb'))
      .flatMap((f) => collectResultBundles(JSON.parse(readFileSync(join(d, f), 'utf8')) as Notebook));
    if (!bundles.length) continue;
    for (const r of evaluateClaims(CLAIMS, bundles, paper)) out.set(r.claim.id, r);
  }
  return out;
}

const VERDICTS = ['supported', 'contradicted', 'inconclusive', 'not run'] as const;
function summary(m: Map<string, ClaimResult>): string[] {
  const papers = [...new Set([...m.values()].map((r) => r.claim.paper))];
  return papers.map((p) => {
    const rs = [...m.values()].filter((r) => r.claim.paper === p);
    const count = (kind: string) => VERDICTS.map((v) => rs.filter((r) => r.assessment.kind === kind && r.status === v).length);
    const [s, c, i, n] = count('statistical');
    const exact = count('exact');
    return `| ${p} | ${s} | ${c} | ${i} | ${n} | ${exact[0]} / ${exact[0]! + exact[1]!} |`;
  });
}

const dirs = process.argv.slice(2);
if (dirs.length < 1 || dirs.length > 2) {
  console.error('usage: npx tsx bin/verdicts.ts REPORT_DIR [OTHER_REPORT_DIR]');
  process.exit(2);
}
const runs = dirs.map(assessed);
for (const [i, m] of runs.entries()) {
  console.log(`\n${dirs[i]}\n\n| paper | supported | contradicted | inconclusive | not run | exact supported |\n| --- | ---: | ---: | ---: | ---: | ---: |`);
  for (const l of summary(m)) console.log(l);
}
if (runs.length === 2) {
  const [a, b] = runs as [Map<string, ClaimResult>, Map<string, ClaimResult>];
  const decided = (r?: ClaimResult) => r?.status === 'supported' || r?.status === 'contradicted';
  const both = [...a.keys()].filter((id) => decided(a.get(id)) && decided(b.get(id)));
  const agree = both.filter((id) => a.get(id)!.status === b.get(id)!.status);
  const trained = both.filter((id) => a.get(id)!.assessment.kind === 'statistical');
  const flips = both.filter((id) => a.get(id)!.status !== b.get(id)!.status);
  const changed = [...a.keys()].filter((id) => b.has(id) && a.get(id)!.status !== b.get(id)!.status);
  console.log(`\ndecided in both: ${both.length} (${trained.length} on trained models); agree: ${agree.length} (${both.length ? ((100 * agree.length) / both.length).toFixed(0) : '-'}%); supported vs contradicted flips: ${flips.length}`);
  for (const id of changed) console.log(`  ${id}: ${a.get(id)!.status} -> ${b.get(id)!.status}`);
  if (flips.length) process.exit(1);
}
