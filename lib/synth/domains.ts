/**
 * Appearance domains of the same scene: lighting, palette and weather. The geometry never
 * changes between domains, so a location rendered in two domains is a translation pair for the
 * MDUIT notebook and a temporal-change probe for the thesis' discussion.
 */
import type { Rgb } from './world.js';

export type DomainName = 'day' | 'dusk' | 'night' | 'snow' | 'fog';
export const DOMAIN_NAMES: readonly DomainName[] = ['day', 'dusk', 'night', 'snow', 'fog'];

export interface Domain {
  name: DomainName;
  /** Unit vector towards the sun (x east, y north, z up). */
  sun: [number, number, number];
  sunColour: Rgb;
  /** Colour of the sky light that fills shadows. */
  ambientColour: Rgb;
  /** Share of light that reaches surfaces in shadow (sky light). */
  ambient: number;
  skyZenith: Rgb;
  skyHorizon: Rgb;
  /** Strength of the glow around the sun in the sky. */
  sunGlow: number;
  /** Cloud cover 0..1 (panorama sky). */
  clouds: number;
  fogColour: Rgb;
  /** Extinction distance (m) for ground views: colour = mix(surface, fog, 1 - exp(-d / fogDistance)). */
  fogDistance: number;
  /** Haze over the aerial view 0..1 (fog seen from above). */
  aerialHaze: number;
  /** Snow cover 0..1 on horizontal surfaces. */
  snow: number;
  /** Night: lit windows, street lamps, stars. */
  night: boolean;
}

function sunVector(azimuthDeg: number, elevationDeg: number): [number, number, number] {
  const a = (azimuthDeg * Math.PI) / 180, e = (elevationDeg * Math.PI) / 180;
  return [Math.sin(a) * Math.cos(e), Math.cos(a) * Math.cos(e), Math.sin(e)];
}

export const DOMAINS: Record<DomainName, Domain> = {
  day: {
    name: 'day', sun: sunVector(150, 52), sunColour: [1.05, 1.0, 0.92], ambient: 0.42, ambientColour: [0.92, 0.98, 1.1],
    skyZenith: [0.25, 0.45, 0.8], skyHorizon: [0.72, 0.82, 0.92], sunGlow: 0.5, clouds: 0.35,
    fogColour: [0.75, 0.82, 0.9], fogDistance: 1800, aerialHaze: 0.04, snow: 0, night: false,
  },
  dusk: {
    name: 'dusk', sun: sunVector(255, 9), sunColour: [1.15, 0.72, 0.42], ambient: 0.36, ambientColour: [0.75, 0.7, 0.95],
    skyZenith: [0.2, 0.24, 0.5], skyHorizon: [0.98, 0.62, 0.38], sunGlow: 1.2, clouds: 0.45,
    fogColour: [0.85, 0.6, 0.45], fogDistance: 1100, aerialHaze: 0.1, snow: 0, night: false,
  },
  night: {
    name: 'night', sun: sunVector(200, 40), sunColour: [0.12, 0.14, 0.2], ambient: 0.5, ambientColour: [0.09, 0.11, 0.2],
    skyZenith: [0.01, 0.015, 0.05], skyHorizon: [0.06, 0.07, 0.13], sunGlow: 0, clouds: 0.2,
    fogColour: [0.05, 0.06, 0.1], fogDistance: 900, aerialHaze: 0.05, snow: 0, night: true,
  },
  snow: {
    name: 'snow', sun: sunVector(165, 28), sunColour: [0.95, 0.96, 1.0], ambient: 0.7, ambientColour: [1.0, 1.0, 1.06],
    skyZenith: [0.62, 0.67, 0.74], skyHorizon: [0.86, 0.88, 0.9], sunGlow: 0.15, clouds: 0.8,
    fogColour: [0.86, 0.88, 0.9], fogDistance: 700, aerialHaze: 0.08, snow: 0.85, night: false,
  },
  fog: {
    name: 'fog', sun: sunVector(150, 45), sunColour: [0.8, 0.82, 0.84], ambient: 0.82, ambientColour: [1.0, 1.0, 1.0],
    skyZenith: [0.72, 0.74, 0.76], skyHorizon: [0.78, 0.79, 0.8], sunGlow: 0, clouds: 0,
    fogColour: [0.77, 0.78, 0.79], fogDistance: 70, aerialHaze: 0.45, snow: 0, night: false,
  },
};

export function domain(name: string): Domain {
  const d = (DOMAINS as Record<string, Domain>)[name];
  if (!d) throw new RangeError(`unknown domain '${name}' (known: ${DOMAIN_NAMES.join(', ')})`);
  return d;
}
