import type * as tf from '@tensorflow/tfjs';

import { GruBackwardInputs, HiddenForwardAttrs, HiddenForwardInputs, LstmSequenceAttrs } from './kernel-names';
import { KernelOps, Mat } from './kernel-ops';

/**
 * One GRU layer direction over a whole sequence as two kernels, the forward that fills a cache and
 * the backward (BPTT) that consumes it: what `gruForward` and `gruBackward` (src/ops/gru.ts;
 * derivation and names in docs/bptt.md) compute with some twenty tfjs ops a step. The input's
 * projection is one product for all steps; each step makes one product through the backend (the
 * recurrent one forward, dHZ_t W_hh backward), and the gate arithmetic is one loop over the
 * backend's memory. Nothing is sliced out of the [T, N, ...] tensors.
 */

/**
 * The `HIDDEN_CACHE` kernel: zero-filled tensors of the given shapes, which a forward kernel then
 * fills (zeros, so that rows a sequence does not have hold no stale memory).
 */
export function hiddenCacheKernel<M extends Mat>(ops: KernelOps<M>, shapes: number[][]): tf.TensorInfo[] {
  return shapes.map((shape) => {
    const cols = shape[shape.length - 1];
    return ops.output(ops.zeros(shape.reduce((a, b) => a * b, 1) / cols, cols), shape);
  });
}

/** Valid length of each batch entry: `lengths`, or T for every entry when it is empty. */
export function lengthsOf(attrs: LstmSequenceAttrs, batch: number, steps: number): number[] {
  return attrs.lengths.length ? attrs.lengths : new Array<number>(batch).fill(steps);
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
 * product a step, into one buffer). The activations run over whole buffers (`ops.activate`: SIMD
 * on wasm). Sequences past their length keep their state and output zeros.
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
  // Each step's recurrent product, r and z side by side, and n: one buffer each for every step.
  const hzBuffer = ops.empty(batch, gates);
  const rz = ops.empty(batch, 2 * hidden);
  const n = ops.empty(batch, hidden);

  for (let s = 0; s < steps; s++) {
    const t = attrs.reverse ? steps - 1 - s : s;
    const hz = ops.matMulInto(h, kernelHh, biasHh, hzBuffer);
    // Views taken after the product, which may have moved the wasm heap.
    const xzv = ops.data(xz);
    const x0 = t * batch * gates;
    preActivations(xzv, ops.data(hz), ops.data(rz), x0, batch, hidden);
    ops.activate(rz, 'sigmoid');
    candidate(xzv, ops.data(hz), ops.data(rz), ops.data(n), x0, batch, hidden);
    ops.activate(n, 'tanh');
    const cache = cacheGates && cacheHPrev ? { gates: ops.data(cacheGates), hPrev: ops.data(cacheHPrev) } : null;
    gruCommit(t, lengths, ops.data(rz), ops.data(n), ops.data(hz), ops.data(h), ops.data(output), cache, hidden);
    if (hz !== hzBuffer) ops.release(hz);
  }
  [xz, kernelHh, hzBuffer, rz, n].forEach((m) => ops.release(m));
  return [ops.output(output, [steps, batch, hidden]), ops.output(h, [batch, hidden])];
}

// Each loop is a small function of its own, as in step-loops.ts: V8 optimises those far better.

/** rz = [xr + hr | xz + hz] for every row of the step (rows without the step are never committed). */
function preActivations(
  xz: Float32Array,
  hz: Float32Array,
  rz: Float32Array,
  x0: number,
  batch: number,
  hidden: number,
): void {
  const gates = 3 * hidden;
  for (let b = 0; b < batch; b++) {
    for (let j = 0, xo = x0 + b * gates, ho = b * gates, o = 2 * b * hidden; j < 2 * hidden; j++) {
      rz[o + j] = xz[xo + j] + hz[ho + j];
    }
  }
}

/** n's pre-activation xn + r hn. */
function candidate(
  xz: Float32Array,
  hz: Float32Array,
  rz: Float32Array,
  n: Float32Array,
  x0: number,
  batch: number,
  hidden: number,
): void {
  const gates = 3 * hidden;
  for (let b = 0; b < batch; b++) {
    const [xo, ho, ro, o] = [x0 + b * gates + 2 * hidden, b * gates + 2 * hidden, 2 * b * hidden, b * hidden];
    for (let j = 0; j < hidden; j++) n[o + j] = xz[xo + j] + rz[ro + j] * hz[ho + j];
  }
}

/**
 * h' = (h - n) z + n for the sequences that have step t, into h and the output, and the step's
 * cache (r, z, n, hn and h_{t-1}).
 */
