/** CVFT's register of readings (lib/papers/reading.ts): where the paper is ambiguous, what the library chose. */
import type { Reading } from '../reading.js';

export const CVFT_READINGS: Reading[] = [];
