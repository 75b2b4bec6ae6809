import * as tf from '@tensorflow/tfjs';

import { lstmCellStep } from '../../dispatch/lstm-cell-step';
import { GradientMode } from '../../dispatch/lstm-direction';
import { firstShape, KERAS_LAYER_ARGS, LayerArgs, Shape } from './layer-args';
import { initBound, LSTM_CELL, stateSizes } from '../cell-spec';
import { cellArchitecture, checkCellOptions, directionWeights, planParameters, sizeOptions } from '../recurrent-config';
import { optionNames } from '../options';
import { TorchLayer } from './torch-layer';
import { checkCellInputSize, checkCellState, checkFloatTensor, checkGradientMode, checkOptionNames } from '../checks';

/** Arguments of `torchLSTMCell`: PyTorch's `nn.LSTMCell` options. */
export interface TorchLSTMCellArgs extends LayerArgs {
  hiddenSize: number;
  /** Optional: taken from the input shape when the cell is built. */
  inputSize?: number;
  bias?: boolean;
  /** Default 'manual' (the hand-derived backward pass). */
  gradient?: GradientMode;
  /** Repeatable initialisation. */
  seed?: number;
}

const ARGS = optionNames<Omit<TorchLSTMCellArgs, keyof LayerArgs>>()([
  'hiddenSize',
  'inputSize',
  'bias',
  'gradient',
  'seed',
]);
/**
 * PyTorch's `nn.LSTMCell` as a tfjs RNN cell: `tf.layers.rnn({cell: torchLSTMCell({hiddenSize})})`
 * runs it over sequences with Keras' RNN machinery (masking, `goBackwards`, `stateful`,
 * `returnState`). Like Keras' own `lstmCell`, calling it on `[x, h, c]` returns `[h', h', c']`.
 * Its weights are PyTorch's: `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
 *
 * ```ts
 * const rnn = tf.layers.rnn({cell: torchLSTMCell({hiddenSize: 8}), returnSequences: true});
 * const y = rnn.apply(tf.ones([2, 5, 3])) as tf.Tensor; // [2, 5, 8]
 * ```
 */
export class TorchLSTMCell extends TorchLayer {
  static className = 'TorchLSTMCell';

  readonly hiddenSize: number;
  readonly bias: boolean;
  readonly gradient: GradientMode;
  /** The sizes of h and c, which tfjs-layers' RNN reads to make initial states. */
  readonly stateSize: number[];
  /** Part of tfjs-layers' RNNCell interface; this cell has no input or recurrent dropout. */
  dropoutMask!: tf.Tensor | tf.Tensor[];
  recurrentDropoutMask!: tf.Tensor | tf.Tensor[];
  inputSize?: number;

  constructor(args: TorchLSTMCellArgs) {
    super('TorchLSTMCell', args);
    checkOptionNames('TorchLSTMCell', args, [...ARGS, ...KERAS_LAYER_ARGS]);
    const { inputSize, hiddenSize, bias } = checkCellOptions('TorchLSTMCell', args, { inputSizeOptional: true });
    if (inputSize !== undefined) this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = bias;
    this.gradient = checkGradientMode('TorchLSTMCell', args.gradient ?? 'manual');
    this.stateSize = stateSizes(LSTM_CELL, this.hiddenSize);
    // Sizes too big fail now, with a stand-in inputSize of 1 (the smallest) until it is known.
    const arch = cellArchitecture(this.inputSize ?? 1, this.hiddenSize, this.bias);
    planParameters('TorchLSTMCell', arch, { cell: true, inputSizeKnown: this.inputSize !== undefined });
  }

  override build(inputShape: Shape | Shape[]): void {
    const xShape = firstShape(inputShape);
    const features = xShape[xShape.length - 1];
    if (features === null)
      throw new RangeError('TorchLSTMCell: the input feature size must be known to build the cell');
    if (this.inputSize !== undefined) checkCellInputSize('TorchLSTMCell', features, this.inputSize);
    const arch = cellArchitecture(features, this.hiddenSize, this.bias);
    const plan = planParameters('TorchLSTMCell', arch, { cell: true });
    this.addParameters(plan, initBound(this.hiddenSize), sizeOptions(arch, 'cell'));
    this.inputSize = features;
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape[] {
    const xShape = firstShape(inputShape);
    const out = [xShape[0], this.hiddenSize];
    return [out, out, out];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    if (!Array.isArray(inputs) || inputs.length !== 3) {
      throw new RangeError(
        `TorchLSTMCell: expected inputs [x, h, c], got ${Array.isArray(inputs) ? `${inputs.length} tensors` : 'one tensor'}`,
      );
    }
    const [x, h, c] = inputs.map((t, k) => checkFloatTensor('TorchLSTMCell', ['input', 'h', 'c'][k], t, [2]));
    const batch = x.shape[0];
    checkCellInputSize('TorchLSTMCell', x.shape[1], this.inputSize as number);
    checkCellState('TorchLSTMCell', [h, c], batch, this.hiddenSize);
    return tf.tidy(() => {
      const w = directionWeights({ bias: this.bias, projSize: 0 }, (name) => this.variable(name), null);
      const next = lstmCellStep(x, h, c, w, { gradient: this.gradient, prepared: this.prepared(null) });
      return [next.h, next.h, next.c];
    });
  }

  protected ensureBuilt(): void {
    if (this.built) return;
    if (this.inputSize === undefined) {
      throw new Error('TorchLSTMCell: the cell has no weights yet; give inputSize, or apply it to an input');
    }
    this.build([null, this.inputSize]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      hiddenSize: this.hiddenSize,
      bias: this.bias,
      gradient: this.gradient,
    };
    if (this.inputSize !== undefined) config.inputSize = this.inputSize;
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...config, ...super.getConfig() };
  }
}
tf.serialization.registerClass(TorchLSTMCell);

/**
 * Makes a `TorchLSTMCell`: PyTorch's `nn.LSTMCell` as a cell for `tf.layers.rnn`.
 *
 * ```ts
 * const cell = torchLSTMCell({hiddenSize: 8});
 * ```
 */
export function torchLSTMCell(args: TorchLSTMCellArgs): TorchLSTMCell {
  return new TorchLSTMCell(args);
}
