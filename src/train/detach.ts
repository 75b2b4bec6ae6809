import * as tf from '@tensorflow/tfjs';

const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/**
 * The same values with no gradient flowing back through them: PyTorch's `tensor.detach()`.
 *
 * ```ts
 * const h = detach(hN); // the next chunk starts from h_n's values, not its history
 * ```
 */
export function detach<T extends tf.Tensor>(t: T): T {
  return stopGradient(t) as T;
}

/**
 * Detaches an LSTM state `[h, c]`, for truncated backpropagation through time: the next chunk of
 * a long stream starts from this state's values, and no gradient crosses the cut.
 *
 * ```ts
 * let state: [tf.Tensor, tf.Tensor] | null = null;
 * for (const chunk of chunks) {
 *   optimizer.minimize(() => {
 *     const [out, next] = rnn.forward(chunk, state);
 *     const loss = lossOf(out);
 *     tf.dispose(state ?? []);
 *     state = detachState(next).map((t) => tf.keep(t)) as [tf.Tensor, tf.Tensor];
 *     return loss;
 *   });
 * }
 * ```
 */
export function detachState(state: [tf.Tensor, tf.Tensor]): [tf.Tensor, tf.Tensor] {
  return [detach(state[0]), detach(state[1])];
}
