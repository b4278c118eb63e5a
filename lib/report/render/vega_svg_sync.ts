/**
 * vegaToSvg without a Promise, for `show.vegalite`: a notebook cell displays its chart while it
 * runs (a Promise resolved after the cell ends would lose the output or land in another cell), and
 * vega renders only asynchronously. One worker thread renders; this thread sleeps on a shared flag
 * until the answer is there. The worker is unref'd: it never keeps a process alive.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

let worker: Worker | null = null;

function renderer(): Worker {
  if (!worker) {
    // plain Node flags: the worker is JavaScript, and a kernel's --import hooks are not its business
    worker = new Worker(new URL('./vega_svg_worker.mjs', import.meta.url), { execArgv: [] });
    worker.unref();
    worker.on('error', () => (worker = null));
    worker.on('exit', () => (worker = null));
  }
  return worker;
}

/** The SVG of a Vega-Lite/Vega spec; throws with vega's message, or after `timeoutMs`. */
export function vegaToSvgSync(spec: unknown, kind: 'vega-lite' | 'vega', timeoutMs = 30_000): string {
  const flag = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  try {
    renderer().postMessage({ spec, kind, port: port2, flag }, [port2]);
    if (Atomics.wait(new Int32Array(flag), 0, 0, timeoutMs) === 'timed-out') throw new Error(`no SVG after ${timeoutMs / 1000} s`);
    const answer = receiveMessageOnPort(port1)?.message as { svg?: string; error?: string } | undefined;
    if (answer?.svg === undefined) throw new Error(answer?.error ?? 'the renderer gave no answer');
    return answer.svg;
  } finally {
    port1.close();
  }
}
