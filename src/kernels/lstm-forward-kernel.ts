import type * as tf from '@tensorflow/tfjs';

import { LstmCacheAttrs, LstmForwardAttrs, LstmForwardInputs, LstmPrepareInputs } from './kernel-names';
import { GateWeights, KernelOps, Mat } from './kernel-ops';

/** One layer direction's weights in the step loop's layout (see `LSTM_PREPARE`). */
interface LoopWeights<M extends Mat> {
  weights: GateWeights<M>;
  /** W_hr^T [H, P], with projections. */
  kernelHr: M | null;
}

/** Makes the step loop's weights from the parameters: what `LSTM_PREPARE` returns. */
function prepareWeights<M extends Mat>(ops: KernelOps<M>, inputs: LstmPrepareInputs): LoopWeights<M> {
  const [gates, inputSize] = inputs.weightIh.shape;
  const outSize = inputs.weightHh.shape[1];
  const hidden = gates / 4;
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
  return { weights, kernelHr };
}

/**
 * The `LSTM_PREPARE` kernel: [gateKernel, gateBias (with biases), projectionKernel (with
 * `weightHr`)], for a caller to keep and give to the forward kernel at each inference call, which
 * then does no work on the weights.
 */
export function lstmPrepareKernel<M extends Mat>(ops: KernelOps<M>, inputs: LstmPrepareInputs): tf.TensorInfo[] {
  const { weights, kernelHr } = prepareWeights(ops, inputs);
  const gates = weights.w.cols;
  const outputs = [ops.output(weights.w, [weights.w.rows, gates])];
  if (weights.b) outputs.push(ops.output(weights.b, [gates]));
  if (kernelHr) outputs.push(ops.output(kernelHr, [kernelHr.rows, kernelHr.cols]));
  return outputs;
}

/**
 * Makes the forward kernel's cache, uninitialised: [gates, cPrev, xh, tanhC] (see
 * `LstmForwardInputs`). The cache goes into the forward kernel as inputs it overwrites rather
 * than coming out as outputs, because tfjs builds a zero gradient for every output that the loss
 * does not use: 12 MB a step at the benchmark's sizes.
 */
export function lstmCacheKernel<M extends Mat>(ops: KernelOps<M>, attrs: LstmCacheAttrs): tf.TensorInfo[] {
  const { steps, batch, hidden, width } = attrs;
  const rows = steps * batch;
  return [
    ops.output(ops.empty(rows, 4 * hidden), [steps, batch, 4 * hidden]),
    ops.output(ops.empty(rows, hidden), [steps, batch, hidden]),
    ops.output(ops.empty(rows, width), [steps, batch, width]),
    ops.output(ops.empty(rows, hidden), [steps, batch, hidden]),
  ];
}

/**
 * The forward pass of one LSTM layer and direction over a whole sequence, as one kernel: what
 * `lstmForward` (src/ops/bptt.ts) computes with ~20 tfjs ops per step. Per step it writes
 * [x_t | h_{t-1}] into one buffer and makes one product, z = [x_t | h_{t-1}] [W_ih; W_hh]^T + b,
 * and the gate activations through the backend; the rest is the backend's element-wise loops
 * (`ops.loops`, step-loops.ts) over its memory, and nothing is ever sliced out of the [T, N, ...]
 * tensors.
 *
 * Returns [output, hN, cN]; with the cache inputs, it fills them too (every entry, whatever the
 * lengths).
 */
