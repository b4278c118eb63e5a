/**
 * `cvgl report`'s checks before any notebook runs (lib/report/build.ts validateNotebook): no kernel.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateNotebook } from '../../lib/report/build.js';
import { NotebookInvalidError } from '../../lib/report/runner/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'cvgl-build-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TS = { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } };
let n = 0;
function file(content: unknown): string {
  const p = join(tmp, `nb${n++}.ipynb`);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}
const nb = (metadata: Record<string, unknown>) => ({ nbformat: 4, nbformat_minor: 5, metadata, cells: [{ cell_type: 'code', source: '1', metadata: {}, outputs: [], execution_count: null }] });

/** The reason validateNotebook gives, or null when it accepts the file. */
function reason(path: string): string | null {
  try {
    validateNotebook(path);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(NotebookInvalidError);
    expect((e as NotebookInvalidError).path).toBe(path);
    return (e as NotebookInvalidError).reason;
  }
}

describe('validateNotebook', () => {
  it('accepts the notebooks the runner can execute', () => {
    expect(reason(file(nb(TS)))).toBeNull();
    expect(reason(file(nb({})))).toBeNull();
    expect(reason(file(nb({ ...TS, cvgl: { paper: '00-quickstart', expectedSeconds: { quick: 37, measured: '2026-11-30' } } })))).toBeNull();
  });

  it('rejects what is not a runnable nbformat 4 notebook, saying why', () => {
    expect(reason(file('{"nbformat": 4, "cells": ['))).toMatch(/invalid JSON/);
    expect(reason(file({ ...nb(TS), nbformat: 3 }))).toMatch(/nbformat 3/);
    expect(reason(file({ nbformat: 4, metadata: {} }))).toMatch(/no "cells" array/);
    expect(reason(file({ ...nb(TS), cells: [{ cell_type: 'code', source: 3 }] }))).toMatch(/cell 0 has no string source/);
    expect(reason(file(nb({ kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } })))).toMatch(/kernelspec language "python"/);
    expect(reason(join(tmp, 'missing.ipynb'))).toMatch(/ENOENT/);
  });

  it('rejects bad declared metadata: a paper that is no plain name, expectedSeconds that are no seconds', () => {
    expect(reason(file(nb({ ...TS, cvgl: 'cvft' })))).toMatch(/metadata.cvgl is "cvft", not an object/);
    expect(reason(file(nb({ ...TS, cvgl: { paper: '../outside' } })))).toMatch(/metadata.cvgl.paper "..\/outside"/);
    expect(reason(file(nb({ ...TS, cvgl: { paper: 7 } })))).toMatch(/metadata.cvgl.paper 7/);
    expect(reason(file(nb({ ...TS, cvgl: { paper: 'cvft', expectedSeconds: 30 } })))).toMatch(/expectedSeconds is 30, not an object/);
    expect(reason(file(nb({ ...TS, cvgl: { paper: 'cvft', expectedSeconds: { quick: '30' } } })))).toMatch(/expectedSeconds.quick is "30", not seconds > 0/);
  });
});
