/**
 * The `tensorflow` backend: `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`, when the user
 * installed one (their install script downloads libtensorflow 2.9.1, CUDA 11.2 + cuDNN 8.1 for
 * the GPU build). Never a dependency of this package: found with a dynamic import.
 */
export const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export interface TensorflowProbe {
  pkg: string | null;
  reason?: string;
}

let probed: TensorflowProbe | null = null;

export async function probeTensorflow(): Promise<TensorflowProbe> {
  if (probed) return probed;
  const errors: string[] = [];
  for (const pkg of TFJS_NODE_PACKAGES) {
    try {
      await import(/* @vite-ignore */ pkg);
      probed = { pkg };
      return probed;
    } catch (e) {
      const msg = (e as Error).message ?? String(e);
      errors.push(/Cannot find (package|module)/.test(msg) ? `${pkg} not installed` : `${pkg}: ${msg.split('\n')[0]}`);
    }
  }
  probed = {
    pkg: null,
    reason: `${errors.join('; ')} (optional: see README "GPU with CUDA 11.2")`,
  };
  return probed;
}
