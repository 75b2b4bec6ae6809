import * as tf from '@tensorflow/tfjs';

import { gruDirection } from '../../dispatch/hidden-direction';
import { gruForward, GRUActivations } from '../../ops/gru';
import { CellWeights } from '../../ops/weights';
import { checkBoolean, checkFloatTensor, checkInteger, checkOptionNames } from '../checks';
import { describe } from '../../util/describe';
import { firstShape, initialStateAsInputs, KERAS_LAYER_ARGS, LayerArgs, Shape } from './layer-args';
import { lengthsFromMask, readSyncIfAllowed } from './keras-mask';

/**
 * Keras' `GRU` layer with `reset_after=True` (the default of Keras 2.x and 3, and the GRU PyTorch
 * computes), which tfjs-layers' own GRU refuses ("GRUCell does not support reset_after parameter
 * set to true"). `registerKerasRecurrent()` registers it as Keras' `GRU` class, so that a Keras
 * model converted by the tensorflowjs converter loads with `tf.loadLayersModel`, its GRUs running
 * on this package's ops. Weights are Keras': `kernel` [I, 3U] and `recurrent_kernel` [U, 3U] with
 * the gates in Keras' order z, r, h, and `bias` [2, 3U] (input bias, recurrent bias); they are
 * laid out as PyTorch's at each call (see `kerasToGRUWeights`).
 */

/** The Keras GRU arguments this layer runs, as tfjs' deserialization spells them. */
export interface KerasGRUArgs extends LayerArgs {
  units: number;
  /** Default 'tanh'. */
  activation?: string;
  /** Default 'sigmoid'. */
  recurrentActivation?: string;
  useBias?: boolean;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  /** Must be false: a stateful Keras GRU is not served (yet). */
  stateful?: boolean;
  /** Ignored: unrolling changes nothing in the numbers. */
  unroll?: boolean;
  /** Must be false. */
  timeMajor?: boolean;
  /** True here; a `reset_after=False` GRU is tfjs-layers' own (see `registerKerasRecurrent`). */
  resetAfter?: boolean;
  /** Applied only in training, which this layer refuses when they are not 0. */
  dropout?: number;
  recurrentDropout?: number;
  /** Keras' choice of kernel implementation: the same numbers either way. */
  implementation?: number;
  /** Keras: zeros, instead of the last valid output, at masked steps (set by its Bidirectional wrapper). */
  zeroOutputForMask?: boolean;
  /** Keras' initializers, regularizers and constraints: kept in the config; see the class's notes. */
  [keras: string]: unknown;
}

/** Keras' own config entries that only shape training or initialisation: kept as given. */
const PASSED_THROUGH = [
  'kernelInitializer',
  'recurrentInitializer',
  'biasInitializer',
  'kernelRegularizer',
  'recurrentRegularizer',
  'biasRegularizer',
  'activityRegularizer',
  'kernelConstraint',
  'recurrentConstraint',
  'biasConstraint',
] as const;

const KNOWN = [
  'units',
  'activation',
  'recurrentActivation',
  'useBias',
  'returnSequences',
  'returnState',
  'goBackwards',
  'stateful',
  'unroll',
  'timeMajor',
  'resetAfter',
  'dropout',
  'recurrentDropout',
  'implementation',
  'zeroOutputForMask',
  'cell',
  'module',
  'registeredName',
  ...PASSED_THROUGH,
  ...KERAS_LAYER_ARGS,
];

/** Keras' activations by name, as tf-keras 2.x computes them (hard_sigmoid: clip(0.2 x + 0.5, 0, 1)). */
const ACTIVATIONS: Record<string, (t: tf.Tensor) => tf.Tensor> = {
  sigmoid: tf.sigmoid,
  tanh: tf.tanh,
  hard_sigmoid: (t) => tf.clipByValue(tf.add(tf.mul(t, 0.2), 0.5), 0, 1),
  relu: tf.relu,
  linear: (t) => t,
  softsign: (t) => tf.div(t, tf.add(tf.abs(t), 1)),
  elu: tf.elu,
  selu: tf.selu,
};

/** tfjs-layers' camelCase names of the same activations. */
const CAMEL_ACTIVATIONS: Record<string, string> = { hardSigmoid: 'hard_sigmoid' };

/**
 * Keras' `GRU(reset_after=True)`, run by this package's GRU ops. Registered as Keras' `GRU` by
 * `registerKerasRecurrent()`; not meant to be made directly.
 *
 * Not served, each refused with a message naming the layer and the option: `stateful`,
 * `time_major`, training with `dropout` or `recurrent_dropout`, activations other than those of
 * `ACTIVATIONS`, masks with padding other than at the end. Regularizers and constraints in the
 * config are kept but not applied in tfjs training (a warning says so); a layer made without a
 * model file starts from Keras' default initialisers (Glorot uniform, orthogonal, zeros).
 */
