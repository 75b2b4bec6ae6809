import * as tf from '@tensorflow/tfjs';

import { GradientMode, lstmLayer } from '../ops/lstm-layer';
import { LSTMWeights } from '../ops/weights';
import {
  checkBoolean,
  checkCellState,
  checkFloatTensor,
  checkGradientMode,
  checkInteger,
  checkOptionNames,
  checkStatePair,
} from './checks';
import { cellArchitecture, planParameters, sizeOptions } from './lstm-config';
import { Module } from './module';
import { optionNames } from './options';

/** Options of `LSTMCell`, PyTorch's `nn.LSTMCell(input_size, hidden_size, bias)` in camelCase. */
export interface LSTMCellOptions {
  inputSize: number;
  hiddenSize: number;
  /** Default true: add `bias_ih` and `bias_hh`. */
  bias?: boolean;
  /** Makes the initialisation repeatable. tfjs' generator, so not PyTorch's numbers for a seed. */
  seed?: number;
  /** Default 'manual' (the hand-derived backward pass). */
  gradient?: GradientMode;
}

const CELL_OPTIONS = optionNames<LSTMCellOptions>()(['inputSize', 'hiddenSize', 'bias', 'seed', 'gradient']);

/**
 * PyTorch's `torch.nn.LSTMCell` on tfjs: one LSTM step, gates in the order i, f, g, o.
 *
 * ```ts
 * const cell = new LSTMCell({inputSize: 4, hiddenSize: 1});
 * const [h1, c1] = cell.forward(tf.ones([1, 4]));            // state defaults to zeros
 * const [h2, c2] = cell.forward(tf.ones([1, 4]), [h1, c1]);
 * ```
 */
export class LSTMCell extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  gradient: GradientMode;

  constructor(options: LSTMCellOptions) {
    super('LSTMCell', options?.seed);
    checkOptionNames('LSTMCell', options, CELL_OPTIONS);
    this.inputSize = checkInteger('LSTMCell', 'inputSize', options.inputSize, 1);
    this.hiddenSize = checkInteger('LSTMCell', 'hiddenSize', options.hiddenSize, 1);
    this.bias = checkBoolean('LSTMCell', 'bias', options.bias ?? true);
    this.gradient = checkGradientMode('LSTMCell', options.gradient ?? 'manual');

    // Every option is checked and every size known to fit before the first parameter is made.
    const arch = cellArchitecture(this.inputSize, this.hiddenSize, this.bias);
    const plan = planParameters('LSTMCell', arch, { cell: true });
    this.addUniformParameters(plan, 1 / Math.sqrt(this.hiddenSize), sizeOptions(arch, 'cell'));
  }

  /** The parameters as the ops take them. */
  weights(): LSTMWeights {
    const w: LSTMWeights = { weightIh: this.param('weight_ih'), weightHh: this.param('weight_hh') };
    if (this.bias) {
      w.biasIh = this.param('bias_ih');
      w.biasHh = this.param('bias_hh');
    }
    return w;
  }

  /**
   * One step. `input` is [N, inputSize] or unbatched [inputSize]; `hx` is `[h, c]`, each
   * [N, hiddenSize] (or [hiddenSize] unbatched), zeros when omitted. Returns the new `[h, c]`.
   *
   * ```ts
   * const [h, c] = cell.forward(x, [h0, c0]);
   * ```
   */
  forward(input: tf.Tensor, hx?: [tf.Tensor, tf.Tensor] | null): [tf.Tensor, tf.Tensor] {
    this.checkNotDisposed();
    const x = checkFloatTensor('LSTMCell', 'input', input, [1, 2]);
    if (x.shape[x.rank - 1] !== this.inputSize) {
      throw new RangeError(
        `LSTMCell: input has inconsistent input_size: got ${x.shape[x.rank - 1]}, expected ${this.inputSize}`,
      );
    }
    const batched = x.rank === 2;
    const batch = batched ? x.shape[0] : 1;
    const state = hx == null ? null : this.checkState(hx, batched, batch);

    return tf.tidy(() => {
      const x2 = batched ? x : tf.expandDims(x, 0);
      const [h0, c0] = state
        ? state.map((s) => (batched ? s : tf.expandDims(s, 0)))
        : [tf.zeros([batch, this.hiddenSize]), tf.zeros([batch, this.hiddenSize])];
      const { hN, cN } = lstmLayer(tf.expandDims(x2, 0), h0, c0, this.weights(), { gradient: this.gradient });
      return batched ? [hN, cN] : [tf.squeeze(hN, [0]), tf.squeeze(cN, [0])];
    }) as [tf.Tensor, tf.Tensor];
  }

  private checkState(hx: unknown, batched: boolean, batch: number): [tf.Tensor, tf.Tensor] {
    const pair = checkStatePair('LSTMCell', hx);
    const [h, c] = pair.map((s, k) => checkFloatTensor('LSTMCell', `hx[${k}]`, s, [1, 2]));
    const rank = batched ? 2 : 1;
    if (h.rank !== rank || c.rank !== rank) {
      throw new RangeError(
        `LSTMCell: For ${batched ? 'batched 2-D' : 'unbatched 1-D'} input, hx and cx should also be ` +
          `${rank}-D but got (${h.rank}-D, ${c.rank}-D) tensors`,
      );
    }
    checkCellState('LSTMCell', [h, c], batched ? batch : null, this.hiddenSize);
    return [h, c];
  }
}
