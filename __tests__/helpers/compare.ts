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

/**
 * `torch.testing.assert_close`'s check, element by element: |actual - expected| <= atol +
 * rtol * |expected| (NaN equal to NaN). Unlike `relativeError`, a large error in a small entry is
 * not hidden by a large entry elsewhere. Throws with the number of mismatches and the worst one.
 */
export function expectAllClose(
  actual: Values,
  expected: Values,
  { rtol, atol }: { rtol: number; atol: number },
  label: string,
): void {
  const a = values(actual);
  const e = values(expected);
  if (a.length !== e.length) throw new Error(`${label}: length ${a.length} != expected length ${e.length}`);
  let mismatched = 0;
  let worst = -1;
  let worstExcess = 0;
  for (let k = 0; k < a.length; k++) {
    if (Number.isNaN(a[k]) && Number.isNaN(e[k])) continue;
    const excess = Math.abs(a[k] - e[k]) - (atol + rtol * Math.abs(e[k]));
    if (!(excess <= 0)) {
      mismatched++;
      if (worst < 0 || !(excess <= worstExcess)) [worst, worstExcess] = [k, excess];
    }
  }
  if (mismatched > 0) {
    throw new Error(
      `${label}: ${mismatched} of ${a.length} elements differ by more than ${atol} + ${rtol} * |expected|; ` +
        `the worst, at ${worst}: ${a[worst]} vs ${e[worst]}`,
    );
  }
}
