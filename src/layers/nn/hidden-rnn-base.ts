import * as tf from '@tensorflow/tfjs';

import { hiddenStack } from '../../dispatch/hidden-stack';
import { checkFloatTensor, checkHiddenRank, checkOptionNames, checkShape } from '../checks';
import { CellSpec } from '../cell-spec';
import { architectureStackOptions } from '../recurrent-config';
import { FORWARD_OPTIONS, RNNBase, RNNBaseOptions, RNNForwardOptions } from './rnn-base';

/**
 * The multi-layer modules whose only state is h, PyTorch's `nn.GRU` and `nn.RNN`: `forward` with
 * one state tensor in and out, the rest from `RNNBase`.
 */
export abstract class HiddenRNNBase extends RNNBase {
  protected constructor(spec: CellSpec, options: RNNBaseOptions, known: readonly string[]) {
    super(spec, options, known);
  }

  /**
   * Runs the layers over a sequence.
   *
   * - `input`: [T, N, inputSize] ([N, T, inputSize] with `batchFirst`), or unbatched [T, inputSize].
   * - `hx`: h_0, [numDirections * numLayers, N, hiddenSize] (no N when unbatched); zeros when omitted.
   *
   * Returns `[output, h_n]` with output [T, N, numDirections * hiddenSize] (batch-first and
   * unbatched as the input) and h_n shaped as h_0. `options.lengths` as for `LSTM.forward`.
   *
   * ```ts
   * const [output, hN] = gru.forward(input, h0, { lengths: [5, 3, 2] });
   * ```
   */
  forward(input: tf.Tensor, hx?: tf.Tensor | null, options: RNNForwardOptions = {}): [tf.Tensor, tf.Tensor] {
    this.checkNotDisposed();
    const owner = this.moduleName;
    checkOptionNames(`${owner}.forward`, options, FORWARD_OPTIONS);
    const seq = this.checkSequence(input);
    const state = hx == null ? null : this.checkHidden(hx, seq.batched, seq.batch);
    const lengths = this.checkSequenceLengths(seq, options.lengths);

    return tf.tidy(() => {
      const h0 = state && (seq.batched ? state : tf.expandDims(state, 1));
      const r = hiddenStack(this.spec, this.toTimeMajor(seq), h0, (layer, dir) => this.weights(layer, dir), {
        ...architectureStackOptions(this.arch),
        gradient: this.gradient,
        lengths,
        training: this.training,
        nextSeed: () => this.nextSeed(),
      });
      const out = this.fromTimeMajor(r.output, seq);
      return [out, seq.batched ? r.hN : tf.squeeze(r.hN, [1])];
    }) as [tf.Tensor, tf.Tensor];
  }

  private checkHidden(hx: unknown, batched: boolean, batch: number): tf.Tensor {
    const owner = this.moduleName;
    const h = checkFloatTensor(owner, 'hx', hx, [2, 3]);
    checkHiddenRank(owner, h, batched, batched ? 3 : 2);
    const lead = batched ? [this.numLayers * this.numDirections, batch] : [this.numLayers * this.numDirections];
    checkShape(owner, 'hidden', h, [...lead, this.hiddenSize]);
    return h;
  }
}
