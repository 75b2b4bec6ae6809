import * as tf from '@tensorflow/tfjs';

import { GradientMode } from '../../dispatch/lstm-direction';
import { lstmStack } from '../../dispatch/lstm-stack';
import { firstShape, KERAS_LAYER_ARGS, LayerArgs, Shape } from './layer-args';
import { optionNames } from '../options';
import { TorchLayer } from './torch-layer';
import { initBound, LSTM_CELL, stateSizes } from '../cell-spec';
import {
  checkBoolean,
  checkFloatTensor,
  checkGradientMode,
  checkInputSize,
  checkLengths,
  checkOptionNames,
} from '../checks';
import {
  architectureStackOptions,
  checkArchitecture,
  directionWeights,
  RecurrentArchitecture,
  numDirections,
  outputSize,
  planParameters,
  sizeOptions,
} from '../recurrent-config';

/** Arguments of `torchLSTM`: PyTorch's `nn.LSTM` options plus Keras' output options. */
export interface TorchLSTMArgs extends LayerArgs {
  hiddenSize: number;
  /** Optional: taken from the input shape when the layer is built. */
  inputSize?: number;
  numLayers?: number;
  bias?: boolean;
  /** Dropout between layers, active only in training (`model.fit`, or `apply(x, {training: true})`). */
  dropout?: number;
  bidirectional?: boolean;
  projSize?: number;
  /** Keras: output every step, [N, T, D * P], or (the default, as in Keras) only the last, [N, D * P]. */
  returnSequences?: boolean;
  /** Keras: also output h_n and c_n, batch-major: [N, numLayers * D, P] and [N, numLayers * D, H]. */
  returnState?: boolean;
  /**
   * Keras: carry each call's final states into the next call as its initial states (batch k of
   * one call continues sequence k of the last), until `resetStates()`. Needs a fixed batch size:
   * `batchInputShape` (or `batchSize` with `inputShape`), or `tf.input({batchShape})`.
   */
  stateful?: boolean;
  /** Default 'manual' (the hand-derived backward pass). */
  gradient?: GradientMode;
  /** Repeatable initialisation and dropout masks. */
  seed?: number;
}

const OWN_ARGS = optionNames<Omit<TorchLSTMArgs, keyof LayerArgs>>()([
  'hiddenSize',
  'inputSize',
  'numLayers',
  'bias',
  'dropout',
  'bidirectional',
  'projSize',
  'returnSequences',
  'returnState',
  'stateful',
  'gradient',
  'seed',
]);

/** Keras' message for a stateful RNN layer whose batch size is not fixed. */
const STATEFUL_BATCH_MESSAGE =
  'TorchLSTM: If an RNN is stateful, it needs to know its batch size. Specify the batch size of your ' +
  'input tensors: \n- If using a Sequential model, specify the batch size by passing a `batchInputShape` ' +
  'option to your first layer.\n- If using the functional API, specify the batch size by passing a ' +
  '`batchShape` option to your Input layer.';
/**
 * PyTorch's `nn.LSTM` as a tfjs layer, for `tf.sequential()` and `tf.model()`: batch-major input
 * `[N, T, features]` as Keras layers take it, PyTorch's weights (named `weight_ih_l0`, ..., in
 * PyTorch's order, shapes and initialisation) and all of its options. Initial states are extra
 * inputs, `[x, h0, c0]` or `apply(x, {initialState: [h0, c0]})`, batch-major like the states it
 * returns. A Keras mask (from `tf.layers.masking` or an embedding with `maskZero`) gives each
 * sequence's length, as `lengths` does for `LSTM`: read and checked (padding only at the end)
 * where the backend reads synchronously; on WebGPU, which cannot, it is applied on the device
 * unchecked, each sequence ending at its first masked step.
 *
 * ```ts
 * const model = tf.sequential({layers: [
 *   torchLSTM({hiddenSize: 32, inputShape: [null, 8]}),
 *   tf.layers.dense({units: 1}),
 * ]});
 * model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
 * ```
 */
export class TorchLSTM extends TorchLayer {
  static className = 'TorchLSTM';

  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly gradient: GradientMode;
  inputSize?: number;
  /** The checked options; inputSize is a stand-in until the layer is built. */
  private arch: RecurrentArchitecture;
  /** With `stateful`: the batch size, fixed when the layer is built. */
  private statefulBatch: number | null = null;
  /** With `stateful`: the carried [h, c], time-major as the stack takes them ([L * D, N, P], [L * D, N, H]). */
  private carried: tf.Tensor[] = [];
  /**
   * With `stateful`: states replaced while a gradient was being recorded, which that gradient may
   * still read; freed by `resetStates()` and with the layer, as tfjs-layers' RNN keeps its own.
   */
  private keptStates: tf.Tensor[] = [];

