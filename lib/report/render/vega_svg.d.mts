/** Vega-Lite (any v*) or Vega spec to an SVG string, rendered headless in Node. */
export function vegaToSvg(spec: unknown, kind: 'vega-lite' | 'vega'): Promise<string>;
