import * as tf from '@tensorflow/tfjs';

import { checkBoolean, checkInteger, describe, shapeStr } from '../util/validate';
import type { GradientMode } from '../ops/lstm-layer';

/**
 * Checks of constructor options and forward arguments, shared by `LSTMCell`, `LSTM` and the tfjs
 * layers. The messages follow PyTorch's where PyTorch has one, with this package's argument names.
 */

/** Rejects option names the module does not know, with a hint for PyTorch's snake_case names. */
export function checkOptionNames(owner: string, options: object, known: readonly string[]): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${owner}: expected an options object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const camel = key.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
    const hint = known.includes(camel) ? ` (did you mean ${camel}?)` : '';
    throw new TypeError(`${owner}: unknown option ${key}${hint}; known options: ${known.join(', ')}`);
  }
}

export function checkGradientMode(owner: string, value: unknown): GradientMode {
  if (value !== 'manual' && value !== 'autodiff') {
    throw new TypeError(`${owner}: gradient should be 'manual' or 'autodiff', got ${describe(value)}`);
  }
  return value;
}

export function checkDropout(owner: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new RangeError(
      `${owner}: dropout should be a number in range [0, 1] representing the probability of an ` +
        `element being zeroed, got ${describe(value)}`,
    );
  }
  return value;
}

export function checkProjSize(owner: string, projSize: unknown, hiddenSize: number): number {
  if (typeof projSize !== 'number' || !Number.isInteger(projSize) || projSize < 0) {
    throw new RangeError(
      `${owner}: projSize should be a positive integer or zero to disable projections, got ${describe(projSize)}`,
    );
  }
  if (projSize >= hiddenSize) {
    throw new RangeError(`${owner}: projSize has to be smaller than hiddenSize (${hiddenSize}), got ${projSize}`);
  }
  return projSize;
}

export { checkBoolean, checkInteger };

/** Checks a `seed` option: any finite number (it seeds tfjs' generator through `SeedSequence`). */
export function checkSeed(owner: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new TypeError(`${owner}: seed should be a finite number, got ${String(seed)}`);
  }
  return seed;
}

/** Checks that `value` is a live float32 tensor of one of the ranks in `ranks`. */
export function checkFloatTensor(owner: string, name: string, value: unknown, ranks: number[]): tf.Tensor {
  if (!(value instanceof tf.Tensor)) {
    throw new TypeError(`${owner}: ${name} should be a tf.Tensor, got ${describe(value)}`);
  }
  if (value.isDisposed) throw new Error(`${owner}: ${name} is a disposed tensor`);
  if (value.dtype !== 'float32') {
    throw new TypeError(`${owner}: ${name} must have the type float32, got type ${value.dtype}`);
  }
  if (!ranks.includes(value.rank)) {
    const expected = ranks.map((r) => `${r}-D`).join(' or ');
    throw new RangeError(`${owner}: Expected ${name} to be ${expected} but received ${value.rank}-D tensor`);
  }
  return value;
}

/** Checks that `state` is a pair of tensors `[h, c]` (PyTorch's `hx` tuple). */
export function checkStatePair(owner: string, state: unknown): [unknown, unknown] {
  if (!Array.isArray(state) || state.length !== 2) {
    throw new TypeError(`${owner}: hx should be a pair [h_0, c_0] of tensors, got ${describe(state)}`);
  }
  return [state[0], state[1]];
}

export function checkShape(owner: string, name: string, t: tf.Tensor, expected: number[]): void {
  if (!tf.util.arraysEqual(t.shape, expected)) {
    throw new RangeError(`${owner}: Expected ${name} size ${shapeStr(expected)}, got ${shapeStr(t.shape)}`);
  }
}

/**
 * Checks `lengths` for a batch of `batch` sequences of `steps` steps, as `pack_padded_sequence`
 * does, and returns them as plain numbers.
 */
export function checkLengths(owner: string, lengths: unknown, batch: number, steps: number): number[] {
  let values: number[];
  if (lengths instanceof tf.Tensor) {
    if (lengths.rank !== 1) throw new RangeError(`${owner}: lengths should be 1-D, got a ${lengths.rank}-D tensor`);
    values = Array.from(lengths.dataSync());
  } else if (Array.isArray(lengths) || ArrayBuffer.isView(lengths)) {
    values = Array.from(lengths as ArrayLike<number>);
  } else {
    throw new TypeError(`${owner}: lengths should be an array, typed array or 1-D tensor, got ${describe(lengths)}`);
  }
  if (values.length !== batch) {
    throw new RangeError(
      `${owner}: Expected lengths to have one entry per batch entry (${batch}), got ${values.length}`,
    );
  }
  values.forEach((len, b) => {
    if (typeof len !== 'number' || !Number.isInteger(len)) {
      throw new TypeError(`${owner}: lengths[${b}] should be an integer, got ${describe(len)}`);
    }
    if (len < 1 || len > steps) {
      throw new RangeError(
        `${owner}: lengths[${b}] must be in [1, ${steps}] (the sequence length; PyTorch: "Length of all ` +
          `samples has to be greater than 0"), got ${len}`,
      );
    }
  });
  return values;
}

/**
 * Checks an LSTM cell's state [h, c] against the input's batch size (null for unbatched input)
 * and the hidden size, with PyTorch's LSTMCell messages.
 */
export function checkCellState(owner: string, state: tf.Tensor[], batch: number | null, hiddenSize: number): void {
  state.forEach((s, k) => {
    if (batch !== null && s.shape[0] !== batch) {
      throw new RangeError(`${owner}: Input batch size ${batch} doesn't match hidden${k} batch size ${s.shape[0]}`);
    }
    if (s.shape[s.rank - 1] !== hiddenSize) {
      throw new RangeError(
        `${owner}: hidden${k} has inconsistent hidden_size: got ${s.shape[s.rank - 1]}, expected ${hiddenSize}`,
      );
    }
  });
}
