import * as tf from '@tensorflow/tfjs';

import {
  LSTM_WEBGL_DH,
  LSTM_WEBGL_DZ,
  LSTM_WEBGL_GATES,
  LSTM_WEBGL_LAYOUT,
  LSTM_WEBGL_STATE,
  LSTM_WEBGL_STEP,
  WebglLayout,
} from './kernel-names';
import { registerKernel } from './run-kernel';

// The LSTM on `webgl` with the recurrent product inside the step's program (docs/bptt.md's names).
// Every tensor here is a packed texture (RGBA, tfjs' 2x2 blocks), and three layouts are chosen so
// that one texel holds what one shader invocation needs together:
// - gate texels ([2R, 2H] for R rows of a [R, 4H] matrix): texel (r, j) holds unit j's four gates
//   (i, f, g, o) of row r; the input's projection XZ, the activated gates A_t, and dZ_t;
// - weight texels W ([2H, 2H]): texel (k, j) holds W_hh's (i, f, g, o) rows j, column k, so that
//   z(b, j) += h(b, k) W(k, j) is one vec4 product, and read at (j, k) it gives the column the
//   backward's dh(b, j) = sum_k dZ(b, k) . W(j, k) needs;
// - state S_t ([N', 2H], N' = N rounded up to even): texel (b/2, j) holds (h, c) of unit j for
//   rows b and b + 1, so one fetch gives h(b, k) and h(b + 1, k) to the product.
// On a GPU a dispatch costs more than a step's arithmetic: a forward step is one program in
// inference and two in training, a backward step two, against some twenty ops for the composed ops.

/** What the kernels use of tfjs-backend-webgl's MathBackendWebGL (its GPGPUProgram interface). */
interface WebglBackend {
  runWebGLProgram(
    program: Program,
    inputs: tf.TensorInfo[],
    dtype: 'float32',
    customUniformValues?: number[][],
  ): tf.TensorInfo;
}

interface Program {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
  packedInputs: boolean;
  packedOutput: boolean;
  customUniforms?: { name: string; type: 'int' }[];
}

const even = (n: number) => n + (n % 2);

// Numerically safe forms (tfjs-backend-webgl's own are written so: exp of a large argument
// overflows, and some GPUs' tanh returns NaN there). `pick` reads element (r, c) of a packed
// texel, which holds rows r, r + 1 and columns c, c + 1 rounded down to even.
const FUNCTIONS = `
  float sigmoidOf(float x) { return 1.0 / (1.0 + exp(-x)); }
  float tanhOf(float x) {
    float e = exp(-2.0 * abs(x));
    return sign(x) * (1.0 - e) / (1.0 + e);
  }
  vec4 activate(vec4 z) { return vec4(sigmoidOf(z.x), sigmoidOf(z.y), tanhOf(z.z), sigmoidOf(z.w)); }
  float pick(vec4 v, int r, int c) {
    int i = 2 * (r - 2 * (r / 2)) + (c - 2 * (c / 2));
    return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w;
  }`;

// Whether row b has step t (VALID [T, N], 1 or 0); every row has it without a mask.
const validOf = (masked: boolean) =>
  masked
    ? `bool validAt(int t, int b) { return pick(getVALID(t, b), t, b) > 0.5; }`
    : `bool validAt(int t, int b) { return true; }`;

function program(
  variableNames: string[],
  outputShape: number[],
  body: string,
  options: { masked?: boolean; uniforms?: string[] } = {},
): Program {
  return {
    variableNames: options.masked ? [...variableNames, 'VALID'] : variableNames,
    outputShape,
    packedInputs: true,
    packedOutput: true,
    customUniforms: options.uniforms?.map((name) => ({ name, type: 'int' as const })),
    userCode: `${FUNCTIONS}
  ${validOf(Boolean(options.masked))}
  ${body}`,
  };
}

/**
 * One forward step for inference: S_t from S_{t-1} (rows b, b + 1 of unit j each invocation),
 * the gate texels of the input's projection XZ (rows t N + b) and the weight texels W:
 * z = xz + sum_k h_k W_k, c' = f c + i g, h' = o tanh(c'); a row without step t keeps its state.
 */
