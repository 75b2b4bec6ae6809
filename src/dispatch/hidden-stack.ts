import * as tf from '@tensorflow/tfjs';

import type { CellSpec } from '../layers/cell-spec';
import { CellWeights } from '../ops/weights';
import { gruDirection, HiddenDirectionOptions, rnnDirection } from './hidden-direction';
import { LayerStackOptions, recurrentStack } from './recurrent-stack';

/** How `hiddenStack` runs: PyTorch's `nn.GRU` / `nn.RNN` options that shape the computation. */
export interface HiddenStackOptions extends LayerStackOptions {
  hiddenSize: number;
  gradient?: HiddenDirectionOptions['gradient'];
  /** Valid length of each batch entry (see `RNNForwardOptions.lengths`). */
  lengths?: readonly number[];
  /** Instead of `lengths`, the same as a [T, N] tensor on the device (see `SequenceOptions.validSteps`). */
  validSteps?: tf.Tensor;
}

/**
 * Stacked, optionally bidirectional GRU or Elman RNN layers (`spec`: `GRU_CELL`, or
 * `rnnCellSpec('tanh' | 'relu')`) over a time-major batch `x` ([T, N, I]), as PyTorch's `nn.GRU`
 * and `nn.RNN` compute them (`recurrentStack`): returns the top layer's output
 * [T, N, numDirections * hiddenSize] and `hN` [numLayers * numDirections, N, hiddenSize]. `h0`
 * defaults to zeros.
 *
 * ```ts
 * const { output, hN } = hiddenStack(GRU_CELL, x, null, (layer, dir) => weights[layer][dir], {
 *   numLayers: 2, bidirectional: true, hiddenSize: 20,
 * });
 * ```
 */
export function hiddenStack(
  spec: CellSpec,
  x: tf.Tensor,
  h0: tf.Tensor | null,
  weights: (layer: number, dir: number) => CellWeights,
  options: HiddenStackOptions,
): { output: tf.Tensor; hN: tf.Tensor } {
  const { output, states } = recurrentStack(
    x,
    [h0],
    [options.hiddenSize],
    (input, [h], layer, dir) => {
      const sequence: HiddenDirectionOptions = {
        reverse: dir === 1,
        lengths: options.lengths,
        validSteps: options.validSteps,
        gradient: options.gradient,
        label: { layer, direction: dir === 1 ? 'reverse' : 'forward' },
      };
      const w = weights(layer, dir);
      const result = spec.nonlinearity
        ? rnnDirection(input, h, w, spec.nonlinearity, sequence)
        : gruDirection(input, h, w, sequence);
      return { output: result.output, states: [result.hN] };
    },
    options,
  );
  return { output, hN: states[0] };
}
