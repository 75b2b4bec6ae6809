import { tanhJs } from './tanh';

/**
 * The element-wise loops the fused kernels run every step, on the backend's memory. `jsLoops` is
 * plain JavaScript over any Float32Arrays (the cpu backend's, and the wasm backend's without
 * SIMD); `simdLoops` (simd/simd-loops.ts) runs the same arithmetic in WebAssembly SIMD on views of
 * the wasm backend's heap, and needs every array it is given to be such a view.
 *
 * Row b of a step's gate matrix is [i | f | g | o], each block `hidden` wide; the cache's rows for
 * step t are t * batch + b. Loops that take a row range [b0, b1) serve the kernels' runs of
 * sequences that have step t (all of them, without `lengths`).
 */
export interface StepLoops {
  /** Columns [from, from + cols) of each of the `rows` rows of m (width wide) = the rows of src. */
  setColumns(m: Float32Array, src: Float32Array, rows: number, width: number, from: number, cols: number): void;
  /**
   * cNew = f c + i g, tanhC = tanh(cNew) and r = o tanhC from a step's activations a [batch, 4H]
   * (products and sums rounded to float32, as tfjs' ops round them).
   */
  cellUpdate(
    a: Float32Array,
    c: Float32Array,
    cNew: Float32Array,
    tanhC: Float32Array,
    r: Float32Array,
    batch: number,
    hidden: number,
  ): void;
  /** dhNew = dOutput_t + dh for rows [b0, b1); returns the sum of squares of those rows of dhNew. */
  gatherDhNew(
    t: number,
    b0: number,
    b1: number,
    dOutput: Float32Array,
    dh: Float32Array,
    dhNew: Float32Array,
    outSize: number,
  ): number;
  /**
   * Rows [b0, b1) of step t's gate gradients, from dr = dL/dr_t and dc = dL/dc_t carried from
   * step t+1: dZ_t and dc_{t-1} = dc_t f_t (into dcPrev). Returns the sum of squares of dL/dc_t
   * over those rows.
   */
  gateGradients(t: number, b0: number, b1: number, cache: CacheArrays, grads: StepGrads, hidden: number): number;
  /** dst[q dstStride + r] = src[r cols + q]: src [rows, cols] transposed into `rows` columns of dst. */
  transposeInto(src: Float32Array, rows: number, cols: number, dst: Float32Array, dstStride: number): void;
  /** The sums of the rows of m [rows, cols], in float64. */
  rowSums(m: Float32Array, rows: number, cols: number): Float64Array;
}

/** The forward kernel's cache as typed arrays, as the backward reads it (each indexed by t * batch + b). */
export interface CacheArrays {
  gates: Float32Array;
  cPrev: Float32Array;
  tanhC: Float32Array;
}

/** What the backward's gate step reads (dr, dc) and writes (dZ_t [N, 4H], dcPrev); [N, ...] each. */
export interface StepGrads {
  dr: Float32Array;
  dc: Float32Array;
  dZ: Float32Array;
  dcPrev: Float32Array;
}

const f32 = Math.fround;
// A local binding: the loops call it per element (an imported binding may be a getter call).
const tanh = tanhJs;

// Each loop is a small function of its own: V8 optimises these far better than the same loops
// inlined in one large function (about 3x here).

/** The loops in plain JavaScript. */
export const jsLoops: StepLoops = {
  setColumns(m, src, rows, width, from, cols) {
    for (let b = 0; b < rows; b++) {
      for (let k = 0, o = b * width + from, q = b * cols; k < cols; k++) m[o + k] = src[q + k];
    }
  },

  cellUpdate(a, c, cNew, tanhC, r, batch, hidden) {
    const gates = 4 * hidden;
    for (let b = 0; b < batch; b++) {
      for (let j = 0, g0 = b * gates, s0 = b * hidden; j < hidden; j++) {
        const cn = f32(f32(a[g0 + hidden + j] * c[s0 + j]) + f32(a[g0 + j] * a[g0 + 2 * hidden + j]));
        cNew[s0 + j] = cn;
        const tc = f32(tanh(cn));
        tanhC[s0 + j] = tc;
        r[s0 + j] = f32(a[g0 + 3 * hidden + j] * tc);
      }
    }
  },

  gatherDhNew(t, b0, b1, dOutput, dh, dhNew, outSize) {
    const batch = dh.length / outSize;
    let norm = 0;
    for (let p = b0 * outSize, src = (t * batch + b0) * outSize; p < b1 * outSize; p++, src++) {
      const v = dOutput[src] + dh[p];
      dhNew[p] = v;
      norm += v * v;
    }
    return norm;
  },

  gateGradients(t, b0, b1, cache, grads, hidden) {
    const gates = 4 * hidden;
    const batch = grads.dc.length / hidden;
    const { gates: a, cPrev, tanhC } = cache;
    const { dr, dc, dZ, dcPrev } = grads;
    let norm = 0;
    for (let b = b0; b < b1; b++) {
      const row = t * batch + b;
      for (let j = 0; j < hidden; j++) {
        const q = row * gates + j;
        const z = b * gates + j;
        const i = a[q];
        const f = a[q + hidden];
        const g = a[q + 2 * hidden];
        const o = a[q + 3 * hidden];
        const tc = tanhC[row * hidden + j];
        const d = dr[b * hidden + j];
        // r = o tanh(c): c gets this step's share on top of what came back from c_{t+1}.
        const dcNew = dc[b * hidden + j] + d * o * (1 - tc * tc);
        norm += dcNew * dcNew;
        // c = f c_{t-1} + i g, then through the activations: sigmoid' = s (1 - s), tanh' = 1 - tanh^2.
        dZ[z] = dcNew * g * i * (1 - i);
        dZ[z + hidden] = dcNew * cPrev[row * hidden + j] * f * (1 - f);
        dZ[z + 2 * hidden] = dcNew * i * (1 - g * g);
        dZ[z + 3 * hidden] = d * tc * o * (1 - o);
        // The additive cell path: dc_{t-1} = dc_t f_t.
        dcPrev[b * hidden + j] = dcNew * f;
      }
    }
    return norm;
  },

  transposeInto(src, rows, cols, dst, dstStride) {
    for (let q = 0; q < cols; q++) for (let r = 0, o = q * dstStride; r < rows; r++) dst[o + r] = src[r * cols + q];
  },

  rowSums(m, rows, cols) {
    const sums = new Float64Array(rows);
    for (let row = 0; row < rows; row++) {
      let sum = 0;
      for (let j = row * cols; j < (row + 1) * cols; j++) sum += m[j];
      sums[row] = sum;
    }
    return sums;
  },
};
