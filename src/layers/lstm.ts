import * as tf from '@tensorflow/tfjs';

import { GradientMode } from '../ops/lstm-layer';
import { lstmStack } from '../ops/lstm-stack';
import { LSTMWeights } from '../ops/weights';
import {
  checkBoolean,
  checkDropout,
  checkFloatTensor,
  checkGradientMode,
  checkInteger,
  checkLengths,
  checkOptionNames,
  checkProjSize,
  checkShape,
  checkStatePair,
} from './checks';
import { Module } from './module';

/** Options of `LSTM`: PyTorch's `nn.LSTM` arguments in camelCase, plus `seed` and `gradient`. */
export interface LSTMOptions {
  inputSize: number;
  hiddenSize: number;
  /** Default 1: stacked layers, each fed the previous one's output. */
  numLayers?: number;
  /** Default true. */
  bias?: boolean;
  /** Default false: input and output are [T, N, F]; true: [N, T, F]. States are never batch-first. */
  batchFirst?: boolean;
  /** Default 0: dropout probability on each layer's output except the last, in training mode. */
  dropout?: number;
  /** Default false. */
  bidirectional?: boolean;
  /** Default 0 (off): project h to this size with `weight_hr_l{k}`. */
  projSize?: number;
  /** Makes initialisation and dropout masks repeatable (tfjs' generator, not PyTorch's). */
  seed?: number;
  /** Default 'manual' (the hand-derived backward pass). */
  gradient?: GradientMode;
}

/** Options of one `LSTM.forward` call. */
export interface LSTMForwardOptions {
  /**
   * Valid length of each batch entry, as for `pack_padded_sequence` then `pad_packed_sequence`
   * with `total_length` = T: outputs past a sequence's length are zero, and `h_n`/`c_n` are the
   * state at its last valid step. Lengths need not be sorted.
   */
  lengths?: ArrayLike<number> | tf.Tensor;
}

const LSTM_OPTIONS = [
  'inputSize',
  'hiddenSize',
  'numLayers',
  'bias',
  'batchFirst',
  'dropout',
  'bidirectional',
  'projSize',
  'seed',
  'gradient',
] as const;

/**
 * PyTorch's `torch.nn.LSTM` on tfjs: same options, parameter names, shapes, initialisation and
 * results.
 *
 * ```ts
 * const rnn = new LSTM({inputSize: 10, hiddenSize: 20, numLayers: 2});
 * const input = tf.randomNormal([5, 3, 10]);                 // [T, N, inputSize]
 * const [output, [hN, cN]] = rnn.forward(input);            // [5, 3, 20], [2, 3, 20], [2, 3, 20]
 * ```
 */