function stepProgram(batch: number, hidden: number, masked: boolean): Program {
  return program(
    ['S', 'XZ', 'W'],
    [even(batch), 2 * hidden],
    `
  vec2 cellOf(vec4 z, float c) {
    vec4 a = activate(z);
    float cNew = a.y * c + a.x * a.z;
    return vec2(a.w * tanhOf(cNew), cNew);
  }
  void main() {
    ivec2 rc = getOutputCoords();
    int b = rc.x;
    int j = rc.y / 2;
    int row = t * ${batch} + b;
    vec4 z0 = getXZ(2 * row, 2 * j);
    vec4 z1 = getXZ(2 * row + 2, 2 * j);
    for (int k = 0; k < ${hidden}; k++) {
      vec4 s = getS(b, 2 * k);
      vec4 w = getW(2 * k, 2 * j);
      z0 += s.x * w;
      z1 += s.z * w;
    }
    vec4 prev = getS(b, 2 * j);
    vec2 s0 = validAt(t, b) ? cellOf(z0, prev.y) : prev.xy;
    vec2 s1 = validAt(t, b + 1) ? cellOf(z1, prev.w) : prev.zw;
    setOutput(vec4(s0, s1));
  }`,
    { masked, uniforms: ['t'] },
  );
}

/** Training's first program of a forward step: A_t, the activated gates (gate texels, [2N, 2H]). */
function gatesProgram(batch: number, hidden: number): Program {
  return program(
    ['S', 'XZ', 'W'],
    [2 * batch, 2 * hidden],
    `
  void main() {
    ivec2 rc = getOutputCoords();
    int b = rc.x / 2;
    int j = rc.y / 2;
    vec4 z = getXZ(2 * (t * ${batch} + b), 2 * j);
    // h(b, k) is the first or the third element of the state's texel, as b is even or odd.
    vec2 row = b - 2 * (b / 2) == 0 ? vec2(1.0, 0.0) : vec2(0.0, 1.0);
    for (int k = 0; k < ${hidden}; k++) {
      z += dot(getS(b, 2 * k).xz, row) * getW(2 * k, 2 * j);
    }
    setOutput(activate(z));
  }`,
    { uniforms: ['t'] },
  );
}

/** Training's second: S_t from A_t and S_{t-1}. */
function stateProgram(batch: number, hidden: number, masked: boolean): Program {
  return program(
    ['A', 'S'],
    [even(batch), 2 * hidden],
    `
  vec2 cellOf(vec4 a, float c) {
    float cNew = a.y * c + a.x * a.z;
    return vec2(a.w * tanhOf(cNew), cNew);
  }
  void main() {
    ivec2 rc = getOutputCoords();
    int b = rc.x;
    int j = rc.y / 2;
    vec4 prev = getS(b, 2 * j);
    vec2 s0 = validAt(t, b) ? cellOf(getA(2 * b, 2 * j), prev.y) : prev.xy;
    vec2 s1 = validAt(t, b + 1) ? cellOf(getA(2 * b + 2, 2 * j), prev.w) : prev.zw;
    setOutput(vec4(s0, s1));
  }`,
    { masked, uniforms: ['t'] },
  );
}

/**
 * One backward step's first program: the dL/dh carried into step t ([N, H], tfjs' packed layout)
 * from the step after it in the pass (`tNext`): dZ_next W_hh, or, where a row does not have that
 * step, what was carried into it (DH). DZ is that step's `LSTM_WEBGL_DZ` output.
 */
function dhProgram(batch: number, hidden: number, masked: boolean): Program {
  return program(
    ['DZ', 'W', 'DH'],
    [batch, hidden],
    `
  void main() {
    ivec2 rc = getOutputCoords();
    int b = rc.x;
    int j = rc.y;
    vec4 acc = vec4(0.0);
    for (int k = 0; k < ${hidden}; k++) {
      vec4 d0 = getDZ(2 * b, 2 * k);
      vec4 d1 = getDZ(2 * b + 2, 2 * k);
      vec4 w0 = getW(2 * j, 2 * k);
      vec4 w1 = getW(2 * j + 2, 2 * k);
      acc += vec4(dot(d0, w0), dot(d0, w1), dot(d1, w0), dot(d1, w1));
    }
    vec4 carried = getDH(b, j);
    setOutput(vec4(validAt(tNext, b) ? acc.xy : carried.xy, validAt(tNext, b + 1) ? acc.zw : carried.zw));
  }`,
    { masked, uniforms: ['tNext'] },
  );
}

/**
 * One backward step's second (docs/bptt.md, section 3): from A_t, c_t and c_{t-1} (in S_t and
 * S_{t-1}), dL/dy_t (DY, [T, N, H]), the carried dh (DH) and dc (DC: the previous step's output,
 * or dL/dc_T as [N, H] in the first step), [dZ_t | dc_{t-1}] as [2N, 4H]: gate texels of dZ_t in
 * columns [0, 2H), dc_{t-1} in the first element of the texels after. dh = dy + dh_carried;
 * dc = dc + dh o (1 - tanh(c)^2); dZ = [dc g i(1-i), dc c_{t-1} f(1-f), dc i (1-g^2),
 * dh tanh(c) o(1-o)]; dc_{t-1} = dc f. A row without step t passes dc through and has dZ = 0.
 */
