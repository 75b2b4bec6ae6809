import * as tf from '@tensorflow/tfjs';

import {
  GRU_WEBGL_STEP,
  LSTM_WEBGL_DH,
  LSTM_WEBGL_DZ,
  LSTM_WEBGL_GATES,
  LSTM_WEBGL_GATHER,
  LSTM_WEBGL_LAYOUT,
  LSTM_WEBGL_STATE,
  LSTM_WEBGL_STEP,
  WebglGather,
  WebglLayout,
} from './kernel-names';
import { registerKernel } from './run-kernel';

// The LSTM on `webgl` with the recurrent product inside the step's program (docs/bptt.md's names).
// Every tensor here is a packed texture (RGBA, tfjs' 2x2 blocks). On a GPU a dispatch costs more
// than a step's arithmetic: a forward step is one program in inference and two in training, a
// backward step two, against some twenty ops for the composed ops.
//
// Inference, one program a step: each invocation computes rows b, b + 1 of unit j, all four gates,
// and writes its whole result in one texel. Three layouts make that so:
// - gate texels ([2R, 2H] for R rows of a [R, 4H] matrix): texel (r, j) holds unit j's four gates
//   (i, f, g, o) of row r; the input's projection XZ;
// - weight texels W ([2H, 2H]): texel (k, j) holds W_hh's (i, f, g, o) rows j, column k, so that
//   z(b, j) += h(b, k) W(k, j) is one vec4 product;
// - the state S_t "interleaved" ([N', 2H], N' = N rounded up to even): texel (b/2, j) holds (h, c)
//   of unit j for rows b and b + 1, so one fetch gives the product h(b, k) and h(b + 1, k).
// Training keeps tfjs' own layout: the state "split" ([h | c], [N', 2H]), the activated gates A_t
// ([N, 4H]) and [dZ_t | dc_{t-1}] ([N, 5H]), so that the products (A_t from h, dh from dZ) are of
// 2x2 blocks as tfjs' matMul computes them (four multiply-adds a fetch, against two for gate
// texels of one row), and dZ of all steps is collected by copying whole texels.

