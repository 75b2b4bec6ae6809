import * as tf from '@tensorflow/tfjs';

import { GradientMode } from '../../dispatch/lstm-direction';
import type { LayerStackOptions } from '../../dispatch/recurrent-stack';
import { firstShape, initialStateAsInputs, KERAS_LAYER_ARGS, LayerArgs, Shape } from './layer-args';
import { optionNames } from '../options';
import { TorchLayer } from './torch-layer';
import { lengthsFromMask, readSyncIfAllowed, validStepsFromMask } from './keras-mask';
import { CellSpec, initBound, stateSizes } from '../cell-spec';
import {
  checkBoolean,
  checkFloatTensor,
  checkGradientMode,
  checkInputSize,
  checkNoProjection,
  checkOptionNames,
} from '../checks';
import {
  architectureStackOptions,
  checkArchitecture,
  RecurrentArchitecture,
  numDirections,
  outputSize,
  planParameters,
  sizeOptions,
} from '../recurrent-config';

/** Arguments every PyTorch-style recurrent tfjs layer takes: `nn.RNNBase`'s options plus Keras' output options. */
export interface TorchRNNBaseArgs extends LayerArgs {
  hiddenSize: number;
  /** Optional: taken from the input shape when the layer is built. */
  inputSize?: number;
  numLayers?: number;
  bias?: boolean;
  /** Dropout between layers, active only in training (`model.fit`, or `apply(x, {training: true})`). */
  dropout?: number;
  bidirectional?: boolean;
  /** Keras: output every step, [N, T, D * P], or (the default, as in Keras) only the last, [N, D * P]. */
  returnSequences?: boolean;
  /** Keras: also output the final states (h_n, and c_n for an LSTM), batch-major: [N, numLayers * D, size]. */
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

/** The option names of `TorchRNNBaseArgs` (without Keras' layer arguments). */
export const TORCH_RNN_ARGS = optionNames<Omit<TorchRNNBaseArgs, keyof LayerArgs>>()([
  'hiddenSize',
  'inputSize',
  'numLayers',
  'bias',
  'dropout',
  'bidirectional',
  'returnSequences',
  'returnState',
  'stateful',
  'gradient',
  'seed',
]);

/** What a subclass's stack needs of one call, besides the input and the initial states. */
export interface CallStackOptions extends LayerStackOptions {
  lengths?: readonly number[];
  validSteps?: tf.Tensor;
}

/**
 * What the PyTorch-style recurrent tfjs layers (`TorchLSTM`, `TorchGRU`, `TorchRNN`) share,
 * whatever their cell: PyTorch's weights (named `weight_ih_l0`, ..., in PyTorch's order, shapes
 * and initialisation) and options, Keras' batch-major input `[N, T, features]` and output options
 * (`returnSequences`, `returnState`, `stateful`), initial states as extra inputs (`[x, h0]`, or
 * `[x, h0, c0]` for an LSTM; or `apply(x, {initialState})`), batch-major like the states it returns,
 * and Keras masks as sequence lengths. A Keras mask (from `tf.layers.masking` or an embedding with
 * `maskZero`) is read and checked (padding only at the end) where the backend reads
 * synchronously; on WebGPU, which cannot, it is applied on the device unchecked, each sequence
 * ending at its first masked step. A subclass runs its cell's stack (`runStack`).
 */
export abstract class TorchRNNBase extends TorchLayer {
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly gradient: GradientMode;
  inputSize?: number;
  /** The checked options; inputSize is a stand-in until the layer is built. */
  protected arch: RecurrentArchitecture;
  /** With `stateful`: the batch size, fixed when the layer is built. */
  private statefulBatch: number | null = null;
  /** With `stateful`: the carried states, time-major as the stack takes them ([L * D, N, size] each). */
  private carried: tf.Tensor[] = [];
  /**
   * With `stateful`: states replaced while a gradient was being recorded, which that gradient may
   * still read; freed by `resetStates()` and with the layer, as tfjs-layers' RNN keeps its own.
   */
  private keptStates: tf.Tensor[] = [];

  protected constructor(
    protected readonly spec: CellSpec,
    owner: string,
    args: TorchRNNBaseArgs & { projSize?: number },
    known: readonly string[],
  ) {
    super(owner, args);
    checkNoProjection({ ...spec, name: owner }, args);
    checkOptionNames(owner, args, [...known, ...KERAS_LAYER_ARGS]);
    // Checked now with a stand-in input size, so that a bad option fails at construction.
    const arch = checkArchitecture(owner, { ...args, inputSize: args.inputSize ?? 1 });
    this.arch = arch;
    this.inputSize = args.inputSize;
    this.hiddenSize = arch.hiddenSize;
    this.numLayers = arch.numLayers;
    this.bias = arch.bias;
    this.dropout = arch.dropout;
    this.bidirectional = arch.bidirectional;
    this.returnSequences = checkBoolean(owner, 'returnSequences', args.returnSequences ?? false);
    this.returnState = checkBoolean(owner, 'returnState', args.returnState ?? false);
    this.gradient = checkGradientMode(owner, args.gradient ?? 'manual');
    this._stateful = checkBoolean(owner, 'stateful', args.stateful ?? false);
    this.supportsMasking = true;
    // Sizes too big fail now, with the stand-in inputSize (1, the smallest) until it is known.
    planParameters(owner, arch, { inputSizeKnown: args.inputSize !== undefined, spec });
  }

