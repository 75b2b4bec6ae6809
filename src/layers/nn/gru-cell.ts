import { GRU_CELL } from '../cell-spec';
import { optionNames } from '../options';
import { HiddenCellBase } from './hidden-cell-base';
import { RNNCellBaseOptions } from './rnn-cell-base';

/** Options of `GRUCell`, PyTorch's `nn.GRUCell(input_size, hidden_size, bias)` in camelCase. */
export type GRUCellOptions = RNNCellBaseOptions;

/** The option names of `GRUCell` (and of `RNNCell` without `nonlinearity`). */
export const GRU_CELL_OPTIONS = optionNames<GRUCellOptions>()(['inputSize', 'hiddenSize', 'bias', 'seed', 'gradient']);

/**
 * PyTorch's `torch.nn.GRUCell` on tfjs: one GRU step, gates in the order r, z, n.
 *
 * ```ts
 * const cell = new GRUCell({inputSize: 4, hiddenSize: 3});
 * const h1 = cell.forward(tf.ones([2, 4]));          // h defaults to zeros: [2, 3]
 * const h2 = cell.forward(tf.ones([2, 4]), h1);
 * ```
 */
export class GRUCell extends HiddenCellBase {
  constructor(options: GRUCellOptions) {
    super(GRU_CELL, options, GRU_CELL_OPTIONS);
  }
}
