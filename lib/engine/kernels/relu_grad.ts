/**
 * ReLU's gradient. tfjs-core computes it as dy · step(cast(x)): three kernels, each a pass over
 * the activation (at the thesis' full-size VGG16 step, 4.4M values per layer and pair). Where the
 * backend has `RELU_GRAD_KERNEL` (the `native` addon) it is one pass with the same result
 * (step(NaN) = NaN, so NaN and ±inf propagate as before); elsewhere tfjs-core's own gradient.
 */
import { tf } from '../tf.js';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

export const RELU_GRAD_KERNEL = 'CvglReluGrad';

let registered = false;

export function registerReluGradient(): void {
  if (registered) return;
  registered = true;
  const core = tf.getGradient('Relu');
  if (!core) throw new Error('tfjs-core has no Relu gradient registered');
  const grad: GradConfig = {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const [x] = saved as [Tensor];
      const g = dy as Tensor;
      if (x.dtype !== 'float32' || g.dtype !== 'float32' || !tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend())) {
        return core.gradFunc(dy, saved, attrs);
      }
      return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: g, x }) as Tensor };
    },
  };
  tf.registerGradient(grad);
}