export class KerasGRU extends tf.layers.Layer {
  static className = 'GRU';

  readonly units: number;
  readonly activation: string;
  readonly recurrentActivation: string;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly zeroOutputForMask: boolean;
  private readonly passed: Record<string, unknown>;
  private readonly activations: GRUActivations;
  private kernel?: tf.LayerVariable;
  private recurrentKernel?: tf.LayerVariable;
  private biasVariable?: tf.LayerVariable;

  constructor(args: KerasGRUArgs) {
    super(args);
    const owner = `GRU layer ${args.name ?? this.name}`;
    checkOptionNames(owner, args, KNOWN);
    this.units = checkInteger(owner, 'units', args.units, 1);
    const refuse = (option: string, why: string) => {
      throw new Error(`${owner}: ${option} is not supported by tfjs-lstm's Keras GRU (${why})`);
    };
    if (args.resetAfter === false)
      refuse('reset_after=false', "tfjs-layers' own GRU runs it: see registerKerasRecurrent");
    if (args.stateful)
      refuse('stateful=true', 'use torchGRU({stateful: true}) with the weights from kerasToGRUWeights');
    if (args.timeMajor) refuse('time_major=true', 'give batch-major input');
    this.activation = activationName(owner, 'activation', args.activation ?? 'tanh');
    this.recurrentActivation = activationName(owner, 'recurrent_activation', args.recurrentActivation ?? 'sigmoid');
    this.activations = { gate: ACTIVATIONS[this.recurrentActivation], candidate: ACTIVATIONS[this.activation] };
    this.useBias = checkBoolean(owner, 'useBias', args.useBias ?? true);
    this.returnSequences = checkBoolean(owner, 'returnSequences', args.returnSequences ?? false);
    this.returnState = checkBoolean(owner, 'returnState', args.returnState ?? false);
    this.goBackwards = checkBoolean(owner, 'goBackwards', args.goBackwards ?? false);
    this.zeroOutputForMask = checkBoolean(owner, 'zeroOutputForMask', args.zeroOutputForMask ?? false);
    this.dropout = Number(args.dropout ?? 0);
    this.recurrentDropout = Number(args.recurrentDropout ?? 0);
    this.passed = Object.fromEntries(PASSED_THROUGH.filter((k) => args[k] != null).map((k) => [k, args[k]]));
    const inTraining = Object.keys(this.passed).filter((k) => /Regularizer|Constraint/.test(k));
    if (inTraining.length) {
      console.warn(`tfjs-lstm: ${owner}: ${inTraining.join(', ')} are kept in the config but not applied in training`);
    }
    this.supportsMasking = true;
  }

