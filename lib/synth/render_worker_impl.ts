/**
 * Renders and encodes synthetic views in a worker thread: jobs arrive in chunks, each job is one
 * aerial tile or one panorama in one or more domains; images are encoded with sharp (JPEG or
 * PNG by file extension) while the next view renders.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import type { RgbImage } from '../data/image.js';
import { renderAerial } from './aerial.js';
import { domain } from './domains.js';
import { renderPanorama } from './panorama.js';
import { LocalScene } from './scene.js';
import type { RenderJob, RenderSettings } from './render_jobs.js';
import { CITY_STYLES, World } from './world.js';

const worlds = new Map<string, World>();
function worldFor(seed: number, style: string): World {
  const k = `${seed}:${style}`;
  let w = worlds.get(k);
  if (!w) {
    w = new World(seed, CITY_STYLES[style] ?? CITY_STYLES.mixed!);
    worlds.set(k, w);
  }
  return w;
}

const made = new Set<string>();
function encode(img: RgbImage, path: string, quality: number): Promise<unknown> {
  const dir = dirname(path);
  if (!made.has(dir)) {
    mkdirSync(dir, { recursive: true });
    made.add(dir);
  }
  const s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 3 } });
  return (path.endsWith('.png') ? s.png({ compressionLevel: 6 }) : s.jpeg({ quality })).toFile(path);
}

export function renderJob(job: RenderJob, st: RenderSettings): { path: string; image: RgbImage }[] {
  const world = worldFor(job.world.seed, job.world.style);
  const radius = job.pano.length ? st.sceneRadius : (st.aerialExtent / 2) * Math.SQRT2 + 12;
  const scene = new LocalScene(world, job.x, job.y, radius);
  const aerials = job.aerial.map(({ domain: name, path }) => ({
    path,
    image: renderAerial(scene, domain(name), { x: job.x, y: job.y, size: st.aerialSize, extent: st.aerialExtent }),
  }));
  const panos = job.pano.map(({ domain: name, path }) => ({
    path,
    image: renderPanorama(scene, domain(name), { x: job.x, y: job.y, yawDeg: job.yawDeg, width: st.panoWidth, height: st.panoHeight, fovDeg: st.fovDeg, topDeg: st.topDeg, bottomDeg: st.bottomDeg }),
  }));
  return [...aerials, ...panos];
}

if (parentPort) {
  const port = parentPort;
  port.on('message', async (msg: { type: 'chunk'; jobs: RenderJob[]; settings: RenderSettings }) => {
    try {
      const pending: Promise<unknown>[] = [];
      for (const job of msg.jobs) {
        for (const { path, image } of renderJob(job, msg.settings)) pending.push(encode(image, path, msg.settings.quality));
        if (pending.length > 8) await Promise.all(pending.splice(0, pending.length - 4));
        port.postMessage({ type: 'progress', n: 1 });
      }
      await Promise.all(pending);
      port.postMessage({ type: 'chunk-done' });
    } catch (e) {
      port.postMessage({ type: 'error', message: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) });
    }
  });
  port.postMessage({ type: 'ready' });
}
