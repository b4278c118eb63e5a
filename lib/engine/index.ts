export { tf } from './tf.js';
export { CvglError, isCvglError } from './errors.js';
export { Rng, rng, seed, type RngState } from './rng.js';
export { SeededRandom } from './random.js';
export { machineInfo, type MachineInfo } from './device.js';
export { accurateLog1p } from './ops/log1p.js';
export {
  initEngine,
  engineInfo,
  probeBackends,
  versions,
  BACKENDS,
  type BackendName,
  type BackendChoice,
  type EngineInfo,
  type EngineOptions,
  type BackendStatus,
} from './init.js';