export function lstmForwardKernel<M extends Mat>(
  ops: KernelOps<M>,
  inputs: LstmForwardInputs,
  attrs: LstmForwardAttrs,
): tf.TensorInfo[] {
  const [steps, batch, inputSize] = inputs.x.shape;
  const gates = inputs.weightIh.shape[0];
  const hidden = gates / 4;
  const outSize = inputs.weightHh.shape[1];
  const width = inputSize + outSize;
  const full = attrs.lengths.length === 0;
  const lengths = full ? new Array<number>(batch).fill(steps) : attrs.lengths;

  const given = inputs.gateKernel !== undefined;
  const { weights, kernelHr } = given
    ? {
        weights: {
          w: ops.input(inputs.gateKernel as tf.TensorInfo, width, gates),
          b: inputs.gateBias ? ops.input(inputs.gateBias, 1, gates) : null,
        },
        kernelHr: inputs.projectionKernel ? ops.input(inputs.projectionKernel, hidden, outSize) : null,
      }
    : prepareWeights(ops, inputs);
  const x = ops.input(inputs.x, steps * batch, inputSize);
  const { setColumns, cellUpdate } = ops.loops;

  // xh holds [x_t | h_{t-1}]: the step's h lives in its last P columns, where the next step reads it.
  const xh = ops.zeros(batch, width);
  let c = ops.zeros(batch, hidden);
  let cNew = ops.zeros(batch, hidden);
  setColumns(ops.data(xh), ops.data(ops.input(inputs.h0, batch, outSize)), batch, width, inputSize, outSize);
  ops.data(c).set(ops.data(ops.input(inputs.c0, batch, hidden)));
  const r = ops.zeros(batch, hidden);
  // Without lengths every step writes all of its rows; with them, padding must read zero.
  const output = full ? ops.empty(steps * batch, outSize) : ops.zeros(steps * batch, outSize);
  const cache =
    inputs.gates && inputs.cPrev && inputs.xh && inputs.tanhC
      ? {
          gates: ops.input(inputs.gates, steps * batch, gates),
          cPrev: ops.input(inputs.cPrev, steps * batch, hidden),
          xh: ops.input(inputs.xh, steps * batch, width),
          tanhC: ops.input(inputs.tanhC, steps * batch, hidden),
        }
      : null;
  // tanh(c) goes straight into the cache; without one, here.
  const scratch = cache ? null : ops.empty(batch, hidden);
  // Each step's gate activations, where the backend can write them into one buffer.
  const gateBuffer = ops.empty(batch, gates);

  for (let s = 0; s < steps; s++) {
    const t = attrs.reverse ? steps - 1 - s : s;
    // z = [x_t | h_{t-1}] [W_ih; W_hh]^T + b, then i, f, g, o.
    setColumns(
      ops.data(xh),
      ops.data(x).subarray(t * batch * inputSize, (t + 1) * batch * inputSize),
      batch,
      width,
      0,
      inputSize,
    );
    if (cache) {
      ops.data(cache.xh).set(ops.data(xh), t * batch * width);
      ops.data(cache.cPrev).set(ops.data(c), t * batch * hidden);
    }
    const act = ops.gates(xh, weights, gateBuffer);
    // c = f c_{t-1} + i g and r = o tanh(c) in one pass (tanh(c) straight into the cache, if any).
    const tanhC = cache
      ? ops.data(cache.tanhC).subarray(t * batch * hidden, (t + 1) * batch * hidden)
      : ops.data(scratch as M);
    cellUpdate(ops.data(act), ops.data(c), ops.data(cNew), tanhC, ops.data(r), batch, hidden);
    if (cache) ops.data(cache.gates).set(ops.data(act), t * batch * gates);
    if (act !== gateBuffer) ops.release(act);
    // h = r W_hr^T with projections, else r.
    const hNew = kernelHr ? ops.matMul(r, kernelHr) : r;
    if (full) {
      // Every sequence has step t: the new state replaces the old one outright.
      ops.data(output).set(ops.data(hNew), t * batch * outSize);
      setColumns(ops.data(xh), ops.data(hNew), batch, width, inputSize, outSize);
      [c, cNew] = [cNew, c];
    } else {
      commit(
        t,
        lengths,
        ops.data(hNew),
        ops.data(cNew),
        ops.data(xh),
        ops.data(c),
        ops.data(output),
        inputSize,
        hidden,
      );
    }
    if (hNew !== r) ops.release(hNew);
  }
  const h = ops.zeros(batch, outSize);
  getColumns(ops.data(xh), ops.data(h), batch, width, inputSize, outSize);

  [xh, cNew, r, gateBuffer].forEach((m) => ops.release(m));
  if (scratch) ops.release(scratch);
  // Prepared weights given as inputs belong to the caller.
  if (!given) [weights.w, weights.b, kernelHr].forEach((m) => m && ops.release(m));
  return [ops.output(output, [steps, batch, outSize]), ops.output(h, [batch, outSize]), ops.output(c, [batch, hidden])];
}

// The loops that run once per call, or only with variable lengths, stay here in JavaScript.

/** dst = columns [from, from + cols) of m. */
function getColumns(m: Float32Array, dst: Float32Array, rows: number, width: number, from: number, cols: number): void {
  for (let b = 0; b < rows; b++) {
    for (let k = 0, o = b * width + from, q = b * cols; k < cols; k++) dst[q + k] = m[o + k];
  }
}

/**
 * With variable lengths: the new state of every sequence that has step t (h into its columns of
 * xh), and its output; sequences without step t output zeros and keep their state.
 */
function commit(
  t: number,
  lengths: number[],
  hNew: Float32Array,
  cNew: Float32Array,
  xh: Float32Array,
  c: Float32Array,
  output: Float32Array,
  inputSize: number,
  hidden: number,
): void {
  const batch = lengths.length;
  const outSize = hNew.length / batch;
  const width = inputSize + outSize;
  for (let b = 0; b < batch; b++) {
    if (t >= lengths[b]) continue;
    const out = (t * batch + b) * outSize;
    for (let p = 0, q = b * outSize, o = b * width + inputSize; p < outSize; p++, q++) {
      output[out + p] = hNew[q];
      xh[o + p] = hNew[q];
    }
    for (let j = 0, q = b * hidden; j < hidden; j++, q++) c[q] = cNew[q];
  }
}