export class LSTM extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;
  gradient: GradientMode;

  constructor(options: LSTMOptions) {
    super('LSTM', options?.seed);
    checkOptionNames('LSTM', options, LSTM_OPTIONS);
    this.inputSize = checkInteger('LSTM', 'inputSize', options.inputSize, 1);
    this.hiddenSize = checkInteger('LSTM', 'hiddenSize', options.hiddenSize, 1);
    this.numLayers = checkInteger('LSTM', 'numLayers', options.numLayers ?? 1, 1);
    this.bias = checkBoolean('LSTM', 'bias', options.bias ?? true);
    this.batchFirst = checkBoolean('LSTM', 'batchFirst', options.batchFirst ?? false);
    this.dropout = checkDropout('LSTM', options.dropout ?? 0);
    this.bidirectional = checkBoolean('LSTM', 'bidirectional', options.bidirectional ?? false);
    this.projSize = checkProjSize('LSTM', options.projSize ?? 0, this.hiddenSize);
    this.gradient = checkGradientMode('LSTM', options.gradient ?? 'manual');
    if (this.dropout > 0 && this.numLayers === 1) {
      console.warn(
        'LSTM: dropout option adds dropout after all but last recurrent layer, so non-zero dropout ' +
          `expects numLayers greater than 1, but got dropout=${this.dropout} and numLayers=${this.numLayers}`,
      );
    }

    // PyTorch's order: per layer, per direction: weight_ih, weight_hh, bias_ih, bias_hh, weight_hr.
    const h = this.hiddenSize;
    const bound = 1 / Math.sqrt(h);
    for (let layer = 0; layer < this.numLayers; layer++) {
      const layerInput = layer === 0 ? this.inputSize : this.outputSize * this.numDirections;
      for (let dir = 0; dir < this.numDirections; dir++) {
        const sfx = this.suffix(layer, dir);
        this.addUniformParameter(`weight_ih${sfx}`, [4 * h, layerInput], bound);
        this.addUniformParameter(`weight_hh${sfx}`, [4 * h, this.outputSize], bound);
        if (this.bias) {
          this.addUniformParameter(`bias_ih${sfx}`, [4 * h], bound);
          this.addUniformParameter(`bias_hh${sfx}`, [4 * h], bound);
        }
        if (this.projSize > 0) this.addUniformParameter(`weight_hr${sfx}`, [this.projSize, h], bound);
      }
    }
  }

  /** 2 when bidirectional, else 1. */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Size of h: projSize when projecting, else hiddenSize. */
  get outputSize(): number {
    return this.projSize > 0 ? this.projSize : this.hiddenSize;
  }

  private suffix(layer: number, dir: number): string {
    return `_l${layer}${dir === 1 ? '_reverse' : ''}`;
  }

  /** The parameters of one layer and direction, as the ops take them. */
  weights(layer: number, dir: number): LSTMWeights {
    const sfx = this.suffix(layer, dir);
    const w: LSTMWeights = { weightIh: this.param(`weight_ih${sfx}`), weightHh: this.param(`weight_hh${sfx}`) };
    if (this.bias) {
      w.biasIh = this.param(`bias_ih${sfx}`);
      w.biasHh = this.param(`bias_hh${sfx}`);
    }
    if (this.projSize > 0) w.weightHr = this.param(`weight_hr${sfx}`);
    return w;
  }

  /**
   * Runs the LSTM over a sequence.
   *
   * - `input`: [T, N, inputSize] ([N, T, inputSize] with `batchFirst`), or unbatched [T, inputSize].
   * - `hx`: `[h_0, c_0]`, [numDirections * numLayers, N, outputSize] and
   *   [numDirections * numLayers, N, hiddenSize] (no N when unbatched); zeros when omitted.
   *
   * Returns `[output, [h_n, c_n]]` with output [T, N, numDirections * outputSize] (batch-first
   * and unbatched as the input) and h_n, c_n shaped as h_0, c_0.
   *
   * ```ts
   * const [output, [hN, cN]] = rnn.forward(input, [h0, c0], {lengths: [5, 3, 2]});
   * ```
   */
  forward(
    input: tf.Tensor,
    hx?: [tf.Tensor, tf.Tensor] | null,
    options: LSTMForwardOptions = {},
  ): [tf.Tensor, [tf.Tensor, tf.Tensor]] {
    this.checkNotDisposed();
    const x = checkFloatTensor('LSTM', 'input', input, [2, 3]);
    if (x.shape[x.rank - 1] !== this.inputSize) {
      throw new RangeError(
        `LSTM: input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${x.shape[x.rank - 1]}`,
      );
    }
    const shape = x.shape as number[];
    const batched = x.rank === 3;
    const steps = batched && this.batchFirst ? shape[1] : shape[0];
    const batch = !batched ? 1 : this.batchFirst ? shape[0] : shape[1];
    if (steps < 1) throw new RangeError('LSTM: Expected sequence length to be larger than 0 in RNN');
    const state = hx == null ? null : this.checkState(hx, batched, batch);
    let lengths: number[] | undefined;
    if (options.lengths !== undefined) {
      if (!batched) throw new RangeError('LSTM: lengths needs batched 3-D input, got unbatched 2-D input');
      lengths = checkLengths('LSTM', options.lengths, batch, steps);
    }

    const [output, hN, cN] = tf.tidy(() => {
      // Work time-major with a batch axis; restore the caller's layout at the end.
      const timeMajor = !batched ? tf.expandDims(x, 1) : this.batchFirst ? tf.transpose(x, [1, 0, 2]) : x;
      const [h0, c0] = state ? state.map((s) => (batched ? s : tf.expandDims(s, 1))) : [null, null];
      const r = lstmStack(timeMajor, h0, c0, (layer, dir) => this.weights(layer, dir), {
        numLayers: this.numLayers,
        bidirectional: this.bidirectional,
        outputSize: this.outputSize,
        hiddenSize: this.hiddenSize,
        gradient: this.gradient,
        lengths,
        dropout: this.dropout,
        training: this.training,
        nextSeed: () => this.nextSeed(),
      });
      if (!batched) return [tf.squeeze(r.output, [1]), tf.squeeze(r.hN, [1]), tf.squeeze(r.cN, [1])];
      return [this.batchFirst ? tf.transpose(r.output, [1, 0, 2]) : r.output, r.hN, r.cN];
    });
    return [output, [hN, cN]];
  }

  private checkState(hx: unknown, batched: boolean, batch: number): [tf.Tensor, tf.Tensor] {
    const pair = checkStatePair('LSTM', hx);
    const [h, c] = pair.map((s, k) => checkFloatTensor('LSTM', `hx[${k}]`, s, [2, 3]));
    const rank = batched ? 3 : 2;
    if (h.rank !== rank || c.rank !== rank) {
      throw new RangeError(
        `LSTM: For ${batched ? 'batched 3-D' : 'unbatched 2-D'} input, hx and cx should also be ${rank}-D ` +
          `but got (${h.rank}-D, ${c.rank}-D) tensors`,
      );
    }
    const lead = batched ? [this.numLayers * this.numDirections, batch] : [this.numLayers * this.numDirections];
    checkShape('LSTM', 'hidden[0] (h_0)', h, [...lead, this.outputSize]);
    checkShape('LSTM', 'hidden[1] (c_0)', c, [...lead, this.hiddenSize]);
    return [h, c];
  }
}
