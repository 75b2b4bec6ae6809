import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';

import { readSafetensors, SafetensorsEntry } from '../io/safetensors';
import { assertClose, CloseOptions } from './close';
import { shapeText } from './tensor-like';

/** Tensors nested in arrays, as a module returns them: nn.LSTM's `[output, [hN, cN]]`. */
export type TensorTree = tf.Tensor | readonly TensorTree[];

/**
 * A PyTorch golden file (written by the package's `python/record_golden.py`) as tfjs tensors,
 * with the comparisons a test needs. The tensors belong to the Golden: `dispose()` frees them all.
 */
export interface Golden {
  /** The module's state dict, by PyTorch's names (`weight_ih_l0`, ...): `loadStateDict(golden.state)`. */
  state: Record<string, tf.Tensor>;
  /** The inputs, flattened depth first: `lstm(x, (h0, c0))` gives `[x, h0, c0]`. */
  inputs: tf.Tensor[];
  /** The outputs, flattened depth first: nn.LSTM's `(output, (h_n, c_n))` gives `[output, hN, cN]`. */
  outputs: tf.Tensor[];
  /** The gradients of the recorded loss, when one was given: by parameter name, and per input (null where none). */
  grads: { state: Record<string, tf.Tensor>; inputs: (tf.Tensor | null)[] } | null;
  /** The header's metadata: `torch` (its version), `module` (its repr), `loss`, `training`, ... */
  metadata: Record<string, string>;
  /**
   * The recorded loss (`loss="projection"`) of tfjs outputs: sum over the outputs of
   * sum(output * P), with the file's weights P. Throws for a file recorded with another loss.
   */
  loss(outputs: TensorTree): tf.Scalar;
  /** `assertClose` of each output (a tree, flattened depth first) against the file's, naming the one that differs. */
  assertOutputs(actual: TensorTree, options?: CloseOptions): void;
  /** `assertClose` of the given gradients against the file's: by parameter name, and per input. */
  assertGrads(
    actual: { state?: Record<string, tf.Tensor>; inputs?: readonly (tf.Tensor | null)[] },
    options?: CloseOptions,
  ): void;
  /** Disposes every tensor of the file. */
  dispose(): void;
}

/**
 * The depth-first leaves of a tensor tree, the order of a golden file's outputs.
 *
 * @example
 * ```ts
 * const [output, hN, cN] = flattenTensors(rnn.forward(x)); // [output, [hN, cN]] flattened
 * ```
 */
export function flattenTensors(tree: TensorTree): tf.Tensor[] {
  if (tree instanceof tf.Tensor) return [tree];
  if (!Array.isArray(tree)) {
    throw new TypeError(`expected a tf.Tensor or an array of them, got ${tree === null ? 'null' : typeof tree}`);
  }
  return tree.flatMap((t: TensorTree) => flattenTensors(t));
}

function list(metadata: Record<string, string>, key: string, file: string): string[] {
  try {
    const parsed = JSON.parse(metadata[key] ?? '[]') as unknown;
    if (Array.isArray(parsed) && parsed.every((s) => typeof s === 'string')) return parsed as string[];
  } catch {
    // reported below
  }
  throw new Error(`${file}: the metadata "${key}" is not a JSON list of tensor names`);
}

function toTensor(entry: SafetensorsEntry): tf.Tensor {
  if (entry.dtype === 'BOOL') return tf.tensor(entry.data, entry.shape, 'bool');
  if (entry.data instanceof Int32Array) return tf.tensor(entry.data, entry.shape, 'int32');
  return tf.tensor(entry.data, entry.shape, 'float32');
}

/**
 * Reads a golden file written by `record_golden` (`python/record_golden.py` in this package) as
 * tfjs tensors, with comparisons ready: `assertOutputs`, `assertGrads` (PyTorch's float32
 * tolerances unless given) and the recorded `loss`. Node only (it reads the file).
 *
 * @throws Error for a file that is not a golden file (no `format` metadata, a missing tensor);
 *   SafetensorsError for a corrupt file
 *
 * @example
 * ```ts
 * import { LSTM } from 'tfjs-lstm';
 * import { loadGolden } from 'tfjs-lstm/testing/node';
 *
 * const golden = loadGolden('lstm.safetensors');
 * const rnn = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2 });
 * rnn.loadStateDict(golden.state);
 * const [x, h0, c0] = golden.inputs;
 * golden.assertOutputs(rnn.forward(x, [h0, c0]));
 * golden.dispose();
 * ```
 */
