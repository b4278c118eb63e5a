// Vega-Lite (any v*) or Vega spec to an SVG string, headless in Node. Plain JavaScript so that
// the synchronous variant's worker thread (vega_svg_worker.mjs) loads it without a TypeScript
// loader, inside a tslab kernel as well as under tsx.
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

/** @param {unknown} spec @param {'vega-lite' | 'vega'} kind @returns {Promise<string>} */
export async function vegaToSvg(spec, kind) {
  const s = typeof spec === 'string' ? JSON.parse(spec) : spec;
  const vgSpec = kind === 'vega-lite' ? vegaLite.compile(s).spec : s;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
