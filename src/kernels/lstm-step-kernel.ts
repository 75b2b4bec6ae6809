import type * as tf from '@tensorflow/tfjs';

import { LstmStepInputs } from './kernel-names';
import { KernelOps, Mat } from './kernel-ops';

/**
 * One LSTM step for inference, as one kernel: z = [x | h] W + b through the backend's product and
 * gate activations, then c' = f c + i g and h' = o tanh(c') (times W_hr^T with projections) in the
 * backend's element-wise loop: what `lstmForwardKernel` does for each step of a sequence, without
 * its sequence bookkeeping and without a cache for a backward pass. The weights come prepared
 * (`LSTM_PREPARE`), so the call does no work on them.
 *
 * Returns [h' [N, P], c' [N, H]].
 */
export function lstmStepKernel<M extends Mat>(ops: KernelOps<M>, inputs: LstmStepInputs): tf.TensorInfo[] {
  const [batch, inputSize] = inputs.x.shape;
  const outSize = inputs.h.shape[1];
  const hidden = inputs.c.shape[1];
  const width = inputSize + outSize;
  const gates = 4 * hidden;
  const weights = {
    w: ops.input(inputs.gateKernel, width, gates),
    b: inputs.gateBias ? ops.input(inputs.gateBias, 1, gates) : null,
  };
  const { setColumns, cellUpdate } = ops.loops;

  const xh = ops.empty(batch, width);
  setColumns(ops.data(xh), ops.data(ops.input(inputs.x, batch, inputSize)), batch, width, 0, inputSize);
  setColumns(ops.data(xh), ops.data(ops.input(inputs.h, batch, outSize)), batch, width, inputSize, outSize);
  const buffer = ops.empty(batch, gates);
  const act = ops.gates(xh, weights, buffer);
  if (act !== buffer) ops.release(buffer);
  const [cNew, tanhC, r] = [ops.empty(batch, hidden), ops.empty(batch, hidden), ops.empty(batch, hidden)];
  const c = ops.input(inputs.c, batch, hidden);
  cellUpdate(ops.data(act), ops.data(c), ops.data(cNew), ops.data(tanhC), ops.data(r), batch, hidden);
  [xh, act, tanhC].forEach((m) => ops.release(m));
  if (!inputs.projectionKernel) return [ops.output(r, [batch, outSize]), ops.output(cNew, [batch, hidden])];
  const h = ops.matMul(r, ops.input(inputs.projectionKernel, hidden, outSize));
  ops.release(r);
  return [ops.output(h, [batch, outSize]), ops.output(cNew, [batch, hidden])];
}
