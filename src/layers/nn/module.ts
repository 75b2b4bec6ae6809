import * as tf from '@tensorflow/tfjs';

import type { PreparedWeights } from '../../dispatch/prepared-weights';
import { LoadResult, StateDict } from '../../io/state-dict';
import { SeedSequence } from '../../util/random';
import { describe } from '../../util/describe';
import { LoadStateDictOptions } from '../options';
import { ParameterShape, ParameterStore, variableParameter } from '../parameter-store';

/**
 * The part of PyTorch's `nn.Module` these layers need: named parameters held as `tf.Variable`s in
 * registration order (a `ParameterStore`, as `TorchLayer` holds for the tfjs layers),
 * training/eval mode, state dicts, and disposal.
 */
export abstract class Module {
  /** True in training mode (the default, as in PyTorch): dropout is active. */
  training = true;

  private readonly store: ParameterStore;
  private disposedFlag = false;

  protected constructor(
    /** The class name used in messages, as PyTorch uses it. */
    protected readonly moduleName: string,
    seed?: number,
  ) {
    this.store = new ParameterStore(moduleName, seed);
  }

  /** Seeds for initialisation and dropout when the user gave a seed; else tfjs draws its own. */
  protected get seeds(): SeedSequence | undefined {
    return this.store.seeds;
  }

  /**
   * Adds the parameters, each drawn from U(-bound, bound), PyTorch's default for recurrent layers;
   * all or none: when one cannot be made (out of memory), those made are disposed and the error
   * names the parameter and `options` (the module's size options, as `name=value`).
   */
  protected addUniformParameters(plan: readonly ParameterShape[], bound: number, options: string[]): void {
    this.store.addUniform(plan, bound, options, (p, b, seed) =>
      // tidy frees the initial values, also when making the variable fails.
      variableParameter(tf.tidy(() => tf.variable(tf.randomUniform(p.shape, -b, b, 'float32', seed)))),
    );
  }

  /** The parameter named `name`. */
  protected param(name: string): tf.Variable {
    return this.store.get(name);
  }

  /** The cache of one layer direction's weights in the inference kernels' layout (see `PreparedWeights`). */
  protected prepared(layer: number | null, dir = 0): PreparedWeights {
    return this.store.prepared(layer, dir);
  }

  protected checkNotDisposed(): void {
    if (this.disposedFlag) throw new Error(`${this.moduleName} has been disposed`);
  }

  /** A seed for the next random draw (a dropout mask), or undefined when unseeded. */
  protected nextSeed(): number | undefined {
    return this.store.nextSeed();
  }

  /**
   * `[name, variable]` pairs in PyTorch's order and with its names.
   *
   * ```ts
   * new LSTM({inputSize: 2, hiddenSize: 3}).namedParameters().map(([name]) => name);
   * // ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
   * ```
   */
  namedParameters(): [string, tf.Variable][] {
    this.checkNotDisposed();
    return this.store.entries();
  }

  /** The parameters in PyTorch's order. */
  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /**
   * A copy of every parameter, keyed by PyTorch's names. The caller owns (and disposes) the copies.
   *
   * ```ts
   * const sd = rnn.stateDict();
   * sd.weight_ih_l0.print();
   * tf.dispose(Object.values(sd));
   * ```
   */
  stateDict(): Record<string, tf.Tensor> {
    this.checkNotDisposed();
    return this.store.stateDict();
  }

  /**
   * Copies values into the parameters. Values may be tensors, nested arrays (`tolist()` in
   * Python) or flat arrays. With `strict` (the default) the keys must match exactly. Either every
   * parameter is loaded or, on any error, none is.
   *
   * ```ts
   * rnn.loadStateDict({weight_ih_l0: [[...], ...], ...});
   * ```
   */
  loadStateDict(dict: StateDict, options: LoadStateDictOptions = {}): LoadResult {
    this.checkNotDisposed();
    return this.store.loadStateDict(dict, options);
  }

  /**
   * Training mode (`mode` true, the default) or evaluation mode: dropout is active only in
   * training. Returns the module, as PyTorch does; a `mode` that is not a boolean throws, as in
   * PyTorch, and changes nothing.
   */
  train(mode = true): this {
    if (typeof mode !== 'boolean') {
      throw new TypeError(`${this.moduleName}.train: training mode is expected to be boolean, got ${describe(mode)}`);
    }
    this.training = mode;
    return this;
  }

  /** Evaluation mode: dropout is off. */
  eval(): this {
    return this.train(false);
  }

  /** Frees the parameters. The module cannot be used afterwards. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.store.dispose();
    this.disposedFlag = true;
  }

  get isDisposed(): boolean {
    return this.disposedFlag;
  }
}
