import * as tf from '@tensorflow/tfjs';

import { hiddenCellStep } from '../../dispatch/hidden-direction';
import { CellWeights } from '../../ops/weights';
import { GRU_CELL } from '../cell-spec';
import { TORCH_CELL_ARGS, TorchCellBase, TorchCellBaseArgs } from './torch-cell-base';

/** Arguments of `torchGRUCell`: PyTorch's `nn.GRUCell` options. */
export type TorchGRUCellArgs = TorchCellBaseArgs;

/**
 * PyTorch's `nn.GRUCell` as a tfjs RNN cell, for `tf.layers.rnn({cell: torchGRUCell({hiddenSize})})`;
 * calling it on `[x, h]` returns `[h', h']`. Its weights are PyTorch's (gates r, z, n).
 *
 * ```ts
 * const rnn = tf.layers.rnn({cell: torchGRUCell({hiddenSize: 8}), returnSequences: true});
 * const y = rnn.apply(tf.ones([2, 5, 3])) as tf.Tensor; // [2, 5, 8]
 * ```
 */
export class TorchGRUCell extends TorchCellBase {
  static className = 'TorchGRUCell';

  constructor(args: TorchGRUCellArgs) {
    super(GRU_CELL, 'TorchGRUCell', args, TORCH_CELL_ARGS);
  }

  protected step(x: tf.Tensor, [h]: tf.Tensor[], w: CellWeights): tf.Tensor[] {
    return [hiddenCellStep(this.spec, x, h, w, { gradient: this.gradient })];
  }
}
tf.serialization.registerClass(TorchGRUCell);

/**
 * Makes a `TorchGRUCell`: PyTorch's `nn.GRUCell` as a cell for `tf.layers.rnn`.
 *
 * ```ts
 * const cell = torchGRUCell({hiddenSize: 8});
 * ```
 */
export function torchGRUCell(args: TorchGRUCellArgs): TorchGRUCell {
  return new TorchGRUCell(args);
}
