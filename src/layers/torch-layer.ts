import * as tf from '@tensorflow/tfjs';

import { LoadResult, loadParameters, ParameterSlot, StateDict } from '../io/state-dict';
import { SeedSequence } from '../util/random';
import { allocationError, checkBoolean, checkOptionNames, checkSeed } from './checks';
import { LayerArgs } from './keras';

/**
 * What `TorchLSTM` and `TorchLSTMCell` share: parameters registered under PyTorch's names with
 * PyTorch's initialisation, an optional seed, and PyTorch-style state dicts.
 */
export abstract class TorchLayer extends tf.layers.Layer {
  readonly seed?: number;
  protected readonly seeds?: SeedSequence;
  private readonly params = new Map<string, tf.LayerVariable>();

  protected constructor(
    protected readonly owner: string,
    args: LayerArgs & { seed?: number },
  ) {
    super(args);
    if (args.seed !== undefined) {
      this.seed = checkSeed(owner, args.seed);
      this.seeds = new SeedSequence(this.seed);
    }
  }

  /**
   * Adds weights named as PyTorch names them, drawn from U(-bound, bound) as PyTorch draws them;
   * all or none: when one cannot be made (out of memory), those made are disposed and forgotten,
   * so that the layer can be built again, and the error names the weight and `options` (the size
   * options, as `name=value`).
   */
  protected addParameters(plan: readonly { name: string; shape: number[] }[], bound: number, options: string[]): void {
    for (const p of plan) {
      try {
        const init = tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.seeds?.next() });
        // tidy frees the initial value, which addWeight leaves behind when making the variable fails.
        tf.tidy(() => void this.params.set(p.name, this.addWeight(p.name, p.shape, 'float32', init)));
      } catch (err) {
        this.forgetParameters(plan.map(({ name }) => name));
        throw allocationError(this.owner, p, options, err);
      }
    }
  }

  /** Undoes `addParameters`: disposes the weights made and removes every trace of `names`. */
  private forgetParameters(names: string[]): void {
    const made = new Set(this.params.values());
    for (const v of made) v.dispose();
    this.params.clear();
    this._trainableWeights = this._trainableWeights.filter((w) => !made.has(w));
    // tf.layers.Layer keeps the names it has given out, privately, and refuses them again.
    const given = (this as unknown as { _addedWeightNames?: unknown })._addedWeightNames;
    if (Array.isArray(given)) {
      const kept = given.filter((name) => !names.includes(name as string));
      given.splice(0, given.length, ...kept);
    }
  }

  /** The variable behind a parameter: what the ops (and customGrad) must see to give gradients. */
  protected variable(name: string): tf.Variable {
    return (this.params.get(name) as tf.LayerVariable).read() as tf.Variable;
  }

  /** Builds the layer when its input size is known without an input. */
  protected abstract ensureBuilt(): void;

  /**
   * A copy of every weight keyed by PyTorch's names (`weight_ih_l0`, ...), in PyTorch's order; the
   * caller disposes the copies.
   *
   * ```ts
   * const sd = layer.stateDict();
   * ```
   */
  stateDict(): Record<string, tf.Tensor> {
    this.ensureBuilt();
    return Object.fromEntries([...this.params].map(([name, v]) => [name, v.read().clone()]));
  }

  /**
   * Loads PyTorch-named values (tensors, nested or flat arrays), all or nothing, as
   * `LSTM.loadStateDict` does.
   *
   * ```ts
   * layer.loadStateDict(pytorchStateDict);
   * ```
   */
  loadStateDict(dict: StateDict, options: { strict?: boolean } = {}): LoadResult {
    checkOptionNames(`${this.owner}.loadStateDict`, options, ['strict']);
    const strict = checkBoolean(`${this.owner}.loadStateDict`, 'strict', options.strict ?? true);
    this.ensureBuilt();
    const slots = new Map<string, ParameterSlot>(
      [...this.params].map(([name, v]) => [name, { shape: v.shape as number[], assign: (t) => void v.write(t) }]),
    );
    return loadParameters(this.owner, slots, dict, strict);
  }
}
