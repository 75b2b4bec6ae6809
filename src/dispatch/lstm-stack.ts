import * as tf from '@tensorflow/tfjs';

import { dropout } from '../ops/dropout';
import { LSTMWeights } from '../ops/weights';
import { currentFlowRecording, FlowRecording } from './flow-recording';
import { GradientMode, lstmDirection } from './lstm-direction';
import { PreparedWeights } from './prepared-weights';

/** How `lstmStack` runs: PyTorch's `nn.LSTM` options that shape the computation. */
export interface StackOptions {
  numLayers: number;
  bidirectional: boolean;
  /** Size of h (projSize, or hiddenSize) and of c. */
  outputSize: number;
  hiddenSize: number;
  gradient?: GradientMode;
  /** Valid length of each batch entry (see `LSTMForwardOptions.lengths`). */
  lengths?: readonly number[];
  /** Instead of `lengths`, the same as a [T, N] tensor on the device (see `SequenceOptions.validSteps`). */
  validSteps?: tf.Tensor;
  /** Dropout probability on the input of every layer but the first, applied when `training`. */
  dropout?: number;
  training?: boolean;
  /** Gives the seed of each dropout mask; undefined seeds draw fresh masks. */
  nextSeed?: () => number | undefined;
  /** The caller's cache of each layer direction's prepared weights (see `DirectionOptions.prepared`). */
  prepared?: (layer: number, dir: number) => PreparedWeights;
}

/** What `lstmStack` returns, in PyTorch's `nn.LSTM` layout (time-major). */
export interface StackResult {
  /** [T, N, numDirections * outputSize] */
  output: tf.Tensor;
  /** [numLayers * numDirections, N, outputSize] */
  hN: tf.Tensor;
  /** [numLayers * numDirections, N, hiddenSize] */
  cN: tf.Tensor;
}

/**
 * Stacked, optionally bidirectional LSTM layers over a time-major batch `x` ([T, N, I]), as
 * PyTorch's `nn.LSTM` computes them: layer k > 0 reads the concatenated outputs of layer k - 1's
 * directions (after dropout in training); state index k * numDirections + d holds layer k,
 * direction d. `h0` and `c0` default to zeros. Each layer direction runs through `lstmDirection`
 * (which picks its implementation) and records into `recording` when given (by default the one
 * `gradientFlow` is running, if any).
 *
 * ```ts
 * const {output, hN, cN} = lstmStack(x, null, null, (layer, dir) => weights[layer][dir], {
 *   numLayers: 2, bidirectional: false, outputSize: 20, hiddenSize: 20,
 * });
 * ```
 */
export function lstmStack(
  x: tf.Tensor,
  h0: tf.Tensor | null,
  c0: tf.Tensor | null,
  weights: (layer: number, dir: number) => LSTMWeights,
  options: StackOptions,
  recording: FlowRecording | null = currentFlowRecording(),
): StackResult {
  const numDirections = options.bidirectional ? 2 : 1;
  const batch = x.shape[1] as number;
  // One layer's initial state. (Not tf.unstack: its gradient fails when it has a single output.)
  const initial = (s: tf.Tensor | null, k: number, size: number) =>
    s ? tf.reshape(tf.slice(s, [k, 0, 0], [1, batch, size]), [batch, size]) : tf.zeros([batch, size]);

  let layerInput = x;
  const hN: tf.Tensor[] = [];
  const cN: tf.Tensor[] = [];
  for (let layer = 0; layer < options.numLayers; layer++) {
    if (layer > 0 && options.training && options.dropout) {
      layerInput = dropout(layerInput, options.dropout, options.nextSeed?.());
    }
    const outputs: tf.Tensor[] = [];
    for (let dir = 0; dir < numDirections; dir++) {
      const k = layer * numDirections + dir;
      const result = lstmDirection(
        layerInput,
        initial(h0, k, options.outputSize),
        initial(c0, k, options.hiddenSize),
        weights(layer, dir),
        {
          reverse: dir === 1,
          lengths: options.lengths,
          validSteps: options.validSteps,
          gradient: options.gradient,
          label: { layer, direction: dir === 1 ? 'reverse' : 'forward' },
          prepared: options.prepared?.(layer, dir),
        },
        recording,
      );
      outputs.push(result.output);
      hN.push(result.hN);
      cN.push(result.cN);
    }
    layerInput = outputs.length === 1 ? outputs[0] : tf.concat(outputs, 2);
  }
  return { output: layerInput, hN: tf.stack(hN), cN: tf.stack(cN) };
}
