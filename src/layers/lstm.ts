import * as tf from '@tensorflow/tfjs';

import { GradientMode } from '../ops/lstm-layer';
import { lstmStack } from '../ops/lstm-stack';
import { LSTMWeights } from '../ops/weights';
import {
  checkBoolean,
  checkFloatTensor,
  checkGradientMode,
  checkLengths,
  checkOptionNames,
  checkShape,
  checkStatePair,
} from './checks';
import {
  checkArchitecture,
  directionWeights,
  LSTMArchitecture,
  numDirections,
  outputSize,
  planParameters,
  sizeOptions,
} from './lstm-config';
import { Module } from './module';
import { optionNames } from './options';

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

const FORWARD_OPTIONS = optionNames<LSTMForwardOptions>()(['lengths']);

const LSTM_OPTIONS = optionNames<LSTMOptions>()([
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
]);

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
  private readonly arch: LSTMArchitecture;

  constructor(options: LSTMOptions) {
    super('LSTM', options?.seed);
    checkOptionNames('LSTM', options, LSTM_OPTIONS);
    const arch = checkArchitecture('LSTM', options);
    this.arch = arch;
    this.inputSize = arch.inputSize;
    this.hiddenSize = arch.hiddenSize;
    this.numLayers = arch.numLayers;
    this.bias = arch.bias;
    this.batchFirst = checkBoolean('LSTM', 'batchFirst', options.batchFirst ?? false);
    this.dropout = arch.dropout;
    this.bidirectional = arch.bidirectional;
    this.projSize = arch.projSize;
    this.gradient = checkGradientMode('LSTM', options.gradient ?? 'manual');
    // Every option is checked and every size known to fit before the first parameter is made.
    const plan = planParameters('LSTM', arch);
    // PyTorch's initialisation of every parameter: U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)).
    this.addUniformParameters(plan, 1 / Math.sqrt(this.hiddenSize), sizeOptions(arch));
  }

  /** 2 when bidirectional, else 1. */
  get numDirections(): number {
    return numDirections(this.arch);
  }

  /** Size of h: projSize when projecting, else hiddenSize. */
  get outputSize(): number {
    return outputSize(this.arch);
  }

  /** The parameters of one layer and direction, as the ops take them. */
  weights(layer: number, dir: number): LSTMWeights {
    return directionWeights(this.arch, (name) => this.param(name), layer, dir);
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
   *
   * `options` other than `lengths` throw, so that a misspelled one is not silently ignored.
   */
  forward(
    input: tf.Tensor,
    hx?: [tf.Tensor, tf.Tensor] | null,
    options: LSTMForwardOptions = {},
  ): [tf.Tensor, [tf.Tensor, tf.Tensor]] {
    this.checkNotDisposed();
    checkOptionNames('LSTM.forward', options, FORWARD_OPTIONS);
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
