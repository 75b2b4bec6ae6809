import type * as tf from '@tensorflow/tfjs';

import { LstmBackwardAttrs, LstmBackwardInputs } from './kernel-names';
import { KernelOps, Mat } from './kernel-ops';
import { validRuns } from './sequence-rows';

/**
 * Backpropagation through time for `lstmForwardKernel`, as one kernel: the reverse loop of
 * `lstmBackward` (src/ops/bptt.ts; derivation and names in docs/bptt.md). Per step it makes one
 * product through the backend (dhPrev = dZ_t W_hh, plus dr = dhNew W_hr with projections) and
 * writes dZ_t, transposed, into dZ^T [4H, T N]. The weight and input gradients are then plain
 * products over all steps, dW_ih = dZ^T X, dW_hh = dZ^T H_prev, dx = dZ W_ih, dW_hr = dHNew^T R,
 * which the gradient function (lstm-gradient.ts) makes only for the inputs that need them.
 *
 * Returns [dZ^T, dh0, dc0, dBias] (dBias = dL/d b_ih = dL/d b_hh), then with projections
 * [dHNew^T [P, T N], R [T N, H]], and last the gradient-flow statistics [T, 2]: per step, the L2
 * norms of dL/dh_t and dL/dc_t.
 */
export function lstmBackwardKernel<M extends Mat>(
  ops: KernelOps<M>,
  inputs: LstmBackwardInputs,
  attrs: LstmBackwardAttrs,
): tf.TensorInfo[] {
  const [steps, batch, outSize] = inputs.dOutput.shape;
  const gates = inputs.weightHh.shape[0];
  const hidden = gates / 4;
  const rows = steps * batch;
  const lengths = attrs.lengths.length ? attrs.lengths : new Array<number>(batch).fill(steps);
  const weightHh = ops.input(inputs.weightHh, gates, outSize);
  const weightHr = inputs.weightHr ? ops.input(inputs.weightHr, outSize, hidden) : null;
  const cache = {
    dOutput: ops.input(inputs.dOutput, rows, outSize),
    gates: ops.input(inputs.gates, rows, gates),
    cPrev: ops.input(inputs.cPrev, rows, hidden),
    tanhC: ops.input(inputs.tanhC, rows, hidden),
  };

  // dh, dc: the gradient with respect to the state carried out of the step being processed.
  const dh = ops.zeros(batch, outSize);
  const dc = ops.zeros(batch, hidden);
  ops.data(dh).set(ops.data(ops.input(inputs.dhN, batch, outSize)));
  ops.data(dc).set(ops.data(ops.input(inputs.dcN, batch, hidden)));
  const dhNew = ops.zeros(batch, outSize);
  // dZ_t, the step's gate gradients [N, 4H], go transposed into dZ^T [4H, T N], the layout of the
  // weights' gradient product.
  const dZTransposed = ops.empty(gates, rows); // every column is written, one step's batch at a time
  const dZt = ops.zeros(batch, gates);
  const dcPrev = ops.zeros(batch, hidden);
  // With projections, dW_hr = dHNew^T R, where R stacks r_t = o_t tanh(c_t).
  const dHNew = weightHr ? ops.zeros(rows, outSize) : null;
  const R = weightHr ? ops.zeros(rows, hidden) : null;
  const flow = new Float32Array(steps * 2);
  const { gatherDhNew, gateGradients, transposeInto } = ops.loops;

  for (let s = steps - 1; s >= 0; s--) {
    const t = attrs.reverse ? steps - 1 - s : s;
    // The runs of sequences that have step t; the others pass dh and dc through untouched.
    const runs = validRuns(t, lengths);
    // dhNew = dOutput_t + dh and dZ_t, zero for sequences without step t.
    if (runs.length !== 1 || runs[0][1] - runs[0][0] !== batch) {
      ops.data(dhNew).fill(0);
      ops.data(dZt).fill(0);
    }
    let norm = 0;
    for (const [b0, b1] of runs) {
      norm += gatherDhNew(t, b0, b1, ops.data(cache.dOutput), ops.data(dh), ops.data(dhNew), outSize);
    }
    flow[2 * t] = Math.sqrt(norm);
    if (dHNew) ops.data(dHNew).set(ops.data(dhNew), t * batch * outSize);
    const dr = weightHr ? ops.matMul(dhNew, weightHr) : dhNew;
    norm = 0;
    for (const [b0, b1] of runs) {
      norm += gateGradients(
        t,
        b0,
        b1,
        { gates: ops.data(cache.gates), cPrev: ops.data(cache.cPrev), tanhC: ops.data(cache.tanhC) },
        { dr: ops.data(dr), dc: ops.data(dc), dZ: ops.data(dZt), dcPrev: ops.data(dcPrev) },
        hidden,
      );
    }
    flow[2 * t + 1] = Math.sqrt(norm);
    transposeInto(ops.data(dZt), batch, gates, ops.data(dZTransposed).subarray(t * batch), rows);
    if (R) outputProducts(t, lengths, ops.data(cache.gates), ops.data(cache.tanhC), ops.data(R), hidden);
    if (dr !== dhNew) ops.release(dr);
    const dhPrev = ops.matMul(dZt, weightHh);
    carry(runs, ops.data(dhPrev), ops.data(dcPrev), ops.data(dh), ops.data(dc), outSize, hidden);
    ops.release(dhPrev);
  }

  // dL/d b = the sum of dZ_t over all steps and sequences (zero past a sequence's end).
  const dBias = ops.loops.rowSums(ops.data(dZTransposed), gates, rows);
  const bias = ops.zeros(1, gates);
  ops.data(bias).set(dBias);
  const result = [
    ops.output(dZTransposed, [gates, rows]),
    ops.output(dh, [batch, outSize]),
    ops.output(dc, [batch, hidden]),
    ops.output(bias, [gates]),
  ];
  if (dHNew && R) {
    result.push(ops.output(ops.transpose(dHNew), [outSize, rows]), ops.output(R, [rows, hidden]));
    ops.release(dHNew);
  }
  const flowStats = ops.zeros(steps, 2);
  ops.data(flowStats).set(flow);
  result.push(ops.output(flowStats, [steps, 2]));
  [dZt, dhNew, dcPrev].forEach((m) => ops.release(m));
  return result;
}

// The per-step loops of the gradient are the backend's (`ops.loops`, step-loops.ts); these few,
// for projections and variable lengths, stay in JavaScript.

/** r_t = o_t tanh(c_t), the rows of R for dW_hr. */
function outputProducts(
  t: number,
  lengths: number[],
  gates: Float32Array,
  tanhC: Float32Array,
  R: Float32Array,
  hidden: number,
): void {
  const batch = lengths.length;
  for (let b = 0; b < batch; b++) {
    if (t >= lengths[b]) continue;
    const row = t * batch + b;
    for (let j = 0; j < hidden; j++)
      R[row * hidden + j] = gates[row * 4 * hidden + 3 * hidden + j] * tanhC[row * hidden + j];
  }
}

/** A sequence that has step t carries dh_{t-1}, dc_{t-1}; one that does not passes dh, dc through. */
function carry(
  runs: [number, number][],
  dhPrev: Float32Array,
  dcPrev: Float32Array,
  dh: Float32Array,
  dc: Float32Array,
  outSize: number,
  hidden: number,
): void {
  for (const [b0, b1] of runs) {
    dh.set(dhPrev.subarray(b0 * outSize, b1 * outSize), b0 * outSize);
    dc.set(dcPrev.subarray(b0 * hidden, b1 * hidden), b0 * hidden);
  }
}
