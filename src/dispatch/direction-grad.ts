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
 * `tf.customGrad` for a function whose value is several tensors of the given shapes (a layer
 * direction's output and final states). customGrad's value is a single tensor, so they travel
 * packed in one flat tensor; that way the gradients reaching each arrive together in dy. `f` gets
 * the inputs and customGrad's save function; its `gradFunc` gets the gradients, unpacked, and
 * returns one gradient per input, in order (inside a tidy).
 *
 * ```ts
 * const gru = packedCustomGrad([[T, N, H], [N, H]], (inputs, save) => {
 *   save(inputs);
 *   return { value: [output, hN], gradFunc: ([dOutput, dhN], saved) => grads };
 * });
 * const [output, hN] = gru(x, h0, ...weights);
 * ```
 */
export function packedCustomGrad(
  shapes: number[][],
  f: (
    inputs: tf.Tensor[],
    save: tf.GradSaveFunc,
  ) => { value: tf.Tensor[]; gradFunc: (dys: tf.Tensor[], saved: tf.Tensor[]) => tf.Tensor[] },
): (...inputs: tf.Tensor[]) => tf.Tensor[] {
  const sizes = shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const { value, gradFunc } = f(args as tf.Tensor[], save);
    return {
      value: tf.concat(value.map((t) => tf.reshape(t, [-1]))),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() =>
          gradFunc(
            tf.split(dy, sizes).map((d, k) => tf.reshape(d, shapes[k])),
            saved,
          ),
        ),
    };
  });
  return (...inputs: tf.Tensor[]) => {
    const packed = op(...inputs);
    const values = tf.split(packed, sizes).map((t, k) => tf.reshape(t, shapes[k]));
    packed.dispose();
    return values;
  };
}

/**
 * `packedCustomGrad` for an LSTM layer direction, whose value is (output, hN, cN) of the given
 * shapes.
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
  const op = packedCustomGrad(shapes, (inputs, save) => {
    const { value, gradFunc } = f(inputs, save);
    return { value, gradFunc: (dys, saved) => gradFunc(dys as Triple, saved) };
  });
  return (...inputs: tf.Tensor[]) => {
    const [output, hN, cN] = op(...inputs);
    return { output, hN, cN };
  };
}

/**
 * A batch of no sequences: empty outputs (output [T, 0, F] and each state [0, size]), as PyTorch
 * and tf.layers give, whose gradient with respect to every input is zeros of its shape (PyTorch's),
 * not missing. No kernel or op sees the empty batch, because on an empty dimension some return
 * uninitialised memory (wasm's matMul and its sum), and the kernels' loops assume data. The output's
 * feature size is the first state's.
 *
 * ```ts
 * const [output, hN] = emptyBatch(x, [h0], weightList(w));
 * ```
 */
export function emptyBatch(x: tf.Tensor, states: tf.Tensor[], weights: tf.Tensor[]): tf.Tensor[] {
  const [steps] = x.shape;
  const sizes = states.map((s) => s.shape[1] as number);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    // Only the shapes: the inputs themselves may be gone (disposed by a tidy) when the gradient runs.
    const shapes = (args.slice(0, -1) as tf.Tensor[]).map((t) => t.shape);
    return { value: tf.zeros([0]), gradFunc: () => shapes.map((shape) => tf.zeros(shape)) };
  });
  const empty = op(x, ...states, ...weights);
  return [tf.reshape(empty, [steps, 0, sizes[0]]), ...sizes.map((size) => tf.reshape(empty, [0, size]))];
}

/**
 * A forward's per-step cache as one flat list, for customGrad's `save`: the named fields of step 0,
 * then of step 1, ... `restoreCache` reads it back.
 *
 * ```ts
 * save([x, ...weights, ...flattenCache(fwd.cache, ['r', 'z', 'n', 'hn', 'hPrev'])]);
 * ```
 */
export function flattenCache<C>(cache: C[], fields: readonly (keyof C)[]): tf.Tensor[] {
  return cache.flatMap((step) => fields.map((k) => step[k] as tf.Tensor));
}

/**
 * `flattenCache`'s inverse: `steps` steps of the named fields from `flat`.
 *
 * ```ts
 * const cache = restoreCache<GRUStepCache>(saved.slice(1 + numWeights), fields, steps);
 * ```
 */
export function restoreCache<C>(flat: tf.Tensor[], fields: readonly (keyof C)[], steps: number): C[] {
  return Array.from({ length: steps }, (_, t) => {
    const step = {} as C;
    fields.forEach((k, j) => (step[k] = flat[t * fields.length + j] as C[keyof C]));
    return step;
  });
}
