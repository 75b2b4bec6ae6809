import * as tf from '@tensorflow/tfjs';

import { GRU_CELL } from '../cell-spec';
import { TorchHiddenRNNBase } from './torch-hidden-rnn-base';
import { TORCH_RNN_ARGS, TorchRNNBaseArgs } from './torch-rnn-base';

/** Arguments of `torchGRU`: PyTorch's `nn.GRU` options plus Keras' output options. */
export type TorchGRUArgs = TorchRNNBaseArgs;

/**
 * PyTorch's `nn.GRU` as a tfjs layer, for `tf.sequential()` and `tf.model()`: gates r, z, n with
 * the reset gate applied after the recurrent product (Keras' `reset_after=True`, which tfjs-layers'
 * own GRU lacks), PyTorch's weights and options, Keras' batch-major input and output options.
 * Initial state: `[x, h0]` or `apply(x, {initialState: h0})`, batch-major [N, numLayers * D, H].
 *
 * ```ts
 * const model = tf.sequential({layers: [
 *   torchGRU({hiddenSize: 32, inputShape: [null, 8]}),
 *   tf.layers.dense({units: 1}),
 * ]});
 * ```
 */
export class TorchGRU extends TorchHiddenRNNBase {
  static className = 'TorchGRU';

  constructor(args: TorchGRUArgs) {
    super(GRU_CELL, 'TorchGRU', args, TORCH_RNN_ARGS);
  }
}
tf.serialization.registerClass(TorchGRU);

/**
 * Makes a `TorchGRU` layer: PyTorch's `nn.GRU` for `tf.sequential()` and `tf.model()`.
 *
 * ```ts
 * const layer = torchGRU({hiddenSize: 16, bidirectional: true, returnSequences: true, inputShape: [10, 4]});
 * ```
 */
export function torchGRU(args: TorchGRUArgs): TorchGRU {
  return new TorchGRU(args);
}
