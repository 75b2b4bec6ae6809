import * as tf from '@tensorflow/tfjs';

import { hiddenCellStep } from '../../dispatch/hidden-direction';
import { CellWeights } from '../../ops/weights';
import { Nonlinearity, rnnCellSpec } from '../cell-spec';
import { checkNonlinearity } from '../checks';
import { optionNames } from '../options';
import type { LayerArgs } from './layer-args';
import { TORCH_CELL_ARGS, TorchCellBase, TorchCellBaseArgs } from './torch-cell-base';

/** Arguments of `torchRNNCell`: PyTorch's `nn.RNNCell` options. */
export interface TorchRNNCellArgs extends TorchCellBaseArgs {
  /** Default 'tanh'. */
  nonlinearity?: Nonlinearity;
}

const ARGS = optionNames<Omit<TorchRNNCellArgs, keyof LayerArgs>>()([...TORCH_CELL_ARGS, 'nonlinearity']);

/**
 * PyTorch's `nn.RNNCell` (tanh or relu) as a tfjs RNN cell, for `tf.layers.rnn`; calling it on
 * `[x, h]` returns `[h', h']`.
 *
 * ```ts
 * const rnn = tf.layers.rnn({cell: torchRNNCell({hiddenSize: 8, nonlinearity: 'relu'})});
 * ```
 */
export class TorchRNNCell extends TorchCellBase {
  static className = 'TorchRNNCell';

  readonly nonlinearity: Nonlinearity;

  constructor(args: TorchRNNCellArgs) {
    const nonlinearity = checkNonlinearity(
      'TorchRNNCell',
      (args as Partial<TorchRNNCellArgs> | undefined)?.nonlinearity,
    );
    super(rnnCellSpec(nonlinearity), 'TorchRNNCell', args, ARGS);
    this.nonlinearity = nonlinearity;
  }

  protected step(x: tf.Tensor, [h]: tf.Tensor[], w: CellWeights): tf.Tensor[] {
    return [hiddenCellStep(this.spec, x, h, w, { gradient: this.gradient })];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), nonlinearity: this.nonlinearity };
  }
}
tf.serialization.registerClass(TorchRNNCell);

/**
 * Makes a `TorchRNNCell`: PyTorch's `nn.RNNCell` as a cell for `tf.layers.rnn`.
 *
 * ```ts
 * const cell = torchRNNCell({hiddenSize: 8});
 * ```
 */
export function torchRNNCell(args: TorchRNNCellArgs): TorchRNNCell {
  return new TorchRNNCell(args);
}
