import * as tf from '@tensorflow/tfjs';

import {
  GRU_WEBGL_CELL,
  LSTM_WEBGL_BACKWARD,
  LSTM_WEBGL_CELL,
  LSTM_WEBGL_CELL_CACHE,
  LSTM_WEBGL_UNPACKED,
} from './kernel-names';
import { registerKernel } from './run-kernel';

/** What the kernels use of tfjs-backend-webgl's MathBackendWebGL (its GPGPUProgram interface). */
interface WebglBackend {
  runWebGLProgram(
    program: {
      variableNames: string[];
      outputShape: number[];
      userCode: string;
      customUniforms?: { name: string; type: 'int' }[];
    },
    inputs: tf.TensorInfo[],
    dtype: 'float32',
    customUniformValues?: number[][],
  ): tf.TensorInfo;
}

// Numerically safe forms: exp of a large argument would overflow to Infinity, and some GPUs' own
// tanh returns NaN there (tfjs-backend-webgl's Tanh is written the same way, for that reason).
const ACTIVATIONS = `
  float sigmoidOf(float x) { return 1.0 / (1.0 + exp(-x)); }
  float tanhOf(float x) {
    float e = exp(-2.0 * abs(x));
    return sign(x) * (1.0 - e) / (1.0 + e);
  }`;

// gate(b, k): column k of step row b's pre-activation, the input's part (rows from `offset` of XZ)
// plus the recurrent product's (HZ). cellOf(b, k): c' = f c + i g; rOf(b, k, c): o tanh(c').
const stepFunctions = (hidden: number) => `${ACTIVATIONS}
  float gate(int b, int k) { return getXZ(offset + b, k) + getHZ(b, k); }
  float cellOf(int b, int k) {
    float i = sigmoidOf(gate(b, k));
    float f = sigmoidOf(gate(b, ${hidden} + k));
    float g = tanhOf(gate(b, ${2 * hidden} + k));
    return f * getC(b, k) + i * g;
  }
  float rOf(int b, int k, float c) { return sigmoidOf(gate(b, ${3 * hidden} + k)) * tanhOf(c); }`;

/** The forward programs' inputs: the input's projection, the recurrent product, c; and the row offset. */
const STEP_INPUTS = {
  variableNames: ['XZ', 'HZ', 'C'],
  customUniforms: [{ name: 'offset', type: 'int' as const }],
};

/**
 * One LSTM step's gate arithmetic and state update as one shader program: from the input's
 * projection (rows [offset, offset + N) of XZ, x_t W_ih^T + b), the recurrent product HZ (h W_hh^T)
 * and c, it writes [c' | r] ([N, 2H]): c' = f c + i g, r = o tanh(c'). What the composed ops do in
 * some fourteen dispatches, in one; each output element recomputes the gates it needs.
 */
function cellProgram(batch: number, hidden: number) {
  return {
    ...STEP_INPUTS,
    outputShape: [batch, 2 * hidden],
    userCode: `${stepFunctions(hidden)}
      void main() {
        ivec2 rc = getOutputCoords();
        int b = rc.x;
        int j = rc.y;
        int k = j < ${hidden} ? j : j - ${hidden};
        float c = cellOf(b, k);
        setOutput(j < ${hidden} ? c : rOf(b, k, c));
      }`,
  };
}

/**
 * The same step for training: [i | f | g | o | c' | tanh(c') | r] ([N, 7H]), the gates activated,
 * all the backward pass needs of the step in one texture.
 */
function cellCacheProgram(batch: number, hidden: number) {
  return {
    ...STEP_INPUTS,
    outputShape: [batch, 7 * hidden],
    userCode: `${stepFunctions(hidden)}
      void main() {
        ivec2 rc = getOutputCoords();
        int b = rc.x;
        int block = rc.y / ${hidden};
        int k = rc.y - block * ${hidden};
        if (block < 4) {
          float z = gate(b, rc.y);
          setOutput(block == 2 ? tanhOf(z) : sigmoidOf(z));
          return;
        }
        float c = cellOf(b, k);
        setOutput(block == 4 ? c : block == 5 ? tanhOf(c) : rOf(b, k, c));
      }`,
  };
}

/**
 * One step of BPTT (docs/bptt.md, in its names): from the step's cache A ([N, 7H], as above),
 * c_{t-1}, dL/dr_t and the dL/dc_t carried from step t+1, [dZ_t | dc_{t-1}] ([N, 5H]):
 * dc = dc + dr o (1 - tanh(c)^2); dZ = [dc g i(1-i), dc c_{t-1} f(1-f), dc i (1-g^2),
 * dr tanh(c) o(1-o)]; dc_{t-1} = dc f.
 */
