import * as tf from '@tensorflow/tfjs';

import { readSafetensors, writeSafetensors } from './safetensors';
import { NestedArray } from './state-dict';

/**
 * State dicts in the formats PyTorch users share them in: safetensors bytes and JSON of nested
 * arrays (what `{k: v.tolist() for k, v in model.state_dict().items()}` gives). Files on disk are
 * in `tfjs-lstm/node` (`readStateDict`, `writeStateDict`).
 */

/**
 * Tensors from a safetensors file, float32 whatever the stored float type (F32, F16, BF16, F64).
 * The caller disposes them.
 *
 * ```ts
 * const sd = stateDictFromSafetensors(bytes);
 * rnn.loadStateDict(selectPrefix(sd, 'lstm.'));
 * ```
 */
export function stateDictFromSafetensors(bytes: Uint8Array | ArrayBuffer): Record<string, tf.Tensor> {
  const file = readSafetensors(bytes);
  return Object.fromEntries(
    Object.entries(file.tensors).map(([name, entry]) => [name, tf.tensor(entry.data, entry.shape, 'float32')]),
  );
}

/**
 * A safetensors file (F32) of the given tensors.
 *
 * ```ts
 * const bytes = stateDictToSafetensors(rnn.stateDict());
 * ```
 */
export function stateDictToSafetensors(dict: Record<string, tf.Tensor>, metadata?: Record<string, string>): Uint8Array {
  const tensors = Object.fromEntries(
    Object.entries(dict).map(([name, t]) => [name, { shape: t.shape, data: t.dataSync() as Float32Array }]),
  );
  return writeSafetensors(tensors, metadata);
}

/**
 * The state dict as nested number arrays, ready for `JSON.stringify` (and `torch.tensor(v)` on the
 * Python side).
 *
 * ```ts
 * fs.writeFileSync('weights.json', JSON.stringify(stateDictToJSON(rnn.stateDict())));
 * ```
 */
export function stateDictToJSON(dict: Record<string, tf.Tensor>): Record<string, NestedArray | number> {
  return Object.fromEntries(Object.entries(dict).map(([name, t]) => [name, t.arraySync() as NestedArray | number]));
}

/**
 * The entries whose names start with `prefix`, with the prefix removed: the LSTM inside a larger
 * PyTorch model (`lstm.weight_ih_l0` -> `weight_ih_l0`).
 *
 * ```ts
 * rnn.loadStateDict(selectPrefix(modelStateDict, 'encoder.lstm.'));
 * ```
 */
export function selectPrefix<T>(dict: Record<string, T>, prefix: string): Record<string, T> {
  return Object.fromEntries(
    Object.entries(dict)
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, v]) => [name.slice(prefix.length), v]),
  );
}
