import type * as tf from '@tensorflow/tfjs';

import { KernelOps, Mat } from './kernel-ops';
import { LstmKernelAttrs } from './lstm-forward-kernel';

export interface BackwardKernelInputs {
  /** dL/d output [T, N, P], dL/d h_n [N, P], dL/d c_n [N, H]. */
  dOutput: tf.TensorInfo;
  dhN: tf.TensorInfo;
  dcN: tf.TensorInfo;
  /** The forward's recurrent weights. */
  weightHh: tf.TensorInfo;
  weightHr?: tf.TensorInfo;
  /** The forward kernel's cache. */
  gates: tf.TensorInfo;
  cPrev: tf.TensorInfo;
  tanhC: tf.TensorInfo;
}

/**
 * Backpropagation through time for `lstmForwardKernel`, as one kernel: the reverse loop of
 * `lstmBackward` (src/ops/bptt.ts; derivation and names in docs/bptt.md). Per step it makes one
 * product through the backend (dhPrev = dZ_t W_hh, plus dr = dhNew W_hr with projections) and
 * writes dZ_t into dZ [T N, 4H]. The weight and input gradients are then plain products over all
 * steps, dW_ih = dZ^T X, dW_hh = dZ^T H_prev, dx = dZ W_ih, dW_hr = dHNew^T R, which the gradient
 * function (lstm-gradient.ts) makes only for the inputs that need them.
 *
 * Returns [dZ, dZ^T, dh0, dc0, dBias] (dBias = dL/d b_ih = dL/d b_hh), then with projections
 * [dHNew^T [P, T N], R [T N, H]], and last the gradient-flow statistics [T, 2]: per step, the L2
 * norms of dL/dh_t and dL/dc_t.
 */
