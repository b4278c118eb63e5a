/**
 * The thesis' feature-distribution figures (003, Sec. 3.3 and 4.5; Figs. 4.3 and 4.4): the
 * descriptors of a validation split — normally of a model *before* downstream training, to see
 * what its initialisation gives — as
 *
 *   column 1: t-SNE to R² of the ground and satellite descriptors together (lib/eval/tsne.ts);
 *   column 2: those points l2-normalised onto S¹ (lib/eval/circle.ts);
 *   column 3: vMF kernel density estimates of their angles arctan2(y, x) (lib/eval/vmf_kde.ts),
 *             one curve per series and one (black) of all points;
 *
 * with the three uniformity values of the caption (Eqs. 3.6–3.8 on the full descriptors, not on
 * the 2-D points; lib/eval/uniformity.ts). Series follow the thesis' colours: Fig. 4.3 red =
 * ground, blue = satellite; Fig. 4.4 (VIGOR, two validation cities) red / blue = ground /
 * satellite of the first city (SanFrancisco), orange / green = those of the second (Chicago).
 *
 * For VIGOR the satellite descriptors are the split's gallery (every aerial of its cities once).
 * Returns the data and three vega-lite specs (`show.vegalite`).
 */
import { CvglError } from '../engine/errors.js';
import { SeededRandom } from '../engine/random.js';
import type { SplitEmbeddings } from './embeddings.js';
import { embeddingUniformity } from './evaluate.js';
import { circleAngles, projectToCircle } from './circle.js';
import { tsne, type TsneOptions } from './tsne.js';
import { DEFAULT_KAPPA, vmfKde } from './vmf_kde.js';

export interface FeatureSnapshotOptions {
  /** Group (VIGOR city, area) of each ground row and of each gallery row; absent: one group. */
  groundGroups?: (string | null)[];
  aerialGroups?: (string | null)[];
  /** Seed of the t-SNE and of the subsample (default 0). */
  seed?: number;
  /** At most this many points per view in the plots (a seeded subsample; default 2000). The
   *  uniformity values always use every descriptor. */
  maxPoints?: number;
  /** κ of the vMF kernels (default DEFAULT_KAPPA). */
  kappa?: number;
  /** Other t-SNE options (perplexity is capped below a third of the points). */
  tsne?: Omit<TsneOptions, 'seed'>;
  /** Title prefix of the plots, e.g. 'exp. 5 (ImageNet / sat*)'. */
  title?: string;
  /** Width (and height) of each plot in pixels (default 260). */
  size?: number;
}

export interface SnapshotPoint {
  x: number;
  y: number;
  view: 'ground' | 'satellite';
  series: string;
}

export interface FeatureSnapshot {
  /** L_uniform of the ground descriptors, the satellite descriptors and all (Eqs. 3.6–3.8). */
  uniformity: { ground: number; satellite: number; all: number };
  /** Column 1: the t-SNE embedding. */
  points: SnapshotPoint[];
  /** Column 2: the same points on S¹, with their angle. */
  circle: (SnapshotPoint & { angle: number })[];
  /** Column 3: density over angle per series, and of all points ('all'). */
  kde: { theta: number; density: number; series: string }[];
  /** Series in plotting order and their colours (the thesis' where it has one). */
  series: { name: string; color: string }[];
  /** "L_uniform-ground: …, L_uniform-satellite: …, L_uniform-all: …" as the thesis' captions. */
  caption: string;
  specs: { tsne: Record<string, unknown>; circle: Record<string, unknown>; kde: Record<string, unknown> };
  /** Points used in the plots per view (after the subsample) and in the uniformity values. */
  counts: { plotted: { ground: number; satellite: number }; ground: number; satellite: number };
}

/** Colours: Fig. 4.3/4.4 red, blue, orange, green; then more. */
const PALETTE = ['#d62728', '#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const ALL = 'all';

function subsample(n: number, max: number, rng: SeededRandom): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (n <= max) return idx;
  return rng.shuffle(idx).slice(0, max).sort((a, b) => a - b);
}