/** What the kernels use of tfjs-backend-webgl's MathBackendWebGL (its GPGPUProgram interface). */
interface WebglBackend {
  runWebGLProgram(
    program: Program,
    inputs: tf.TensorInfo[],
    dtype: 'float32',
    customUniformValues?: number[][],
  ): tf.TensorInfo;
  texData: { get(dataId: object): { isPacked: boolean } | undefined };
  incRef(dataId: object): void;
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
  vec4 tanh4(vec4 x) { return vec4(tanhOf(x.x), tanhOf(x.y), tanhOf(x.z), tanhOf(x.w)); }
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

/**
 * hS(b, j) and cS(b, j) (with `t` first when stacked: S_t of a [T, N', 2H] stack): h and c of
 * row b, unit j in the state texture `sampler`, interleaved or split (see above).
 */
function stateAccessors(sampler: string, hidden: number, split: boolean, stacked = false): string {
  const [args, at] = stacked ? ['int t, int b, int j', 't, b, '] : ['int b, int j', 'b, '];
  const read = (column: string) => `pick(get${sampler}(${at}${column}), b, ${column})`;
  const [h, c] = split ? ['j', `${hidden} + j`] : ['2 * j', '2 * j + 1'];
  return `
  float h${sampler}(${args}) { return ${read(h)}; }
  float c${sampler}(${args}) { return ${read(c)}; }`;
}

/** A packed output texel from `el(r, c)`, element by element (2-D, or 3-D with the step first). */
function elementwise(rank: 2 | 3): string {
  return rank === 2
    ? `
  void main() {
    ivec2 rc = getOutputCoords();
    int r = rc.x;
    int c = rc.y;
    setOutput(vec4(el(r, c), el(r, c + 1), el(r + 1, c), el(r + 1, c + 1)));
  }`
    : `
  void main() {
    ivec3 rc = getOutputCoords();
    int r = rc.y;
    int c = rc.z;
    setOutput(vec4(el(rc.x, r, c), el(rc.x, r, c + 1), el(rc.x, r + 1, c), el(rc.x, r + 1, c + 1)));
  }`;
}

function program(
  variableNames: string[],
  outputShape: number[],
  body: string,
  options: { masked?: boolean; uniforms?: string[]; unpackedOutput?: boolean } = {},
): Program {
  return {
    variableNames: options.masked ? [...variableNames, 'VALID'] : variableNames,
    outputShape,
    packedInputs: true,
    packedOutput: !options.unpackedOutput,
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

/**
 * Training's first program of a forward step: A_t = the activated gates ([N, 4H], tfjs' layout),
 * z = xz_t + h W_hh^T from the input's projection XZ ([T, N, 4H]), the split state S_{t-1} and
 * W = W_hh ([4H, H], read transposed as tfjs' matMul reads it), a 2x2 block of z each invocation.
 */
function gatesProgram(batch: number, hidden: number): Program {
  // With H odd, h's last column shares its texel with c's first: only the block's first column counts.
  const oddTail =
    hidden % 2 === 1
      ? `
    vec4 hLast = getS(b, ${hidden - 1});
    z += hLast.xxzz * getW(n, ${hidden - 1}).xzxz;`
      : '';
  return program(
    ['S', 'XZ', 'W'],
    [batch, 4 * hidden],
    `
  // A 2x2 block of h times one of W_hh read transposed.
  vec4 product(vec4 h, vec4 w) { return h.xxzz * w.xzxz + h.yyww * w.ywyw; }
  float activateAt(float z, int n) { return n / ${hidden} == 2 ? tanhOf(z) : sigmoidOf(z); }
  void main() {
    ivec2 rc = getOutputCoords();
    int b = rc.x;
    int n = rc.y;
    vec4 z = getXZ(t, b, n);
    for (int k = 0; k < ${hidden - 1}; k += 2) {
      z += product(getS(b, k), getW(n, k));
    }${oddTail}
    setOutput(vec4(activateAt(z.x, n), activateAt(z.y, n + 1), activateAt(z.z, n), activateAt(z.w, n + 1)));
  }`,
    { uniforms: ['t'] },
  );
}

/** Training's second: the split state S_t from A_t and S_{t-1}; a row without step t keeps its state. */
function stateProgram(batch: number, hidden: number, masked: boolean): Program {
  const H = hidden;
  if (H % 2 === 0) {
    // With H even a texel of h (or c) and a texel of each gate cover the same 2x2 block of rows
    // and units: five fetches a texel.
    return program(
      ['A', 'S'],
      [even(batch), 2 * H],
      `
  void main() {
    ivec2 rc = getOutputCoords();
    int b = rc.x;
    bool isC = rc.y >= ${H};
    int j = isC ? rc.y - ${H} : rc.y;
    vec4 cPrev = getS(b, ${H} + j);
    vec4 c = getA(b, ${H} + j) * cPrev + getA(b, j) * getA(b, ${2 * H} + j);
    vec4 next = isC ? c : getA(b, ${3 * H} + j) * tanh4(c);
    vec4 prev = isC ? cPrev : getS(b, j);
    setOutput(vec4(validAt(t, b) ? next.xy : prev.xy, validAt(t, b + 1) ? next.zw : prev.zw));
  }`,
      { masked, uniforms: ['t'] },
    );
  }
  const gate = (g: number) => `pick(getA(b, ${g * H} + j), b, ${g * H} + j)`;
  return program(
    ['A', 'S'],
    [even(batch), 2 * H],
    `${stateAccessors('S', H, true)}
  float el(int b, int n) {
    int j = n < ${H} ? n : n - ${H};
    float cPrev = cS(b, j);
    if (!validAt(t, b)) return n < ${H} ? hS(b, j) : cPrev;
    float c = ${gate(1)} * cPrev + ${gate(0)} * ${gate(2)};
    return n < ${H} ? ${gate(3)} * tanhOf(c) : c;
  }
  ${elementwise(2)}`,
    { masked, uniforms: ['t'] },
  );
}

/**
 * One backward step's first program: the dL/dh carried into step t ([N, H]) from the step after
 * it in the pass (`tNext`): dZ_next W_hh (a product of 2x2 blocks, DZ being that step's
 * `LSTM_WEBGL_DZ` output; WT = W_hh^T, read along its rows, which a texture cache serves better
 * than W_hh's columns), or, where a row does not have that step, what was carried into it (DH).
 */
function dhProgram(batch: number, hidden: number, masked: boolean): Program {
  return program(
    ['DZ', 'WT', 'DH'],
    [batch, hidden],
    `
  vec4 product(vec4 d, vec4 w) { return d.xxzz * w.xzxz + d.yyww * w.ywyw; }
  void main() {
    ivec2 rc = getOutputCoords();
    int b = rc.x;
    int j = rc.y;
    vec4 acc = vec4(0.0);
    for (int n = 0; n < ${4 * hidden}; n += 2) {
      acc += product(getDZ(b, n), getWT(j, n));
    }
    vec4 carried = getDH(b, j);
    setOutput(vec4(validAt(tNext, b) ? acc.xy : carried.xy, validAt(tNext, b + 1) ? acc.zw : carried.zw));
  }`,
    { masked, uniforms: ['tNext'] },
  );
}

/**
 * One backward step's second (docs/bptt.md, section 3): from A_t, c_t and c_{t-1} (in S_t and
 * S_{t-1}), dL/dy_t (DY, [T + 2, N, H]), the carried dh (DH) and dc (DC: the previous step's
 * output, or dL/dc_T as [N, H] in the first step), [dZ_t | dc_{t-1}] ([N, 5H], tfjs' layout):
 * dh = dy + dh_carried; dc = dc + dh o (1 - tanh(c)^2); dZ = [dc g i(1-i), dc c_{t-1} f(1-f),
 * dc i (1-g^2), dh tanh(c) o(1-o)]; dc_{t-1} = dc f. A row without step t passes dc through and
 * has dZ = 0.
 */
function dzProgram(batch: number, hidden: number, masked: boolean, first: boolean): Program {
  const H = hidden;
  const dcColumn = first ? '' : `${4 * H} + `;
  if (H % 2 === 0) {
    // With H even every texel read covers the same 2x2 block of rows and units as the one written.
    return program(
      ['A', 'S', 'SP', 'DY', 'DH', 'DC'],
      [batch, 5 * H],
      `
  void main() {
    ivec2 rc = getOutputCoords();
    int b = rc.x;
    int g = rc.y / ${H};
    int j = rc.y - g * ${H};
    vec4 dcIn = getDC(b, ${dcColumn}j);
    vec4 i = getA(b, j);
    vec4 f = getA(b, ${H} + j);
    vec4 gate = getA(b, ${2 * H} + j);
    vec4 o = getA(b, ${3 * H} + j);
    vec4 tanhC = tanh4(getS(b, ${H} + j));
    vec4 dh = getDY(t, b, j) + getDH(b, j);
    vec4 dc = dcIn + dh * o * (1.0 - tanhC * tanhC);
    vec4 result = g == 0 ? dc * gate * i * (1.0 - i)
      : g == 1 ? dc * getSP(b, ${H} + j) * f * (1.0 - f)
      : g == 2 ? dc * i * (1.0 - gate * gate)
      : g == 3 ? dh * tanhC * o * (1.0 - o)
      : dc * f;
    vec4 kept = g == 4 ? dcIn : vec4(0.0);
    setOutput(vec4(validAt(t, b) ? result.xy : kept.xy, validAt(t, b + 1) ? result.zw : kept.zw));
  }`,
      { masked, uniforms: ['t'] },
    );
  }
  const at = (name: string, column: string) => `pick(get${name}(b, ${column}), b, ${column})`;
  return program(
    ['A', 'S', 'SP', 'DY', 'DH', 'DC'],
    [batch, 5 * H],
    `
  float el(int b, int n) {
    int g = n / ${H};
    int j = n - g * ${H};
    float dcIn = ${at('DC', `${dcColumn}j`)};
    if (!validAt(t, b)) return g == 4 ? dcIn : 0.0;
    float i = ${at('A', 'j')};
    float f = ${at('A', `${H} + j`)};
    float gate = ${at('A', `${2 * H} + j`)};
    float o = ${at('A', `${3 * H} + j`)};
    float tanhC = tanhOf(${at('S', `${H} + j`)});
    float dh = pick(getDY(t, b, j), b, j) + ${at('DH', 'j')};
    float dc = dcIn + dh * o * (1.0 - tanhC * tanhC);
    return g == 0 ? dc * gate * i * (1.0 - i)
      : g == 1 ? dc * ${at('SP', `${H} + j`)} * f * (1.0 - f)
      : g == 2 ? dc * i * (1.0 - gate * gate)
      : g == 3 ? dh * tanhC * o * (1.0 - o)
      : dc * f;
  }${elementwise(2)}`,
    { masked, uniforms: ['t'] },
  );
}

/**
 * One GRU step for inference (docs/bptt.md, section 10), the recurrent product included: h_t
 * ([N, H], tfjs' layout) from h_{t-1}, the input's projection XZ ([T, N, 3H]: x W_ih^T + b_ih,
 * with b_hr and b_hz added), W = W_hh ([3H, H], read transposed) and BN = b_hn ([1, H]):
 * r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r (hn + b_hn)), h' = (h - n) z + n. Each
 * invocation computes a 2x2 block of rows and units, all three gates: six multiply-adds a fetch.
 * H even, so that every gate's blocks align with h's.
 */
function gruStepProgram(batch: number, hidden: number, masked: boolean): Program {
  const H = hidden;
  return program(
    ['H', 'XZ', 'W', 'BN'],
    [batch, H],
    `
  vec4 product(vec4 h, vec4 w) { return h.xxzz * w.xzxz + h.yyww * w.ywyw; }
  vec4 sigmoid4(vec4 x) { return vec4(sigmoidOf(x.x), sigmoidOf(x.y), sigmoidOf(x.z), sigmoidOf(x.w)); }
  void main() {
    ivec2 rc = getOutputCoords();
    int b = rc.x;
    int j = rc.y;
    vec4 r = getXZ(t, b, j);
    vec4 z = getXZ(t, b, ${H} + j);
    vec4 hn = vec4(0.0);
    for (int k = 0; k < ${H}; k += 2) {
      vec4 h = getH(b, k);
      r += product(h, getW(j, k));
      z += product(h, getW(${H} + j, k));
      hn += product(h, getW(${2 * H} + j, k));
    }
    r = sigmoid4(r);
    z = sigmoid4(z);
    vec4 n = tanh4(getXZ(t, b, ${2 * H} + j) + r * (hn + getBN(0, j).xyxy));
    vec4 prev = getH(b, j);
    vec4 next = (prev - n) * z + n;
    setOutput(vec4(validAt(t, b) ? next.xy : prev.xy, validAt(t, b + 1) ? next.zw : prev.zw));
  }`,
    { masked, uniforms: ['t'] },
  );
}

/** The conversions into and out of the layouts above (see `WebglLayout`); `split` names the state's. */
function layoutProgram(layout: WebglLayout, shape: number[], hidden: number, split: boolean): Program {
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
      // X = h [N, H], Y = c -> S [N', 2H]: (h, c) unit by unit, or [h | c].
      const [batch] = shape;
      const el = split
        ? `n < ${hidden} ? ${x('r', 'n')} : pick(getY(r, n - ${hidden}), r, n - ${hidden})`
        : `n - 2 * (n / 2) == 0 ? ${x('r', 'n / 2')} : pick(getY(r, n / 2), r, n / 2)`;
      return program(
        ['X', 'Y'],
        [even(batch), 2 * hidden],
        `float el(int r, int n) { return ${el}; }${elementwise(2)}`,
      );
    }
    case 'h':
    case 'c':
      // X = S [N', 2H] -> h or c [N, H].
      return program(
        ['X'],
        [shape[0], hidden],
        `${stateAccessors('X', hidden, split)}
  float el(int b, int j) { return ${layout}X(b, j); }${elementwise(2)}`,
      );
    case 'packed':
      return program(['X'], shape, `void main() { setOutput(getXAtOutCoords()); }`);
  }
}

/**
 * Many steps' textures at once, in tfjs' layout, as one program reads them (up to the sampler
 * limit): 'outputs', h of the states S_t ([K, N, H], zero where a row does not have step t, steps
 * `first` on), and with `tail` h and c of the final state (the last input) as two more rows;
 * 'dz', dZ_t of `LSTM_WEBGL_DZ`'s outputs ([K, N, 4H]); 'concat', such chunks of `chunk` steps
 * each (the last may be longer or shorter) joined. Cheaper than tfjs' stack and concat, which
 * halve their inputs until they fit in one program and copy all of them at each level. `unpacked`:
 * the output in an unpacked texture, which tfjs slices along its first axis without copying.
 */
function gatherProgram(kind: WebglGather, count: number, shape: number[], attrs: GatherAttrs): Program {
  const { hidden, split, masked, chunk, tail, unpacked } = attrs;
  const names = Array.from({ length: count }, (_, k) => `X${k}`);
  const [args, at] = kind === 'concat' ? ['int s, int r, int c', 's, r, c'] : ['int r, int c', 'r, c'];
  const fetch = `
  vec4 fetchAt(int k, ${args}) {
    ${names.map((name, k) => `if (k == ${k}) return get${name}(${at});`).join('\n    ')}
    return vec4(0.0);
  }`;
  let el: string;
  let outputShape: number[];
  if (kind === 'concat') {
    // Chunk k holds steps [k chunk, (k + 1) chunk), the last one all the rest.
    outputShape = shape;
    el = `float el(int t, int b, int f) {
    int k = min(t / ${chunk}, ${count - 1});
    return pick(fetchAt(k, t - k * ${chunk}, b, f), b, f);
  }`;
  } else if (kind === 'outputs') {
    const steps = tail ? count - 1 : count;
    outputShape = [tail ? steps + 2 : steps, shape[0], hidden];
    const [h, c] = split ? ['j', `${hidden} + j`] : ['2 * j', '2 * j + 1'];
    el = `float el(int k, int b, int j) {
    if (k < ${steps}) return validAt(first + k, b) ? pick(fetchAt(k, b, ${h}), b, ${h}) : 0.0;
    int column = k == ${steps} ? ${h} : ${c};
    return pick(fetchAt(${steps}, b, column), b, column);
  }`;
  } else {
    // 'dz': dZ_t is the first 4H columns of a [N, 5H] `LSTM_WEBGL_DZ` output; 'rows': a GRU's h_t
    // [N, H], zero where a row does not have step t. Whole texels either way.
    outputShape = [count, shape[0], kind === 'dz' ? 4 * hidden : hidden];
    el = '';
  }
  // A packed texel of 'concat' is one texel of one chunk (2x2 blocks never cross steps).
  const copy = `
  void main() {
    ivec3 rc = getOutputCoords();
    int k = min(rc.x / ${chunk}, ${count - 1});
    setOutput(fetchAt(k, rc.x - k * ${chunk}, rc.y, rc.z));
  }`;
  const copyStep = `
  void main() {
    ivec3 rc = getOutputCoords();
    vec4 v = fetchAt(rc.x, rc.y, rc.z);
    setOutput(vec4(validAt(first + rc.x, rc.y) ? v.xy : vec2(0.0), validAt(first + rc.x, rc.y + 1) ? v.zw : vec2(0.0)));
  }`;
  const main = unpacked
    ? `
  void main() {
    ivec3 rc = getOutputCoords();
    setOutput(el(rc.x, rc.y, rc.z));
  }`
    : kind === 'concat'
      ? copy
      : kind === 'outputs'
        ? elementwise(3)
        : copyStep;
  return program(names, outputShape, `${fetch}\n  ${el}${main}`, {
    masked,
    uniforms: kind === 'concat' ? [] : ['first'],
    unpackedOutput: unpacked,
  });
}

interface GatherAttrs {
  hidden: number;
  split: boolean;
  masked: boolean;
  chunk: number;
  tail: boolean;
  unpacked: boolean;
}

let registered = false;

/**
 * Registers the webgl step kernels (`LSTM_WEBGL_STEP`, `LSTM_WEBGL_GATES`, `LSTM_WEBGL_STATE`,
 * `LSTM_WEBGL_DH`, `LSTM_WEBGL_DZ`, `LSTM_WEBGL_LAYOUT`) once. Registering does not need the
 * webgl backend to exist (in Node it never runs).
 */
export function registerWebglStepKernels(): void {
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
    run(backend, dhProgram(attrs.batch, attrs.hidden, Boolean(i.valid)), [i.dz, i.wt, i.dh, i.valid], [[attrs.tNext]]),
  ]);
  registerKernel(LSTM_WEBGL_DZ, 'webgl', ({ inputs: i, backend, attrs }) => [
    run(
      backend,
      dzProgram(attrs.batch, attrs.hidden, Boolean(i.valid), attrs.first),
      [i.a, i.s, i.sPrev, i.dy, i.dh, i.dc, i.valid],
      [[attrs.t]],
    ),
  ]);
  registerKernel(GRU_WEBGL_STEP, 'webgl', ({ inputs: i, backend, attrs }) => [
    run(
      backend,
      gruStepProgram(attrs.batch, attrs.hidden, Boolean(i.valid)),
      [i.h, i.xz, i.w, i.bn, i.valid],
      [[attrs.t]],
    ),
  ]);
  registerKernel(LSTM_WEBGL_GATHER, 'webgl', ({ inputs, backend, attrs }) => {
    const xs = Object.keys(inputs)
      .filter((name) => name !== 'valid')
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
      .map((name) => inputs[name]);
    const { layout, shape, hidden, split, chunk, tail, unpacked } = attrs;
    const p = gatherProgram(layout, xs.length, shape, {
      hidden,
      split: Boolean(split),
      masked: Boolean(inputs.valid),
      chunk: chunk ?? 0,
      tail: Boolean(tail),
      unpacked: Boolean(unpacked),
    });
    return [run(backend, p, [...xs, inputs.valid], layout === 'concat' ? undefined : [[attrs.first ?? 0]])];
  });
  registerKernel(LSTM_WEBGL_LAYOUT, 'webgl', ({ inputs: i, backend, attrs }) => {
    const webgl = backend as unknown as WebglBackend;
    if (attrs.layout === 'packed' && webgl.texData.get(i.x.dataId)?.isPacked) {
      webgl.incRef(i.x.dataId); // already packed: the tensor itself, as tfjs' Identity returns it
      return [{ dataId: i.x.dataId, shape: i.x.shape, dtype: i.x.dtype }];
    }
    return [run(backend, layoutProgram(attrs.layout, attrs.shape, attrs.hidden, Boolean(attrs.split)), [i.x, i.y])];
  });
}
