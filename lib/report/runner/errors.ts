/**
 * What can go wrong when a notebook runs, as types (after nbclient's exceptions.py:
 * CellExecutionError, CellTimeoutError, DeadKernelError), so that callers branch with
 * `instanceof` rather than on status strings. All are CvglErrors: their message says what was
 * expected, what was found and what to do.
 */
import { CvglError } from '../../engine/errors.js';

/** A code cell raised (and is not tagged `raises-exception`). */
export class CellError extends CvglError {
  readonly notebook: string;
  /** Index of the cell among all cells of the executed notebook. */
  readonly cellIndex: number;
  readonly ename: string;
  readonly evalue: string;
  readonly traceback: string[];

  constructor(notebook: string, cellIndex: number, ename: string, evalue: string, traceback: string[]) {
    super(
      `cell ${cellIndex} of ${notebook} to run without an error`,
      `${ename}: ${evalue}`,
      'read the cell\'s error output in the executed notebook and fix the cell; tag the cell "raises-exception" if it is meant to fail',
    );
    this.name = 'CellError';
    this.notebook = notebook;
    this.cellIndex = cellIndex;
    this.ename = ename;
    this.evalue = evalue;
    this.traceback = traceback;
  }
}

/** A cell ran past its limit (the cell's own, or what was left of the notebook's). */
export class CellTimeoutError extends CvglError {
  readonly notebook: string;
  readonly cellIndex: number;
  /** The limit that was reached, in seconds. */
  readonly limitS: number;
  /** 'cell': the per-cell limit; 'notebook': the whole notebook's limit. */
  readonly scope: 'cell' | 'notebook';
  /** true when the interrupt did not stop the cell and the kernel was killed. */
  readonly killed: boolean;

  constructor(notebook: string, cellIndex: number, limitS: number, scope: 'cell' | 'notebook', killed: boolean) {
    super(
      `cell ${cellIndex} of ${notebook} to finish within the ${scope === 'cell' ? 'per-cell' : 'notebook\'s'} limit of ${limitS} s`,
      `still running after ${limitS} s (${killed ? 'the interrupt did not stop it: the kernel was killed' : 'interrupted'})`,
      `give it more time (${scope === 'cell' ? '--cell-timeout' : '--timeout'} SECONDS) or less work (a smaller --profile)`,
    );
    this.name = 'CellTimeoutError';
    this.notebook = notebook;
    this.cellIndex = cellIndex;
    this.limitS = limitS;
    this.scope = scope;
    this.killed = killed;
  }
}

/** The kernel process exited on its own: while a cell ran (cellIndex), or while starting (null). */
export class KernelDiedError extends CvglError {
  readonly notebook: string;
  readonly cellIndex: number | null;
  /** The kernel's last output (stdout and stderr). */
  readonly detail: string;

  constructor(notebook: string, cellIndex: number | null, detail: string) {
    super(
      cellIndex === null ? `a tslab kernel for ${notebook} that starts` : `the kernel to stay alive while cell ${cellIndex} of ${notebook} ran`,
      `the kernel process exited${detail.trim() ? `; its last output: ${detail.trim().slice(-1000)}` : ''}`,
      cellIndex === null
        ? 'check that `node_modules/.bin/tslab kernel` starts (npm ci)'
        : 'look for process.exit, running out of memory or a crash in a native addon in that cell; run it in Jupyter to see more',
    );
    this.name = 'KernelDiedError';
    this.notebook = notebook;
    this.cellIndex = cellIndex;
    this.detail = detail;
  }
}

/** A file that cannot be run as a notebook here; nothing of it was executed. */
export class NotebookInvalidError extends CvglError {
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string, fix = 'pass an .ipynb file saved by Jupyter (File → Save) or written by the report runner') {
    super(`a Jupyter notebook (nbformat 4 JSON) that the TypeScript runner can execute at ${path}`, reason, fix);
    this.name = 'NotebookInvalidError';
    this.path = path;
    this.reason = reason;
  }
}

/** The errors a notebook run ends with. */
export type RunError = CellError | CellTimeoutError | KernelDiedError | NotebookInvalidError;
