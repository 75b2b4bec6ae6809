import * as tf from '@tensorflow/tfjs';

import {
  readSafetensors,
  SafetensorsError,
  SafetensorsInput,
  SafetensorsWriteDtype,
  writeSafetensors,
} from './safetensors';
import { NestedArray } from './state-dict';

/**
 * State dicts in the formats PyTorch users share them in: safetensors bytes and JSON of nested
 * arrays (what `{k: v.tolist() for k, v in model.state_dict().items()}` gives). Files on disk are
 * in `tfjs-lstm/node` (`readStateDict`, `writeStateDict`).
 *
 * The dicts these functions return have no prototype (`Object.create(null)`): their keys come from
 * files and from users, and a key such as `__proto__` or `constructor` must be a key like any
 * other, not the object's prototype or an inherited method.
 */

/**
 * The safetensors dtype an integer tensor was read with (I64 for a BatchNorm's
 * `num_batches_tracked`), so that `stateDictToSafetensors` writes it back as it was; keyed weakly,
 * so the record goes with the tensor.
 */
const fileDtypes = new WeakMap<tf.Tensor, SafetensorsWriteDtype>();

/** A dict without a prototype, filled from `entries`. */
function nullPrototypeDict<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const dict = Object.create(null) as Record<string, T>;
  for (const [name, value] of entries) dict[name] = value;
  return dict;
}

/**
 * The tensors of a safetensors file, a whole PyTorch checkpoint included: floating-point tensors
 * (F32, F16, BF16, F64, FP8) as float32, integer tensors (I8 to I64, U8 to U64) as int32, BOOL as
 * bool. An integer tensor remembers its dtype in the file, so that `stateDictToSafetensors` writes
 * it back the same (I64 stays I64). The caller disposes the tensors.
 *
 * @throws SafetensorsError for a corrupt file, or an integer that does not fit int32 (naming it)
 *
 * @example
 * ```ts
 * const sd = stateDictFromSafetensors(bytes); // { 'lstm.weight_ih_l0': float32, 'bn.num_batches_tracked': int32, ... }
 * rnn.loadStateDict(selectPrefix(sd, 'lstm.'));
 * ```
 */
export function stateDictFromSafetensors(bytes: Uint8Array | ArrayBuffer): Record<string, tf.Tensor> {
  const file = readSafetensors(bytes);
  const made: [string, tf.Tensor][] = [];
  try {
    for (const [name, entry] of Object.entries(file.tensors)) {
      if (entry.dtype === 'BOOL') {
        made.push([name, tf.tensor(entry.data, entry.shape, 'bool')]);
      } else if (entry.data instanceof Int32Array) {
        const t = tf.tensor(entry.data, entry.shape, 'int32');
        fileDtypes.set(t, entry.dtype as SafetensorsWriteDtype);
        made.push([name, t]);
      } else {
        made.push([name, tf.tensor(entry.data, entry.shape, 'float32')]);
      }
    }
  } catch (e) {
    tf.dispose(made.map(([, t]) => t));
    throw e;
  }
  return nullPrototypeDict(made);
}

/** The safetensors dtype a tensor is written as: its dtype in the file it came from, or its own. */
function writeDtype(name: string, t: tf.Tensor): SafetensorsWriteDtype {
  switch (t.dtype) {
    case 'float32':
      return 'F32';
    case 'int32':
      return fileDtypes.get(t) ?? 'I32';
    case 'bool':
      return 'BOOL';
    default:
      throw new SafetensorsError(
        `safetensors: cannot write tensor ${JSON.stringify(name)}: dtype ${t.dtype} has no safetensors dtype ` +
          `(expected float32, int32 or bool)`,
      );
  }
}

/**
 * A safetensors file of the given tensors: float32 as F32, bool as BOOL, int32 as I32 or, for a
 * tensor `stateDictFromSafetensors` read, as the integer dtype it was read with, so that a
 * checkpoint read and written back is the same file (when the reference writer made it).
 *
 * @throws SafetensorsError for a tensor of another dtype (string, complex64), naming it
 *
 * @example
 * ```ts
 * const bytes = stateDictToSafetensors(rnn.stateDict());
 * ```
 */
export function stateDictToSafetensors(dict: Record<string, tf.Tensor>, metadata?: Record<string, string>): Uint8Array {
  const tensors = nullPrototypeDict(
    Object.entries(dict).map(([name, t]): [string, SafetensorsInput] => [
      name,
      { shape: t.shape, data: t.dataSync() as Float32Array | Int32Array | Uint8Array, dtype: writeDtype(name, t) },
    ]),
  );
  return writeSafetensors(tensors, metadata);
}

/**
 * The state dict as nested number arrays, ready for `JSON.stringify` (and `torch.tensor(v)` on the
 * Python side).
 *
 * @example
 * ```ts
 * fs.writeFileSync('weights.json', JSON.stringify(stateDictToJSON(rnn.stateDict())));
 * ```
 */
export function stateDictToJSON(dict: Record<string, tf.Tensor>): Record<string, NestedArray | number> {
  return nullPrototypeDict(
    Object.entries(dict).map(([name, t]): [string, NestedArray | number] => [
      name,
      t.arraySync() as NestedArray | number,
    ]),
  );
}

/**
 * The entries whose names start with `prefix`, with the prefix removed: the LSTM inside a larger
 * PyTorch model (`lstm.weight_ih_l0` -> `weight_ih_l0`), leaving out the rest of the checkpoint
 * (the head, a BatchNorm's buffers). The values are the same objects, not copies.
 *
 * @example
 * ```ts
 * rnn.loadStateDict(selectPrefix(modelStateDict, 'encoder.lstm.'));
 * ```
 */
export function selectPrefix<T>(dict: Record<string, T>, prefix: string): Record<string, T> {
  if (typeof prefix !== 'string') {
    throw new TypeError(`selectPrefix: prefix must be a string such as 'lstm.', got ${typeof prefix}`);
  }
  return nullPrototypeDict(
    Object.entries(dict)
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, v]): [string, T] => [name.slice(prefix.length), v]),
  );
}
