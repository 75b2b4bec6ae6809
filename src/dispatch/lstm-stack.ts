import * as tf from '@tensorflow/tfjs';

import { LSTMWeights } from '../ops/weights';
import { currentFlowRecording, FlowRecording } from './flow-recording';
import { GradientMode, lstmDirection } from './lstm-direction';
import { PreparedWeights } from './prepared-weights';
import { LayerStackOptions, recurrentStack } from './recurrent-stack';

/** How `lstmStack` runs: PyTorch's `nn.LSTM` options that shape the computation. */
export interface StackOptions extends LayerStackOptions {
  /** Size of h (projSize, or hiddenSize) and of c. */
  outputSize: number;
  hiddenSize: number;
  gradient?: GradientMode;
  /** Valid length of each batch entry (see `LSTMForwardOptions.lengths`). */
  lengths?: readonly number[];
  /** Instead of `lengths`, the same as a [T, N] tensor on the device (see `SequenceOptions.validSteps`). */
  validSteps?: tf.Tensor;
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
 * direction d (`recurrentStack`). `h0` and `c0` default to zeros. Each layer direction runs through `lstmDirection`
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
  const { output, states } = recurrentStack(
    x,
    [h0, c0],
    [options.outputSize, options.hiddenSize],
    (input, [h, c], layer, dir) => {
      const result = lstmDirection(
        input,
        h,
        c,
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
      return { output: result.output, states: [result.hN, result.cN] };
    },
    options,
  );
  return { output, hN: states[0], cN: states[1] };
}
