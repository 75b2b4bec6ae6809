import { checkNonlinearity } from '../checks';
import { Nonlinearity, rnnCellSpec } from '../cell-spec';
import { optionNames } from '../options';
import { GRU_OPTIONS } from './gru';
import { HiddenRNNBase } from './hidden-rnn-base';
import { RNNBaseOptions } from './rnn-base';

/** Options of `RNN`: PyTorch's `nn.RNN` arguments in camelCase, plus `seed` and `gradient`. */
export interface RNNOptions extends RNNBaseOptions {
  /** Default 'tanh': h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh); 'relu' for relu. */
  nonlinearity?: Nonlinearity;
}

const RNN_OPTIONS = optionNames<RNNOptions>()([...GRU_OPTIONS, 'nonlinearity']);

/**
 * PyTorch's `torch.nn.RNN` on tfjs, the Elman RNN: h' = tanh or relu of
 * x W_ih^T + b_ih + h W_hh^T + b_hh; same options, parameter names, shapes, initialisation and
 * results.
 *
 * ```ts
 * const rnn = new RNN({inputSize: 10, hiddenSize: 20, nonlinearity: 'relu'});
 * const [output, hN] = rnn.forward(tf.randomNormal([5, 3, 10]));   // [5, 3, 20], [1, 3, 20]
 * ```
 */
export class RNN extends HiddenRNNBase {
  readonly nonlinearity: Nonlinearity;

  constructor(options: RNNOptions) {
    const nonlinearity = checkNonlinearity('RNN', (options as Partial<RNNOptions> | undefined)?.nonlinearity);
    super(rnnCellSpec(nonlinearity), options, RNN_OPTIONS);
    this.nonlinearity = nonlinearity;
  }
}
