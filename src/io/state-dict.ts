import * as tf from '@tensorflow/tfjs';

import { shapeText } from '../util/describe';

/** Nested arrays of numbers, as `tensor.tolist()` gives them in Python. */
export interface NestedArray extends ReadonlyArray<number | NestedArray> {}

/**
 * A value a state dict may hold: a tensor, nested arrays of the parameter's shape, or the
 * parameter's values flat in row-major order.
 */
export type StateDictValue = tf.Tensor | NestedArray | Float32Array | Float64Array;

/** Parameter name to value, with PyTorch's names (`weight_ih_l0`, `bias_hh_l1_reverse`, ...). */
export type StateDict = Record<string, StateDictValue>;

/** What a non-strict `loadStateDict` skipped, as PyTorch's `load_state_dict` reports it. */
export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** The shape nested arrays describe, or an error naming `key` when they are ragged or not numbers. */
export function nestedShape(key: string, value: NestedArray): number[] {
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const check = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') {
        throw new TypeError(`state_dict value for ${key}: expected numbers, got ${typeof v}`);
      }
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new TypeError(`state_dict value for ${key}: nested arrays are ragged at depth ${depth}`);
    }
    for (const item of v) check(item, depth + 1);
  };
  check(value, 0);
  return shape;
}

/**
 * Nested arrays (`tensor.tolist()` in Python) as a new float32 tensor: of their own shape (checked
 * by `nestedShape`, errors naming `key`), or of `shape` when given, for values already checked to
 * have its size.
 *
 * ```ts
 * nestedToTensor('bias_ih_l0', [[1, 2], [3, 4]]).shape; // [2, 2]
 * ```
 */
export function nestedToTensor(key: string, value: NestedArray, shape?: readonly number[]): tf.Tensor {
  const to = shape ? [...shape] : nestedShape(key, value);
  return tf.tensor((value as number[]).flat(Infinity) as number[], to, 'float32');
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Converts one state-dict value into a new float32 tensor of `shape`, or returns the reason it
 * cannot (PyTorch's "size mismatch" wording). Flat values are accepted when their length is the
 * parameter's size.
 */
export function valueToTensor(key: string, value: StateDictValue, shape: readonly number[]): tf.Tensor | string {
  const mismatch = (got: readonly number[]) =>
    `size mismatch for ${key}: copying a param with shape ${shapeText(got)} from checkpoint, ` +
    `the shape in current model is ${shapeText(shape)}.`;
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) return `state_dict value for ${key} is a disposed tensor`;
    if (value.dtype !== 'float32') {
      // An integer or bool tensor in a checkpoint is a buffer (a BatchNorm's num_batches_tracked),
      // never a weight: loading one into a parameter means the keys are mixed up, not a cast to make.
      return `state_dict value for ${key}: expected a float32 tensor, got dtype ${value.dtype}`;
    }
    if (!tf.util.arraysEqual(value.shape, [...shape])) return mismatch(value.shape);
    return value.clone();
  }
  if (value instanceof Float32Array || value instanceof Float64Array) {
    if (value.length !== sizeOf(shape)) return mismatch([value.length]);
    return tf.tensor(Float32Array.from(value), [...shape], 'float32');
  }
  if (Array.isArray(value)) {
    const got = nestedShape(key, value);
    const flatOk = got.length === 1 && got[0] === sizeOf(shape);
    if (!flatOk && !tf.util.arraysEqual(got, [...shape])) return mismatch(got);
    return nestedToTensor(key, value, shape);
  }
  return `state_dict value for ${key}: expected a tf.Tensor, nested number arrays or a Float32Array, got ${typeof value}`;
}

/**
 * Checks a whole state dict against the expected parameter shapes and converts it, all or nothing:
 * on any problem it disposes what it made and throws one error listing every problem, in the
 * form of PyTorch's `load_state_dict` error.
 */
export function convertStateDict(
  owner: string,
  dict: StateDict,
  expected: ReadonlyMap<string, readonly number[]>,
  strict: boolean,
): { tensors: Map<string, tf.Tensor>; result: LoadResult } {
  if (dict === null || typeof dict !== 'object' || dict instanceof tf.Tensor || Array.isArray(dict)) {
    throw new TypeError(`${owner}.loadStateDict: expected an object of parameter name to value, got ${typeof dict}`);
  }
  // Own keys only: an inherited property (Object.prototype's constructor) is no entry of the dict.
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(dict, k);
  const missingKeys = [...expected.keys()].filter((k) => !has(k));
  const unexpectedKeys = Object.keys(dict).filter((k) => !expected.has(k));
  const problems: string[] = [];
  if (strict && unexpectedKeys.length) {
    problems.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
  }
  if (strict && missingKeys.length) {
    problems.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
  }
  const tensors = new Map<string, tf.Tensor>();
  for (const [key, shape] of expected) {
    if (!has(key)) continue;
    let converted: tf.Tensor | string;
    try {
      converted = valueToTensor(key, dict[key], shape);
    } catch (e) {
      converted = (e as Error).message;
    }
    if (typeof converted === 'string') problems.push(converted);
    else tensors.set(key, converted);
  }
  if (problems.length) {
    tf.dispose([...tensors.values()]);
    throw new Error(`Error(s) in loading state_dict for ${owner}:\n\t${problems.join('\n\t')}`);
  }
  return { tensors, result: { missingKeys, unexpectedKeys } };
}

/** Where a loaded value goes: a parameter's shape and how to write it. */
export interface ParameterSlot {
  shape: readonly number[];
  assign(value: tf.Tensor): void;
}

/**
 * Loads a state dict into named parameters, all or nothing (see `convertStateDict`); the shared
 * body of every `loadStateDict`.
 */
export function loadParameters(
  owner: string,
  slots: ReadonlyMap<string, ParameterSlot>,
  dict: StateDict,
  strict: boolean,
): LoadResult {
  const expected = new Map([...slots].map(([name, slot]) => [name, slot.shape]));
  const { tensors, result } = convertStateDict(owner, dict, expected, strict);
  for (const [name, t] of tensors) {
    (slots.get(name) as ParameterSlot).assign(t);
    t.dispose();
  }
  return result;
}