export function lstmBackwardKernel<M extends Mat>(
  ops: KernelOps<M>,
  inputs: BackwardKernelInputs,
  attrs: LstmKernelAttrs,
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
  const dZ = ops.zeros(rows, gates);
  const dZt = ops.zeros(batch, gates);
  const dcPrev = new Float32Array(batch * hidden);
  const dBias = new Float64Array(gates);
  // With projections, dW_hr = dHNew^T R, where R stacks r_t = o_t tanh(c_t).
  const dHNew = weightHr ? ops.zeros(rows, outSize) : null;
  const R = weightHr ? ops.zeros(rows, hidden) : null;
  const flow = new Float32Array(steps * 2);

  for (let s = steps - 1; s >= 0; s--) {
    const t = attrs.reverse ? steps - 1 - s : s;
    flow[2 * t] = gatherDhNew(t, lengths, ops.data(cache.dOutput), ops.data(dh), ops.data(dhNew), outSize);
    if (dHNew) ops.data(dHNew).set(ops.data(dhNew), t * batch * outSize);
    const dr = weightHr ? ops.matMul(dhNew, weightHr) : dhNew;
    flow[2 * t + 1] = gateGradients(
      t,
      lengths,
      { gates: ops.data(cache.gates), cPrev: ops.data(cache.cPrev), tanhC: ops.data(cache.tanhC) },
      { dr: ops.data(dr), dc: ops.data(dc), dZ: ops.data(dZ), dcPrev, dBias },
      hidden,
    );
    ops.data(dZt).set(ops.data(dZ).subarray(t * batch * gates, (t + 1) * batch * gates));
    if (R) outputProducts(t, lengths, ops.data(cache.gates), ops.data(cache.tanhC), ops.data(R), hidden);
    if (dr !== dhNew) ops.release(dr);
    const dhPrev = ops.matMul(dZt, weightHh);
    carry(t, lengths, ops.data(dhPrev), dcPrev, ops.data(dh), ops.data(dc), outSize, hidden);
    ops.release(dhPrev);
  }

  const bias = ops.zeros(1, gates);
  ops.data(bias).set(dBias);
  const result = [
    ops.output(dZ, [rows, gates]),
    ops.output(ops.transpose(dZ), [gates, rows]),
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
  ops.release(dZt);
  ops.release(dhNew);
  return result;
}

// The loops are small functions of their own, which V8 optimises far better than the same loops
// inlined in one large function.

/** dhNew = dOutput_t + dh for the sequences that have step t, 0 for the others; returns its norm. */
function gatherDhNew(
  t: number,
  lengths: number[],
  dOutput: Float32Array,
  dh: Float32Array,
  dhNew: Float32Array,
  outSize: number,
): number {
  const batch = lengths.length;
  let norm = 0;
  for (let b = 0; b < batch; b++) {
    const o = b * outSize;
    if (t >= lengths[b]) {
      dhNew.fill(0, o, o + outSize);
      continue;
    }
    for (let p = 0, src = (t * batch + b) * outSize; p < outSize; p++) {
      const v = dOutput[src + p] + dh[o + p];
      dhNew[o + p] = v;
      norm += v * v;
    }
  }
  return Math.sqrt(norm);
}

/**
 * One step's gate gradients, from dr = dL/dr_t and dc = dL/dc_t carried from step t+1: dZ_t
 * (into row block t of dZ, which stays zero for sequences without step t, and summed into dBias)
 * and dc_{t-1} through the cell path. Returns the norm of dL/dc_t.
 */
function gateGradients(
  t: number,
  lengths: number[],
  cache: { gates: Float32Array; cPrev: Float32Array; tanhC: Float32Array },
  grads: {
    dr: Float32Array;
    dc: Float32Array;
    dZ: Float32Array;
    dcPrev: Float32Array;
    dBias: Float64Array;
  },
  hidden: number,
): number {
  const batch = lengths.length;
  const gates = 4 * hidden;
  const { gates: a, cPrev, tanhC } = cache;
  const { dr, dc, dZ, dcPrev, dBias } = grads;
  let norm = 0;
  for (let b = 0; b < batch; b++) {
    if (t >= lengths[b]) continue;
    const row = t * batch + b;
    for (let j = 0; j < hidden; j++) {
      const q = row * gates + j;
      const i = a[q];
      const f = a[q + hidden];
      const g = a[q + 2 * hidden];
      const o = a[q + 3 * hidden];
      const tc = tanhC[row * hidden + j];
      const d = dr[b * hidden + j];
      // r = o tanh(c): c gets this step's share on top of what came back from c_{t+1}.
      const dO = d * tc;
      const dcNew = dc[b * hidden + j] + d * o * (1 - tc * tc);
      norm += dcNew * dcNew;
      // c = f c_{t-1} + i g, then through the activations: sigmoid' = s (1 - s), tanh' = 1 - tanh^2.
      const dzi = dcNew * g * i * (1 - i);
      const dzf = dcNew * cPrev[row * hidden + j] * f * (1 - f);
      const dzg = dcNew * i * (1 - g * g);
      const dzo = dO * o * (1 - o);
      dZ[q] = dzi;
      dZ[q + hidden] = dzf;
      dZ[q + 2 * hidden] = dzg;
      dZ[q + 3 * hidden] = dzo;
      dBias[j] += dzi;
      dBias[j + hidden] += dzf;
      dBias[j + 2 * hidden] += dzg;
      dBias[j + 3 * hidden] += dzo;
      // The additive cell path: dc_{t-1} = dc_t f_t.
      dcPrev[b * hidden + j] = dcNew * f;
    }
  }
  return Math.sqrt(norm);
}

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
  t: number,
  lengths: number[],
  dhPrev: Float32Array,
  dcPrev: Float32Array,
  dh: Float32Array,
  dc: Float32Array,
  outSize: number,
  hidden: number,
): void {
  for (let b = 0; b < lengths.length; b++) {
    if (t >= lengths[b]) continue;
    for (let p = b * outSize; p < (b + 1) * outSize; p++) dh[p] = dhPrev[p];
    for (let j = b * hidden; j < (b + 1) * hidden; j++) dc[j] = dcPrev[j];
  }
}
