import type * as tf from '@tensorflow/tfjs';

/**
 * The parameters of one LSTM layer in one direction, in PyTorch's layout and gate order
 * (i, f, g, o stacked along the first axis). H is the hidden (cell) size, P the size of h (the
 * projection size when `weightHr` is given, else H), I the input size.
 */
export interface LSTMWeights {
  /** `weight_ih`: [4H, I]. */
  weightIh: tf.Tensor;
  /** `weight_hh`: [4H, P]. */
  weightHh: tf.Tensor;
  /** `bias_ih`: [4H], absent when the layer has no bias. */
  biasIh?: tf.Tensor;
  /** `bias_hh`: [4H], absent when the layer has no bias. */
  biasHh?: tf.Tensor;
  /** `weight_hr`: [P, H], present only with projections. */
  weightHr?: tf.Tensor;
}