function dzProgram(batch: number, hidden: number, masked: boolean, first: boolean): Program {
  const dcIn = first ? 'pick(getDC(b, j), b, j)' : `getDC(2 * b, 2 * (${hidden} + j)).x`;
  return program(
    ['A', 'S', 'SP', 'DY', 'DH', 'DC'],
    [2 * batch, 4 * hidden],
    `
  void main() {
    ivec2 rc = getOutputCoords();
    int b = rc.x / 2;
    int column = rc.y / 2;
    bool isDc = column >= ${hidden};
    int j = isDc ? column - ${hidden} : column;
    float dcIn = ${dcIn};
    if (!validAt(t, b)) {
      setOutput(isDc ? vec4(dcIn, 0.0, 0.0, 0.0) : vec4(0.0));
      return;
    }
    vec4 a = getA(2 * b, 2 * j);
    float tanhC = tanhOf(pick(getS(b, 2 * j), b, 1));
    float dh = pick(getDY(t, b, j), b, j) + pick(getDH(b, j), b, j);
    float dc = dcIn + dh * a.w * (1.0 - tanhC * tanhC);
    if (isDc) {
      setOutput(vec4(dc * a.y, 0.0, 0.0, 0.0));
      return;
    }
    float cPrev = pick(getSP(b, 2 * j), b, 1);
    setOutput(vec4(
      dc * a.z * a.x * (1.0 - a.x),
      dc * cPrev * a.y * (1.0 - a.y),
      dc * a.x * (1.0 - a.z * a.z),
      dh * tanhC * a.w * (1.0 - a.w)));
  }`,
    { masked, uniforms: ['t'] },
  );
}

/** The conversions into and out of the layouts above (see `WebglLayout`). */
function layoutProgram(layout: WebglLayout, shape: number[], hidden: number, masked: boolean): Program {
  // Element (r, c) of a [R, 4H] matrix X, of h and of c in state S, row r.
  const x = (r: string, c: string) => `pick(getX(${r}, ${c}), ${r}, ${c})`;
  switch (layout) {
    case 'gates': // X [R, 4H] -> gate texels [2R, 2H]
    case 'weights': {
      // X = W_hh [4H, H] -> weight texels [2H, 2H]: texel (k, j) = W_hh rows gH + j, column k.
      const [rows] = shape;
      const at = (g: number) => (layout === 'gates' ? x('r', `${g * hidden} + j`) : x(`${g * hidden} + j`, 'r'));
      return program(
        ['X'],
        layout === 'gates' ? [2 * rows, 2 * hidden] : [2 * hidden, 2 * hidden],
        `
  void main() {
    ivec2 rc = getOutputCoords();
    int r = rc.x / 2;
    int j = rc.y / 2;
    setOutput(vec4(${at(0)}, ${at(1)}, ${at(2)}, ${at(3)}));
  }`,
      );
    }
    case 'state': {
      // X = h [N, H], Y = c -> S [N', 2H].
      const [batch] = shape;
      return program(
        ['X', 'Y'],
        [even(batch), 2 * hidden],
        `
  void main() {
    ivec2 rc = getOutputCoords();
    int b = rc.x;
    int j = rc.y / 2;
    vec4 h = getX(b, j);
    vec4 c = getY(b, j);
    bool odd = j - 2 * (j / 2) == 1;
    setOutput(odd ? vec4(h.y, c.y, h.w, c.w) : vec4(h.x, c.x, h.z, c.z));
  }`,
      );
    }
    case 'h':
    case 'c': {
      // X = S [N', 2H] -> h or c [N, H].
      const [batch] = shape;
      const part = layout === 'h' ? 'xz' : 'yw';
      return program(
        ['X'],
        [batch, hidden],
        `
  void main() {
    ivec2 rc = getOutputCoords();
    vec2 s0 = getX(rc.x, 2 * rc.y).${part};
    vec2 s1 = getX(rc.x, 2 * rc.y + 2).${part};
    setOutput(vec4(s0.x, s1.x, s0.y, s1.y));
  }`,
      );
    }
    case 'outputs': {
      // X = S_t stacked [T, N', 2H] -> h [T, N, H], zero where a row does not have step t.
      const [steps, batch] = shape;
      return program(
        ['X'],
        [steps, batch, hidden],
        `
  void main() {
    ivec3 rc = getOutputCoords();
    vec2 s0 = getX(rc.x, rc.y, 2 * rc.z).xz;
    vec2 s1 = getX(rc.x, rc.y, 2 * rc.z + 2).xz;
    vec4 h = vec4(s0.x, s1.x, s0.y, s1.y);
    setOutput(vec4(validAt(rc.x, rc.y) ? h.xy : vec2(0.0), validAt(rc.x, rc.y + 1) ? h.zw : vec2(0.0)));
  }`,
        { masked },
      );
    }
    case 'dz': {
      // X = [dZ_t | dc_{t-1}] stacked [T, 2N, 4H] -> dZ [T, N, 4H].
      const [steps, batch] = shape;
      const at = (dr: number, dn: number) =>
        `gateOf(getX(rc.x, 2 * (rc.y + ${dr}), 2 * imod(rc.z + ${dn}, ${hidden})), (rc.z + ${dn}) / ${hidden})`;
      return program(
        ['X'],
        [steps, batch, 4 * hidden],
        `
  float gateOf(vec4 v, int g) { return g == 0 ? v.x : g == 1 ? v.y : g == 2 ? v.z : v.w; }
  void main() {
    ivec3 rc = getOutputCoords();
    setOutput(vec4(${at(0, 0)}, ${at(0, 1)}, ${at(1, 0)}, ${at(1, 1)}));
  }`,
      );
    }
    case 'packed':
      return program(['X'], shape, `void main() { setOutput(getXAtOutCoords()); }`);
    case 'dc': {
      // X = [dZ_t | dc_{t-1}] [2N, 4H] -> dc_{t-1} [N, H].
      const [batch] = shape;
      const at = (dr: number, dj: number) => `getX(2 * (rc.x + ${dr}), 2 * (${hidden} + rc.y + ${dj})).x`;
      return program(
        ['X'],
        [batch, hidden],
        `
  void main() {
    ivec2 rc = getOutputCoords();
    setOutput(vec4(${at(0, 0)}, ${at(0, 1)}, ${at(1, 0)}, ${at(1, 1)}));
  }`,
      );
    }
  }
}

