import type * as tf from '@tensorflow/tfjs';

import { KernelOps, Mat, stackGateWeights } from './kernel-ops';
import { matMulJs, transposeJs } from './matmul-js';
import { jsGruLoops } from './gru-loops';
import { jsLoops } from './step-loops';

/** What the kernels use of tfjs-backend-cpu's MathBackendCPU. */
interface CpuBackend {
  blockSize?: number;
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

interface CpuMat extends Mat {
  values: Float32Array;
}

// Math's functions bound once: the loops below call them per element, and a global lookup per
// call is slow where the global object is not an ordinary one (jest's vm contexts: ~15x).
const { exp, tanh } = Math;

/** tfjs-backend-cpu's sigmoid: float64, then rounded to float32 on store. */
const sigmoid = (x: number) => 1 / (1 + exp(-x));

/**
 * The primitives on the cpu backend: plain JavaScript on its Float32Arrays, with a register-blocked
 * matMul (src/kernels/matmul-js.ts) in place of the backend's own, which is about 4x slower.
 */
export function cpuOps(backend: CpuBackend): KernelOps<CpuMat> {
  const blockSize = backend.blockSize ?? 48;
  const mat = (rows: number, cols: number, values: Float32Array = new Float32Array(rows * cols)): CpuMat => ({
    rows,
    cols,
    values,
  });
  return {
    input: (info, rows, cols) => mat(rows, cols, backend.data.get(info.dataId).values as Float32Array),
    zeros: (rows, cols) => mat(rows, cols),
    empty: (rows, cols) => mat(rows, cols),
    data: (m) => m.values,
    matMul: (a, b) => mat(a.rows, b.cols, matMulJs(a.values, b.values, a.rows, a.cols, b.cols, blockSize)),
    matMulInto(a, b, bias, into) {
      into.values.set(matMulJs(a.values, b.values, a.rows, a.cols, b.cols, blockSize));
      if (bias) addRows(into.values, bias.values);
      return into;
    },
    activate(m, kind) {
      const v = m.values;
      if (kind === 'tanh') for (let k = 0; k < v.length; k++) v[k] = tanh(v[k]);
      else for (let k = 0; k < v.length; k++) v[k] = sigmoid(v[k]);
    },
    transpose: (a) => mat(a.cols, a.rows, transposeJs(a.values, a.rows, a.cols)),
    gateWeights(weightIh, weightHh, bias) {
      const gates = weightIh.rows;
      const w = stackGateWeights(weightIh.values, weightHh.values, gates, weightIh.cols, weightHh.cols, 1);
      return { w: mat(weightIh.cols + weightHh.cols, gates, w), b: bias && mat(1, gates, bias) };
    },
    gates(xh, { w, b }) {
      const z = matMulJs(xh.values, w.values, xh.rows, xh.cols, w.cols, blockSize);
      activate(z, b?.values ?? null, w.cols / 4);
      return mat(xh.rows, w.cols, z);
    },
    release: () => undefined,
    output: (m, shape) => backend.makeTensorInfo(shape, 'float32', m.values),
    loops: jsLoops,
    gruLoops: jsGruLoops,
  };
}

/** `bias` added to each row of m, in place. */
function addRows(m: Float32Array, bias: Float32Array): void {
  const cols = bias.length;
  for (let row = 0; row < m.length; row += cols) for (let j = 0; j < cols; j++) m[row + j] += bias[j];
}

/** z + b, then sigmoid for i, f, o and tanh for g, in place. */
function activate(z: Float32Array, bias: Float32Array | null, hidden: number): void {
  const gates = 4 * hidden;
  if (bias) {
    for (let row = 0; row < z.length; row += gates) for (let j = 0; j < gates; j++) z[row + j] += bias[j];
  }
  for (let row = 0; row < z.length; row += gates) {
    for (let j = row; j < row + 2 * hidden; j++) z[j] = sigmoid(z[j]);
    for (let j = row + 2 * hidden; j < row + 3 * hidden; j++) z[j] = tanh(z[j]);
    for (let j = row + 3 * hidden; j < row + gates; j++) z[j] = sigmoid(z[j]);
  }
}
