import type * as tf from '@tensorflow/tfjs';

import { hiddenStack } from '../../dispatch/hidden-stack';
import { directionWeights } from '../recurrent-config';
import { CallStackOptions, TorchRNNBase } from './torch-rnn-base';

/** The tfjs layers whose cell's only state is h (`TorchGRU`, `TorchRNN`): their stack is `hiddenStack`. */
export abstract class TorchHiddenRNNBase extends TorchRNNBase {
  protected runStack(x: tf.Tensor, [h0]: (tf.Tensor | null)[], options: CallStackOptions) {
    const arch = this.arch;
    const r = hiddenStack(
      this.spec,
      x,
      h0,
      (layer, dir) => directionWeights(arch, (name) => this.variable(name), layer, dir),
      { ...options, hiddenSize: this.hiddenSize, gradient: this.gradient },
    );
    return { output: r.output, states: [r.hN] };
  }
}
