import * as tf from '@tensorflow/tfjs';

import { GradientMode } from '../../dispatch/lstm-direction';
import { CellWeights } from '../../ops/weights';
import { firstShape, KERAS_LAYER_ARGS, LayerArgs, Shape } from './layer-args';
import { CellSpec, initBound, stateSizes } from '../cell-spec';
import { cellArchitecture, checkCellOptions, directionWeights, planParameters, sizeOptions } from '../recurrent-config';
import { optionNames } from '../options';
import { TorchLayer } from './torch-layer';
import { checkCellInputSize, checkCellState, checkFloatTensor, checkGradientMode, checkOptionNames } from '../checks';

/** Arguments every PyTorch-style tfjs cell takes: `nn.RNNCellBase`'s options. */
export interface TorchCellBaseArgs extends LayerArgs {
  hiddenSize: number;
  /** Optional: taken from the input shape when the cell is built. */
  inputSize?: number;
  bias?: boolean;
  /** Default 'manual' (the hand-derived backward pass). */
  gradient?: GradientMode;
  /** Repeatable initialisation. */
  seed?: number;
}

/** The option names of `TorchCellBaseArgs` (without Keras' layer arguments). */
export const TORCH_CELL_ARGS = optionNames<Omit<TorchCellBaseArgs, keyof LayerArgs>>()([
  'hiddenSize',
  'inputSize',
  'bias',
  'gradient',
  'seed',
]);

/**
 * What the PyTorch-style tfjs cells (`TorchLSTMCell`, `TorchGRUCell`, `TorchRNNCell`) share:
 * tfjs-layers' RNN cell interface, so that `tf.layers.rnn({cell})` runs them over sequences with
 * Keras' RNN machinery (masking, `goBackwards`, `stateful`, `returnState`); PyTorch's weights
 * (`weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`) and options. Like Keras' own cells, calling one
 * on `[x, ...states]` returns `[h', ...states']`. A subclass computes its cell's step (`step`).
 */
export abstract class TorchCellBase extends TorchLayer {
  readonly hiddenSize: number;
  readonly bias: boolean;
  readonly gradient: GradientMode;
  /** The sizes of the states (h, and c for an LSTM), which tfjs-layers' RNN reads to make initial states. */
  readonly stateSize: number[];
  /** Part of tfjs-layers' RNNCell interface; these cells have no input or recurrent dropout. */
  dropoutMask!: tf.Tensor | tf.Tensor[];
  recurrentDropoutMask!: tf.Tensor | tf.Tensor[];
  inputSize?: number;

  protected constructor(
    protected readonly spec: CellSpec,
    owner: string,
    args: TorchCellBaseArgs,
    known: readonly string[],
  ) {
    super(owner, args);
    checkOptionNames(owner, args, [...known, ...KERAS_LAYER_ARGS]);
    const { inputSize, hiddenSize, bias } = checkCellOptions(owner, args, { inputSizeOptional: true });
    if (inputSize !== undefined) this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = bias;
    this.gradient = checkGradientMode(owner, args.gradient ?? 'manual');
    this.stateSize = stateSizes(spec, this.hiddenSize);
    // Sizes too big fail now, with a stand-in inputSize of 1 (the smallest) until it is known.
    const arch = cellArchitecture(this.inputSize ?? 1, this.hiddenSize, this.bias);
    planParameters(owner, arch, { cell: true, inputSizeKnown: this.inputSize !== undefined, spec });
  }

  /** One step from the checked input [N, I] and states (each [N, H]): the new states. */
  protected abstract step(x: tf.Tensor, states: tf.Tensor[], weights: CellWeights): tf.Tensor[];

  override build(inputShape: Shape | Shape[]): void {
    const owner = this.owner;
    const xShape = firstShape(inputShape);
    const features = xShape[xShape.length - 1];
    if (features === null) throw new RangeError(`${owner}: the input feature size must be known to build the cell`);
    if (this.inputSize !== undefined) checkCellInputSize(owner, features, this.inputSize);
    const arch = cellArchitecture(features, this.hiddenSize, this.bias);
    const plan = planParameters(owner, arch, { cell: true, spec: this.spec });
    this.addParameters(plan, initBound(this.hiddenSize), sizeOptions(arch, 'cell', this.spec));
    this.inputSize = features;
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape[] {
    const xShape = firstShape(inputShape);
    const out = [xShape[0], this.hiddenSize];
    return [out, ...this.stateSize.map(() => out)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    const owner = this.owner;
    const names = ['input', ...this.spec.stateNames];
    if (!Array.isArray(inputs) || inputs.length !== names.length) {
      throw new RangeError(
        `${owner}: expected inputs [x, ${this.spec.stateNames.join(', ')}], got ` +
          `${Array.isArray(inputs) ? `${inputs.length} tensors` : 'one tensor'}`,
      );
    }
    const [x, ...states] = inputs.map((t, k) => checkFloatTensor(owner, names[k], t, [2]));
    checkCellInputSize(owner, x.shape[1], this.inputSize as number);
    checkCellState(owner, states, x.shape[0], this.hiddenSize);
    return tf.tidy(() => {
      const next = this.step(
        x,
        states,
        directionWeights({ bias: this.bias, projSize: 0 }, (n) => this.variable(n), null),
      );
      return [next[0], ...next];
    });
  }

  protected ensureBuilt(): void {
    if (this.built) return;
    if (this.inputSize === undefined) {
      throw new Error(`${this.owner}: the cell has no weights yet; give inputSize, or apply it to an input`);
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