  constructor(args: TorchLSTMArgs) {
    super('TorchLSTM', args);
    checkOptionNames('TorchLSTM', args, [...OWN_ARGS, ...KERAS_LAYER_ARGS]);
    // Checked now with a stand-in input size, so that a bad option fails at construction.
    const arch = checkArchitecture('TorchLSTM', { ...args, inputSize: args.inputSize ?? 1 });
    this.arch = arch;
    this.inputSize = args.inputSize;
    this.hiddenSize = arch.hiddenSize;
    this.numLayers = arch.numLayers;
    this.bias = arch.bias;
    this.dropout = arch.dropout;
    this.bidirectional = arch.bidirectional;
    this.projSize = arch.projSize;
    this.returnSequences = checkBoolean('TorchLSTM', 'returnSequences', args.returnSequences ?? false);
    this.returnState = checkBoolean('TorchLSTM', 'returnState', args.returnState ?? false);
    this.gradient = checkGradientMode('TorchLSTM', args.gradient ?? 'manual');
    this._stateful = checkBoolean('TorchLSTM', 'stateful', args.stateful ?? false);
    this.supportsMasking = true;
    // Sizes too big fail now, with the stand-in inputSize (1, the smallest) until it is known.
    planParameters('TorchLSTM', arch, { inputSizeKnown: args.inputSize !== undefined });
  }

  private get numDirections(): number {
    return numDirections(this.arch);
  }

  private get outputSize(): number {
    return outputSize(this.arch);
  }

  override build(inputShape: Shape | Shape[]): void {
    const xShape = firstShape(inputShape);
    if (xShape.length !== 3) {
      throw new RangeError(
        `TorchLSTM: Expected input to be 3-D [batch, time, features] but received ${xShape.length}-D`,
      );
    }
    const features = xShape[2];
    if (features === null) throw new RangeError('TorchLSTM: the input feature size must be known to build the layer');
    if (this.stateful && xShape[0] === null) throw new Error(STATEFUL_BATCH_MESSAGE);
    if (this.inputSize !== undefined) checkInputSize('TorchLSTM', features, this.inputSize);
    const arch = { ...this.arch, inputSize: features };
    const plan = planParameters('TorchLSTM', arch);
    this.addParameters(plan, initBound(this.hiddenSize), sizeOptions(arch));
    this.inputSize = features;
    this.arch = arch;
    this.built = true;
    if (this.stateful) {
      this.statefulBatch = xShape[0];
      this.resetStates();
    }
  }

  /**
   * Keras' `resetStates` of a stateful layer: the carried states become zeros, or `states`,
   * `[h, c]` batch-major as the layer's initial states are ([N, numLayers * D, P] and
   * [N, numLayers * D, H]). The layer keeps copies; the caller keeps its tensors. A bad call
   * changes nothing.
   *
   * ```ts
   * const layer = torchLSTM({hiddenSize: 8, stateful: true, batchInputShape: [1, null, 3]});
   * // ... model.predict(chunk) carries the state from chunk to chunk ...
   * layer.resetStates();           // a new stream
   * ```
   */
  override resetStates(states?: tf.Tensor | tf.Tensor[]): void {
    if (!this.stateful) throw new Error('TorchLSTM: Cannot call resetStates() on an RNN Layer that is not stateful.');
    this.ensureBuilt();
    const batch = this.statefulBatch as number;
    const lead = [this.numLayers * this.numDirections, batch];
    const sizes = [this.outputSize, this.hiddenSize];
    let next: tf.Tensor[];
    if (states == null) {
      next = sizes.map((size) => tf.zeros([...lead, size]));
    } else {
      const given = Array.isArray(states) ? states : [states];
      if (given.length !== 2) {
        throw new RangeError(
          `TorchLSTM: Layer ${this.name} expects 2 state(s), but it received ${given.length} state value(s).`,
        );
      }
      given.forEach((s, k) => {
        checkFloatTensor('TorchLSTM', `state ${k}`, s, [3]);
        const expected = [batch, lead[0], sizes[k]];
        if (!tf.util.arraysEqual(s.shape, expected)) {
          throw new RangeError(
            `TorchLSTM: State ${k} is incompatible with layer ${this.name}: expected shape=[${expected}], ` +
              `received shape=[${s.shape}]`,
          );
        }
      });
      next = given.map((s) => tf.transpose(s, [1, 0, 2]));
    }
    tf.dispose([...this.carried, ...this.keptStates]);
    this.keptStates = [];
    // Kept: Keras' model.resetStates() calls this inside a tidy.
    this.carried = next.map((t) => tf.keep(t));
  }

