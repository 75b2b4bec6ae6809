import type * as tf from '@tensorflow/tfjs';

import { biasValues, inputProjection } from './gru-kernel';
import { lengthsOf } from './sequence-rows';
import { HiddenForwardInputs, RnnBackwardInputs, RnnForwardAttrs } from './kernel-names';
import { KernelOps, Mat } from './kernel-ops';

/**
 * One Elman RNN layer direction over a whole sequence as two kernels, as gru-kernel.ts does for
 * the GRU: what `rnnForward` and `rnnBackward` (src/ops/rnn.ts) compute with tfjs ops. The
 * forward's output is the backward's cache (h_t at every step a sequence has), beside hPrev.
 */

/**
 * The RNN forward: h' = act(x W_ih^T + b_ih + b_hh + h W_hh^T), the input's part for all steps at
 * once and one product a step, into one buffer. Sequences past their length keep their state and
 * output zeros.
 */
export function rnnForwardKernel<M extends Mat>(
  ops: KernelOps<M>,
  inputs: HiddenForwardInputs,
  attrs: RnnForwardAttrs,
): tf.TensorInfo[] {
  const [steps, batch, inputSize] = inputs.x.shape;
  const hidden = inputs.weightIh.shape[0];
  const lengths = lengthsOf(attrs, batch, steps);
  const [bih, bhh] = [biasValues(ops, inputs.biasIh), biasValues(ops, inputs.biasHh)];
  const bias = bih && bhh ? bih.map((v, j) => v + bhh[j]) : null;
  const xz = inputProjection(
    ops,
    ops.input(inputs.x, steps * batch, inputSize),
    ops.input(inputs.weightIh, hidden, inputSize),
    bias,
  );
  const kernelHh = ops.transpose(ops.input(inputs.weightHh, hidden, hidden));
  const h = ops.zeros(batch, hidden);
  ops.data(h).set(ops.data(ops.input(inputs.h0, batch, hidden)));
  const output = ops.zeros(steps * batch, hidden);
  const cacheHPrev = inputs.hPrev ? ops.input(inputs.hPrev, steps * batch, hidden) : null;
  const aBuffer = ops.empty(batch, hidden);

  for (let s = 0; s < steps; s++) {
    const t = attrs.reverse ? steps - 1 - s : s;
    const a = ops.matMulInto(h, kernelHh, null, aBuffer);
    addStep(ops.data(a), ops.data(xz), t * batch * hidden);
    if (attrs.nonlinearity === 'tanh') ops.activate(a, 'tanh');
    else relu(ops.data(a));
    rnnCommit(t, lengths, ops.data(a), ops.data(h), ops.data(output), cacheHPrev && ops.data(cacheHPrev), hidden);
    if (a !== aBuffer) ops.release(a);
  }
  [xz, kernelHh, aBuffer].forEach((m) => ops.release(m));
  return [ops.output(output, [steps, batch, hidden]), ops.output(h, [batch, hidden])];
}

/** a += the step's rows of xz, which start at `from`. */
function addStep(a: Float32Array, xz: Float32Array, from: number): void {
  for (let k = 0; k < a.length; k++) a[k] += xz[from + k];
}

function relu(a: Float32Array): void {
  for (let k = 0; k < a.length; k++) if (!(a[k] > 0)) a[k] = 0;
}

/** The new state of the sequences that have step t, into h and the output, and h_{t-1} into the cache. */
function rnnCommit(
  t: number,
  lengths: readonly number[],
  hNew: Float32Array,
  h: Float32Array,
  output: Float32Array,
  hPrev: Float32Array | null,
  hidden: number,
): void {
  const batch = lengths.length;
  for (let b = 0; b < batch; b++) {
    if (t >= lengths[b]) continue;
    const [row, so] = [t * batch + b, b * hidden];
    if (hPrev) hPrev.set(h.subarray(so, so + hidden), row * hidden);
    const step = hNew.subarray(so, so + hidden);
    h.set(step, so);
    output.set(step, row * hidden);
  }
}

/**
 * The RNN backward: per step, dA_t = (dOutput_t + dh) act'(h_t) (tanh' = 1 - h^2, relu' = 1 where
 * h > 0), then dh_{t-1} = dA_t W_hh. Sequences without step t pass dh through. Returns
 * [dA [T N, H], dh0, dBias [H]].
 */
export function rnnBackwardKernel<M extends Mat>(
  ops: KernelOps<M>,
  inputs: RnnBackwardInputs,
  attrs: RnnForwardAttrs,
): tf.TensorInfo[] {
  const [steps, batch, hidden] = inputs.dOutput.shape;
  const rows = steps * batch;
  const lengths = lengthsOf(attrs, batch, steps);
  const weightHh = ops.input(inputs.weightHh, hidden, hidden);
  const dOutput = ops.input(inputs.dOutput, rows, hidden);
  const output = ops.input(inputs.output, rows, hidden);
  const dh = ops.zeros(batch, hidden);
  ops.data(dh).set(ops.data(ops.input(inputs.dhN, batch, hidden)));
  // Rows of the steps a sequence does not have stay zero; without lengths every row is written.
  const dA = attrs.lengths.length === 0 ? ops.empty(rows, hidden) : ops.zeros(rows, hidden);
  const dAt = ops.zeros(batch, hidden);
  const backBuffer = ops.empty(batch, hidden);
  const relu = attrs.nonlinearity === 'relu';
  const dBias = new Float64Array(hidden);

  for (let s = steps - 1; s >= 0; s--) {
    const t = attrs.reverse ? steps - 1 - s : s;
    rnnStepGradients(
      t,
      lengths,
      relu,
      ops.data(dOutput),
      ops.data(output),
      ops.data(dh),
      ops.data(dAt),
      ops.data(dA),
      dBias,
      hidden,
    );
    const back = ops.matMulInto(dAt, weightHh, null, backBuffer);
    passBack(t, lengths, ops.data(back), ops.data(dh), hidden);
    if (back !== backBuffer) ops.release(back);
  }
  [dAt, backBuffer].forEach((m) => ops.release(m));
  const bias = ops.zeros(1, hidden);
  ops.data(bias).set(dBias);
  return [ops.output(dA, [rows, hidden]), ops.output(dh, [batch, hidden]), ops.output(bias, [hidden])];
}

/** dA_t into dAt (zero for the sequences without step t) and into its rows of dA. */
function rnnStepGradients(
  t: number,
  lengths: readonly number[],
  relu: boolean,
  dOutput: Float32Array,
  output: Float32Array,
  dh: Float32Array,
  dAt: Float32Array,
  dA: Float32Array,
  dBias: Float64Array,
  hidden: number,
): void {
  const batch = lengths.length;
  for (let b = 0; b < batch; b++) {
    const so = b * hidden;
    if (t >= lengths[b]) {
      dAt.fill(0, so, so + hidden);
      continue;
    }
    const ro = (t * batch + b) * hidden;
    for (let j = 0; j < hidden; j++) {
      const hNew = output[ro + j];
      const slope = relu ? (hNew > 0 ? 1 : 0) : 1 - hNew * hNew;
      const d = (dOutput[ro + j] + dh[so + j]) * slope;
      dAt[so + j] = d;
      dA[ro + j] = d;
      dBias[j] += d;
    }
  }
}

/** dh = dA_t W_hh for the sequences that have step t; the others keep dh. */
function passBack(t: number, lengths: readonly number[], back: Float32Array, dh: Float32Array, hidden: number): void {
  for (let b = 0; b < lengths.length; b++) {
    if (t < lengths[b]) dh.set(back.subarray(b * hidden, (b + 1) * hidden), b * hidden);
  }
}
