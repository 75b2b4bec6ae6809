import * as tf from '@tensorflow/tfjs';

/**
 * Masks from sequence `lengths` (one per batch entry): step t of sequence b is valid when
 * t < lengths[b], as in a packed sequence. The one place that rule is written; the ops, the
 * tensorflow-backend block and the gradient-flow recorder all take their masks from here.
 */

/** The mask values of steps `firstStep`, ..., `firstStep + steps - 1`, row-major [steps, N]. */
function maskValues(
  lengths: readonly number[],
  steps: number,
  firstStep: number,
  dtype: 'bool' | 'float32',
): Uint8Array | Float32Array {
  const batch = lengths.length;
  const values = dtype === 'bool' ? new Uint8Array(steps * batch) : new Float32Array(steps * batch);
  for (let t = 0; t < steps; t++) {
    for (let b = 0; b < batch; b++) values[t * batch + b] = firstStep + t < lengths[b] ? 1 : 0;
  }
  return values;
}

/**
 * A [T, N, 1] mask, 1 (true) at the steps inside each sequence and 0 past its end.
 *
 * ```ts
 * lengthsMask([3, 1], 3, 'float32'); // [[[1], [1]], [[1], [0]], [[1], [0]]]
 * ```
 */
export function lengthsMask(lengths: readonly number[], steps: number, dtype: 'bool' | 'float32'): tf.Tensor3D {
  return tf.tensor3d(maskValues(lengths, steps, 0, dtype), [steps, lengths.length, 1], dtype);
}

/**
 * The [N, 1] mask of step `t` alone, 1 (true) for the sequences that have it.
 *
 * ```ts
 * stepLengthsMask([3, 1], 2, 'bool'); // [[true], [false]]
 * ```
 */
export function stepLengthsMask(lengths: readonly number[], t: number, dtype: 'bool' | 'float32'): tf.Tensor2D {
  return tf.tensor2d(maskValues(lengths, 1, t, dtype), [lengths.length, 1], dtype);
}
