import * as tf from '@tensorflow/tfjs';

/** What one layer direction returns: the output at every step and the final state. */
export interface DirectionResult {
  /** [T, N, P] */
  output: tf.Tensor;
  /** [N, P] */
  hN: tf.Tensor;
  /** [N, H] */
  cN: tf.Tensor;
}

type Triple = [tf.Tensor, tf.Tensor, tf.Tensor];

/**
 * The shapes of a layer direction's (output, hN, cN): [T, N, P], [N, P], [N, H], from its input
 * and initial state.
 *
 * ```ts
 * const shapes = resultShapes(x, h0, c0);
 * ```
 */
export function resultShapes(x: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor): [number[], number[], number[]] {
  const [steps, batch] = x.shape;
  const [outputSize, hidden] = [h0.shape[1] as number, c0.shape[1] as number];
  return [
    [steps, batch, outputSize],
    [batch, outputSize],
    [batch, hidden],
  ];
}

/**
 * `tf.customGrad` for a function whose value is a layer direction's (output, hN, cN) of the given
 * shapes. customGrad's value is a single tensor, so the three travel packed in one flat tensor;
 * that way the gradients reaching hN and cN arrive in dy with the output's. `f` gets the inputs
 * and customGrad's save function; its `gradFunc` gets the three gradients, unpacked, and returns
 * one gradient per input, in order (inside a tidy).
 *
 * ```ts
 * const layer = directionCustomGrad([[T, N, P], [N, P], [N, H]], (inputs, save) => {
 *   save(inputs);
 *   return { value: [output, hN, cN], gradFunc: ([dOutput, dhN, dcN], saved) => grads };
 * });
 * const { output, hN, cN } = layer(x, h0, c0, ...weights);
 * ```
 */
export function directionCustomGrad(
  shapes: [number[], number[], number[]],
  f: (
    inputs: tf.Tensor[],
    save: tf.GradSaveFunc,
  ) => { value: Triple; gradFunc: (dys: Triple, saved: tf.Tensor[]) => tf.Tensor[] },
): (...inputs: tf.Tensor[]) => DirectionResult {
  const sizes = shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const { value, gradFunc } = f(args as tf.Tensor[], save);
    return {
      value: tf.concat(value.map((t) => tf.reshape(t, [-1]))),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => gradFunc(tf.split(dy, sizes).map((d, k) => tf.reshape(d, shapes[k])) as Triple, saved)),
    };
  });
  return (...inputs: tf.Tensor[]) => {
    const packed = op(...inputs);
    const [output, hN, cN] = tf.split(packed, sizes).map((t, k) => tf.reshape(t, shapes[k]));
    packed.dispose();
    return { output, hN, cN };
  };
}
