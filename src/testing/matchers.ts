import { CloseOptions, compareClose } from './close';
import { indexText, shapeText, sizeOf, TensorLike, tensorValues, unravel } from './tensor-like';

/** What jest (and vitest) give a matcher as `this`: only `isNot` is used. */
export interface MatcherContext {
  isNot?: boolean;
}

/** What a matcher returns to jest's `expect.extend`. */
export interface MatcherResult {
  pass: boolean;
  message: () => string;
}

/**
 * The matchers these tensor checks add to jest's `expect` (for declaration merging with
 * `jest.Matchers`, as `tfjs-lstm/testing/jest` does, or with another runner's matcher types).
 */
export interface TensorMatchers<R = unknown> {
  /**
   * `torch.testing.assert_close`: same shape, same dtype, |actual - expected| <= atol + rtol *
   * |expected| everywhere (float32 defaults rtol 1.3e-6, atol 1e-5).
   */
  toBeCloseToTensor(expected: TensorLike, options?: CloseOptions): R;
  /** The tensor (or nested array) has exactly this shape. */
  toHaveShape(shape: readonly number[]): R;
  /** Every element is finite: no NaN, no Infinity. */
  toBeFiniteTensor(): R;
}

function toBeCloseToTensor(
  this: MatcherContext,
  received: TensorLike,
  expected: TensorLike,
  options: CloseOptions = {},
): MatcherResult {
  const { pass, message } = compareClose(received, expected, options);
  return {
    pass,
    message: () =>
      this.isNot
        ? `expect(received).not.toBeCloseToTensor(expected), but:\n${message}`
        : `expect(received).toBeCloseToTensor(expected)\n\n${message}`,
  };
}

function toHaveShape(this: MatcherContext, received: TensorLike, shape: readonly number[]): MatcherResult {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(
      `toHaveShape: the shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  const values = tensorValues(received, 'received');
  const actual = values.shape ?? [values.data.length];
  const pass = actual.length === shape.length && actual.every((d, k) => d === shape[k]);
  return {
    pass,
    message: () =>
      `expect(received)${this.isNot ? '.not' : ''}.toHaveShape(${shapeText(shape)})\n\n` +
      `received shape: ${shapeText(actual)}${values.dtype ? ` (${values.dtype})` : ''}`,
  };
}

function toBeFiniteTensor(this: MatcherContext, received: TensorLike): MatcherResult {
  const values = tensorValues(received, 'received');
  const shape = values.shape ?? [values.data.length];
  let count = 0;
  let first = -1;
  for (let k = 0; k < values.data.length; k++) {
    if (!Number.isFinite(values.data[k])) {
      count++;
      if (first < 0) first = k;
    }
  }
  return {
    pass: count === 0,
    message: () =>
      count === 0
        ? `expect(received).not.toBeFiniteTensor()\n\nall ${sizeOf(shape)} elements of shape ${shapeText(shape)} are finite`
        : `expect(received).toBeFiniteTensor()\n\n${count} / ${values.data.length} elements of shape ${shapeText(shape)} ` +
          `are not finite; the first at index ${indexText(unravel(first, shape))}: ${values.data[first]}`,
  };
}

/**
 * The tensor matchers, for `expect.extend(tensorMatchers)` (jest, or vitest's compatible
 * `expect`). `import 'tfjs-lstm/testing/jest'` does this, and types them, for you. The matchers
 * read values without creating tensors, dispose nothing and throw a TypeError for an argument
 * they cannot read (a disposed tensor, a ragged nested array), also under `.not`.
 *
 * @example
 * ```ts
 * import { tensorMatchers } from 'tfjs-lstm/testing';
 * expect.extend(tensorMatchers);
 *
 * expect(output).toHaveShape([5, 3, 20]);
 * expect(output).toBeCloseToTensor(expectedNestedArray, { rtol: 1e-4, atol: 1e-5 });
 * expect(grad).toBeFiniteTensor();
 * ```
 */
export const tensorMatchers = { toBeCloseToTensor, toHaveShape, toBeFiniteTensor };