let registered = false;

/**
 * Registers the gate-texel kernels (`LSTM_WEBGL_STEP`, `LSTM_WEBGL_GATES`, `LSTM_WEBGL_STATE`,
 * `LSTM_WEBGL_DH`, `LSTM_WEBGL_DZ`, `LSTM_WEBGL_LAYOUT`) once. Registering does not need the
 * webgl backend to exist (in Node it never runs).
 */
export function registerWebglGateTexelKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel(LSTM_WEBGL_STEP, 'webgl')) return; // a second copy of this package did it
  const run = (backend: tf.KernelBackend, p: Program, inputs: (tf.TensorInfo | undefined)[], uniforms?: number[][]) =>
    (backend as unknown as WebglBackend).runWebGLProgram(
      p,
      inputs.filter((t): t is tf.TensorInfo => t !== undefined),
      'float32',
      uniforms,
    );
  registerKernel(LSTM_WEBGL_STEP, 'webgl', ({ inputs: i, backend, attrs }) => [
    run(backend, stepProgram(attrs.batch, attrs.hidden, Boolean(i.valid)), [i.s, i.xz, i.w, i.valid], [[attrs.t]]),
  ]);
  registerKernel(LSTM_WEBGL_GATES, 'webgl', ({ inputs: i, backend, attrs }) => [
    run(backend, gatesProgram(attrs.batch, attrs.hidden), [i.s, i.xz, i.w], [[attrs.t]]),
  ]);
  registerKernel(LSTM_WEBGL_STATE, 'webgl', ({ inputs: i, backend, attrs }) => [
    run(backend, stateProgram(attrs.batch, attrs.hidden, Boolean(i.valid)), [i.a, i.s, i.valid], [[attrs.t]]),
  ]);
  registerKernel(LSTM_WEBGL_DH, 'webgl', ({ inputs: i, backend, attrs }) => [
    run(backend, dhProgram(attrs.batch, attrs.hidden, Boolean(i.valid)), [i.dz, i.w, i.dh, i.valid], [[attrs.tNext]]),
  ]);
  registerKernel(LSTM_WEBGL_DZ, 'webgl', ({ inputs: i, backend, attrs }) => [
    run(
      backend,
      dzProgram(attrs.batch, attrs.hidden, Boolean(i.valid), attrs.first),
      [i.a, i.s, i.sPrev, i.dy, i.dh, i.dc, i.valid],
      [[attrs.t]],
    ),
  ]);
  registerKernel(LSTM_WEBGL_LAYOUT, 'webgl', ({ inputs: i, backend, attrs }) => [
    run(backend, layoutProgram(attrs.layout, attrs.shape, attrs.hidden, Boolean(i.valid)), [i.x, i.y, i.valid]),
  ]);
}
