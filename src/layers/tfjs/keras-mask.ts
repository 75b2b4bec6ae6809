import * as tf from '@tensorflow/tfjs';

import { checkLengths } from '../checks';

/**
 * Keras masks (from `tf.layers.masking`, or an embedding with `maskZero`) as what the stacks take:
 * sequence lengths where the backend reads synchronously, else a device-side `validSteps`.
 */

/**
 * The tensor's values, or null where the backend refuses a synchronous read: WebGPU's does for
 * data a kernel computed (its `readSync` serves only data still on the CPU).
 */
export function readSyncIfAllowed(t: tf.Tensor): tf.TypedArray | null {
  try {
    return t.dataSync();
  } catch {
    return null;
  }
}

/**
 * A Keras mask [N, T] as `validSteps` [T, N] on the device: each sequence is valid up to its first
 * masked step, which is the length `lengthsFromMask` counts (without its checks: a gap ends the
 * sequence, and a sequence masked from step 0 has length 0, its output zero and h_n = h_0).
 */
export function validStepsFromMask(mask: tf.Tensor): tf.Tensor {
  const masked = tf.cast(tf.logicalNot(tf.cast(mask, 'bool')), 'float32');
  return tf.transpose(tf.equal(tf.cumsum(masked, 1), 0));
}

/**
 * Sequence lengths from a Keras mask's values [N, T]: each row must be a prefix of ones (padding at
 * the end); `owner` names the layer in the message otherwise.
 *
 * ```ts
 * lengthsFromMask('TorchGRU', mask.dataSync(), batch, steps); // [5, 3, ...]
 * ```
 */
export function lengthsFromMask(owner: string, values: tf.TypedArray, batch: number, steps: number): number[] {
  const lengths: number[] = [];
  for (let b = 0; b < batch; b++) {
    let len = 0;
    while (len < steps && values[b * steps + len]) len++;
    for (let t = len; t < steps; t++) {
      if (values[b * steps + t]) {
        throw new RangeError(
          `${owner}: the mask of sequence ${b} has a gap (step ${t} is valid after padding at step ${len}); ` +
            'only padding at the end is supported, as with pack_padded_sequence',
        );
      }
    }
    lengths.push(len);
  }
  return checkLengths(owner, lengths, batch, steps);
}
