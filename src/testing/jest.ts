/**
 * `import 'tfjs-lstm/testing/jest'`: registers the tensor matchers (`toBeCloseToTensor`,
 * `toHaveShape`, `toBeFiniteTensor`) on the global `expect` of jest (or of vitest with
 * `globals: true`) and adds them to the types of jest's `expect`. Import it in a test file or in a
 * `setupFilesAfterEnv` file. It does not import jest: it uses the `expect` the runner provides.
 *
 * @example
 * ```ts
 * import 'tfjs-lstm/testing/jest';
 *
 * test('the layer keeps its shape', () => {
 *   expect(layer.apply(x)).toHaveShape([2, 5, 8]);
 * });
 * ```
 */
import { tensorMatchers, TensorMatchers } from './matchers';

export { tensorMatchers };
export type { TensorMatchers };

declare global {
  // Declaration merging with @types/jest's `expect` types: the matchers are typed where jest's are.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
    interface Matchers<R, T = {}> extends TensorMatchers<R> {}
  }
}

const runner = (globalThis as { expect?: { extend?: (matchers: Record<string, unknown>) => void } }).expect;
if (!runner || typeof runner.extend !== 'function') {
  throw new Error(
    'tfjs-lstm/testing/jest: there is no global `expect` to register the matchers on. Import it from a test file or a jest ' +
      "setupFilesAfterEnv file, or call `expect.extend(tensorMatchers)` (from 'tfjs-lstm/testing') with your runner's expect.",
  );
}
runner.extend(tensorMatchers);
