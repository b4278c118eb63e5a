/**
 * Writes docs/papers/readings.md from the registers of readings (lib/papers/readings.ts):
 *   npx tsx bin/readings-doc.ts          write the file
 *   npx tsx bin/readings-doc.ts --check  exit 1 when the committed file differs
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readingsMarkdown } from '../lib/papers/readings.js';

const file = fileURLToPath(new URL('../docs/papers/readings.md', import.meta.url));
const text = readingsMarkdown();
if (process.argv.includes('--check')) {
  let old = '';
  try {
    old = readFileSync(file, 'utf8');
  } catch {
    // missing: differs
  }
  if (old !== text) {
    console.error(`${file} is not what the registers give: run npx tsx bin/readings-doc.ts`);
    process.exit(1);
  }
} else {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
