import * as tf from '@tensorflow/tfjs';

/**
 * PyTorch's dropout: zero with probability p, scale the rest by 1 / (1 - p); p = 1 gives zeros,
 * p = 0 a copy of x (a new tensor either way, as tf.dropout returns). `seed` makes the mask
 * repeatable (tfjs' generator, not PyTorch's).
 *
 * ```ts
 * const y = dropout(x, 0.25, 7);
 * ```
 */
export function dropout(x: tf.Tensor, p: number, seed?: number): tf.Tensor {
  if (p === 0) return tf.clone(x);
  if (p === 1) return tf.mul(x, 0);
  return tf.dropout(x, p, undefined, seed);
}
