import type * as tf from '@tensorflow/tfjs';

import type { GruLoops } from './gru-loops';
import type { StepLoops } from './step-loops';

/** A row-major matrix in a backend's memory. */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
}

/** The weights of the gate pre-activations z = [x_t | h_{t-1}] W + b, in the form `gates` takes. */
export interface GateWeights<M extends Mat> {
  /** [I + P, 4H]: W_ih^T stacked on W_hh^T (scaled as the backend's `gates` expects). */
  w: M;
  /** [4H], b_ih + b_hh; null without bias. */
  b: M | null;
}

/**
 * The few primitives the fused LSTM kernels take from a backend, so that one algorithm
 * (`lstm-forward-kernel.ts`, `lstm-backward-kernel.ts`) runs on each: on `cpu` everything is
 * JavaScript on the backend's arrays; on `wasm` the matrix products and sigmoids are the
 * backend's own (XNNPACK) kernels and the element-wise work is JavaScript on views of the wasm
 * heap, so no tensor is ever sliced or copied step by step.
 */
export interface KernelOps<M extends Mat = Mat> {
  /** A kernel input as a rows x cols matrix, without copying. */
  input(info: tf.TensorInfo, rows: number, cols: number): M;
  /** A new zero-filled matrix. */
  zeros(rows: number, cols: number): M;
  /** A new matrix for the caller to overwrite whole: its values are whatever was there (wasm). */
  empty(rows: number, cols: number): M;
  /**
   * The matrix's values. On wasm this is a view of the module's heap, which any allocation may
   * move: take it again after every call that makes a matrix.
   */
  data(m: M): Float32Array;
  /** A B */
  matMul(a: M, b: M): M;
  /**
   * A B + bias (a [cols] row added to every row), into `into` ([a.rows, b.cols]) where the backend
   * can (a sequence reuses one buffer for every step), else into a new matrix. The caller releases
   * the result if it is not `into`.
   */
  matMulInto(a: M, b: M, bias: M | null, into: M): M;
  /** sigmoid or tanh of every value of m, in place. */
  activate(m: M, kind: 'sigmoid' | 'tanh'): void;
  transpose(a: M): M;
  /** Prepares W_ih [4H, I], W_hh [4H, P] and the summed bias for `gates`. */
  gateWeights(weightIh: M, weightHh: M, bias: Float32Array | null): GateWeights<M>;
  /**
   * The activations [N, 4H] (sigmoid for i, f, o; tanh for g) of z = xh W + b: in `into` when
   * given and the backend can (a sequence reuses one buffer for every step), else in a new matrix.
   * The caller releases the result if it is not `into`.
   */
  gates(xh: M, weights: GateWeights<M>, into?: M): M;
  /** Frees a matrix this kernel made (never an input). */
  release(m: M): void;
  /** Hands a matrix over as a kernel output of the given shape (same size). */
  output(m: M, shape: number[]): tf.TensorInfo;
  /** The per-step element-wise loops, on arrays from `data`. */
  loops: StepLoops;
  /** The GRU kernels' per-step loops, on arrays from `data`. */
  gruLoops: GruLoops;
}

/** [W_ih^T; W_hh^T] as one [I + P, 4H] array, the g columns multiplied by `gScale`. */
export function stackGateWeights(
  weightIh: Float32Array,
  weightHh: Float32Array,
  gates: number,
  inputSize: number,
  outSize: number,
  gScale: number,
): Float32Array {
  const hidden = gates / 4;
  const w = new Float32Array((inputSize + outSize) * gates);
  const scale = (j: number) => (j >= 2 * hidden && j < 3 * hidden ? gScale : 1);
  for (let j = 0; j < gates; j++) {
    const s = scale(j);
    for (let k = 0; k < inputSize; k++) w[k * gates + j] = weightIh[j * inputSize + k] * s;
    for (let k = 0; k < outSize; k++) w[(inputSize + k) * gates + j] = weightHh[j * outSize + k] * s;
  }
  return w;
}
