/**
 * Worker side of the input pipeline: decode + resize (sharp, or the on-disk cache), the pair
 * augmentation, the polar transform; returns float32 HWC arrays in [0, 1].
 */
import { SeededRandom } from '../engine/random.js';
import { serveTasks } from '../engine/worker_pool.js';
import { augment, augmentPair, type PairOptions } from './augment.js';
import { toFloat, type FloatImage, type RgbImage } from './image.js';
import { cacheGet, cacheKey, cachePut } from './image_cache.js';
import { decodeImage } from './image_io.js';
import { polarTransformImage } from './polar_grid.js';

export interface LoadSettings {
  ground: { width: number; height: number } | null;
  aerial: { size: number; polar: { height: number; width: number } | null } | null;
  augment: PairOptions | null;
  cacheDir: string | null;
}

export interface LoadItem {
  ground?: string;
  aerial?: string;
  seed: number;
}

export interface LoadResult {
  headingDeg: number[];
  decoded: number;
  cached: number;
}

/** Where a chunk's images go: views into the batch's shared buffers (item k at k * imageSize). */
export interface LoadTargets {
  ground: Float32Array | null;
  aerial: Float32Array | null;
}

async function load(path: string, width: number, height: number, cacheDir: string | null, stats: { decoded: number; cached: number }): Promise<RgbImage> {
  if (cacheDir) {
    let key: string | null = null;
    try {
      key = cacheKey(path, width, height);
    } catch {
      // missing file: decodeImage below reports it by name
    }
    if (key) {
      const hit = cacheGet(cacheDir, key, width, height);
      if (hit) {
        stats.cached++;
        return hit;
      }
      const img = await decodeImage(path, { width, height });
      stats.decoded++;
      cachePut(cacheDir, key, img);
      return img;
    }
  }
  stats.decoded++;
  return decodeImage(path, { width, height });
}

/** Loads the items into `out` (float32 HWC in [0, 1], item after item). */
export async function loadItems(items: LoadItem[], st: LoadSettings, out: LoadTargets): Promise<LoadResult> {
  const stats = { decoded: 0, cached: 0 };
  const headingDeg: number[] = [];
  // writes image k into its slot of the batch buffer; uint8 images are scaled to [0, 1] on the way
  // (no intermediate float image when nothing else needs one)
  const place = (target: Float32Array | null, img: FloatImage | RgbImage, k: number, what: string) => {
    if (!target) return;
    const n = target.length / items.length;
    if (img.data.length !== n) throw new Error(`${what} image ${k} has ${img.data.length} values, expected ${n}`);
    const src = img.data, off = k * n;
    if (src instanceof Uint8Array) {
      const s = 1 / 255;
      for (let i = 0; i < n; i++) target[off + i] = src[i]! * s;
    } else target.set(src, off);
  };
  await Promise.all(
    items.map(async (it, k) => {
      const [gi, ai] = await Promise.all([
        st.ground && it.ground ? load(it.ground, st.ground.width, st.ground.height, st.cacheDir, stats) : null,
        st.aerial && it.aerial ? load(it.aerial, st.aerial.size, st.aerial.size, st.cacheDir, stats) : null,
      ]);
      let g: FloatImage | RgbImage | null = gi, a: FloatImage | RgbImage | null = ai;
      let heading = 0;
      if (st.augment && gi && ai) {
        const r = augmentPair(toFloat(gi), toFloat(ai), new SeededRandom(it.seed), st.augment);
        g = r.ground;
        a = r.aerial;
        heading = r.params.headingDeg;
      } else if (st.augment && (gi || ai)) {
        // one view only (MoCo pre-training of one branch): that view's options, the pair's flip
        // probability unless the view sets its own
        const opts = (gi ? st.augment.ground : st.augment.aerial) ?? {};
        const r = augment(toFloat((gi ?? ai)!), new SeededRandom(it.seed), { ...opts, flipP: opts.flipP ?? st.augment.flipP });
        if (gi) g = r.image;
        else a = r.image;
      }
      // the polar transform samples float pixels (no rounding to uint8 in between)
      if (a && st.aerial?.polar) a = polarTransformImage('channels' in a ? a : toFloat(a), st.aerial.polar.height, st.aerial.polar.width);
      if (g) place(out.ground, g, k, 'ground');
      if (a) place(out.aerial, a, k, 'aerial');
      headingDeg[k] = heading;
    }),
  );
  return { headingDeg, ...stats };
}

serveTasks(async (p: { items: LoadItem[]; settings: LoadSettings; ground: Float32Array | null; aerial: Float32Array | null }) => {
  // the targets are views of SharedArrayBuffers: the main thread sees the pixels without a copy
  return { result: await loadItems(p.items, p.settings, { ground: p.ground, aerial: p.aerial }) };
});
