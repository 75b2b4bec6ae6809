import * as tf from '@tensorflow/tfjs';

import { lstmCellStep } from '../../dispatch/lstm-cell-step';
import { LSTM_CELL } from '../cell-spec';
import { checkCellState, checkFloatTensor, checkStatePair, checkStateRanks } from '../checks';
import { optionNames } from '../options';
import { RNNCellBase, RNNCellBaseOptions } from './rnn-cell-base';

/** Options of `LSTMCell`, PyTorch's `nn.LSTMCell(input_size, hidden_size, bias)` in camelCase. */
export type LSTMCellOptions = RNNCellBaseOptions;

const CELL_OPTIONS = optionNames<LSTMCellOptions>()(['inputSize', 'hiddenSize', 'bias', 'seed', 'gradient']);

/**
 * PyTorch's `torch.nn.LSTMCell` on tfjs: one LSTM step, gates in the order i, f, g, o.
 *
 * ```ts
 * const cell = new LSTMCell({inputSize: 4, hiddenSize: 1});
 * const [h1, c1] = cell.forward(tf.ones([1, 4]));            // state defaults to zeros
 * const [h2, c2] = cell.forward(tf.ones([1, 4]), [h1, c1]);
 * ```
 */
export class LSTMCell extends RNNCellBase {
  constructor(options: LSTMCellOptions) {
    super(LSTM_CELL, options, CELL_OPTIONS);
  }

  /**
   * One step. `input` is [N, inputSize] or unbatched [inputSize]; `hx` is `[h, c]`, each
   * [N, hiddenSize] (or [hiddenSize] unbatched), zeros when omitted. Returns the new `[h, c]`.
   *
   * ```ts
   * const [h, c] = cell.forward(x, [h0, c0]);
   * ```
   */
  forward(input: tf.Tensor, hx?: [tf.Tensor, tf.Tensor] | null): [tf.Tensor, tf.Tensor] {
    this.checkNotDisposed();
    const { x, batched, batch } = this.checkStep(input);
    const state = hx == null ? null : this.checkState(hx, batched, batch);

    return tf.tidy(() => {
      const x2 = batched ? x : tf.expandDims(x, 0);
      const [h0, c0] = state
        ? state.map((s) => (batched ? s : tf.expandDims(s, 0)))
        : [tf.zeros([batch, this.hiddenSize]), tf.zeros([batch, this.hiddenSize])];
      const { h, c } = lstmCellStep(x2, h0, c0, this.weights(), {
        gradient: this.gradient,
        prepared: this.prepared(null),
      });
      return batched ? [h, c] : [tf.squeeze(h, [0]), tf.squeeze(c, [0])];
    }) as [tf.Tensor, tf.Tensor];
  }

  private checkState(hx: unknown, batched: boolean, batch: number): [tf.Tensor, tf.Tensor] {
    const pair = checkStatePair('LSTMCell', hx);
    const [h, c] = pair.map((s, k) => checkFloatTensor('LSTMCell', `hx[${k}]`, s, [1, 2]));
    checkStateRanks('LSTMCell', [h, c], batched, batched ? 2 : 1);
    checkCellState('LSTMCell', [h, c], batched ? batch : null, this.hiddenSize);
    return [h, c];
  }
}