  /** Replaces the carried states by a call's final ones (time-major, the caller's to give). */
  private carry(next: tf.Tensor[]): void {
    // A gradient being recorded may read the old states (they were this call's inputs).
    if (tf.engine().isTapeOn()) this.keptStates.push(...this.carried);
    else tf.dispose(this.carried);
    this.carried = next;
  }

  /** Frees the carried states with the layer. */
  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) {
      tf.dispose([...this.carried, ...this.keptStates]);
      [this.carried, this.keptStates] = [[], []];
    }
    return result;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const [batch, steps] = firstShape(inputShape);
    const features = this.numDirections * this.outputSize;
    const output = this.returnSequences ? [batch, steps, features] : [batch, features];
    if (!this.returnState) return output;
    const states = this.numLayers * this.numDirections;
    const sizes = stateSizes(LSTM_CELL, this.hiddenSize, this.projSize);
    return [output, ...sizes.map((size) => [batch, states, size])];
  }

  override computeMask(_inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    // The output keeps the input's mask when it has the time axis; states and last outputs have none.
    const m = Array.isArray(mask) ? mask[0] : mask;
    const outputMask = (this.returnSequences && m ? m : null) as tf.Tensor;
    return this.returnState ? [outputMask, null as unknown as tf.Tensor, null as unknown as tf.Tensor] : outputMask;
  }

  /** Accepts Keras' `initialState` keyword as extra inputs, as tfjs-layers' RNNs do. */
  override apply(
    inputs: tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[],
    kwargs?: Record<string, unknown>,
  ): tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[] {
    const initialState = kwargs?.initialState as (tf.Tensor | tf.SymbolicTensor)[] | undefined;
    if (!initialState) return super.apply(inputs, kwargs);
    const rest = { ...kwargs };
    delete rest.initialState;
    const all = [...(Array.isArray(inputs) ? inputs : [inputs]), ...initialState];
    return super.apply(all as tf.Tensor[], rest);
  }

  override call(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: { training?: boolean; mask?: tf.Tensor | tf.Tensor[] },
  ): tf.Tensor | tf.Tensor[] {
    const arch = this.arch;
    if (Array.isArray(inputs) && inputs.length !== 1 && inputs.length !== 3) {
      throw new RangeError(`TorchLSTM: expected inputs [x] or [x, h0, c0], got ${inputs.length} tensors`);
    }
    const [xIn, h0, c0] = Array.isArray(inputs) ? inputs : [inputs];
    const x = checkFloatTensor('TorchLSTM', 'input', xIn, [3]);
    checkInputSize('TorchLSTM', x.shape[2], arch.inputSize);
    if (h0) checkFloatTensor('TorchLSTM', 'h0', h0, [2, 3]);
    if (c0) checkFloatTensor('TorchLSTM', 'c0', c0, [2, 3]);
    const [batch, steps] = x.shape as number[];
    if (this.stateful && batch !== this.statefulBatch) {
      throw new RangeError(
        `TorchLSTM: a stateful layer takes batches of the size it was built for, ${this.statefulBatch} ` +
          `(its batchInputShape), got ${batch}`,
      );
    }
    const mask = Array.isArray(kwargs?.mask) ? kwargs.mask[0] : kwargs?.mask;
    if (mask && !tf.util.arraysEqual(mask.shape, [batch, steps])) {
      throw new RangeError(`TorchLSTM: Expected the mask to be [${batch}, ${steps}], got [${mask.shape.join(', ')}]`);
    }
    // Where the backend reads synchronously, the mask becomes lengths (checked, and what the fused
    // kernels take); where it cannot (WebGPU), it stays on the device as validSteps.
    const maskValues = mask ? readSyncIfAllowed(mask) : null;
    const lengths = maskValues ? lengthsFromMask(maskValues, batch, steps) : undefined;
    const outputs = tf.tidy(() => {
      const validSteps = mask && !lengths ? validStepsFromMask(mask) : undefined;
      const states = this.numLayers * this.numDirections;
      const timeMajorState = (s: tf.Tensor | undefined, size: number, name: string) => {
        if (!s) return null;
        if (!tf.util.arraysEqual(s.shape, [batch, states, size])) {
          throw new RangeError(
            `TorchLSTM: Expected ${name} size [${batch}, ${states}, ${size}] (batch-major), got [${s.shape.join(', ')}]`,
          );
        }
        return tf.transpose(s, [1, 0, 2]);
      };
      // A stateful layer starts from the carried states, unless given others.
      const [carriedH, carriedC] = this.stateful ? this.carried : [null, null];
      const r = lstmStack(
        tf.transpose(x, [1, 0, 2]),
        timeMajorState(h0, this.outputSize, 'h0') ?? carriedH,
        timeMajorState(c0, this.hiddenSize, 'c0') ?? carriedC,
        (layer, dir) => directionWeights(arch, (name) => this.variable(name), layer, dir),
        {
          ...architectureStackOptions(arch),
          gradient: this.gradient,
          lengths,
          validSteps,
          training: kwargs?.training ?? false,
          nextSeed: () => this.seeds?.next(),
          prepared: (layer, dir) => this.prepared(layer, dir),
        },
      );
      // Without sequences, the output is each sequence's last one: for the forward direction the
      // final h, for the reverse direction the h at step 0, where it ends; both are in h_n.
      const dirs = this.numDirections;
      const output = this.returnSequences
        ? tf.transpose(r.output, [1, 0, 2])
        : tf.reshape(tf.transpose(tf.slice(r.hN, [states - dirs, 0, 0], [dirs, batch, this.outputSize]), [1, 0, 2]), [
            batch,
            dirs * this.outputSize,
          ]);
      // Kept: the call may run inside a caller's tidy (model.predict's does).
      const finalStates = this.stateful ? [tf.keep(r.hN), tf.keep(r.cN)] : [];
      if (!this.returnState) return [output, ...finalStates];
      return [output, tf.transpose(r.hN, [1, 0, 2]), tf.transpose(r.cN, [1, 0, 2]), ...finalStates];
    });
    if (this.stateful) this.carry(outputs.splice(outputs.length - 2, 2));
    return this.returnState ? outputs : outputs[0];
  }

  protected ensureBuilt(): void {
    if (this.built) return;
    // inputShape (or batchInputShape) names the features as well as inputSize does.
    const features = this.inputSize ?? this.batchInputShape?.[this.batchInputShape.length - 1];
    if (features == null) {
      throw new Error('TorchLSTM: the layer has no weights yet; give inputSize or inputShape, or apply it to an input');
    }
    // A stateful layer's batch size is fixed by its batchInputShape too.
    this.build([this.batchInputShape?.[0] ?? null, null, features]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      hiddenSize: this.hiddenSize,
      numLayers: this.numLayers,
      bias: this.bias,
      dropout: this.dropout,
      bidirectional: this.bidirectional,
      projSize: this.projSize,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      stateful: this.stateful,
      gradient: this.gradient,
    };
    if (this.inputSize !== undefined) config.inputSize = this.inputSize;
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...config, ...super.getConfig() };
  }
}
tf.serialization.registerClass(TorchLSTM);

