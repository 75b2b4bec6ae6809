import type * as tf from '@tensorflow/tfjs';

import { KernelOps, Mat } from './kernel-ops';

/** Attributes of the fused forward and backward kernels. */
export interface LstmKernelAttrs {
  reverse: boolean;
  /** Valid length of each batch entry; empty when every sequence has all T steps. */
  lengths: number[];
}

export interface ForwardKernelInputs {
  /** [T, N, I], padding already zeroed. */
  x: tf.TensorInfo;
  weightIh: tf.TensorInfo;
  weightHh: tf.TensorInfo;
  biasIh?: tf.TensorInfo;
  biasHh?: tf.TensorInfo;
  weightHr?: tf.TensorInfo;
  h0: tf.TensorInfo;
  c0: tf.TensorInfo;
}

const f32 = Math.fround;

/**
 * The forward pass of one LSTM layer and direction over a whole sequence, as one kernel: what
 * `lstmForward` (src/ops/bptt.ts) computes with ~20 tfjs ops per step. Per step it writes
 * [x_t | h_{t-1}] into one buffer and makes one product, z = [x_t | h_{t-1}] [W_ih; W_hh]^T + b,
 * and the gate activations through the backend; the rest is small loops over the backend's
 * memory, and nothing is ever sliced out of the [T, N, ...] tensors.
 *
 * Returns [output, hN, cN] and, with `saveCache`, the backward pass's cache, indexed by time:
 * [gates (activated, [T, N, 4H]), cPrev [T, N, H], xh ([x_t | h_{t-1}], [T, N, I + P]),
 * tanhC [T, N, H]].
 */
export function lstmForwardKernel<M extends Mat>(
  ops: KernelOps<M>,
  inputs: ForwardKernelInputs,
  attrs: LstmKernelAttrs & { saveCache: boolean },
): tf.TensorInfo[] {
  const [steps, batch, inputSize] = inputs.x.shape;
  const gates = inputs.weightIh.shape[0];
  const hidden = gates / 4;
  const outSize = inputs.weightHh.shape[1];
  const width = inputSize + outSize;
  const lengths = attrs.lengths.length ? attrs.lengths : new Array<number>(batch).fill(steps);

  let bias: Float32Array | null = null;
  if (inputs.biasIh && inputs.biasHh) {
    const bh = ops.data(ops.input(inputs.biasHh, 1, gates));
    bias = Float32Array.from(ops.data(ops.input(inputs.biasIh, 1, gates)), (v, j) => v + bh[j]);
  }
  const weights = ops.gateWeights(
    ops.input(inputs.weightIh, gates, inputSize),
    ops.input(inputs.weightHh, gates, outSize),
    bias,
  );
  const kernelHr = inputs.weightHr ? ops.transpose(ops.input(inputs.weightHr, outSize, hidden)) : null;
  const x = ops.input(inputs.x, steps * batch, inputSize);

  const h = ops.zeros(batch, outSize);
  const c = ops.zeros(batch, hidden);
  ops.data(h).set(ops.data(ops.input(inputs.h0, batch, outSize)));
  ops.data(c).set(ops.data(ops.input(inputs.c0, batch, hidden)));
  const xh = ops.zeros(batch, width);
  const cNew = ops.zeros(batch, hidden);
  const r = ops.zeros(batch, hidden);
  const output = ops.zeros(steps * batch, outSize);
  const cache = attrs.saveCache
    ? {
        gates: ops.zeros(steps * batch, gates),
        cPrev: ops.zeros(steps * batch, hidden),
        xh: ops.zeros(steps * batch, width),
        tanhC: ops.zeros(steps * batch, hidden),
      }
    : null;

  for (let s = 0; s < steps; s++) {
    const t = attrs.reverse ? steps - 1 - s : s;
    // z = [x_t | h_{t-1}] [W_ih; W_hh]^T + b, then i, f, g, o.
    gatherInputs(ops.data(x), ops.data(h), ops.data(xh), t, batch, inputSize, outSize);
    if (cache) {
      ops.data(cache.xh).set(ops.data(xh), t * batch * width);
      ops.data(cache.cPrev).set(ops.data(c), t * batch * hidden);
    }
    const act = ops.gates(xh, weights);
    // c = f c_{t-1} + i g
    cellUpdate(ops.data(act), ops.data(c), ops.data(cNew), batch, hidden);
    // r = o tanh(c); h = r W_hr^T with projections, else r.
    const tanhC = ops.tanh(cNew);
    outputGate(ops.data(act), ops.data(tanhC), ops.data(r), batch, hidden);
    if (cache) {
      ops.data(cache.gates).set(ops.data(act), t * batch * gates);
      ops.data(cache.tanhC).set(ops.data(tanhC), t * batch * hidden);
    }
    ops.release(act);
    ops.release(tanhC);
    const hNew = kernelHr ? ops.matMul(r, kernelHr) : r;
    commit(t, lengths, ops.data(hNew), ops.data(cNew), ops.data(h), ops.data(c), ops.data(output), outSize, hidden);
    if (hNew !== r) ops.release(hNew);
  }

  [weights.w, xh, cNew, r].forEach((m) => ops.release(m));
  if (weights.b) ops.release(weights.b);
  if (kernelHr) ops.release(kernelHr);
  const result = [
    ops.output(output, [steps, batch, outSize]),
    ops.output(h, [batch, outSize]),
    ops.output(c, [batch, hidden]),
  ];
  if (cache) {
    result.push(
      ops.output(cache.gates, [steps, batch, gates]),
      ops.output(cache.cPrev, [steps, batch, hidden]),
      ops.output(cache.xh, [steps, batch, width]),
      ops.output(cache.tanhC, [steps, batch, hidden]),
    );
  }
  return result;
}

