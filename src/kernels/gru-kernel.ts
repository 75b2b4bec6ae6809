import type * as tf from '@tensorflow/tfjs';

import { GruBackwardInputs, HiddenForwardAttrs, HiddenForwardInputs, LstmSequenceAttrs } from './kernel-names';
import { KernelOps, Mat } from './kernel-ops';
import { lengthsOf, validRuns } from './sequence-rows';

/**
 * One GRU layer direction over a whole sequence as two kernels, the forward that fills a cache and
 * the backward (BPTT) that consumes it: what `gruForward` and `gruBackward` (src/ops/gru.ts;
 * derivation and names in docs/bptt.md) compute with some twenty tfjs ops a step. The input's
 * projection is one product for all steps; each step makes one product through the backend (the
 * recurrent one forward, dHZ_t W_hh backward), and the gate arithmetic is one loop over the
 * backend's memory. Nothing is sliced out of the [T, N, ...] tensors.
 */

/**
 * The `HIDDEN_CACHE` kernel: tensors of the given shapes for a forward kernel to fill; zero-filled
 * with `zeros` (variable lengths: the rows of steps a sequence does not have stay unwritten, and
 * the weights' gradient products read them, times zero), else left uninitialised.
 */
export function hiddenCacheKernel<M extends Mat>(
  ops: KernelOps<M>,
  shapes: number[][],
  zeros: boolean,
): tf.TensorInfo[] {
  return shapes.map((shape) => {
    const cols = shape[shape.length - 1];
    const rows = shape.reduce((a, b) => a * b, 1) / cols;
    return ops.output(zeros ? ops.zeros(rows, cols) : ops.empty(rows, cols), shape);
  });
}

/**
 * x W^T (+ bias) for all steps at once, [T N, G]: the input's part of every step's
 * pre-activations. `bias` is added to each row.
 */
export function inputProjection<M extends Mat>(ops: KernelOps<M>, x: M, weight: M, bias: Float32Array | null): M {
  const kernel = ops.transpose(weight);
  const xz = ops.matMul(x, kernel);
  ops.release(kernel);
  if (bias) {
    const v = ops.data(xz);
    const cols = xz.cols;
    for (let r = 0; r < xz.rows; r++) for (let j = 0, o = r * cols; j < cols; j++) v[o + j] += bias[j];
  }
  return xz;
}

/** A bias input's values (a copy), or null. */
export function biasValues<M extends Mat>(ops: KernelOps<M>, info: tf.TensorInfo | undefined): Float32Array | null {
  return info ? Float32Array.from(ops.data(ops.input(info, 1, info.shape[0]))) : null;
}

/**
 * The GRU forward: r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r hn), h' = (h - n) z + n, with
 * [xr | xz | xn] = x W_ih^T + b_ih (all steps at once) and [hr | hz | hn] = h W_hh^T + b_hh (one
 * product a step, into one buffer); the rest is one loop (`ops.gruLoops`: SIMD on wasm) over each
 * run of rows that have the step. Sequences past their length keep their state and output zeros.
 */
export function gruForwardKernel<M extends Mat>(
  ops: KernelOps<M>,
  inputs: HiddenForwardInputs,
  attrs: HiddenForwardAttrs,
): tf.TensorInfo[] {
  const [steps, batch, inputSize] = inputs.x.shape;
  const gates = inputs.weightIh.shape[0];
  const hidden = gates / 3;
  const lengths = lengthsOf(attrs, batch, steps);
  const xz = inputProjection(
    ops,
    ops.input(inputs.x, steps * batch, inputSize),
    ops.input(inputs.weightIh, gates, inputSize),
    biasValues(ops, inputs.biasIh),
  );
  const kernelHh = ops.transpose(ops.input(inputs.weightHh, gates, hidden));
  const biasHh = inputs.biasHh ? ops.input(inputs.biasHh, 1, gates) : null;
  const h = ops.zeros(batch, hidden);
  ops.data(h).set(ops.data(ops.input(inputs.h0, batch, hidden)));
  const output = ops.zeros(steps * batch, hidden);
  // The cache, when given: the kernel's out-parameters (see HIDDEN_CACHE).
  const cacheGates = inputs.gates ? ops.input(inputs.gates, steps * batch, 4 * hidden) : null;
  const cacheHPrev = inputs.hPrev ? ops.input(inputs.hPrev, steps * batch, hidden) : null;
  // Each step's recurrent product, into one buffer for every step.
  const hzBuffer = ops.empty(batch, gates);

  for (let s = 0; s < steps; s++) {
    const t = attrs.reverse ? steps - 1 - s : s;
    const hz = ops.matMulInto(h, kernelHh, biasHh, hzBuffer);
    // Views taken after the product, which may have moved the wasm heap.
    const [xzv, hzv, hv, out] = [ops.data(xz), ops.data(hz), ops.data(h), ops.data(output)];
    const [cg, ch] = [cacheGates && ops.data(cacheGates), cacheHPrev && ops.data(cacheHPrev)];
    for (const [b0, b1] of validRuns(t, lengths)) {
      const row = t * batch + b0;
      ops.gruLoops.forward(
        xzv.subarray(row * gates),
        hzv.subarray(b0 * gates),
        hv.subarray(b0 * hidden),
        out.subarray(row * hidden),
        cg && ch ? { gates: cg.subarray(row * 4 * hidden), hPrev: ch.subarray(row * hidden) } : null,
        b1 - b0,
        hidden,
      );
    }
    if (hz !== hzBuffer) ops.release(hz);
  }
  [xz, kernelHh, hzBuffer].forEach((m) => ops.release(m));
  return [ops.output(output, [steps, batch, hidden]), ops.output(h, [batch, hidden])];
}

