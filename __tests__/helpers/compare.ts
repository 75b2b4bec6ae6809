import * as tf from '@tensorflow/tfjs';

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
