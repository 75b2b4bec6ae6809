import type * as tf from '@tensorflow/tfjs';

/**
 * The parameters every recurrent cell has, for one layer in one direction, in PyTorch's layout:
 * its G gates stacked along the first axis (G = 4 for LSTM, 3 for GRU, 1 for RNN). H is the hidden
 * size, P the size of h (H unless an LSTM projects it), I the input size.
 */
export interface CellWeights {
  /** `weight_ih`: [G H, I]. */
  weightIh: tf.Tensor;
  /** `weight_hh`: [G H, P]. */
  weightHh: tf.Tensor;
  /** `bias_ih`: [G H], absent when the layer has no bias. */
  biasIh?: tf.Tensor;
  /** `bias_hh`: [G H], absent when the layer has no bias. */
  biasHh?: tf.Tensor;
}

/**
 * The parameters of one LSTM layer in one direction, in PyTorch's layout and gate order
 * (i, f, g, o stacked along the first axis): `weight_ih` [4H, I], `weight_hh` [4H, P], the biases
 * [4H], and `weight_hr` [P, H] with projections (P the projection size when given, else H).
 */
export interface LSTMWeights extends CellWeights {
  /** `weight_hr`: [P, H], present only with projections. */
  weightHr?: tf.Tensor;
}

/**
 * The weights as a list of tensors, in the order `weightsFromList` reads them back: weight_ih,
 * weight_hh, then bias_ih and bias_hh if both are given, then weight_hr if given. (The order in
 * which `tf.customGrad` sees them as inputs, and returns their gradients.)
 *
 * ```ts
 * const list = weightList(w);
 * const same = weightsFromList(list, Boolean(w.biasIh && w.biasHh), Boolean(w.weightHr));
 * ```
 */
export function weightList(w: LSTMWeights): tf.Tensor[] {
  const list: tf.Tensor[] = [w.weightIh, w.weightHh];
  if (w.biasIh && w.biasHh) list.push(w.biasIh, w.biasHh);
  if (w.weightHr) list.push(w.weightHr);
  return list;
}

/** `weightList`'s inverse, given whether the layer has biases and a projection. */
export function weightsFromList(list: tf.Tensor[], hasBias: boolean, hasProj: boolean): LSTMWeights {
  const [weightIh, weightHh, ...rest] = list;
  const w: LSTMWeights = { weightIh, weightHh };
  if (hasBias) [w.biasIh, w.biasHh] = rest.splice(0, 2);
  if (hasProj) w.weightHr = rest[0];
  return w;
}
