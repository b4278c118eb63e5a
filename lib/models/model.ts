/**
 * What every cross-view architecture offers, so the trainer, the evaluator and the notebooks treat
 * them alike: descriptors of a batch of ground and aerial images, its variables by name (for
 * checkpoints and weight import), and its size (parameters, descriptor length, analytic FLOPs).
 */
import type { tf } from '../engine/tf.js';

export interface Embeddings {
  /** [B, D] ground descriptors, L2-normalised. */
  g: tf.Tensor2D;
  /** [B, D] aerial (satellite) descriptors, L2-normalised. */
  s: tf.Tensor2D;
}

export interface CrossViewModel {
  /** Short name, e.g. 'siamese-vgg', 'safa', 'cvft'. */
  readonly name: string;
  /** Models with batch statistics (GeoCapsNet's BatchNorm) train with batch statistics when true
   *  and use their moving averages when false; evaluators set it to false. Absent: no such layers. */
  training?: boolean;
  /** Models with BatchNorm: the momentum m of the moving-statistics update in training mode,
   *  moving ← m·moving + (1 − m)·batch (Keras 0.99). Absent: no such layers. */
  batchNormMomentum?: number;
  /**
   * Descriptors of the pairs; `ground` and `aerial` are NHWC float32 batches of equal size. `g`
   * depends on `ground` alone and `s` on `aerial` alone (evaluators embed a VIGOR gallery one
   * view at a time; test/eval/embeddings.test.ts checks it for every architecture).
   */
  embed(ground: tf.Tensor4D, aerial: tf.Tensor4D): Embeddings;
  /** The descriptors of one view alone, equal to that view's part of `embed` (evaluators of
   *  VIGOR-style splits use it to skip the other branch). Absent: `embed` with a filler. */
  embedView?(view: 'ground' | 'aerial', x: tf.Tensor4D): tf.Tensor2D;
  /** Trainable variables, in a stable order. */
  variables(): tf.Variable[];
  /** Variables by their checkpoint/import name (torchvision-style where a torch twin exists). */
  namedVariables(): Map<string, tf.Variable>;
  paramCount(): number;
  /** Length D of each descriptor. */
  descriptorLength(): number;
  /** Forward FLOPs (2 x multiply-accumulates) of one (ground, aerial) pair at these sizes. */
  flops(groundHW: [number, number], aerialHW: [number, number]): number;
  dispose(): void;
  /** Called by the trainer after each optimizer update (momentum encoders and queues of the
   *  thesis' unified MoCo, appendix 6.5). Absent: nothing to do. */
  afterStep?(): void;
  /** Called after pre-trained weights were loaded into a fresh model (key encoders copy them). */
  afterInitWeights?(): void;
}

/**
 * What every architecture derives from its `namedVariables()`: the trainable variables (in that
 * order; BatchNorm moving statistics excluded), their parameter count, and disposal of all.
 */
export abstract class NamedVariableModel {
  abstract namedVariables(): Map<string, tf.Variable>;

  variables(): tf.Variable[] {
    return [...this.namedVariables().values()].filter((v) => v.trainable);
  }

  paramCount(): number {
    return this.variables().reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}
