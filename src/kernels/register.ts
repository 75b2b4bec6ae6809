import * as tf from '@tensorflow/tfjs';

import { cpuOps } from './cpu-ops';
import { FUSED_KERNELS_FLAG, SIMD_LOOPS_FLAG } from './flags';
import {
  GRU_BACKWARD,
  GRU_FORWARD,
  HIDDEN_CACHE,
  LSTM_BACKWARD,
  LSTM_CACHE,
  LSTM_FORWARD,
  LSTM_FORWARD_PROJ,
  LSTM_PREPARE,
  LSTM_PRODUCT,
  LSTM_STEP,
  RNN_BACKWARD,
  RNN_FORWARD,
} from './kernel-names';
import { gruBackwardKernel, gruForwardKernel, hiddenCacheKernel } from './gru-kernel';
import { registerHiddenGradients } from './hidden-gradient';
import { rnnBackwardKernel, rnnForwardKernel } from './rnn-kernel';
import { KernelOps, Mat } from './kernel-ops';
import { lstmBackwardKernel } from './lstm-backward-kernel';
import { lstmCacheKernel, lstmForwardKernel, lstmPrepareKernel } from './lstm-forward-kernel';
import { registerLstmGradients } from './lstm-gradient';
import { lstmStepKernel } from './lstm-step-kernel';
import { LstmKernelFunc, registerKernel } from './run-kernel';
import { registerBlockKernels } from './tensorflow-block';
import { wasmOps } from './wasm-ops';
import { registerWebglKernels } from './webgl-cell';
import { registerWebglStepKernels } from './webgl-step-programs';

type OpsFactory = (backend: never) => KernelOps<Mat>;
const OPS: Record<string, OpsFactory> = { cpu: cpuOps as OpsFactory, wasm: wasmOps as OpsFactory };

/** Each backend's primitives, made once per backend and value of the SIMD flag (wasmOps reads it). */
const madeOps = new WeakMap<object, { simd: boolean; ops: KernelOps<Mat> }>();

/**
 * The primitives of `backend`, made at its first kernel call rather than at each: a single step
 * costs tens of microseconds, and making them (the wasm backend's kernels looked up, the SIMD
 * loops bound) would be a good part of that.
 */
function opsOf(makeOps: OpsFactory, backend: object): KernelOps<Mat> {
  const simd = tf.env().getBool(SIMD_LOOPS_FLAG);
  const made = madeOps.get(backend);
  if (made && made.simd === simd) return made.ops;
  const ops = makeOps(backend as never);
  madeOps.set(backend, { simd, ops });
  return ops;
}

let registered = false;

function register(): void {
  registered = true;
  // A second copy of this package in the process (its CommonJS and ES builds both loaded, say)
  // finds the kernels already there; registering them again would only make tfjs warn.
  if (tf.getKernel(LSTM_FORWARD, 'cpu')) return;
  for (const [backendName, makeOps] of Object.entries(OPS)) {
    // One function for both names: the projection's inputs are the plain forward's and weightHr.
    const forward = ({ inputs, backend, attrs }: Parameters<LstmKernelFunc<typeof LSTM_FORWARD>>[0]) =>
      lstmForwardKernel(opsOf(makeOps, backend), inputs, attrs);
    registerKernel(LSTM_FORWARD, backendName, forward);
    registerKernel(LSTM_FORWARD_PROJ, backendName, forward);
    registerKernel(LSTM_PREPARE, backendName, ({ inputs, backend }) =>
      lstmPrepareKernel(opsOf(makeOps, backend), inputs),
    );
    registerKernel(LSTM_STEP, backendName, ({ inputs, backend }) => lstmStepKernel(opsOf(makeOps, backend), inputs));
    registerKernel(LSTM_CACHE, backendName, ({ backend, attrs }) => lstmCacheKernel(opsOf(makeOps, backend), attrs));
    registerKernel(LSTM_BACKWARD, backendName, ({ inputs, backend, attrs }) =>
      lstmBackwardKernel(opsOf(makeOps, backend), inputs, attrs),
    );
    registerKernel(GRU_FORWARD, backendName, ({ inputs, backend, attrs }) =>
      gruForwardKernel(opsOf(makeOps, backend), inputs, attrs),
    );
    registerKernel(GRU_BACKWARD, backendName, ({ inputs, backend, attrs }) =>
      gruBackwardKernel(opsOf(makeOps, backend), inputs, attrs),
    );
    registerKernel(HIDDEN_CACHE, backendName, ({ backend, attrs }) =>
      hiddenCacheKernel(opsOf(makeOps, backend), attrs.shapes, attrs.zeros),
    );
    registerKernel(RNN_FORWARD, backendName, ({ inputs, backend, attrs }) =>
      rnnForwardKernel(opsOf(makeOps, backend), inputs, attrs),
    );
    registerKernel(RNN_BACKWARD, backendName, ({ inputs, backend, attrs }) =>
      rnnBackwardKernel(opsOf(makeOps, backend), inputs, attrs),
    );
    registerKernel(LSTM_PRODUCT, backendName, ({ inputs, backend, attrs }) => {
      const ops = opsOf(makeOps, backend);
      const { a, b } = inputs;
      const c = ops.matMul(ops.input(a, a.shape[0], a.shape[1]), ops.input(b, b.shape[0], b.shape[1]));
      if (!attrs.split) return [ops.output(c, [c.rows, c.cols])];
      const parts = splitColumns(ops, c, attrs.split);
      ops.release(c);
      return parts.map((m) => ops.output(m, [m.rows, m.cols]));
    });
  }
  registerLstmGradients();
  registerHiddenGradients();
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
 * ops of src/ops/bptt.ts. The flag `TFJSLSTM_FUSED_KERNELS` (flags.ts) set to false turns them off.
 */
export function hasFusedKernels(): boolean {
  if (!tf.env().getBool(FUSED_KERNELS_FLAG)) return false;
  if (!registered) register();
  return tf.getKernel(LSTM_FORWARD, tf.getBackend()) !== undefined;
}

/**
 * Whether the `webgl` backend's kernels (webgl-step-programs.ts: each step's shader programs,
 * the recurrent product included; webgl-cell.ts: with projections and for the GRU, the gate
 * arithmetic and state update) serve the current backend. The flag `TFJSLSTM_FUSED_KERNELS` turns
 * them off too.
 */
export function hasWebglKernels(): boolean {
  if (tf.getBackend() !== 'webgl' || !tf.env().getBool(FUSED_KERNELS_FLAG)) return false;
  registerWebglKernels();
  registerWebglStepKernels();
  return true;
}

/**
 * Whether the `tensorflow` backend's fused kernels (TensorFlow's BlockLSTM ops, see
 * tensorflow-block.ts) serve the current backend. The flag `TFJSLSTM_FUSED_KERNELS` turns them off
 * too.
 */
export function hasBlockKernels(): boolean {
  if (tf.getBackend() !== 'tensorflow' || !tf.env().getBool(FUSED_KERNELS_FLAG)) return false;
  registerBlockKernels();
  return true;
}
