/**
 * The library's one-way layers (issue 19): a file under lib/ imports only from its own layer or
 * from layers below it —
 *   engine < data, synth < nn < models, losses < eval < train < bench < papers < report < cli,
 * with lib/index.ts (the library's entry) and the cli at the top. Every relative import is read:
 * static `import … from`, `export … from`, dynamic `import()` and `require()`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const LIB = fileURLToPath(new URL('../../lib/', import.meta.url));

const RANK: Record<string, number> = {
  engine: 0,
  data: 1, synth: 1,
  nn: 2,
  models: 3, losses: 3,
  eval: 4,
  train: 5,
  bench: 6,
  papers: 7,
  report: 8,
  cli: 9,
};
const TOP = 9;

/** The layer of a path relative to lib/ ('train/study.ts'); undefined for an unknown folder. */
function layerOf(file: string): { layer: string; rank: number | undefined } {
  const parts = file.split('/');
  if (parts.length === 1) {
    // files directly in lib/: the entry and the cli sit on top of everything
    if (file === 'index.ts' || /^cli(_\w+)?\.ts$/.test(file)) return { layer: file === 'index.ts' ? 'index' : 'cli', rank: TOP };
    return { layer: file, rank: undefined };
  }
  return { layer: parts[0]!, rank: RANK[parts[0]!] };
}

/** Relative module specifiers a source imports (static, re-exports, import(), require()); comments are not read. */
function relativeImports(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((f) => f.fileName).filter((n) => n.startsWith('./') || n.startsWith('../'));
}

function libFiles(dir = LIB): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? libFiles(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every import edge between lib files: from, to (paths relative to lib/, '/'-separated). */
function edges(): { from: string; to: string }[] {
  return libFiles().flatMap((abs) => {
    const from = relative(LIB, abs).split(sep).join('/');
    return relativeImports(readFileSync(abs, 'utf8')).flatMap((spec) => {
      const target = relative(LIB, resolve(dirname(abs), spec)).split(sep).join('/');
      return target.startsWith('..') ? [] : [{ from, to: target }];
    });
  });
}

const upward = (e: { from: string; to: string }) => {
  const a = layerOf(e.from), b = layerOf(e.to);
  return a.layer !== b.layer && a.rank !== undefined && b.rank !== undefined && b.rank > a.rank;
};

describe('layers', () => {
  it('reads every kind of relative import and skips packages and comments', () => {
    const src = [
      "import { a } from './a.js';",
      "import type { B } from '../b/b.js';",
      "import {\n  c,\n  d,\n} from '../c.ts';",
      "export { e } from './e.js';",
      "export * from '../f/index.js';",
      "const g = await import('./g.js');",
      "const h = require('../h.ts');",
      "import './side.js';",
      "import ts from 'typescript';",
      "// import { x } from '../commented.js';",
      "/* require('../also-commented.js') */",
    ].join('\n');
    expect(relativeImports(src).sort()).toEqual(['../b/b.js', '../c.ts', '../f/index.js', '../h.ts', './a.js', './e.js', './g.js', './side.js'].sort());
  });

  it('ranks the layers in the order of DESIGN.md; the entry and the cli on top', () => {
    expect(layerOf('engine/tf.ts').rank).toBeLessThan(layerOf('data/readers.ts').rank!);
    expect(layerOf('data/readers.ts').rank).toBe(layerOf('synth/world.ts').rank);
    expect(layerOf('models/safa.ts').rank).toBe(layerOf('losses/triplet.ts').rank);
    expect(layerOf('train/study.ts').rank).toBeLessThan(layerOf('papers/cvft/index.ts').rank!);
    expect(layerOf('papers/cvft/index.ts').rank).toBeLessThan(layerOf('report/show.ts').rank!);
    expect(layerOf('index.ts').rank).toBe(TOP);
    expect(layerOf('cli_train.ts').rank).toBe(TOP);
    expect(layerOf('cli/train.ts').rank).toBe(TOP);
    expect(upward({ from: 'train/study.ts', to: 'report/types.ts' })).toBe(true);
    expect(upward({ from: 'papers/thesis/study.ts', to: 'train/study.ts' })).toBe(false);
    expect(upward({ from: 'data/x.ts', to: 'synth/y.ts' })).toBe(false); // same rank
  });

  it('every file under lib/ is in a known layer', () => {
    const unknown = libFiles().map((f) => relative(LIB, f).split(sep).join('/')).filter((f) => layerOf(f).rank === undefined);
    expect(unknown, 'give the new folder a rank in this test (and in DESIGN.md "Layout")').toEqual([]);
  });

  it('no file imports from a layer above its own', () => {
    const bad = edges().filter(upward).map((e) => `${e.from} -> ${e.to}`);
    expect(bad).toEqual([]);
  });

});