/** Fig. 4.3/4.4 data and plots of a split's descriptors; see the file comment. */
export async function featureSnapshot(e: SplitEmbeddings, o: FeatureSnapshotOptions = {}): Promise<FeatureSnapshot> {
  const { n, galleryN, dim } = e;
  for (const [what, groups, len] of [['groundGroups', o.groundGroups, n], ['aerialGroups', o.aerialGroups, galleryN]] as const) {
    if (groups && groups.length !== len) throw new CvglError(`${what}: one group per ${what === 'groundGroups' ? 'query' : 'gallery'} row (${len})`, `${groups.length}`, 'pass e.g. the VIGOR city of each image (vigorCityOf)');
  }
  if (n < 2 || galleryN < 2) throw new CvglError('at least 2 ground and 2 satellite descriptors', `${n} and ${galleryN}`, 'embed a larger split');
  const uniformity = await embeddingUniformity(e);
  const rng = new SeededRandom(o.seed ?? 0);
  const max = o.maxPoints ?? 2000;
  const gi = subsample(n, max, rng), si = subsample(galleryN, max, rng);
  const m = gi.length + si.length;
  const data = new Float64Array(m * dim);
  gi.forEach((i, r) => data.set(e.ground.subarray(i * dim, (i + 1) * dim), r * dim));
  si.forEach((i, r) => data.set(e.aerial.subarray(i * dim, (i + 1) * dim), (gi.length + r) * dim));
  const label = (view: 'ground' | 'satellite', g: string | null | undefined) => (g ? `${view} ${g}` : view);
  const rows: { view: 'ground' | 'satellite'; series: string }[] = [
    ...gi.map((i) => ({ view: 'ground' as const, series: label('ground', o.groundGroups?.[i]) })),
    ...si.map((i) => ({ view: 'satellite' as const, series: label('satellite', o.aerialGroups?.[i]) })),
  ];
  // series order: ground then satellite of each group, groups in order of appearance
  const groups = [...new Set([...(o.groundGroups ?? [null]), ...(o.aerialGroups ?? [null])].map((g) => g ?? null))];
  const names = groups.flatMap((g) => [label('ground', g), label('satellite', g)]).filter((s) => rows.some((r) => r.series === s));
  const series = names.map((name, i) => ({ name, color: PALETTE[i % PALETTE.length]! }));

  const perplexity = Math.min(o.tsne?.perplexity ?? 30, Math.max(1, (m - 1) / 3 - 1e-9));
  const t = await tsne(data, m, dim, { ...o.tsne, perplexity, seed: o.seed ?? 0 });
  const points: SnapshotPoint[] = rows.map((r, i) => ({ x: t.y[2 * i]!, y: t.y[2 * i + 1]!, ...r }));
  const unit = projectToCircle(t.y);
  const angles = circleAngles(unit);
  const circle = rows.map((r, i) => ({ x: unit[2 * i]!, y: unit[2 * i + 1]!, angle: angles[i]!, ...r }));
  const kappa = o.kappa ?? DEFAULT_KAPPA;
  const kde: FeatureSnapshot['kde'] = [];
  for (const s of [...names, ALL]) {
    const a = s === ALL ? angles : Float64Array.from(circle.filter((p) => p.series === s).map((p) => p.angle));
    if (!a.length) continue;
    const k = vmfKde(a, { kappa, gridSize: 180 });
    k.theta.forEach((th, j) => kde.push({ theta: th, density: k.density[j]!, series: s }));
  }
  const caption = `L_uniform-ground: ${uniformity.ground.toFixed(2)}, L_uniform-satellite: ${uniformity.satellite.toFixed(2)}, L_uniform-all: ${uniformity.all.toFixed(2)}`;
  const size = o.size ?? 260;
  const title = (what: string) => (o.title ? `${o.title}: ${what}` : what);
  // one colour scale for the three plots (they are shown side by side, sharing a legend): the
  // series, and black for the KDE of all points
  const color = () => ({
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: [...names, ALL], range: [...series.map((s) => s.color), '#000000'] },
  });
  const specs = {
    tsne: {
      title: title('t-SNE (R²)'), width: size, height: size, data: { values: points },
      mark: { type: 'circle', size: 14, opacity: 0.7 },
      encoding: { x: { field: 'x', type: 'quantitative', title: null }, y: { field: 'y', type: 'quantitative', title: null }, color: color() },
    },
    circle: {
      title: title('on S¹'), width: size, height: size, data: { values: circle },
      mark: { type: 'circle', size: 14, opacity: 0.35 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: null, scale: { domain: [-1.1, 1.1] } },
        y: { field: 'y', type: 'quantitative', title: null, scale: { domain: [-1.1, 1.1] } },
        color: color(),
      },
    },
    kde: {
      title: title(`vMF KDE of the angles (κ = ${kappa})`), width: size, height: size, data: { values: kde },
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: { x: { field: 'theta', type: 'quantitative', title: 'arctan2(y, x) (rad)', scale: { domain: [-Math.PI, Math.PI] } }, y: { field: 'density', type: 'quantitative', title: 'density' }, color: color() },
    },
  };
  return { uniformity, points, circle, kde, series, caption, specs, counts: { plotted: { ground: gi.length, satellite: si.length }, ground: n, satellite: galleryN } };
}
