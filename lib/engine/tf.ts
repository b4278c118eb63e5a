/**
 * The one place lib/ imports TensorFlow.js from.
 *
 * The `@tensorflow/tfjs` umbrella's Node bundle registers every gradient and the chained ops
 * on the same `@tensorflow/tfjs-core` instance that the wasm and webgpu backends use. It also
 * registers a `webgl` backend that cannot start in Node; we drop it so that nothing ever tries
 * it (and prints a browser-only warning) before `initEngine` has chosen a backend.
 */
import * as tf from '@tensorflow/tfjs';

if (tf.findBackendFactory('webgl') != null) tf.removeBackend('webgl');

export { tf };
export default tf;
