import * as tf from '@tensorflow/tfjs';

import { loadParameters, LoadResult, ParameterSlot, StateDict } from '../io/state-dict';
import { PreparedWeights } from '../dispatch/prepared-weights';
import { SeedSequence } from '../util/random';
import { allocationError, checkBoolean, checkOptionNames, checkSeed } from './checks';
import { LOAD_STATE_DICT_OPTIONS } from './options';

/**
 * One parameter, whoever owns its variable: a plain `tf.Variable` (the modules) or a tfjs-layers
 * `LayerVariable` (the tfjs layers, whose variables `model.fit` and `model.save` must see).
 */
export interface ParameterHandle {
  readonly shape: readonly number[];
  /** The variable the ops read: what `tf.customGrad` must see to give gradients. */
  read(): tf.Variable;
  assign(value: tf.Tensor): void;
  dispose(): void;
}

/** A parameter about to be made: its PyTorch name and shape. */
export interface ParameterShape {
  name: string;
  shape: number[];
}

/**
 * Makes one parameter with values from U(-bound, bound), drawing them with `seed` (undefined:
 * unseeded); the store calls it once per parameter, in order.
 */
export type MakeParameter = (p: ParameterShape, bound: number, seed: number | undefined) => ParameterHandle;

/**
 * The named parameters of a module or a tfjs layer, as PyTorch's `nn.Module` keeps them: in
 * registration order, under PyTorch's names, with PyTorch's initialisation, an optional seed, state
 * dicts in and out, all or nothing. `Module` and `TorchLayer` each hold one.
 *
 * ```ts
 * const store = new ParameterStore('LSTM', 42);
 * store.addUniform(plan, initBound(hiddenSize), ['hiddenSize=8'], (p, bound, seed) =>
 *   variableParameter(tf.variable(tf.randomUniform(p.shape, -bound, bound, 'float32', seed))));
 * ```
 */
export class ParameterStore {
  /** The user's seed, checked; undefined when unseeded. */
  readonly seed?: number;
  /** Seeds for initialisation and dropout when the user gave a seed; else tfjs draws its own. */
  readonly seeds?: SeedSequence;
  private readonly params = new Map<string, ParameterHandle>();
  /** Each layer direction's weights in the inference kernels' layout, made when first needed. */
  private readonly preparedSets = new Map<string, PreparedWeights>();

  constructor(
    /** The class name used in messages, as PyTorch uses it. */
    readonly owner: string,
    seed?: number,
  ) {
    if (seed !== undefined) {
      this.seed = checkSeed(owner, seed);
      this.seeds = new SeedSequence(this.seed);
    }
  }

  /** A seed for the next random draw (a parameter, a dropout mask), or undefined when unseeded. */
  nextSeed(): number | undefined {
    return this.seeds?.next();
  }

  /**
   * Adds the parameters of `plan`, each made by `make` from U(-bound, bound), PyTorch's default
   * for recurrent layers; all or none: when one cannot be made (out of memory), those made are
   * disposed and forgotten (`rollback` undoes what the owner recorded of them) and the error names
   * the parameter and `options` (the size options, as `name=value`).
   */
  addUniform(
    plan: readonly ParameterShape[],
    bound: number,
    options: string[],
    make: MakeParameter,
    rollback?: () => void,
  ): void {
    for (const p of plan) {
      try {
        this.params.set(p.name, make(p, bound, this.nextSeed()));
      } catch (err) {
        this.dispose();
        rollback?.();
        throw allocationError(this.owner, p, options, err);
      }
    }
  }

  /** The variable of the parameter named `name`. */
  get(name: string): tf.Variable {
    const p = this.params.get(name);
    if (!p) throw new Error(`${this.owner} has no parameter ${name}`);
    return p.read();
  }

  /** `[name, variable]` pairs in registration order (PyTorch's). */
  entries(): [string, tf.Variable][] {
    return [...this.params].map(([name, p]) => [name, p.read()]);
  }

  /** A copy of every parameter, keyed by name; the caller disposes the copies. */
  stateDict(): Record<string, tf.Tensor> {
    const dict: Record<string, tf.Tensor> = {};
    for (const [name, v] of this.entries()) dict[name] = v.clone();
    return dict;
  }

  /**
   * Loads a state dict (see `loadParameters`), all or nothing, after checking `options`; `ready`
   * runs between the checks of the options and the load (a tfjs layer builds itself there).
   */
  loadStateDict(dict: StateDict, options: { strict?: boolean }, ready?: () => void): LoadResult {
    const owner = `${this.owner}.loadStateDict`;
    checkOptionNames(owner, options, LOAD_STATE_DICT_OPTIONS);
    const strict = checkBoolean(owner, 'strict', options.strict ?? true);
    ready?.();
    const slots = new Map<string, ParameterSlot>(
      [...this.params].map(([name, p]) => [name, { shape: p.shape, assign: (t: tf.Tensor) => p.assign(t) }]),
    );
    const result = loadParameters(this.owner, slots, dict, strict);
    this.releasePrepared();
    return result;
  }

  /**
   * The cache of one layer direction's prepared weights (`layer` null for a single cell), which
   * the store frees with its parameters and when it loads a state dict.
   */
  prepared(layer: number | null, dir = 0): PreparedWeights {
    const key = `${layer}/${dir}`;
    let set = this.preparedSets.get(key);
    if (!set) this.preparedSets.set(key, (set = new PreparedWeights()));
    return set;
  }

  /**
   * Frees the prepared weights now. (A changed parameter makes them stale anyway, and the next
   * inference call replaces them; this frees their memory without waiting for that call.)
   */
  releasePrepared(): void {
    for (const set of this.preparedSets.values()) set.dispose();
  }

  /** Disposes every parameter and forgets them, and frees the prepared weights. */
  dispose(): void {
    this.releasePrepared();
    for (const p of this.params.values()) p.dispose();
    this.params.clear();
  }
}

/**
 * A plain `tf.Variable` as a parameter.
 *
 * ```ts
 * const handle = variableParameter(tf.variable(tf.zeros([4, 2])));
 * ```
 */
export function variableParameter(v: tf.Variable): ParameterHandle {
  return { shape: v.shape, read: () => v, assign: (t) => v.assign(t), dispose: () => v.dispose() };
}

/**
 * A tfjs-layers `LayerVariable` as a parameter.
 *
 * ```ts
 * const handle = layerParameter(layer.addWeight('weight_ih', [8, 3], 'float32', init));
 * ```
 */
export function layerParameter(v: tf.LayerVariable): ParameterHandle {
  return {
    shape: v.shape as number[],
    read: () => v.read() as tf.Variable,
    assign: (t) => void v.write(t),
    dispose: () => v.dispose(),
  };
}