// The loops are small functions of their own: V8 optimises these far better than the same loops
// inlined in one large function (about 3x here).

/** Row b of xh = [x_t row b | h row b]. (Plain loops: subarray() would allocate per row.) */
function gatherInputs(
  x: Float32Array,
  h: Float32Array,
  xh: Float32Array,
  t: number,
  batch: number,
  inputSize: number,
  outSize: number,
): void {
  const width = inputSize + outSize;
  for (let b = 0; b < batch; b++) {
    const src = (t * batch + b) * inputSize;
    const dst = b * width;
    for (let k = 0; k < inputSize; k++) xh[dst + k] = x[src + k];
    for (let k = 0; k < outSize; k++) xh[dst + inputSize + k] = h[b * outSize + k];
  }
}

/** cNew = f c + i g, each product and the sum rounded to float32 as tfjs' ops round them. */
function cellUpdate(a: Float32Array, c: Float32Array, cNew: Float32Array, batch: number, hidden: number): void {
  const gates = 4 * hidden;
  for (let b = 0; b < batch; b++) {
    for (let j = 0, g0 = b * gates, s0 = b * hidden; j < hidden; j++) {
      cNew[s0 + j] = f32(f32(a[g0 + hidden + j] * c[s0 + j]) + f32(a[g0 + j] * a[g0 + 2 * hidden + j]));
    }
  }
}

/** r = o tanh(c) */
function outputGate(a: Float32Array, tanhC: Float32Array, r: Float32Array, batch: number, hidden: number): void {
  const gates = 4 * hidden;
  for (let b = 0; b < batch; b++) {
    for (let j = 0, o0 = b * gates + 3 * hidden, s0 = b * hidden; j < hidden; j++)
      r[s0 + j] = f32(a[o0 + j] * tanhC[s0 + j]);
  }
}

/** The new state of every sequence that has step t; output zeros for those that do not. */
function commit(
  t: number,
  lengths: number[],
  hNew: Float32Array,
  cNew: Float32Array,
  h: Float32Array,
  c: Float32Array,
  output: Float32Array,
  outSize: number,
  hidden: number,
): void {
  const batch = lengths.length;
  for (let b = 0; b < batch; b++) {
    if (t >= lengths[b]) continue;
    const out = (t * batch + b) * outSize;
    for (let p = 0, q = b * outSize; p < outSize; p++, q++) {
      output[out + p] = hNew[q];
      h[q] = hNew[q];
    }
    for (let j = 0, q = b * hidden; j < hidden; j++, q++) c[q] = cNew[q];
  }
}
