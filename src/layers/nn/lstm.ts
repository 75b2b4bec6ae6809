import * as tf from '@tensorflow/tfjs';

import { lstmStack } from '../../dispatch/lstm-stack';
import { LSTM_CELL } from '../cell-spec';
import { architectureStackOptions } from '../recurrent-config';
import { checkFloatTensor, checkOptionNames, checkShape, checkStatePair, checkStateRanks } from '../checks';
import { optionNames } from '../options';
import { FORWARD_OPTIONS, RNNBase, RNNBaseOptions, RNNForwardOptions } from './rnn-base';

/** Options of `LSTM`: PyTorch's `nn.LSTM` arguments in camelCase, plus `seed` and `gradient`. */
export interface LSTMOptions extends RNNBaseOptions {
  /** Default 0 (off): project h to this size with `weight_hr_l{k}`. */
  projSize?: number;
}

/**
 * Options of one `LSTM.forward` call: `lengths`, the valid length of each batch entry, as for
 * `pack_padded_sequence` then `pad_packed_sequence` with `total_length` = T: outputs past a
 * sequence's length are zero, and `h_n`/`c_n` are the state at its last valid step. Lengths need
 * not be sorted.
 */
export type LSTMForwardOptions = RNNForwardOptions;

const LSTM_OPTIONS = optionNames<LSTMOptions>()([
  'inputSize',
  'hiddenSize',
  'numLayers',
  'bias',
  'batchFirst',
  'dropout',
  'bidirectional',
  'projSize',
  'seed',
  'gradient',
]);

/**
 * PyTorch's `torch.nn.LSTM` on tfjs: same options, parameter names, shapes, initialisation and
 * results.
 *
 * ```ts
 * const rnn = new LSTM({inputSize: 10, hiddenSize: 20, numLayers: 2});
 * const input = tf.randomNormal([5, 3, 10]);                 // [T, N, inputSize]
 * const [output, [hN, cN]] = rnn.forward(input);            // [5, 3, 20], [2, 3, 20], [2, 3, 20]
 * ```
 */
export class LSTM extends RNNBase {
  constructor(options: LSTMOptions) {
    super(LSTM_CELL, options, LSTM_OPTIONS);
  }

  /**
   * Runs the LSTM over a sequence.
   *
   * - `input`: [T, N, inputSize] ([N, T, inputSize] with `batchFirst`), or unbatched [T, inputSize].
   * - `hx`: `[h_0, c_0]`, [numDirections * numLayers, N, outputSize] and
   *   [numDirections * numLayers, N, hiddenSize] (no N when unbatched); zeros when omitted.
   *
   * Returns `[output, [h_n, c_n]]` with output [T, N, numDirections * outputSize] (batch-first
   * and unbatched as the input) and h_n, c_n shaped as h_0, c_0.
   *
   * ```ts
   * const [output, [hN, cN]] = rnn.forward(input, [h0, c0], {lengths: [5, 3, 2]});
   * ```
   *
   * `options` other than `lengths` throw, so that a misspelled one is not silently ignored.
   */
  forward(
    input: tf.Tensor,
    hx?: [tf.Tensor, tf.Tensor] | null,
    options: LSTMForwardOptions = {},
  ): [tf.Tensor, [tf.Tensor, tf.Tensor]] {
    this.checkNotDisposed();
    checkOptionNames('LSTM.forward', options, FORWARD_OPTIONS);
    const seq = this.checkSequence(input);
    const state = hx == null ? null : this.checkState(hx, seq.batched, seq.batch);
    const lengths = this.checkSequenceLengths(seq, options.lengths);

    const [output, hN, cN] = tf.tidy(() => {
      // Work time-major with a batch axis; restore the caller's layout at the end.
      const [h0, c0] = state ? state.map((s) => (seq.batched ? s : tf.expandDims(s, 1))) : [null, null];
      const r = lstmStack(this.toTimeMajor(seq), h0, c0, (layer, dir) => this.weights(layer, dir), {
        ...architectureStackOptions(this.arch),
        gradient: this.gradient,
        lengths,
        training: this.training,
        nextSeed: () => this.nextSeed(),
        prepared: (layer, dir) => this.prepared(layer, dir),
      });
      const out = this.fromTimeMajor(r.output, seq);
      return seq.batched ? [out, r.hN, r.cN] : [out, tf.squeeze(r.hN, [1]), tf.squeeze(r.cN, [1])];
    });
    return [output, [hN, cN]];
  }

  private checkState(hx: unknown, batched: boolean, batch: number): [tf.Tensor, tf.Tensor] {
    const pair = checkStatePair('LSTM', hx);
    const [h, c] = pair.map((s, k) => checkFloatTensor('LSTM', `hx[${k}]`, s, [2, 3]));
    checkStateRanks('LSTM', [h, c], batched, batched ? 3 : 2);
    const lead = batched ? [this.numLayers * this.numDirections, batch] : [this.numLayers * this.numDirections];
    checkShape('LSTM', 'hidden[0] (h_0)', h, [...lead, this.outputSize]);
    checkShape('LSTM', 'hidden[1] (c_0)', c, [...lead, this.hiddenSize]);
    return [h, c];
  }
}
