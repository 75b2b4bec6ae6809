import type * as tf from '@tensorflow/tfjs';

import { TensorAssertionError } from './assertion-error';
import { indexText, shapeText, sizeOf, TensorLike, tensorValues, TensorValues, unravel } from './tensor-like';

/** Options of `assertClose` and `toBeCloseToTensor`. */
export interface CloseOptions {
  /**
   * Relative tolerance: |actual - expected| <= atol + rtol * |expected|. Default for float32
   * 1.3e-6 (`torch.testing.assert_close`'s), 0 for int32 and bool. Unlike PyTorch, `rtol` and
   * `atol` may be given alone (the other keeps its default).
   */
  rtol?: number;
  /** Absolute tolerance. Default for float32 1e-5 (PyTorch's), 0 for int32 and bool. */
  atol?: number;
  /** NaN equals NaN at the same index. Default false, as PyTorch's `equal_nan`. */
  equalNan?: boolean;
  /** Check that both dtypes agree (when both sides have one: see TensorLike). Default true. */
  checkDtype?: boolean;
  /** Prefixed to the message, e.g. the name of the tensor compared: `weight_ih_l0: Tensor-likes are not close!`. */
  name?: string;
}

/**
 * The float32 tolerances of `torch.testing.assert_close`, the defaults here.
 *
 * @example
 * ```ts
 * assertClose(y, expected, { ...FLOAT32_TOLERANCES, atol: 1e-4 }); // a looser atol, PyTorch's rtol
 * ```
 */
export const FLOAT32_TOLERANCES = { rtol: 1.3e-6, atol: 1e-5 } as const;

/** The outcome of a comparison: `message` explains a failure (or, for `.not`, a success). */
export interface CloseResult {
  pass: boolean;
  message: string;
}

function number(x: number): string {
  if (Number.isNaN(x) || !Number.isFinite(x) || Number.isInteger(x)) return String(x);
  const s = x.toPrecision(8);
  return String(Number(s));
}

/** A tolerance as PyTorch prints it: 1e-05 as `1e-5`, 0.01 as `0.01`. */
export function toleranceText(x: number): string {
  return x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x);
}

function defaults(dtype: tf.DataType | null, options: CloseOptions): { rtol: number; atol: number } {
  const exact = dtype === 'int32' || dtype === 'bool';
  const rtol = options.rtol ?? (exact ? 0 : FLOAT32_TOLERANCES.rtol);
  const atol = options.atol ?? (exact ? 0 : FLOAT32_TOLERANCES.atol);
  for (const [key, v] of [
    ['rtol', rtol],
    ['atol', atol],
  ] as const) {
    if (typeof v !== 'number' || !(v >= 0)) throw new TypeError(`${key} must be a number >= 0, got ${String(v)}`);
  }
  return { rtol, atol };
}

/** Both sides' shapes, a typed array taking the other's shape when the element counts agree. */
function shapes(a: TensorValues, e: TensorValues): [number[], number[]] {
  const fill = (own: TensorValues, other: TensorValues): number[] =>
    own.shape ?? (other.shape && sizeOf(other.shape) === own.data.length ? other.shape : [own.data.length]);
  return [fill(a, e), fill(e, a)];
}

/**
 * Compares like `torch.testing.assert_close`, and returns the outcome instead of throwing: shape
 * first, then dtype, then every element, |actual - expected| <= atol + rtol * |expected| (infinities
 * equal when identical; NaN only with `equalNan`). Reads the values without creating tensors and
 * disposes nothing.
 *
 * @throws TypeError for an argument that cannot be compared (disposed, a string tensor, ragged)
 *
 * @example
 * ```ts
 * const { pass, message } = compareClose(tf.tensor([1, 2]), [1, 2.001]);
 * if (!pass) console.log(message); // Tensor-likes are not close! ...
 * ```
 */
