import * as tf from '@tensorflow/tfjs';

import type { GradientMode } from '../../dispatch/lstm-direction';
import { LSTMWeights } from '../../ops/weights';
import {
  checkBoolean,
  checkFloatTensor,
  checkNoProjection,
  checkGradientMode,
  checkInputSize,
  checkLengths,
  checkOptionNames,
} from '../checks';
import { CellSpec, initBound } from '../cell-spec';
import {
  checkArchitecture,
  directionWeights,
  RecurrentArchitecture,
  numDirections,
  outputSize,
  planParameters,
  sizeOptions,
} from '../recurrent-config';
import { Module } from './module';
import { optionNames } from '../options';

/**
 * The options every multi-layer recurrent module takes: PyTorch's `RNNBase` arguments in
 * camelCase, plus `seed` and `gradient` (`LSTMOptions` adds `projSize`).
 */
export interface RNNBaseOptions {
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
  /** Makes initialisation and dropout masks repeatable (tfjs' generator, not PyTorch's). */
  seed?: number;
  /** Default 'manual' (the hand-derived backward pass). */
  gradient?: GradientMode;
}

/** A checked input of `forward`, time-major with a batch axis, and what it says of the batch. */
export interface CheckedSequence {
  x: tf.Tensor;
  batched: boolean;
  batch: number;
  steps: number;
}

/** Options of one `forward` call of a multi-layer module (`LSTM.forward`). */
export interface RNNForwardOptions {
  /**
   * Valid length of each batch entry, as for `pack_padded_sequence` then `pad_packed_sequence`
   * with `total_length` = T: outputs past a sequence's length are zero, and the final states are
   * the state at its last valid step. Lengths need not be sorted.
   */
  lengths?: ArrayLike<number> | tf.Tensor;
}

/** The option names of `forward`. */
export const FORWARD_OPTIONS = optionNames<RNNForwardOptions>()(['lengths']);

/**
 * PyTorch's `nn.RNNBase`: what a multi-layer, optionally bidirectional recurrent module is whatever
 * its cell: the options and their checks, the parameters (named, shaped and initialised as the
 * cell spec says), the input's checks and layouts. A subclass (`LSTM`) adds its cell's states and
 * runs its cell's stack.
 */
export abstract class RNNBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;
  gradient: GradientMode;
  protected readonly arch: RecurrentArchitecture;

  protected constructor(
    protected readonly spec: CellSpec,
    options: RNNBaseOptions & { projSize?: number },
    known: readonly string[],
  ) {
    super(spec.name, options?.seed);
    const owner = spec.name;
    checkNoProjection(spec, options);
    checkOptionNames(owner, options, known);
    const arch = checkArchitecture(owner, options);
    this.arch = arch;
    this.inputSize = arch.inputSize;
    this.hiddenSize = arch.hiddenSize;
    this.numLayers = arch.numLayers;
    this.bias = arch.bias;
    this.batchFirst = checkBoolean(owner, 'batchFirst', options.batchFirst ?? false);
    this.dropout = arch.dropout;
    this.bidirectional = arch.bidirectional;
    this.projSize = arch.projSize;
    this.gradient = checkGradientMode(owner, options.gradient ?? 'manual');
    // Every option is checked and every size known to fit before the first parameter is made.
    const plan = planParameters(owner, arch, { spec });
    this.addUniformParameters(plan, initBound(this.hiddenSize), sizeOptions(arch, undefined, spec));
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
   * Checks `forward`'s input (PyTorch's `check_input`), and gives the batch and step counts the
   * states and lengths are checked against.
   */
  protected checkSequence(input: unknown): CheckedSequence {
    const x = checkFloatTensor(this.moduleName, 'input', input, [2, 3]);
    checkInputSize(this.moduleName, x.shape[x.rank - 1], this.inputSize);
    const shape = x.shape as number[];
    const batched = x.rank === 3;
    const steps = batched && this.batchFirst ? shape[1] : shape[0];
    const batch = !batched ? 1 : this.batchFirst ? shape[0] : shape[1];
    if (steps < 1) throw new RangeError(`${this.moduleName}: Expected sequence length to be larger than 0 in RNN`);
    return { x, batched, batch, steps };
  }

  /** Checks `lengths` (as `pack_padded_sequence` does) against the checked input. */
  protected checkSequenceLengths(seq: CheckedSequence, lengths: RNNForwardOptions['lengths']): number[] | undefined {
    if (lengths === undefined) return undefined;
    if (!seq.batched) {
      throw new RangeError(`${this.moduleName}: lengths needs batched 3-D input, got unbatched 2-D input`);
    }
    return checkLengths(this.moduleName, lengths, seq.batch, seq.steps);
  }

  /** The input time-major with a batch axis, [T, N, F], as the stacks take it. */
  protected toTimeMajor({ x, batched }: CheckedSequence): tf.Tensor {
    return !batched ? tf.expandDims(x, 1) : this.batchFirst ? tf.transpose(x, [1, 0, 2]) : x;
  }

  /** The stack's output [T, N, F] in the caller's layout (batch-first, unbatched) again. */
  protected fromTimeMajor(output: tf.Tensor, { batched }: CheckedSequence): tf.Tensor {
    if (!batched) return tf.squeeze(output, [1]);
    return this.batchFirst ? tf.transpose(output, [1, 0, 2]) : output;
  }
}
