/**
 * `tfjs-lstm/testing/node`: golden files from PyTorch (`python/record_golden.py`) read as tfjs
 * tensors with ready comparisons, for Node (it reads files). Everything of `tfjs-lstm/testing`
 * is re-exported, so a test needs one import.
 *
 * @example
 * ```ts
 * import { loadGolden } from 'tfjs-lstm/testing/node';
 * const golden = loadGolden('__tests__/fixtures/golden/lstm.safetensors');
 * ```
 */
export * from './index';
export { flattenTensors, loadGolden } from './golden';
export type { Golden, TensorTree } from './golden';