export function compareClose(actual: TensorLike, expected: TensorLike, options: CloseOptions = {}): CloseResult {
  const a = tensorValues(actual, 'actual');
  const e = tensorValues(expected, 'expected');
  const prefix = options.name ? `${options.name}: ` : '';
  const [aShape, eShape] = shapes(a, e);
  if (aShape.length !== eShape.length || aShape.some((d, k) => d !== eShape[k])) {
    return {
      pass: false,
      message: `${prefix}The values for attribute 'shape' do not match: ${shapeText(aShape)} != ${shapeText(eShape)}.`,
    };
  }
  if ((options.checkDtype ?? true) && a.dtype !== null && e.dtype !== null && a.dtype !== e.dtype) {
    return {
      pass: false,
      message: `${prefix}The values for attribute 'dtype' do not match: ${a.dtype} != ${e.dtype}.`,
    };
  }
  const { rtol, atol } = defaults(a.dtype ?? e.dtype, options);
  const equalNan = options.equalNan ?? false;
  const n = a.data.length;
  let mismatched = 0;
  // The worst element: the one furthest beyond its allowance (its difference / its allowance).
  let worst = -1;
  let worstRatio = -1;
  let maxAbs = 0;
  let maxAbsAt = -1;
  let maxRel = 0;
  let maxRelAt = -1;
  for (let k = 0; k < n; k++) {
    const x = a.data[k];
    const y = e.data[k];
    if (Number.isNaN(x) && Number.isNaN(y) && equalNan) continue;
    // Identical values (infinities too) are equal; NaN is never identical to anything.
    const diff = x === y ? 0 : Math.abs(x - y);
    const allowed = atol + rtol * Math.abs(y);
    // Non-finite values are close only when identical (PyTorch's rule): Infinity - (-Infinity)
    // would otherwise be within an infinite allowance.
    const ok = Number.isFinite(x) && Number.isFinite(y) ? diff <= allowed : diff === 0;
    const rel = diff === 0 ? 0 : diff / Math.abs(y);
    if (!(diff <= maxAbs)) [maxAbs, maxAbsAt] = [Number.isNaN(diff) ? NaN : diff, k];
    if (!(rel <= maxRel) && !Number.isNaN(maxRel)) [maxRel, maxRelAt] = [Number.isNaN(rel) ? NaN : rel, k];
    if (!ok) {
      mismatched++;
      const ratio = Number.isNaN(diff) ? Infinity : diff / allowed;
      if (ratio > worstRatio) [worst, worstRatio] = [k, ratio];
    }
  }
  const dtypeText = a.dtype ?? e.dtype ?? 'float32';
  const at = (k: number) => indexText(unravel(k, aShape));
  if (mismatched === 0) {
    return {
      pass: true,
      message:
        `${prefix}Tensor-likes are close: all ${n} elements of shape ${shapeText(aShape)} (${dtypeText}) are within ` +
        `atol ${toleranceText(atol)} + rtol ${toleranceText(rtol)} * |expected|` +
        (n
          ? `; greatest absolute difference ${number(maxAbs)}${maxAbsAt >= 0 ? ` at index ${at(maxAbsAt)}` : ''}`
          : '') +
        '.',
    };
  }
  const lines = [
    `${prefix}Tensor-likes are not close!`,
    '',
    `Shapes: ${shapeText(aShape)} (actual) and ${shapeText(eShape)} (expected), ${dtypeText}`,
    `Mismatched elements: ${mismatched} / ${n} (${((100 * mismatched) / n).toFixed(1)}%)`,
    `Worst element at index ${at(worst)}: actual ${number(a.data[worst])} vs expected ${number(e.data[worst])}`,
    `Greatest absolute difference: ${number(maxAbs)} at index ${at(maxAbsAt)} (up to ${toleranceText(atol)} allowed)`,
    `Greatest relative difference: ${number(maxRel)} at index ${at(maxRelAt >= 0 ? maxRelAt : maxAbsAt)} (up to ${toleranceText(rtol)} allowed)`,
  ];
  return { pass: false, message: lines.join('\n') };
}

function describeValue(v: TensorLike): string {
  try {
    const t = tensorValues(v, 'value');
    return `${t.shape ? shapeText(t.shape) : `flat, ${t.data.length} elements`}${t.dtype ? ` ${t.dtype}` : ''}`;
  } catch {
    return 'unreadable';
  }
}

/**
 * `torch.testing.assert_close` for tfjs, for any test runner (node:test, vitest, mocha, jest):
 * throws a `TensorAssertionError` unless `actual` and `expected` have the same shape and dtype and
 * |actual - expected| <= atol + rtol * |expected| everywhere. The message is PyTorch's: the shapes,
 * the number of mismatched elements of the total, the worst element with both values, the greatest
 * absolute and relative differences with their indices. Disposes nothing, creates no tensor.
 *
 * @throws TensorAssertionError when the values differ; TypeError for an argument that cannot be
 *   compared (a disposed tensor, a ragged nested array)
 *
 * @example
 * ```ts
 * import { assertClose } from 'tfjs-lstm/testing';
 *
 * assertClose(tf.tensor([[1, 2]]), [[1, 2.000001]]); // passes: within 1e-5 + 1.3e-6 * 2
 * assertClose(output, expectedFloat32Array, { rtol: 1e-4, atol: 1e-5, name: 'output' });
 * ```
 */
export function assertClose(actual: TensorLike, expected: TensorLike, options: CloseOptions = {}): void {
  const { pass, message } = compareClose(actual, expected, options);
  if (!pass) {
    throw new TensorAssertionError(message, {
      operator: 'assertClose',
      actual: describeValue(actual),
      expected: describeValue(expected),
    });
  }
}