  override build(inputShape: Shape | Shape[]): void {
    const xShape = firstShape(inputShape);
    const features = xShape[xShape.length - 1];
    if (xShape.length !== 3 || features === null) {
      throw new RangeError(`GRU layer ${this.name}: expected input [batch, time, features], got [${xShape}]`);
    }
    const u = this.units;
    this.kernel = this.addWeight('kernel', [features, 3 * u], 'float32', tf.initializers.glorotUniform({}));
    this.recurrentKernel = this.addWeight('recurrent_kernel', [u, 3 * u], 'float32', tf.initializers.orthogonal({}));
    if (this.useBias) this.biasVariable = this.addWeight('bias', [2, 3 * u], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const [batch, steps] = firstShape(inputShape);
    const output = this.returnSequences ? [batch, steps, this.units] : [batch, this.units];
    return this.returnState ? [output, [batch, this.units]] : output;
  }

  override computeMask(_inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    const m = Array.isArray(mask) ? mask[0] : mask;
    const outputMask = (this.returnSequences && m ? m : null) as tf.Tensor;
    return this.returnState ? [outputMask, null as unknown as tf.Tensor] : outputMask;
  }

  /** Accepts Keras' `initialState` keyword as an extra input, as tfjs-layers' RNNs do. */
  override apply(
    inputs: tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[],
    kwargs?: Record<string, unknown>,
  ): tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[] {
    return super.apply(...initialStateAsInputs(inputs, kwargs));
  }

  override call(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: { training?: boolean; mask?: tf.Tensor | tf.Tensor[]; initialState?: tf.Tensor[] },
  ): tf.Tensor | tf.Tensor[] {
    const owner = `GRU layer ${this.name}`;
    if (kwargs?.training && (this.dropout > 0 || this.recurrentDropout > 0)) {
      throw new Error(
        `${owner}: training with dropout=${this.dropout}, recurrent_dropout=${this.recurrentDropout} is not supported ` +
          "by tfjs-lstm's Keras GRU; inference is",
      );
    }
    const list = Array.isArray(inputs) ? inputs : [inputs];
    // tfjs' Bidirectional hands the initial state in kwargs.
    const [xIn, hIn] = kwargs?.initialState ? [list[0], kwargs.initialState[0]] : list;
    const x = checkFloatTensor(owner, 'input', xIn, [3]);
    const [batch, steps] = x.shape as number[];
    const mask = Array.isArray(kwargs?.mask) ? kwargs.mask[0] : kwargs?.mask;
    const maskValues = mask ? readSyncIfAllowed(mask) : null;
    if (mask && !maskValues) throw new Error(`${owner}: a mask needs a backend that reads synchronously`);
    const lengths = maskValues ? lengthsFromMask(owner, maskValues, batch, steps) : undefined;
    return tf.tidy(() => {
      const w = this.pytorchWeights();
      const h0 = hIn ? checkFloatTensor(owner, 'initial state', hIn, [2]) : tf.zeros([batch, this.units]);
      const xt = tf.transpose(x, [1, 0, 2]);
      // go_backwards reads the sequence from its end; with a mask, from its last valid step. That
      // is the reverse direction of a PyTorch layer, whose outputs come back in reading order.
      const sequence = { reverse: this.goBackwards, lengths };
      const defaults = this.activation === 'tanh' && this.recurrentActivation === 'sigmoid';
      const { output, hN } = defaults
        ? gruDirection(xt, h0, w, sequence)
        : gruForward(xt, h0, w, sequence, this.activations);
      let out = tf.transpose(output, [1, 0, 2]);
      if (this.goBackwards) out = tf.reverse(out, 1);
      else if (lengths && !this.zeroOutputForMask) out = repeatLastOutput(out, hN, lengths);
      const result = this.returnSequences ? out : hN;
      return this.returnState ? [result, hN] : result;
    });
  }

  /** The Keras weights in PyTorch's layout: gates z, r, h to r, z, n, kernels transposed, bias split. */
  private pytorchWeights(): CellWeights {
    const swap = (t: tf.Tensor, axis: number) => {
      const [z, r, h] = tf.split(t, 3, axis);
      return tf.concat([r, z, h], axis);
    };
    const w: CellWeights = {
      weightIh: tf.transpose(swap((this.kernel as tf.LayerVariable).read(), 1)),
      weightHh: tf.transpose(swap((this.recurrentKernel as tf.LayerVariable).read(), 1)),
    };
    if (this.biasVariable) {
      const [bi, bh] = tf.unstack(this.biasVariable.read());
      [w.biasIh, w.biasHh] = [swap(bi, 0), swap(bh, 0)];
    }
    return w;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      units: this.units,
      activation: this.activation,
      recurrentActivation: this.recurrentActivation,
      useBias: this.useBias,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: false,
      unroll: false,
      timeMajor: false,
      resetAfter: true,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      zeroOutputForMask: this.zeroOutputForMask,
      ...(this.passed as tf.serialization.ConfigDict),
      ...super.getConfig(),
    };
  }

  /**
   * Keras' `GRU` from its config: this class for `reset_after=True`, tfjs-layers' own GRU for
   * `reset_after=False` (which it serves, and which is not the GRU PyTorch computes).
   */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    if (config.resetAfter === true || config.resetAfter === undefined) return new cls(config);
    return tf.layers.gru(config as unknown as Parameters<typeof tf.layers.gru>[0]) as unknown as T;
  }
}

/** Keras' activation name (or tfjs-layers' camelCase one), checked against those served. */
function activationName(owner: string, option: string, value: unknown): string {
  const name = typeof value === 'string' ? (CAMEL_ACTIVATIONS[value] ?? value) : value;
  if (typeof name !== 'string' || !(name in ACTIVATIONS)) {
    throw new Error(
      `${owner}: ${option}=${describe(value)} is not supported by tfjs-lstm's Keras GRU; ` +
        `supported: ${Object.keys(ACTIVATIONS).join(', ')}`,
    );
  }
  return name;
}

/**
 * Keras' masked outputs: at a step past a sequence's end, the last valid output again (where this
 * package's ops give zeros, as PyTorch does), which for a forward layer is h_n.
 */
function repeatLastOutput(out: tf.Tensor, hN: tf.Tensor, lengths: readonly number[]): tf.Tensor {
  const [batch, steps] = out.shape;
  const valid = new Uint8Array(batch * steps);
  lengths.forEach((len, b) => valid.fill(1, b * steps, b * steps + len));
  const mask = tf.tensor3d(valid, [batch, steps, 1], 'bool');
  return tf.where(mask, out, tf.expandDims(hN, 1));
}