export function loadGolden(path: string): Golden {
  const file = readSafetensors(fs.readFileSync(path));
  const { metadata } = file;
  if (!metadata.format?.startsWith('tfjs-lstm-golden/')) {
    throw new Error(
      `${path}: not a golden file (its metadata has no "format": "tfjs-lstm-golden/1"); write one with python/record_golden.py`,
    );
  }
  const names = {
    state: list(metadata, 'state', path),
    inputs: list(metadata, 'inputs', path),
    outputs: list(metadata, 'outputs', path),
    grads: list(metadata, 'grads', path),
  };
  const made: tf.Tensor[] = [];
  const take = (name: string): tf.Tensor => {
    const entry = file.tensors[name];
    if (!entry) throw new Error(`${path}: the metadata lists the tensor "${name}", which the file does not hold`);
    const t = toTensor(entry);
    made.push(t);
    return t;
  };
  try {
    const state = Object.create(null) as Record<string, tf.Tensor>;
    for (const key of names.state) state[key] = take(`state.${key}`);
    const inputs = names.inputs.map(take);
    const outputs = names.outputs.map(take);
    const lossWeights = names.outputs.map((name) => {
      const key = `loss_weight.${name.slice('output.'.length)}`;
      return file.tensors[key] ? take(key) : null;
    });
    let grads: Golden['grads'] = null;
    if (names.grads.length > 0) {
      const gradState = Object.create(null) as Record<string, tf.Tensor>;
      for (const key of names.state)
        if (names.grads.includes(`grad.state.${key}`)) gradState[key] = take(`grad.state.${key}`);
      grads = {
        state: gradState,
        inputs: names.inputs.map((name) => (names.grads.includes(`grad.${name}`) ? take(`grad.${name}`) : null)),
      };
    }
    const count = (actual: tf.Tensor[], what: string): void => {
      if (actual.length !== outputs.length) {
        throw new TypeError(
          `${path}: the file holds ${outputs.length} outputs (${names.outputs.join(', ')}), got ${actual.length} ${what}`,
        );
      }
    };
    return {
      state,
      inputs,
      outputs,
      grads,
      metadata,
      loss(actualOutputs: TensorTree): tf.Scalar {
        if (metadata.loss !== 'projection') {
          throw new Error(
            `${path}: the loss was recorded as a function, not "projection"; compute it in tfjs: ${metadata.loss}`,
          );
        }
        const flat = flattenTensors(actualOutputs);
        count(flat, 'outputs');
        return tf.tidy(() =>
          tf.addN(
            flat.flatMap((y, k) => {
              const w = lossWeights[k];
              if (!w) return [];
              if (y.shape.join() !== w.shape.join()) {
                throw new TypeError(
                  `${names.outputs[k]}: expected shape ${shapeText(w.shape)}, got ${shapeText(y.shape)}`,
                );
              }
              return [tf.sum(tf.mul(y, w))];
            }),
          ),
        ) as tf.Scalar;
      },
      assertOutputs(actual: TensorTree, options?: CloseOptions): void {
        const flat = flattenTensors(actual);
        count(flat, 'to compare');
        flat.forEach((y, k) => assertClose(y, outputs[k], { ...options, name: options?.name ?? names.outputs[k] }));
      },
      assertGrads(actual, options?: CloseOptions): void {
        if (!grads) throw new Error(`${path}: the file holds no gradients (record it with a loss)`);
        for (const [key, g] of Object.entries(actual.state ?? {})) {
          const expected = grads.state[key];
          if (!expected)
            throw new TypeError(
              `${path}: the file holds no gradient of "${key}" (it has ${Object.keys(grads.state).join(', ')})`,
            );
          assertClose(g, expected, { ...options, name: `grad ${key}` });
        }
        (actual.inputs ?? []).forEach((g, k) => {
          if (g === null) return;
          const expected = grads.inputs[k];
          if (!expected)
            throw new TypeError(`${path}: the file holds no gradient of ${names.inputs[k] ?? `input ${k}`}`);
          assertClose(g, expected, { ...options, name: `grad ${names.inputs[k]}` });
        });
      },
      dispose(): void {
        tf.dispose(made);
      },
    };
  } catch (e) {
    tf.dispose(made);
    throw e;
  }
}
