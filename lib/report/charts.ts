/**
 * Vega-Lite specs the notebooks share (displayed with `show.vegalite`, rendered to SVG by the
 * report): recall@K curves (CVFT Figs. 5/6, GeoCapsNet Fig. 4, distance recall of CVFT Fig. 8),
 * 2-D scatter plots of embeddings (t-SNE, CVFT Fig. 12, thesis Figs. 4.3/4.4), loss curves.
 */

export interface CurveSeries {
  name: string;
  /** curve[K − 1]: a fraction in [0, 1]. */
  curve: ArrayLike<number>;
}

/**
 * Recall (percent) against K for each series; with `galleryN`, the chance line K / N too (dashed,
 * grey, named in the subtitle rather than the legend).
 */
export function recallCurvesSpec(series: CurveSeries[], o: { title: string; galleryN?: number; xTitle?: string; width?: number; height?: number }): Record<string, unknown> {
  const values = series.flatMap((s) => Array.from(s.curve, (r, k) => ({ K: k + 1, recall: 100 * r, series: s.name })));
  const maxK = Math.max(0, ...series.map((s) => s.curve.length));
  const x = { field: 'K', type: 'quantitative', title: o.xTitle ?? 'K' };
  const y = { field: 'recall', type: 'quantitative', title: 'recall (%)', scale: { domain: [0, 100] } };
  const runs = {
    data: { values },
    mark: { type: 'line' },
    encoding: { x, y, color: { field: 'series', type: 'nominal', title: null, sort: series.map((s) => s.name), legend: { labelLimit: 320 } } },
  };
  const chance = o.galleryN
    ? [{ data: { values: Array.from({ length: maxK }, (_, k) => ({ K: k + 1, recall: (100 * Math.min(k + 1, o.galleryN!)) / o.galleryN! })) }, mark: { type: 'line', color: '#888', strokeDash: [4, 3] }, encoding: { x, y } }]
    : [];
  return {
    title: o.galleryN ? { text: o.title, subtitle: `dashed: chance, K / ${o.galleryN}` } : o.title,
    width: o.width ?? 480,
    height: o.height ?? 240,
    layer: [runs, ...chance],
  };
}

/** Points [n, 2] row-major coloured by `groups[i]` (e.g. ground / aerial, or a city). */
export function scatterSpec(points: ArrayLike<number>, groups: string[], o: { title: string; width?: number; height?: number; size?: number }): Record<string, unknown> {
  const values = groups.map((g, i) => ({ x: points[2 * i], y: points[2 * i + 1], group: g }));
  return {
    title: o.title,
    width: o.width ?? 360,
    height: o.height ?? 360,
    data: { values },
    mark: { type: 'circle', size: o.size ?? 18, opacity: 0.7 },
    encoding: {
      x: { field: 'x', type: 'quantitative', axis: null },
      y: { field: 'y', type: 'quantitative', axis: null },
      color: { field: 'group', type: 'nominal', title: null, legend: { labelLimit: 320 } },
    },
  };
}

/** Loss per step for each run (e.g. a study's runs). */
export function lossCurvesSpec(series: { name: string; losses: ArrayLike<number> }[], o: { title: string; width?: number; height?: number; log?: boolean }): Record<string, unknown> {
  const values = series.flatMap((s) => Array.from(s.losses, (loss, i) => ({ step: i + 1, loss, run: s.name })));
  return {
    title: o.title,
    width: o.width ?? 480,
    height: o.height ?? 200,
    data: { values },
    mark: { type: 'line', strokeWidth: 1 },
    encoding: {
      x: { field: 'step', type: 'quantitative' },
      // log: losses of different scales on one chart (symlog: zero and negative values stay drawable)
      y: { field: 'loss', type: 'quantitative', scale: o.log ? { type: 'symlog' } : { zero: false } },
      color: { field: 'run', type: 'nominal', title: null, legend: { labelLimit: 320 } },
    },
  };
}