function cellBackwardProgram(batch: number, hidden: number) {
  return {
    variableNames: ['A', 'CP', 'DR', 'DC'],
    outputShape: [batch, 5 * hidden],
    userCode: `
      void main() {
        ivec2 rc = getOutputCoords();
        int b = rc.x;
        int block = rc.y / ${hidden};
        int k = rc.y - block * ${hidden};
        float i = getA(b, k);
        float f = getA(b, ${hidden} + k);
        float g = getA(b, ${2 * hidden} + k);
        float o = getA(b, ${3 * hidden} + k);
        float tanhC = getA(b, ${5 * hidden} + k);
        float dr = getDR(b, k);
        float dc = getDC(b, k) + dr * o * (1.0 - tanhC * tanhC);
        if (block == 0) {
          setOutput(dc * g * i * (1.0 - i));
        } else if (block == 1) {
          setOutput(dc * getCP(b, k) * f * (1.0 - f));
        } else if (block == 2) {
          setOutput(dc * i * (1.0 - g * g));
        } else if (block == 3) {
          setOutput(dr * tanhC * o * (1.0 - o));
        } else {
          setOutput(dc * f);
        }
      }`,
  };
}

/**
 * One GRU step (docs/bptt.md, section 10) as one shader program: h' = (h - n) z + n with
 * r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r hn), the input's part from rows
 * [offset, offset + N) of XZ and the recurrent one HZ + BH. What the composed ops do in some
 * fifteen dispatches, in one.
 */
function gruCellProgram(batch: number, hidden: number) {
  return {
    variableNames: ['XZ', 'HZ', 'BH', 'H'],
    customUniforms: [{ name: 'offset', type: 'int' as const }],
    outputShape: [batch, hidden],
    userCode: `${ACTIVATIONS}
      float part(int b, int k) { return getHZ(b, k) + getBH(0, k); }
      void main() {
        ivec2 rc = getOutputCoords();
        int b = rc.x;
        int k = rc.y;
        float r = sigmoidOf(getXZ(offset + b, k) + part(b, k));
        float z = sigmoidOf(getXZ(offset + b, ${hidden} + k) + part(b, ${hidden} + k));
        float n = tanhOf(getXZ(offset + b, ${2 * hidden} + k) + r * part(b, ${2 * hidden} + k));
        setOutput((getH(b, k) - n) * z + n);
      }`,
  };
}

/** A copy of a 2-D tensor in an unpacked texture (see `LSTM_WEBGL_UNPACKED`). */
function unpackedProgram(shape: number[]) {
  return {
    variableNames: ['A'],
    outputShape: shape,
    userCode: `void main() { ivec2 rc = getOutputCoords(); setOutput(getA(rc.x, rc.y)); }`,
  };
}

let registered = false;

/**
 * Registers the webgl kernels (`LSTM_WEBGL_CELL`, `LSTM_WEBGL_CELL_CACHE`, `LSTM_WEBGL_BACKWARD`,
 * `LSTM_WEBGL_UNPACKED`, `GRU_WEBGL_CELL`) once. Registering does not
 * need the webgl backend to exist (in Node it never runs).
 */
export function registerWebglKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel(LSTM_WEBGL_CELL, 'webgl')) return; // a second copy of this package did it
  registerKernel(LSTM_WEBGL_CELL, 'webgl', ({ inputs, backend, attrs }) => {
    const [batch, hidden] = inputs.c.shape;
    const webgl = backend as unknown as WebglBackend;
    return [
      webgl.runWebGLProgram(cellProgram(batch, hidden), [inputs.xz, inputs.hz, inputs.c], 'float32', [[attrs.offset]]),
    ];
  });
  registerKernel(LSTM_WEBGL_CELL_CACHE, 'webgl', ({ inputs, backend, attrs }) => {
    const [batch, hidden] = inputs.c.shape;
    const webgl = backend as unknown as WebglBackend;
    const program = cellCacheProgram(batch, hidden);
    return [webgl.runWebGLProgram(program, [inputs.xz, inputs.hz, inputs.c], 'float32', [[attrs.offset]])];
  });
  registerKernel(LSTM_WEBGL_BACKWARD, 'webgl', ({ inputs, backend }) => {
    const [batch, hidden] = inputs.cPrev.shape;
    const webgl = backend as unknown as WebglBackend;
    const program = cellBackwardProgram(batch, hidden);
    return [webgl.runWebGLProgram(program, [inputs.a, inputs.cPrev, inputs.dr, inputs.dc], 'float32')];
  });
  registerKernel(GRU_WEBGL_CELL, 'webgl', ({ inputs, backend, attrs }) => {
    const [batch, hidden] = inputs.h.shape;
    const webgl = backend as unknown as WebglBackend;
    const program = gruCellProgram(batch, hidden);
    return [webgl.runWebGLProgram(program, [inputs.xz, inputs.hz, inputs.bh, inputs.h], 'float32', [[attrs.offset]])];
  });
  registerKernel(LSTM_WEBGL_UNPACKED, 'webgl', ({ inputs, backend }) => {
    const webgl = backend as unknown as WebglBackend;
    return [webgl.runWebGLProgram(unpackedProgram(inputs.x.shape), [inputs.x], 'float32')];
  });
}
