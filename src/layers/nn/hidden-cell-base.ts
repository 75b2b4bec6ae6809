import * as tf from '@tensorflow/tfjs';

import { hiddenCellStep } from '../../dispatch/hidden-direction';
import { checkCellState, checkFloatTensor, checkHiddenRank } from '../checks';
import { CellSpec } from '../cell-spec';
import { RNNCellBase, RNNCellBaseOptions } from './rnn-cell-base';

/**
 * The single-step cells whose only state is h, PyTorch's `nn.GRUCell` and `nn.RNNCell`: `forward`
 * takes and returns one state tensor.
 */
export abstract class HiddenCellBase extends RNNCellBase {
  protected constructor(spec: CellSpec, options: RNNCellBaseOptions, known: readonly string[]) {
    super(spec, options, known);
  }

  /**
   * One step. `input` is [N, inputSize] or unbatched [inputSize]; `hx` is h, [N, hiddenSize] (or
   * [hiddenSize] unbatched), zeros when omitted. Returns the new h.
   *
   * ```ts
   * const h1 = cell.forward(x, h0);
   * ```
   */
  forward(input: tf.Tensor, hx?: tf.Tensor | null): tf.Tensor {
    this.checkNotDisposed();
    const { x, batched, batch } = this.checkStep(input);
    const state = hx == null ? null : this.checkHidden(hx, batched, batch);

    return tf.tidy(() => {
      const x2 = tf.reshape(x, [batch, this.inputSize]);
      const h0 = state ? tf.reshape(state, [batch, this.hiddenSize]) : tf.zeros([batch, this.hiddenSize]);
      const h = hiddenCellStep(this.spec, x2, h0, this.weights(), { gradient: this.gradient });
      return batched ? h : tf.squeeze(h, [0]);
    });
  }

  private checkHidden(hx: unknown, batched: boolean, batch: number): tf.Tensor {
    const owner = this.moduleName;
    const h = checkFloatTensor(owner, 'hx', hx, [1, 2]);
    checkHiddenRank(owner, h, batched, batched ? 2 : 1);
    checkCellState(owner, [h], batched ? batch : null, this.hiddenSize);
    return h;
  }
}
