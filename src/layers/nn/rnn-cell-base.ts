import * as tf from '@tensorflow/tfjs';

import type { GradientMode } from '../../dispatch/lstm-direction';
import { LSTMWeights } from '../../ops/weights';
import { checkCellInputSize, checkFloatTensor, checkGradientMode, checkOptionNames } from '../checks';
import { CellSpec, initBound } from '../cell-spec';
import { cellArchitecture, checkCellOptions, directionWeights, planParameters, sizeOptions } from '../recurrent-config';
import { Module } from './module';

/**
 * The options every single-step cell takes: PyTorch's `RNNCellBase(input_size, hidden_size, bias)`
 * in camelCase, plus `seed` and `gradient`.
 */
export interface RNNCellBaseOptions {
  inputSize: number;
  hiddenSize: number;
  /** Default true: add `bias_ih` and `bias_hh`. */
  bias?: boolean;
  /** Makes the initialisation repeatable. tfjs' generator, so not PyTorch's numbers for a seed. */
  seed?: number;
  /** Default 'manual' (the hand-derived backward pass). */
  gradient?: GradientMode;
}

/** A checked input of a cell's `forward`: batched [N, inputSize] or unbatched [inputSize]. */
export interface CheckedStep {
  x: tf.Tensor;
  batched: boolean;
  batch: number;
}

/**
 * PyTorch's `nn.RNNCellBase`: what one recurrent step is whatever its cell: the options and their
 * checks, the parameters `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` (named, shaped and
 * initialised as the cell spec says), and the input's checks. A subclass (`LSTMCell`) adds its
 * cell's states and step.
 */
export abstract class RNNCellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  gradient: GradientMode;

  protected constructor(
    protected readonly spec: CellSpec,
    options: RNNCellBaseOptions,
    known: readonly string[],
  ) {
    const owner = `${spec.name}Cell`;
    super(owner, options?.seed);
    checkOptionNames(owner, options, known);
    const { inputSize, hiddenSize, bias } = checkCellOptions(owner, options);
    this.inputSize = inputSize as number;
    this.hiddenSize = hiddenSize;
    this.bias = bias;
    this.gradient = checkGradientMode(owner, options.gradient ?? 'manual');

    // Every option is checked and every size known to fit before the first parameter is made.
    const arch = cellArchitecture(this.inputSize, this.hiddenSize, this.bias);
    const plan = planParameters(owner, arch, { cell: true, spec });
    this.addUniformParameters(plan, initBound(this.hiddenSize), sizeOptions(arch, 'cell', spec));
  }

  /** The parameters as the ops take them. */
  weights(): LSTMWeights {
    return directionWeights({ bias: this.bias, projSize: 0 }, (name) => this.param(name), null);
  }

  /** Checks `forward`'s input (PyTorch's `check_forward_input`): its rank and feature size. */
  protected checkStep(input: unknown): CheckedStep {
    const x = checkFloatTensor(this.moduleName, 'input', input, [1, 2]);
    checkCellInputSize(this.moduleName, x.shape[x.rank - 1], this.inputSize);
    const batched = x.rank === 2;
    return { x, batched, batch: batched ? x.shape[0] : 1 };
  }
}