/**
 * The tensor's values, or null where the backend refuses a synchronous read: WebGPU's does for
 * data a kernel computed (its `readSync` serves only data still on the CPU).
 */
function readSyncIfAllowed(t: tf.Tensor): tf.TypedArray | null {
  try {
    return t.dataSync();
  } catch {
    return null;
  }
}

/**
 * A Keras mask [N, T] as `validSteps` [T, N] on the device: each sequence is valid up to its first
 * masked step, which is the length `lengthsFromMask` counts (without its checks: a gap ends the
 * sequence, and a sequence masked from step 0 has length 0, its output zero and h_n = h_0).
 */
function validStepsFromMask(mask: tf.Tensor): tf.Tensor {
  const masked = tf.cast(tf.logicalNot(tf.cast(mask, 'bool')), 'float32');
  return tf.transpose(tf.equal(tf.cumsum(masked, 1), 0));
}

/** Sequence lengths from a Keras mask's values [N, T]: each row must be a prefix of ones (padding at the end). */
function lengthsFromMask(values: tf.TypedArray, batch: number, steps: number): number[] {
  const lengths: number[] = [];
  for (let b = 0; b < batch; b++) {
    let len = 0;
    while (len < steps && values[b * steps + len]) len++;
    for (let t = len; t < steps; t++) {
      if (values[b * steps + t]) {
        throw new RangeError(
          `TorchLSTM: the mask of sequence ${b} has a gap (step ${t} is valid after padding at step ${len}); ` +
            'only padding at the end is supported, as with pack_padded_sequence',
        );
      }
    }
    lengths.push(len);
  }
  return checkLengths('TorchLSTM', lengths, batch, steps);
}

/**
 * Makes a `TorchLSTM` layer: PyTorch's `nn.LSTM` for `tf.sequential()` and `tf.model()`.
 *
 * ```ts
 * const layer = torchLSTM({hiddenSize: 16, numLayers: 2, bidirectional: true, inputShape: [10, 4]});
 * ```
 */
export function torchLSTM(args: TorchLSTMArgs): TorchLSTM {
  return new TorchLSTM(args);
}
