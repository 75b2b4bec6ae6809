/**
 * `tfjs-lstm/testing`: checks for tests of tfjs models and layers, with PyTorch's semantics.
 * `assertClose` (`torch.testing.assert_close`), the jest matchers `tensorMatchers` (registered by
 * `import 'tfjs-lstm/testing/jest'`), and gradient checks `checkGradients` (against finite
 * differences) and `compareGradients` (manual against autodiff). It runs in browsers and Node
 * alike and imports neither jest nor Node's modules; `loadGolden` (PyTorch golden files) is in
 * `tfjs-lstm/testing/node`.
 *
 * @example
 * ```ts
 * import { assertClose, checkGradients } from 'tfjs-lstm/testing';
 * ```
 */
export { TensorAssertionError } from './assertion-error';
export { assertClose, compareClose, FLOAT32_TOLERANCES } from './close';
export type { CloseOptions, CloseResult } from './close';
export { checkGradients, compareGradients } from './gradients';
export type {
  CheckGradientsOptions,
  GradientOptions,
  GradientReport,
  InputGradientReport,
  TensorFunction,
} from './gradients';
export { tensorMatchers } from './matchers';
export type { MatcherContext, MatcherResult, TensorMatchers } from './matchers';
export type { NestedNumbers, TensorLike } from './tensor-like';
