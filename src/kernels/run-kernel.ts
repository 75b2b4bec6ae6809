import * as tf from '@tensorflow/tfjs';

import { LstmKernelName, LstmKernels } from './kernel-names';

// tfjs types every kernel's inputs and attributes as open maps (NamedTensorMap, NamedAttrMap),
// which an interface of declared fields does not satisfy (it has no index signature): tfjs-core's
// own ops cast at each runKernel. Here the two meet once each way, so that callers and kernels
// compile against kernel-names.ts's declarations instead.

type Inputs<K extends LstmKernelName> = LstmKernels[K]['inputs'];
type Attrs<K extends LstmKernelName> = LstmKernels[K]['attrs'];

/**
 * Runs one of this package's kernels (tfjs' `runKernel`), with the inputs and attributes
 * kernel-names.ts declares for it. Inputs left undefined are not passed.
 *
 * ```ts
 * const [output, hN, cN] = runKernel(LSTM_FORWARD, {x, h0, c0, weightIh, weightHh}, {reverse: false, lengths: []});
 * ```
 */
export function runKernel<K extends LstmKernelName>(name: K, inputs: Inputs<K>, attrs: Attrs<K>): tf.Tensor[] {
  const given: tf.NamedTensorMap = {};
  for (const [key, t] of Object.entries(inputs) as [string, tf.Tensor | undefined][]) if (t) given[key] = t;
  return tf.engine().runKernel(name, given, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
}

/** What a kernel of this package computes, given its declared inputs and attributes. */
export type LstmKernelFunc<K extends LstmKernelName> = (args: {
  inputs: Inputs<K>;
  attrs: Attrs<K>;
  backend: tf.KernelBackend;
}) => tf.TensorInfo[];

/**
 * Registers `kernelFunc` as kernel `name` of `backendName` (tfjs' `registerKernel`), typed by
 * kernel-names.ts.
 *
 * ```ts
 * registerKernel(LSTM_CACHE, 'cpu', ({attrs}) => lstmCacheKernel(cpuOps(backend), attrs));
 * ```
 */
export function registerKernel<K extends LstmKernelName>(
  name: K,
  backendName: string,
  kernelFunc: LstmKernelFunc<K>,
): void {
  tf.registerKernel({ kernelName: name, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

/**
 * The gradient of kernel `name`, given its declared attributes (tfjs' `registerGradient`): `saved`
 * holds the inputs named in `inputsToSave`, then the outputs `outputsToSave` marks.
 */
export function registerGradient<K extends LstmKernelName>(
  name: K,
  inputsToSave: readonly (keyof Inputs<K> & string)[],
  gradFunc: (dy: (tf.Tensor | null)[], saved: tf.Tensor[], attrs: Attrs<K>) => ReturnType<tf.GradFunc>,
  outputsToSave?: boolean[],
): void {
  tf.registerGradient({
    kernelName: name,
    inputsToSave: [...inputsToSave],
    outputsToSave,
    gradFunc: (dy, saved, attrs) => gradFunc(dy as (tf.Tensor | null)[], saved, attrs as unknown as Attrs<K>),
  });
}
