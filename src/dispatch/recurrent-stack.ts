import * as tf from '@tensorflow/tfjs';

import { dropout } from '../ops/dropout';

/** How a stack of recurrent layers is laid out: PyTorch's `RNNBase` options that shape it. */
export interface LayerStackOptions {
  numLayers: number;
  bidirectional: boolean;
  /** Dropout probability on the input of every layer but the first, applied when `training`. */
  dropout?: number;
  training?: boolean;
  /** Gives the seed of each dropout mask; undefined seeds draw fresh masks. */
  nextSeed?: () => number | undefined;
}

/** What one layer direction gives the stack: its output [T, N, F] and final states, each [N, size]. */
export interface DirectionRun {
  output: tf.Tensor;
  states: tf.Tensor[];
}

/**
 * Runs one layer direction: its input [T, N, I] and initial states (each [N, size]), `layer` and
 * `dir` (0 forward, 1 reverse) to pick its weights.
 */
export type RunDirection = (input: tf.Tensor, states: tf.Tensor[], layer: number, dir: number) => DirectionRun;

/**
 * Stacked, optionally bidirectional recurrent layers over a time-major batch `x` ([T, N, I]),
 * whatever the cell, as PyTorch's `RNNBase` stacks them: layer k > 0 reads the concatenated
 * outputs of layer k - 1's directions (after dropout in training); state index k * numDirections
 * + d holds layer k, direction d. `initial` holds each state's [L D, N, size] tensor (h, then c
 * for an LSTM), null for zeros; `sizes` their feature sizes. Returns the top layer's output and
 * each state stacked [L D, N, size].
 *
 * ```ts
 * const { output, states: [hN] } = recurrentStack(x, [h0], [hidden], (input, [h], layer, dir) => {
 *   const r = gruDirection(input, h, weights(layer, dir), { reverse: dir === 1 });
 *   return { output: r.output, states: [r.hN] };
 * }, { numLayers: 2, bidirectional: true });
 * ```
 */
export function recurrentStack(
  x: tf.Tensor,
  initial: (tf.Tensor | null)[],
  sizes: number[],
  runDirection: RunDirection,
  options: LayerStackOptions,
): { output: tf.Tensor; states: tf.Tensor[] } {
  const numDirections = options.bidirectional ? 2 : 1;
  const batch = x.shape[1] as number;
  // One layer's initial state. (Not tf.unstack: its gradient fails when it has a single output.)
  const initialOf = (s: tf.Tensor | null, k: number, size: number) =>
    s ? tf.reshape(tf.slice(s, [k, 0, 0], [1, batch, size]), [batch, size]) : tf.zeros([batch, size]);

  let layerInput = x;
  const finals: tf.Tensor[][] = sizes.map(() => []);
  for (let layer = 0; layer < options.numLayers; layer++) {
    if (layer > 0 && options.training && options.dropout) {
      layerInput = dropout(layerInput, options.dropout, options.nextSeed?.());
    }
    const outputs: tf.Tensor[] = [];
    for (let dir = 0; dir < numDirections; dir++) {
      const k = layer * numDirections + dir;
      const states = initial.map((s, j) => initialOf(s, k, sizes[j]));
      const result = runDirection(layerInput, states, layer, dir);
      outputs.push(result.output);
      result.states.forEach((s, j) => finals[j].push(s));
    }
    layerInput = outputs.length === 1 ? outputs[0] : tf.concat(outputs, 2);
  }
  return { output: layerInput, states: finals.map((f) => tf.stack(f)) };
}