  /**
   * Runs the cell's stack on the time-major input [T, N, I] from `initial` (each state
   * [L * D, N, size], null for zeros): the output [T, N, D * P] and each final state, stacked.
   */
  protected abstract runStack(
    x: tf.Tensor,
    initial: (tf.Tensor | null)[],
    options: CallStackOptions,
  ): { output: tf.Tensor; states: tf.Tensor[] };

  protected get numDirections(): number {
    return numDirections(this.arch);
  }

  /** Size of h: projSize when an LSTM projects, else hiddenSize. */
  protected get outputSize(): number {
    return outputSize(this.arch);
  }

  /** Each state's feature size, in the cell's order (h, then c for an LSTM). */
  private get stateSizes(): number[] {
    return stateSizes(this.spec, this.hiddenSize, this.arch.projSize);
  }

  /** The states' names as Keras users pass them, for messages: `h0`, `c0`. */
  private get stateNames(): string[] {
    return this.spec.stateNames.map((name) => `${name}0`);
  }

  override build(inputShape: Shape | Shape[]): void {
    const owner = this.owner;
    const xShape = firstShape(inputShape);
    if (xShape.length !== 3) {
      throw new RangeError(
        `${owner}: Expected input to be 3-D [batch, time, features] but received ${xShape.length}-D`,
      );
    }
    const features = xShape[2];
    if (features === null) throw new RangeError(`${owner}: the input feature size must be known to build the layer`);
    if (this.stateful && xShape[0] === null) throw new Error(statefulBatchMessage(owner));
    if (this.inputSize !== undefined) checkInputSize(owner, features, this.inputSize);
    const arch = { ...this.arch, inputSize: features };
    const plan = planParameters(owner, arch, { spec: this.spec });
    this.addParameters(plan, initBound(this.hiddenSize), sizeOptions(arch, undefined, this.spec));
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
   * batch-major as the layer's initial states are (`[h, c]` for an LSTM, [N, numLayers * D, P] and
   * [N, numLayers * D, H]; `h` or `[h]` for a GRU or RNN). The layer keeps copies; the caller
   * keeps its tensors. A bad call changes nothing.
   *
   * ```ts
   * const layer = torchLSTM({hiddenSize: 8, stateful: true, batchInputShape: [1, null, 3]});
   * // ... model.predict(chunk) carries the state from chunk to chunk ...
   * layer.resetStates();           // a new stream
   * ```
   */
  override resetStates(states?: tf.Tensor | tf.Tensor[]): void {
    const owner = this.owner;
    if (!this.stateful) throw new Error(`${owner}: Cannot call resetStates() on an RNN Layer that is not stateful.`);
    this.ensureBuilt();
    const batch = this.statefulBatch as number;
    const lead = [this.numLayers * this.numDirections, batch];
    const sizes = this.stateSizes;
    let next: tf.Tensor[];
    if (states == null) {
      next = sizes.map((size) => tf.zeros([...lead, size]));
    } else {
      const given = Array.isArray(states) ? states : [states];
      if (given.length !== sizes.length) {
        throw new RangeError(
          `${owner}: Layer ${this.name} expects ${sizes.length} state(s), but it received ${given.length} state value(s).`,
        );
      }
      given.forEach((s, k) => {
        checkFloatTensor(owner, `state ${k}`, s, [3]);
        const expected = [batch, lead[0], sizes[k]];
        if (!tf.util.arraysEqual(s.shape, expected)) {
          throw new RangeError(
            `${owner}: State ${k} is incompatible with layer ${this.name}: expected shape=[${expected}], ` +
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
    return [output, ...this.stateSizes.map((size) => [batch, states, size])];
  }

  override computeMask(_inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    // The output keeps the input's mask when it has the time axis; states and last outputs have none.
    const m = Array.isArray(mask) ? mask[0] : mask;
    const outputMask = (this.returnSequences && m ? m : null) as tf.Tensor;
    if (!this.returnState) return outputMask;
    return [outputMask, ...this.stateSizes.map(() => null as unknown as tf.Tensor)];
  }

  /** Accepts Keras' `initialState` keyword as extra inputs, as tfjs-layers' RNNs do. */
  override apply(
    inputs: tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[],
    kwargs?: Record<string, unknown>,
  ): tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[] {
    return super.apply(...initialStateAsInputs(inputs, kwargs));
  }

  override call(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: { training?: boolean; mask?: tf.Tensor | tf.Tensor[] },
  ): tf.Tensor | tf.Tensor[] {
    const owner = this.owner;
    const arch = this.arch;
    const names = this.stateNames;
    const sizes = this.stateSizes;
    if (Array.isArray(inputs) && inputs.length !== 1 && inputs.length !== 1 + names.length) {
      throw new RangeError(`${owner}: expected inputs [x] or [x, ${names.join(', ')}], got ${inputs.length} tensors`);
    }
    const [xIn, ...initial] = Array.isArray(inputs) ? inputs : [inputs];
    const x = checkFloatTensor(owner, 'input', xIn, [3]);
    checkInputSize(owner, x.shape[2], arch.inputSize);
    initial.forEach((s, k) => checkFloatTensor(owner, names[k], s, [2, 3]));
    const [batch, steps] = x.shape as number[];
    if (this.stateful && batch !== this.statefulBatch) {
      throw new RangeError(
        `${owner}: a stateful layer takes batches of the size it was built for, ${this.statefulBatch} ` +
          `(its batchInputShape), got ${batch}`,
      );
    }
    const mask = Array.isArray(kwargs?.mask) ? kwargs.mask[0] : kwargs?.mask;
    if (mask && !tf.util.arraysEqual(mask.shape, [batch, steps])) {
      throw new RangeError(`${owner}: Expected the mask to be [${batch}, ${steps}], got [${mask.shape.join(', ')}]`);
    }
    // Where the backend reads synchronously, the mask becomes lengths (checked, and what the fused
    // kernels take); where it cannot (WebGPU), it stays on the device as validSteps.
    const maskValues = mask ? readSyncIfAllowed(mask) : null;
    const lengths = maskValues ? lengthsFromMask(owner, maskValues, batch, steps) : undefined;
    const numStates = sizes.length;
    const outputs = tf.tidy(() => {
      const validSteps = mask && !lengths ? validStepsFromMask(mask) : undefined;
      const states = this.numLayers * this.numDirections;
      const timeMajorState = (s: tf.Tensor | undefined, k: number) => {
        if (!s) return null;
        if (!tf.util.arraysEqual(s.shape, [batch, states, sizes[k]])) {
          throw new RangeError(
            `${owner}: Expected ${names[k]} size [${batch}, ${states}, ${sizes[k]}] (batch-major), got [${s.shape.join(', ')}]`,
          );
        }
        return tf.transpose(s, [1, 0, 2]);
      };
      // A stateful layer starts from the carried states, unless given others.
      const r = this.runStack(
        tf.transpose(x, [1, 0, 2]),
        sizes.map((_, k) => timeMajorState(initial[k], k) ?? (this.stateful ? this.carried[k] : null)),
        {
          ...architectureStackOptions(arch),
          lengths,
          validSteps,
          training: kwargs?.training ?? false,
          nextSeed: () => this.seeds?.next(),
        },
      );
      // Without sequences, the output is each sequence's last one: for the forward direction the
      // final h, for the reverse direction the h at step 0, where it ends; both are in h_n.
      const dirs = this.numDirections;
      const hN = r.states[0];
      const output = this.returnSequences
        ? tf.transpose(r.output, [1, 0, 2])
        : tf.reshape(tf.transpose(tf.slice(hN, [states - dirs, 0, 0], [dirs, batch, this.outputSize]), [1, 0, 2]), [
            batch,
            dirs * this.outputSize,
          ]);
      // Kept: the call may run inside a caller's tidy (model.predict's does).
      const finalStates = this.stateful ? r.states.map((s) => tf.keep(s)) : [];
      if (!this.returnState) return [output, ...finalStates];
      return [output, ...r.states.map((s) => tf.transpose(s, [1, 0, 2])), ...finalStates];
    });
    if (this.stateful) this.carry(outputs.splice(outputs.length - numStates, numStates));
    return this.returnState ? outputs : outputs[0];
  }

  protected ensureBuilt(): void {
    if (this.built) return;
    // inputShape (or batchInputShape) names the features as well as inputSize does.
    const features = this.inputSize ?? this.batchInputShape?.[this.batchInputShape.length - 1];
    if (features == null) {
      throw new Error(
        `${this.owner}: the layer has no weights yet; give inputSize or inputShape, or apply it to an input`,
      );
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

/** Keras' message for a stateful RNN layer whose batch size is not fixed. */
function statefulBatchMessage(owner: string): string {
  return (
    `${owner}: If an RNN is stateful, it needs to know its batch size. Specify the batch size of your ` +
    'input tensors: \n- If using a Sequential model, specify the batch size by passing a `batchInputShape` ' +
    'option to your first layer.\n- If using the functional API, specify the batch size by passing a ' +
    '`batchShape` option to your Input layer.'
  );
}
