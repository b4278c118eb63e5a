/** Messages between the dataset generator and its render workers. */
import type { DomainName } from './domains.js';

export interface RenderSettings {
  aerialSize: number;
  /** Ground side length of an aerial tile (m). */
  aerialExtent: number;
  panoWidth: number;
  panoHeight: number;
  fovDeg: number;
  topDeg: number;
  bottomDeg: number;
  /** Radius of the scene around a panorama camera (m). */
  sceneRadius: number;
  quality: number;
}

export interface RenderOutput {
  domain: DomainName;
  path: string;
}

/** One location: its aerial tile and/or its panorama, each in one or more domains (the scene
 *  around the location is built once for all of them). */
export interface RenderJob {
  world: { seed: number; style: string };
  x: number;
  y: number;
  yawDeg: number;
  aerial: RenderOutput[];
  pano: RenderOutput[];
}
