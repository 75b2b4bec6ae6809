import * as tf from '@tensorflow/tfjs';

import { cpuOps } from './cpu-ops';
import { KernelOps, Mat } from './kernel-ops';
import { BackwardKernelInputs, lstmBackwardKernel } from './lstm-backward-kernel';
import {
  CacheKernelAttrs,
  ForwardKernelInputs,
  LstmKernelAttrs,
  lstmCacheKernel,
  lstmForwardKernel,
} from './lstm-forward-kernel';
import {
  LSTM_BACKWARD,
  LSTM_CACHE,
  LSTM_FORWARD,
  LSTM_FORWARD_PROJ,
  LSTM_PRODUCT,
  registerLstmGradients,
} from './lstm-gradient';
import { registerBlockKernels } from './tensorflow-block';
import { wasmOps } from './wasm-ops';

export { LSTM_BACKWARD, LSTM_CACHE, LSTM_FORWARD, LSTM_FORWARD_PROJ };

type OpsFactory = (backend: never) => KernelOps<Mat>;
const OPS: Record<string, OpsFactory> = { cpu: cpuOps as OpsFactory, wasm: wasmOps as OpsFactory };

let registered = false;
let enabled = true;

function register(): void {
  registered = true;
  // A second copy of this package in the process (its CommonJS and ES builds both loaded, say)
  // finds the kernels already there; registering them again would only make tfjs warn.
  if (tf.getKernel(LSTM_FORWARD, 'cpu')) return;
  for (const [backendName, makeOps] of Object.entries(OPS)) {
    const forward: tf.KernelFunc = ({ inputs, backend, attrs }) =>
      lstmForwardKernel(
        makeOps(backend as never),
        inputs as unknown as ForwardKernelInputs,
        attrs as unknown as LstmKernelAttrs,
      );
    tf.registerKernel({ kernelName: LSTM_FORWARD, backendName, kernelFunc: forward });
    tf.registerKernel({ kernelName: LSTM_FORWARD_PROJ, backendName, kernelFunc: forward });
    tf.registerKernel({
      kernelName: LSTM_CACHE,
      backendName,
      kernelFunc: ({ backend, attrs }) =>
        lstmCacheKernel(makeOps(backend as never), attrs as unknown as CacheKernelAttrs),
    });
    tf.registerKernel({
      kernelName: LSTM_BACKWARD,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) =>
        lstmBackwardKernel(
          makeOps(backend as never),
          inputs as unknown as BackwardKernelInputs,
          attrs as unknown as LstmKernelAttrs,
        ),
    });
    tf.registerKernel({
      kernelName: LSTM_PRODUCT,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const ops = makeOps(backend as never);
        const [a, b] = [inputs.a, inputs.b] as tf.TensorInfo[];
        const c = ops.matMul(ops.input(a, a.shape[0], a.shape[1]), ops.input(b, b.shape[0], b.shape[1]));
        const split = (attrs?.split as number | undefined) ?? 0;
        if (!split) return ops.output(c, [c.rows, c.cols]);
        const parts = splitColumns(ops, c, split);
        ops.release(c);
        return parts.map((m) => ops.output(m, [m.rows, m.cols]));
      },
    });
  }
  registerLstmGradients();
}

/** The first `split` columns of c, and the rest, as two new matrices. */
function splitColumns(ops: KernelOps<Mat>, c: Mat, split: number): Mat[] {
  const [left, right] = [ops.zeros(c.rows, split), ops.zeros(c.rows, c.cols - split)];
  const [cv, lv, rv] = [ops.data(c), ops.data(left), ops.data(right)];
  for (let i = 0; i < c.rows; i++) {
    lv.set(cv.subarray(i * c.cols, i * c.cols + split), i * split);
    rv.set(cv.subarray(i * c.cols + split, (i + 1) * c.cols), i * (c.cols - split));
  }
  return [left, right];
}

/**
 * Whether the fused sequence kernels serve the current backend: `cpu` and `wasm` have them;
 * `tensorflow` has its own (`hasBlockKernels`); other backends (webgl, webgpu) use the composed tfjs
 * ops of src/ops/bptt.ts.
 */
export function hasFusedKernels(): boolean {
  if (!enabled) return false;
  if (!registered) register();
  return tf.getKernel(LSTM_FORWARD, tf.getBackend()) !== undefined;
}

/**
 * Whether the `tensorflow` backend's fused kernels (TensorFlow's BlockLSTM ops, see
 * tensorflow-block.ts) serve the current backend. `setFusedKernels(false)` turns them off too.
 */
export function hasBlockKernels(): boolean {
  if (!enabled || tf.getBackend() !== 'tensorflow') return false;
  registerBlockKernels();
  return true;
}

/**
 * Turns the fused kernels off (or back on), so that everything runs on composed tfjs ops: the
 * path other backends take, which the tests use as the kernels' oracle.
 *
 * ```ts
 * setFusedKernels(false); // compare against the composed ops
 * ```
 */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}
