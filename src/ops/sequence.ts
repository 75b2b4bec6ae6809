import * as tf from '@tensorflow/tfjs';

import { lengthsMask, stepLengthsMask } from '../util/lengths-mask';
import { CellWeights } from './weights';

/**
 * What every recurrent cell's sequence pass shares, whatever its cell (LSTM in bptt.ts, GRU in
 * gru.ts, RNN in rnn.ts): the options of a pass over a sequence (direction, lengths), the order of
 * its steps, the masks of variable-length batches, and the input's projection for all steps at
 * once with its gradients.
 */

/** Options of a sequence pass. */
export interface SequenceOptions {
  /** Process the sequence from its last valid step to its first (the reverse direction). */
  reverse?: boolean;
  /**
   * Valid length of each batch entry, as for PyTorch's `pack_padded_sequence`. Steps at or past a
   * sequence's length leave its state unchanged and output zeros.
   */
  lengths?: readonly number[];
  /**
   * Instead of `lengths`, the same on the device: a [T, N] tensor, nonzero (or true) where step t
   * is inside sequence n. Each column must be a run of ones and then zeros (what `lengths` gives);
   * nothing checks that, since checking would read the tensor. The fused kernels take only
   * `lengths`, so a layer given `validSteps` runs the composed ops.
   */
  validSteps?: tf.Tensor;
}

/** Time steps in the order they are processed. */
export function stepOrder(steps: number, reverse = false): number[] {
  const order = Array.from({ length: steps }, (_, t) => t);
  return reverse ? order.reverse() : order;
}

/**
 * Masks for variable-length batches: `masks[t]` is a [N, 1] bool tensor, true where step t is
 * inside the sequence, or null where every sequence covers step t (no masking needed there). With
 * `validSteps` (a [T, N] tensor, see `SequenceOptions`) every step gets a mask, made on the device.
 */
export function stepMasks(steps: number, lengths?: readonly number[], validSteps?: tf.Tensor): (tf.Tensor | null)[] {
  if (validSteps) return tf.unstack(tf.expandDims(tf.cast(validSteps, 'bool'), 2));
  return Array.from({ length: steps }, (_, t) => {
    if (!lengths || lengths.every((len) => t < len)) return null;
    return stepLengthsMask(lengths, t, 'bool');
  });
}

/**
 * Zeroes input rows past each sequence's length, so padding (whatever it holds, NaN included)
 * never reaches the state or the weight gradients, as with a packed sequence in PyTorch.
 */
export function maskPadding(x: tf.Tensor, lengths?: readonly number[], validSteps?: tf.Tensor): tf.Tensor {
  if (validSteps) return tf.where(tf.expandDims(tf.cast(validSteps, 'bool'), 2), x, tf.zerosLike(x));
  if (!lengths) return x;
  const steps = x.shape[0];
  if (lengths.every((len) => len >= steps)) return x;
  return tf.where(lengthsMask(lengths, steps, 'bool'), x, tf.zerosLike(x));
}

/**
 * Step t's masking: `next` where the step's mask `m` holds (the sequences that have step t) and
 * `kept` elsewhere, zeros when `kept` is not given; `next` itself without a mask (every sequence
 * has the step). The forward commits the new state with it and zeroes the padding's output; the
 * backward passes the gradient through the steps a sequence does not have.
 *
 * ```ts
 * h = whereStep(masks[t], hNew, h);
 * ```
 */
export function whereStep(m: tf.Tensor | null, next: tf.Tensor, kept?: tf.Tensor): tf.Tensor {
  return m ? tf.where(m, next, kept ?? tf.zerosLike(next)) : next;
}

/**
 * The input's part of every step's gate pre-activations in one product: x_t W_ih^T + b_ih + b_hh
 * for all t at once ([T N, G H], step t's rows t N .. t N + N - 1), padding zeroed first. The
 * transposed weights keep the product plain (several times faster than a transposed one on wasm).
 * `biases: 'input'` adds b_ih alone: GRU's b_hn sits inside r * (W_hn h + b_hn), so its b_hh goes
 * with the recurrent product.
 *
 * ```ts
 * const xz = inputProjection(x, { weightIh, weightHh, biasIh, biasHh }, { lengths: [5, 3] });
 * ```
 */
export function inputProjection(
  x: tf.Tensor,
  w: CellWeights,
  options: SequenceOptions = {},
  biases: 'both' | 'input' = 'both',
): tf.Tensor {
  const [steps, batch, inputSize] = x.shape;
  const xz = tf.matMul(
    tf.reshape(maskPadding(x, options.lengths, options.validSteps), [steps * batch, inputSize]),
    tf.transpose(w.weightIh),
  );
  if (!w.biasIh || !w.biasHh) return xz;
  return tf.add(xz, biases === 'both' ? tf.add(w.biasIh, w.biasHh) : w.biasIh);
}

/**
 * The gradients that flow through `inputProjection`, from the pre-activations' gradients of
 * every step ([T N, G H], stacked as the projection's rows): dL/dx (zero at padding, whose rows
 * the projection never read) and dL/dW_ih, each one large product over all steps.
 *
 * ```ts
 * const { dx, dWeightIh } = inputGradients(tf.concat(dZ, 0), x, w, options);
 * ```
 */
export function inputGradients(
  dZAll: tf.Tensor,
  x: tf.Tensor,
  w: CellWeights,
  options: SequenceOptions = {},
): { dx: tf.Tensor; dWeightIh: tf.Tensor } {
  const [steps, batch, inputSize] = x.shape;
  const x2d = tf.reshape(maskPadding(x, options.lengths, options.validSteps), [steps * batch, inputSize]);
  return {
    dx: tf.reshape(tf.matMul(dZAll, w.weightIh), [steps, batch, inputSize]),
    dWeightIh: tf.matMul(dZAll, x2d, true, false),
  };
}
