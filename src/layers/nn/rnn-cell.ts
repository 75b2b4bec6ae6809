import { checkNonlinearity } from '../checks';
import { Nonlinearity, rnnCellSpec } from '../cell-spec';
import { optionNames } from '../options';
import { GRU_CELL_OPTIONS } from './gru-cell';
import { HiddenCellBase } from './hidden-cell-base';
import { RNNCellBaseOptions } from './rnn-cell-base';

/** Options of `RNNCell`, PyTorch's `nn.RNNCell(input_size, hidden_size, bias, nonlinearity)` in camelCase. */
export interface RNNCellOptions extends RNNCellBaseOptions {
  /** Default 'tanh'. */
  nonlinearity?: Nonlinearity;
}

const RNN_CELL_OPTIONS = optionNames<RNNCellOptions>()([...GRU_CELL_OPTIONS, 'nonlinearity']);

/**
 * PyTorch's `torch.nn.RNNCell` on tfjs: one Elman RNN step, h' = tanh or relu of
 * x W_ih^T + b_ih + h W_hh^T + b_hh.
 *
 * ```ts
 * const cell = new RNNCell({inputSize: 4, hiddenSize: 3, nonlinearity: 'relu'});
 * const h1 = cell.forward(tf.ones([2, 4]));
 * ```
 */
export class RNNCell extends HiddenCellBase {
  readonly nonlinearity: Nonlinearity;

  constructor(options: RNNCellOptions) {
    const nonlinearity = checkNonlinearity('RNNCell', (options as Partial<RNNCellOptions> | undefined)?.nonlinearity);
    super(rnnCellSpec(nonlinearity), options, RNN_CELL_OPTIONS);
    this.nonlinearity = nonlinearity;
  }
}