function gruCommit(
  t: number,
  lengths: readonly number[],
  rz: Float32Array,
  n: Float32Array,
  hz: Float32Array,
  h: Float32Array,
  output: Float32Array,
  cache: { gates: Float32Array; hPrev: Float32Array } | null,
  hidden: number,
): void {
  const batch = lengths.length;
  for (let b = 0; b < batch; b++) {
    if (t >= lengths[b]) continue;
    const row = t * batch + b;
    const [ro, so, ho, co] = [2 * b * hidden, b * hidden, b * 3 * hidden + 2 * hidden, row * 4 * hidden];
    if (cache) {
      cache.hPrev.set(h.subarray(so, so + hidden), row * hidden);
      cache.gates.set(rz.subarray(ro, ro + 2 * hidden), co);
      cache.gates.set(n.subarray(so, so + hidden), co + 2 * hidden);
      cache.gates.set(hz.subarray(ho, ho + hidden), co + 3 * hidden);
    }
    for (let j = 0; j < hidden; j++) {
      const nj = n[so + j];
      const hNew = (h[so + j] - nj) * rz[ro + hidden + j] + nj;
      h[so + j] = hNew;
      output[row * hidden + j] = hNew;
    }
  }
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
  // Rows of the steps a sequence does not have stay zero.
  const dXZ = ops.zeros(rows, gates);
  const dHZ = ops.zeros(rows, gates);
  const dHZt = ops.zeros(batch, gates);
  const dhDirect = ops.zeros(batch, hidden);
  const backBuffer = ops.empty(batch, hidden);
  // The biases' gradients, summed as the steps go (in float64): the column sums of dXZ and dHZ.
  const dBias = { ih: new Float64Array(gates), hh: new Float64Array(gates) };

  for (let s = steps - 1; s >= 0; s--) {
    const t = attrs.reverse ? steps - 1 - s : s;
    gruStepGradients(
      t,
      lengths,
      ops.data(dOutput),
      ops.data(cache),
      ops.data(hPrev),
      ops.data(dh),
      ops.data(dHZt),
      ops.data(dhDirect),
      ops.data(dXZ),
      ops.data(dHZ),
      dBias,
      hidden,
    );
    // dh_{t-1} = dhNew z + dHZ_t W_hh (the product is zero for the rows without step t).
    const back = ops.matMulInto(dHZt, weightHh, null, backBuffer);
    const [dhv, bv, dd] = [ops.data(dh), ops.data(back), ops.data(dhDirect)];
    for (let k = 0; k < dhv.length; k++) dhv[k] = dd[k] + bv[k];
    if (back !== backBuffer) ops.release(back);
  }
  [dHZt, dhDirect, backBuffer].forEach((m) => ops.release(m));
  const vector = (values: Float64Array) => {
    const m = ops.zeros(1, values.length);
    ops.data(m).set(values);
    return ops.output(m, [values.length]);
  };
  return [
    ops.output(dXZ, [rows, gates]),
    ops.output(dHZ, [rows, gates]),
    ops.output(dh, [batch, hidden]),
    vector(dBias.ih),
    vector(dBias.hh),
  ];
}

/**
 * Step t's gradients: for the sequences that have it, dXZ_t and dHZ_t into their rows of dXZ and
 * dHZ, dHZ_t also into dHZt (the product's input), and dhDirect = dhNew z; for the others, dh
 * passes through (dhDirect = dh) and dHZt is zero.
 */
function gruStepGradients(
  t: number,
  lengths: readonly number[],
  dOutput: Float32Array,
  cache: Float32Array,
  hPrev: Float32Array,
  dh: Float32Array,
  dHZt: Float32Array,
  dhDirect: Float32Array,
  dXZ: Float32Array,
  dHZ: Float32Array,
  dBias: { ih: Float64Array; hh: Float64Array },
  hidden: number,
): void {
  const batch = lengths.length;
  const gates = 3 * hidden;
  const { ih, hh } = dBias;
  for (let b = 0; b < batch; b++) {
    const so = b * hidden;
    const go = b * gates;
    if (t >= lengths[b]) {
      dHZt.fill(0, go, go + gates);
      for (let j = 0; j < hidden; j++) dhDirect[so + j] = dh[so + j];
      continue;
    }
    const row = t * batch + b;
    const [co, ro] = [row * 4 * hidden, row * gates];
    for (let j = 0; j < hidden; j++) {
      const dhNew = dOutput[row * hidden + j] + dh[so + j];
      const r = cache[co + j];
      const z = cache[co + hidden + j];
      const n = cache[co + 2 * hidden + j];
      // h' = (1 - z) n + z h; n = tanh(xn + r hn).
      const dAn = dhNew * (1 - z) * (1 - n * n);
      const dAr = dAn * cache[co + 3 * hidden + j] * r * (1 - r);
      const dAz = dhNew * (hPrev[row * hidden + j] - n) * z * (1 - z);
      dhDirect[so + j] = dhNew * z;
      dXZ[ro + j] = dHZ[ro + j] = dHZt[go + j] = dAr;
      dXZ[ro + hidden + j] = dHZ[ro + hidden + j] = dHZt[go + hidden + j] = dAz;
      dXZ[ro + 2 * hidden + j] = dAn;
      const dHn = (dHZ[ro + 2 * hidden + j] = dHZt[go + 2 * hidden + j] = dAn * r);
      ih[j] += dAr;
      ih[hidden + j] += dAz;
      ih[2 * hidden + j] += dAn;
      hh[j] += dAr;
      hh[hidden + j] += dAz;
      hh[2 * hidden + j] += dHn;
    }
  }
}