/**
 * The GRU backward: per step, from dhNew = dOutput_t + dh, the pre-activations' gradients dXZ_t
 * (of x W_ih^T + b_ih) and dHZ_t (of h W_hh^T + b_hh), then dh_{t-1} = dhNew z + dHZ_t W_hh.
 * Sequences without step t pass dh through and have zero dXZ_t, dHZ_t. Returns [dXZ [T N, 3H],
 * dHZ [T N, 3H], dh0, dBiasIh [3H], dBiasHh [3H]] (the biases' gradients: the column sums).
 */
export function gruBackwardKernel<M extends Mat>(
  ops: KernelOps<M>,
  inputs: GruBackwardInputs,
  attrs: LstmSequenceAttrs,
): tf.TensorInfo[] {
  const [steps, batch, hidden] = inputs.dOutput.shape;
  const gates = 3 * hidden;
  const rows = steps * batch;
  const lengths = lengthsOf(attrs, batch, steps);
  const weightHh = ops.input(inputs.weightHh, gates, hidden);
  const dOutput = ops.input(inputs.dOutput, rows, hidden);
  const cache = ops.input(inputs.gates, rows, 4 * hidden);
  const hPrev = ops.input(inputs.hPrev, rows, hidden);
  const dh = ops.zeros(batch, hidden);
  ops.data(dh).set(ops.data(ops.input(inputs.dhN, batch, hidden)));
  // Rows of the steps a sequence does not have stay zero; without lengths every row is written.
  const full = attrs.lengths.length === 0;
  const dXZ = full ? ops.empty(rows, gates) : ops.zeros(rows, gates);
  const dHZ = full ? ops.empty(rows, gates) : ops.zeros(rows, gates);
  const dHZt = ops.zeros(batch, gates);
  const dhDirect = ops.zeros(batch, hidden);
  const backBuffer = ops.empty(batch, hidden);
  const [dBiasIh, dBiasHh] = [ops.zeros(1, gates), ops.zeros(1, gates)];

  for (let s = steps - 1; s >= 0; s--) {
    const t = attrs.reverse ? steps - 1 - s : s;
    const runs = validRuns(t, lengths);
    const [dov, dhv, cv, hpv] = [ops.data(dOutput), ops.data(dh), ops.data(cache), ops.data(hPrev)];
    const [dz, dd, dx, dy] = [ops.data(dHZt), ops.data(dhDirect), ops.data(dXZ), ops.data(dHZ)];
    if (runs.length !== 1 || runs[0][1] - runs[0][0] !== batch) {
      // Sequences without step t: dh passes through, and nothing comes back through the product.
      dz.fill(0);
      dd.set(dhv);
    }
    for (const [b0, b1] of runs) {
      const row = t * batch + b0;
      ops.gruLoops.gradients(
        dov.subarray(row * hidden),
        dhv.subarray(b0 * hidden),
        cv.subarray(row * 4 * hidden),
        hpv.subarray(row * hidden),
        {
          dHZt: dz.subarray(b0 * gates),
          dhDirect: dd.subarray(b0 * hidden),
          dXZ: dx.subarray(row * gates),
          dHZ: dy.subarray(row * gates),
        },
        { ih: ops.data(dBiasIh), hh: ops.data(dBiasHh) },
        b1 - b0,
        hidden,
      );
    }
    // dh_{t-1} = dhNew z + dHZ_t W_hh (the product is zero for the rows without step t).
    const back = ops.matMulInto(dHZt, weightHh, null, backBuffer);
    addInto(ops.data(dh), ops.data(dhDirect), ops.data(back));
    if (back !== backBuffer) ops.release(back);
  }
  [dHZt, dhDirect, backBuffer].forEach((m) => ops.release(m));
  return [
    ops.output(dXZ, [rows, gates]),
    ops.output(dHZ, [rows, gates]),
    ops.output(dh, [batch, hidden]),
    ops.output(dBiasIh, [gates]),
    ops.output(dBiasHh, [gates]),
  ];
}

/** out = a + b. */
function addInto(out: Float32Array, a: Float32Array, b: Float32Array): void {
  for (let k = 0; k < out.length; k++) out[k] = a[k] + b[k];
}
