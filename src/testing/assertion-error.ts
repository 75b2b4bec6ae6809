/**
 * What `assertClose`, `checkGradients` and `compareGradients` throw when the values differ: an
 * error shaped like Node's `assert.AssertionError` (`name` 'AssertionError', `code`
 * 'ERR_ASSERTION', `actual`, `expected`, `operator`), so that node:test, mocha and vitest report
 * it as a failed assertion. It carries no tensors: `actual` and `expected` are short descriptions.
 *
 * @example
 * ```ts
 * try {
 *   assertClose(tf.tensor([1, 2]), [1, 2.5]);
 * } catch (e) {
 *   if (e instanceof TensorAssertionError) console.log(e.message); // Tensor-likes are not close! ...
 * }
 * ```
 */
export class TensorAssertionError extends Error {
  override name = 'AssertionError';
  /** Node's code for a failed assertion. */
  readonly code = 'ERR_ASSERTION';
  /** Which check failed: 'assertClose', 'checkGradients', 'compareGradients'. */
  readonly operator: string;
  /** A description of the actual value (shape and dtype). */
  readonly actual: string;
  /** A description of the expected value (shape and dtype). */
  readonly expected: string;
  /** Always false: the message is written for the failure, as assert's own are. */
  readonly generatedMessage = false;

  constructor(message: string, details: { operator: string; actual: string; expected: string }) {
    super(message);
    this.operator = details.operator;
    this.actual = details.actual;
    this.expected = details.expected;
  }
}
