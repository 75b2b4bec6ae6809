import * as tf from '@tensorflow/tfjs';

import { loadParameters, LoadResult, StateDict } from '../io/state-dict';
import { SeedSequence } from '../util/random';
import { describe } from '../util/validate';
import { allocationError, checkBoolean, checkOptionNames, checkSeed } from './checks';

/**
 * The part of PyTorch's `nn.Module` these layers need: named parameters held as `tf.Variable`s in
 * registration order, training/eval mode, state dicts, and disposal.
 */
export abstract class Module {
  /** True in training mode (the default, as in PyTorch): dropout is active. */
  training = true;

  private readonly params = new Map<string, tf.Variable>();
  private disposedFlag = false;
  /** Seeds for initialisation and dropout when the user gave a seed; else tfjs draws its own. */
  protected readonly seeds?: SeedSequence;

  protected constructor(
    /** The class name used in messages, as PyTorch uses it. */
    protected readonly moduleName: string,
    seed?: number,
  ) {
    if (seed !== undefined) this.seeds = new SeedSequence(checkSeed(moduleName, seed));
  }

  /**
   * Adds the parameters, each drawn from U(-bound, bound), PyTorch's default for recurrent layers;
   * all or none: when one cannot be made (out of memory), those made are disposed and the error
   * names the parameter and `options` (the module's size options, as `name=value`).
   */
  protected addUniformParameters(
    plan: readonly { name: string; shape: number[] }[],
    bound: number,
    options: string[],
  ): void {
    for (const p of plan) {
      try {
        // tidy frees the initial values, also when making the variable fails.
        const v = tf.tidy(() => tf.variable(tf.randomUniform(p.shape, -bound, bound, 'float32', this.seeds?.next())));
        this.params.set(p.name, v);
      } catch (err) {
        for (const v of this.params.values()) v.dispose();
        this.params.clear();
        throw allocationError(this.moduleName, p, options, err);
      }
    }
  }

  /** The parameter named `name`. */
  protected param(name: string): tf.Variable {
    const p = this.params.get(name);
    if (!p) throw new Error(`${this.moduleName} has no parameter ${name}`);
    return p;
  }

  protected checkNotDisposed(): void {
    if (this.disposedFlag) throw new Error(`${this.moduleName} has been disposed`);
  }

  /** A seed for the next random draw (a dropout mask), or undefined when unseeded. */
  protected nextSeed(): number | undefined {
    return this.seeds?.next();
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
    return [...this.params.entries()];
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
    const dict: Record<string, tf.Tensor> = {};
    for (const [name, v] of this.namedParameters()) dict[name] = v.clone();
    return dict;
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
  loadStateDict(dict: StateDict, options: { strict?: boolean } = {}): LoadResult {
    this.checkNotDisposed();
    checkOptionNames(`${this.moduleName}.loadStateDict`, options, ['strict']);
    const strict = checkBoolean(`${this.moduleName}.loadStateDict`, 'strict', options.strict ?? true);
    const slots = new Map(
      [...this.params].map(([name, v]) => [name, { shape: v.shape, assign: (t: tf.Tensor) => v.assign(t) }]),
    );
    return loadParameters(this.moduleName, slots, dict, strict);
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
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
    this.disposedFlag = true;
  }

  get isDisposed(): boolean {
    return this.disposedFlag;
  }
}
