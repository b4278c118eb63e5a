// Worker thread of vegaToSvgSync (vega_svg_sync.ts): renders one spec per message, answers on the
// message's port, then wakes the waiting thread through the shared flag.
import { parentPort } from 'node:worker_threads';
import { vegaToSvg } from './vega_svg.mjs';

parentPort.on('message', async ({ spec, kind, port, flag }) => {
  const done = new Int32Array(flag);
  try {
    port.postMessage({ svg: await vegaToSvg(spec, kind) });
  } catch (e) {
    port.postMessage({ error: e instanceof Error ? e.message : String(e) });
  } finally {
    port.close();
    Atomics.store(done, 0, 1);
    Atomics.notify(done, 0);
  }
});
