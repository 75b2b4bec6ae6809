import * as tf from '@tensorflow/tfjs';

import { lstmCellStep } from '../../dispatch/lstm-cell-step';
import { CellWeights } from '../../ops/weights';
import { LSTM_CELL } from '../cell-spec';
import { TORCH_CELL_ARGS, TorchCellBase, TorchCellBaseArgs } from './torch-cell-base';

/** Arguments of `torchLSTMCell`: PyTorch's `nn.LSTMCell` options. */
export type TorchLSTMCellArgs = TorchCellBaseArgs;

/**
 * PyTorch's `nn.LSTMCell` as a tfjs RNN cell: `tf.layers.rnn({cell: torchLSTMCell({hiddenSize})})`
 * runs it over sequences with Keras' RNN machinery (masking, `goBackwards`, `stateful`,
 * `returnState`). Like Keras' own `lstmCell`, calling it on `[x, h, c]` returns `[h', h', c']`.
 * Its weights are PyTorch's: `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
 *
 * ```ts
 * const rnn = tf.layers.rnn({cell: torchLSTMCell({hiddenSize: 8}), returnSequences: true});
 * const y = rnn.apply(tf.ones([2, 5, 3])) as tf.Tensor; // [2, 5, 8]
 * ```
 */
export class TorchLSTMCell extends TorchCellBase {
  static className = 'TorchLSTMCell';

  constructor(args: TorchLSTMCellArgs) {
    super(LSTM_CELL, 'TorchLSTMCell', args, TORCH_CELL_ARGS);
  }

  protected step(x: tf.Tensor, [h, c]: tf.Tensor[], w: CellWeights): tf.Tensor[] {
    const next = lstmCellStep(x, h, c, w, { gradient: this.gradient, prepared: this.prepared(null) });
    return [next.h, next.c];
  }
}
tf.serialization.registerClass(TorchLSTMCell);

/**
 * Makes a `TorchLSTMCell`: PyTorch's `nn.LSTMCell` as a cell for `tf.layers.rnn`.
 *
 * ```ts
 * const cell = torchLSTMCell({hiddenSize: 8});
 * ```
 */
export function torchLSTMCell(args: TorchLSTMCellArgs): TorchLSTMCell {
  return new TorchLSTMCell(args);
}
