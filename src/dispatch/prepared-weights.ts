import * as tf from '@tensorflow/tfjs';

import { LSTMWeights, weightList } from '../ops/weights';

/**
 * The weights of one layer direction in the layout an implementation's inference loop wants (the
 * fused kernels' stacked, transposed gate weights; TensorFlow's BlockLSTM kernel and bias), made
 * once per parameter value and reused by every inference call until a parameter changes. A
 * module or tfjs layer holds one per layer direction (its `ParameterStore` does) and passes it
 * down to `lstmDirection` in `DirectionOptions.prepared`.
 *
 * A stale layout would be a silent wrong answer, so the set is keyed by what determines it: the
 * backend, the layout's name (which names the flags it depends on) and the identity of each
 * parameter's data (`dataId`). tfjs tensors are immutable and every change of a variable's value
 * (`assign`, an optimizer step, `loadStateDict`, Keras' `setWeights`) gives it new data, so the
 * same data means the same values. The tensors are `tf.keep`t, counted by `tf.memory()`, and
 * freed when the key changes and by `dispose`.
 *
 * With the functional API, keep one per layer direction and pass it to each inference call:
 *
 * ```ts
 * import { lstmDirection, PreparedWeights } from 'tfjs-lstm/functional';
 * const prepared = new PreparedWeights();
 * for (const x of chunks) {
 *   const { output, hN, cN } = lstmDirection(x, h, c, weights, { prepared });
 *   // ...
 * }
 * prepared.dispose();
 * ```
 */
export class PreparedWeights {
  private key: readonly unknown[] = [];
  private tensors: tf.Tensor[] = [];

  /**
   * The tensors `prepare` makes of `w` in `layout`: made now if the backend, the layout or a
   * parameter's value changed since the last call, else the same tensors as then. The caller must
   * not dispose them; `prepare` runs inside a `tf.tidy`.
   */
  get(layout: string, w: LSTMWeights, prepare: () => tf.Tensor[]): tf.Tensor[] {
    const key = [tf.backend(), layout, ...weightList(w).map((t) => t.dataId)];
    if (key.length === this.key.length && key.every((k, j) => k === this.key[j])) return this.tensors;
    this.dispose();
    this.tensors = tf.tidy(prepare).map((t) => tf.keep(t));
    this.key = key;
    return this.tensors;
  }

  /** Frees the prepared tensors; the next `get` makes them again. */
  dispose(): void {
    tf.dispose(this.tensors);
    this.tensors = [];
    this.key = [];
  }
}
