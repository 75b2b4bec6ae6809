import * as tf from '@tensorflow/tfjs';

import { lstmStack } from '../../dispatch/lstm-stack';
import { optionNames } from '../options';
import { LSTM_CELL } from '../cell-spec';
import { directionWeights } from '../recurrent-config';
import type { LayerArgs } from './layer-args';
import { CallStackOptions, TORCH_RNN_ARGS, TorchRNNBase, TorchRNNBaseArgs } from './torch-rnn-base';

/** Arguments of `torchLSTM`: PyTorch's `nn.LSTM` options plus Keras' output options. */
export interface TorchLSTMArgs extends TorchRNNBaseArgs {
  /** Default 0 (off): project h to this size with `weight_hr_l{k}`. */
  projSize?: number;
}

const OWN_ARGS = optionNames<Omit<TorchLSTMArgs, keyof LayerArgs>>()([...TORCH_RNN_ARGS, 'projSize']);

/**
 * PyTorch's `nn.LSTM` as a tfjs layer, for `tf.sequential()` and `tf.model()`: batch-major input
 * `[N, T, features]` as Keras layers take it, PyTorch's weights (named `weight_ih_l0`, ..., in
 * PyTorch's order, shapes and initialisation) and all of its options. Initial states are extra
 * inputs, `[x, h0, c0]` or `apply(x, {initialState: [h0, c0]})`, batch-major like the states it
 * returns. A Keras mask gives each sequence's length, as `lengths` does for `LSTM` (see
 * `TorchRNNBase`).
 *
 * ```ts
 * const model = tf.sequential({layers: [
 *   torchLSTM({hiddenSize: 32, inputShape: [null, 8]}),
 *   tf.layers.dense({units: 1}),
 * ]});
 * model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
 * ```
 */
export class TorchLSTM extends TorchRNNBase {
  static className = 'TorchLSTM';

  readonly projSize: number;

  constructor(args: TorchLSTMArgs) {
    super(LSTM_CELL, 'TorchLSTM', args, OWN_ARGS);
    this.projSize = this.arch.projSize;
  }

  protected runStack(x: tf.Tensor, [h0, c0]: (tf.Tensor | null)[], options: CallStackOptions) {
    const arch = this.arch;
    const r = lstmStack(x, h0, c0, (layer, dir) => directionWeights(arch, (name) => this.variable(name), layer, dir), {
      ...options,
      outputSize: this.outputSize,
      hiddenSize: this.hiddenSize,
      gradient: this.gradient,
      prepared: (layer, dir) => this.prepared(layer, dir),
    });
    return { output: r.output, states: [r.hN, r.cN] };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), projSize: this.projSize };
  }
}
tf.serialization.registerClass(TorchLSTM);

/**
 * Makes a `TorchLSTM` layer: PyTorch's `nn.LSTM` for `tf.sequential()` and `tf.model()`.
 *
 * ```ts
 * const layer = torchLSTM({hiddenSize: 16, numLayers: 2, bidirectional: true, inputShape: [10, 4]});
 * ```
 */
export function torchLSTM(args: TorchLSTMArgs): TorchLSTM {
  return new TorchLSTM(args);
}
