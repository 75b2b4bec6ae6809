import * as tf from '@tensorflow/tfjs';
import { assertClose } from 'tfjs-lstm/testing';

type Values = tf.Tensor | ArrayLike<number>;

function values(v: Values): ArrayLike<number> {
  return v instanceof tf.Tensor ? v.dataSync() : v;
}

/**
 * The relative error used throughout the suite: the largest absolute difference divided by the
 * largest absolute expected value (so entries near zero do not blow it up).
 */
export function relativeError(actual: Values, expected: Values): number {
  const a = values(actual);
  const e = values(expected);
  if (a.length !== e.length) throw new Error(`length ${a.length} != expected length ${e.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let k = 0; k < a.length; k++) {
    const diff = Math.abs(a[k] - e[k]);
    if (!(diff <= maxDiff)) maxDiff = Number.isNaN(diff) ? Infinity : diff;
    maxRef = Math.max(maxRef, Math.abs(e[k]));
  }
  return maxRef === 0 ? maxDiff : maxDiff / maxRef;
}

/** Asserts shape (when both are tensors or a shape is given) and relative error within `tol`. */
export function expectClose(actual: Values, expected: Values, tol: number, label: string, shape?: number[]): void {
  if (shape && actual instanceof tf.Tensor) {
    expect({ label, shape: actual.shape }).toEqual({ label, shape });
  }
  const err = relativeError(actual, expected);
  if (!(err <= tol)) {
    throw new Error(`${label}: relative error ${err.toExponential(3)} exceeds ${tol}`);
  }
}

/**
 * `torch.testing.assert_close`'s check, element by element, on flat values: tfjs-lstm/testing's
 * `assertClose` (NaN equal to NaN, lengths compared as 1-D shapes). Unlike `relativeError`, a
 * large error in a small entry is not hidden by a large entry elsewhere. Throws with the number of
 * mismatches and the worst one.
 */
export function expectAllClose(
  actual: Values,
  expected: Values,
  { rtol, atol }: { rtol: number; atol: number },
  label: string,
): void {
  const flat = (v: Values) => Float64Array.from(values(v));
  assertClose(flat(actual), flat(expected), { rtol, atol, equalNan: true, name: label });
}

/**
 * The entry of `expected` (tensors by name) that `actual` misses most, and its relative error: what
 * a property test reports.
 */
export function worstError(
  actual: Record<string, ArrayLike<number>>,
  expected: Record<string, ArrayLike<number>>,
): [string, number] {
  return Object.keys(expected)
    .map((k): [string, number] => [k, relativeError(actual[k], expected[k])])
    .reduce((a, b) => (b[1] > a[1] ? b : a));
}
