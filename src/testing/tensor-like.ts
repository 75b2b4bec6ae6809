import * as tf from '@tensorflow/tfjs';

import { describe, shapeText } from '../util/describe';

// The other testing modules take the shape text from here, with the tensor-like values it prints.
export { shapeText };

/**
 * A nested array of numbers (or booleans), as `tensor.arraySync()` gives and as PyTorch's
 * `tensor.tolist()` writes: its nesting is its shape.
 */
export type NestedNumbers = number | boolean | readonly NestedNumbers[];

/**
 * What the comparisons take: a tfjs tensor, a nested array (its nesting is its shape), a number,
 * or a flat typed array in row-major order. A typed array has no shape of its own: it stands for a
 * tensor of the other argument's shape when the element counts agree (1-D otherwise).
 */
export type TensorLike = tf.Tensor | NestedNumbers | Float32Array | Float64Array | Int32Array | Uint8Array;

/** The values of a TensorLike, read without creating a tensor. */
export interface TensorValues {
  /** Row-major values (a tensor's own data array; never written to). */
  data: ArrayLike<number>;
  /** The shape, or null for a typed array (shapeless: see TensorLike). */
  shape: number[] | null;
  /** The tfjs dtype: a tensor's own; float32 for Float32Array/Float64Array, int32 for Int32Array; null for arrays. */
  dtype: tf.DataType | null;
}

/** The number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function nestedValues(value: NestedNumbers, what: string): { data: number[]; shape: number[] } {
  const shape: number[] = [];
  for (let v: NestedNumbers = value; Array.isArray(v); v = (v as readonly NestedNumbers[])[0]) {
    shape.push((v as readonly NestedNumbers[]).length);
    if ((v as readonly NestedNumbers[]).length === 0) break;
  }
  const data: number[] = [];
  const walk = (v: NestedNumbers, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof v === 'number') data.push(v);
      else if (typeof v === 'boolean') data.push(v ? 1 : 0);
      else
        throw new TypeError(
          `${what}: the nested array is ragged: at index [${path.join(', ')}] a nested array where a number was expected`,
        );
      return;
    }
    if (!Array.isArray(v)) {
      throw new TypeError(
        `${what}: the nested array is ragged: at index [${path.join(', ')}] ${describe(v)} where an array of length ${shape[depth]} was expected`,
      );
    }
    if (v.length !== shape[depth]) {
      throw new TypeError(
        `${what}: the nested array is ragged: at index [${path.join(', ')}] length ${v.length}, expected ${shape[depth]} (shape ${shapeText(shape)})`,
      );
    }
    v.forEach((item, k) => walk(item, depth + 1, [...path, k]));
  };
  walk(value, 0, []);
  return { data, shape };
}

/**
 * Reads a TensorLike's values and shape, without creating or disposing any tensor. `what` names
 * the argument in errors ("actual", "expected").
 *
 * @throws TypeError for a disposed tensor, a string tensor, a ragged nested array or anything
 *   that is not a TensorLike
 *
 * @example
 * ```ts
 * tensorValues([[1, 2], [3, 4]], 'expected'); // { data: [1, 2, 3, 4], shape: [2, 2], dtype: null }
 * ```
 */
export function tensorValues(value: TensorLike, what: string): TensorValues {
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) {
      throw new TypeError(
        `${what} is a disposed tensor (shape ${shapeText(value.shape)}, ${value.dtype}): it has no values to compare`,
      );
    }
    if (value.dtype === 'string' || value.dtype === 'complex64') {
      throw new TypeError(`${what} is a ${value.dtype} tensor: only float32, int32 and bool tensors compare`);
    }
    return { data: value.dataSync() as ArrayLike<number>, shape: value.shape.slice(), dtype: value.dtype };
  }
  if (value instanceof Float32Array || value instanceof Float64Array)
    return { data: value, shape: null, dtype: 'float32' };
  if (value instanceof Int32Array) return { data: value, shape: null, dtype: 'int32' };
  if (value instanceof Uint8Array) return { data: value, shape: null, dtype: null };
  if (typeof value === 'number' || typeof value === 'boolean') return { data: [Number(value)], shape: [], dtype: null };
  if (Array.isArray(value)) return { ...nestedValues(value as NestedNumbers, what), dtype: null };
  throw new TypeError(
    `${what} must be a tf.Tensor, a nested array of numbers, a number or a typed array, got ${describe(value)}`,
  );
}

/** Row-major multi-index of flat position `k` in `shape`. */
export function unravel(k: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = k % shape[d];
    k = Math.floor(k / shape[d]);
  }
  return index;
}

/** An index as PyTorch prints it: `(1, 2)`, `(3,)`, `()`. */
export function indexText(index: readonly number[]): string {
  return index.length === 1 ? `(${index[0]},)` : `(${index.join(', ')})`;
}
