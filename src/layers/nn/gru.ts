import { GRU_CELL } from '../cell-spec';
import { optionNames } from '../options';
import { HiddenRNNBase } from './hidden-rnn-base';
import { RNNBaseOptions } from './rnn-base';

/** Options of `GRU`: PyTorch's `nn.GRU` arguments in camelCase, plus `seed` and `gradient`. */
export type GRUOptions = RNNBaseOptions;

/** The option names of `GRU` (and of `RNN` without `nonlinearity`). */
export const GRU_OPTIONS = optionNames<GRUOptions>()([
  'inputSize',
  'hiddenSize',
  'numLayers',
  'bias',
  'batchFirst',
  'dropout',
  'bidirectional',
  'seed',
  'gradient',
]);

/**
 * PyTorch's `torch.nn.GRU` on tfjs: gates r, z, n, the reset gate applied to the recurrent
 * product with its bias (`n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`, Keras'
 * `reset_after=True`); same options, parameter names, shapes, initialisation and results.
 *
 * ```ts
 * const gru = new GRU({inputSize: 10, hiddenSize: 20, numLayers: 2});
 * const input = tf.randomNormal([5, 3, 10]);     // [T, N, inputSize]
 * const [output, hN] = gru.forward(input);      // [5, 3, 20], [2, 3, 20]
 * ```
 */
export class GRU extends HiddenRNNBase {
  constructor(options: GRUOptions) {
    super(GRU_CELL, options, GRU_OPTIONS);
  }
}
