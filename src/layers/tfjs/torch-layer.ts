import * as tf from '@tensorflow/tfjs';

import type { PreparedWeights } from '../../dispatch/prepared-weights';
import { LoadResult, StateDict } from '../../io/state-dict';
import { SeedSequence } from '../../util/random';
import { LayerArgs } from './layer-args';
import { LoadStateDictOptions } from '../options';
import { layerParameter, ParameterShape, ParameterStore } from '../parameter-store';

/**
 * What `TorchLSTM` and `TorchLSTMCell` share: parameters registered under PyTorch's names with
 * PyTorch's initialisation, an optional seed, and PyTorch-style state dicts, kept in the same
 * `ParameterStore` as `Module`'s, with tfjs-layers' weights behind it.
 */
export abstract class TorchLayer extends tf.layers.Layer {
  readonly seed?: number;
  private readonly store: ParameterStore;

  protected constructor(
    protected readonly owner: string,
    args: LayerArgs & { seed?: number },
  ) {
    super(args);
    this.store = new ParameterStore(owner, args.seed);
    this.seed = this.store.seed;
  }

  /** Seeds for initialisation and dropout when the user gave a seed; else tfjs draws its own. */
  protected get seeds(): SeedSequence | undefined {
    return this.store.seeds;
  }

  /**
   * Adds weights named as PyTorch names them, drawn from U(-bound, bound) as PyTorch draws them;
   * all or none: when one cannot be made (out of memory), those made are disposed and forgotten,
   * so that the layer can be built again, and the error names the weight and `options` (the size
   * options, as `name=value`).
   */
  protected addParameters(plan: readonly ParameterShape[], bound: number, options: string[]): void {
    const made = new Set<tf.LayerVariable>();
    const make = (p: ParameterShape, b: number, seed: number | undefined) => {
      const init = tf.initializers.randomUniform({ minval: -b, maxval: b, seed });
      // tidy frees the initial value, which addWeight leaves behind when making the variable fails.
      let v: tf.LayerVariable | undefined;
      tf.tidy(() => void (v = this.addWeight(p.name, p.shape, 'float32', init)));
      const variable = v as tf.LayerVariable;
      // The prepared weights go with the weights, whoever disposes them: the layer's own dispose,
      // or tf.layers.rnn's, which disposes its cell's weights directly.
      const disposeVariable = variable.dispose.bind(variable);
      variable.dispose = () => {
        this.store.releasePrepared();
        disposeVariable();
      };
      made.add(variable);
      return layerParameter(variable);
    };
    this.store.addUniform(plan, bound, options, make, () =>
      this.forgetWeights(
        made,
        plan.map(({ name }) => name),
      ),
    );
  }

  /** Removes every trace of weights `addParameters` made (already disposed) from tf.layers.Layer. */
  private forgetWeights(made: ReadonlySet<tf.LayerVariable>, names: string[]): void {
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
    return this.store.get(name);
  }

  /** The cache of one layer direction's weights in the inference kernels' layout (see `PreparedWeights`). */
  protected prepared(layer: number | null, dir = 0): PreparedWeights {
    return this.store.prepared(layer, dir);
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
    return this.store.stateDict();
  }

  /**
   * Loads PyTorch-named values (tensors, nested or flat arrays), all or nothing, as
   * `LSTM.loadStateDict` does.
   *
   * ```ts
   * layer.loadStateDict(pytorchStateDict);
   * ```
   */
  loadStateDict(dict: StateDict, options: LoadStateDictOptions = {}): LoadResult {
    return this.store.loadStateDict(dict, options, () => this.ensureBuilt());
  }
}
