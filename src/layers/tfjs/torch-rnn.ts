import * as tf from '@tensorflow/tfjs';

import { Nonlinearity, rnnCellSpec } from '../cell-spec';
import { checkNonlinearity } from '../checks';
import { optionNames } from '../options';
import type { LayerArgs } from './layer-args';
import { TorchHiddenRNNBase } from './torch-hidden-rnn-base';
import { TORCH_RNN_ARGS, TorchRNNBaseArgs } from './torch-rnn-base';

/** Arguments of `torchRNN`: PyTorch's `nn.RNN` options plus Keras' output options. */
export interface TorchRNNArgs extends TorchRNNBaseArgs {
  /** Default 'tanh'. */
  nonlinearity?: Nonlinearity;
}

const OWN_ARGS = optionNames<Omit<TorchRNNArgs, keyof LayerArgs>>()([...TORCH_RNN_ARGS, 'nonlinearity']);

/**
 * PyTorch's `nn.RNN` (the Elman RNN, tanh or relu) as a tfjs layer, for `tf.sequential()` and
 * `tf.model()`, with PyTorch's weights and options and Keras' batch-major input and output
 * options. Initial state: `[x, h0]` or `apply(x, {initialState: h0})`.
 *
 * ```ts
 * const layer = torchRNN({hiddenSize: 16, nonlinearity: 'relu', inputShape: [null, 4]});
 * ```
 */
export class TorchRNN extends TorchHiddenRNNBase {
  static className = 'TorchRNN';

  readonly nonlinearity: Nonlinearity;

  constructor(args: TorchRNNArgs) {
    const nonlinearity = checkNonlinearity('TorchRNN', (args as Partial<TorchRNNArgs> | undefined)?.nonlinearity);
    super(rnnCellSpec(nonlinearity), 'TorchRNN', args, OWN_ARGS);
    this.nonlinearity = nonlinearity;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), nonlinearity: this.nonlinearity };
  }
}
tf.serialization.registerClass(TorchRNN);

/**
 * Makes a `TorchRNN` layer: PyTorch's `nn.RNN` for `tf.sequential()` and `tf.model()`.
 *
 * ```ts
 * const layer = torchRNN({hiddenSize: 16, numLayers: 2, inputShape: [10, 4]});
 * ```
 */
export function torchRNN(args: TorchRNNArgs): TorchRNN {
  return new TorchRNN(args);
}
