import type { LstmSimd } from './simd/lstm-simd';
import type { WasmHeap } from './simd/simd-loops';
import { tanhJs } from './tanh';

/**
 * The element-wise loops of the GRU kernels (gru-kernel.ts), for a run of consecutive batch rows
 * that all have the step: `jsGruLoops` in JavaScript over any Float32Arrays, `simdGruLoops` in
 * WebAssembly SIMD (lstm-simd.wat's gru_forward and gru_grads) on views of the wasm heap. Every
 * array is a view whose first element is the run's first row; `rows` rows, H = `hidden`.
 */
export interface GruLoops {
  /**
   * r, z, n and h' from the step's xz [rows, 3H] (x W_ih^T + b_ih) and hz [rows, 3H]
   * (h W_hh^T + b_hh): h [rows, H] becomes h', which `out` gets too; with a cache, its rows
   * [rows, 4H] get r, z, n, hn and `hPrev` [rows, H] gets h_{t-1}.
   */
  forward(
    xz: Float32Array,
    hz: Float32Array,
    h: Float32Array,
    out: Float32Array,
    cache: { gates: Float32Array; hPrev: Float32Array } | null,
    rows: number,
    hidden: number,
  ): void;
  /**
   * From dhNew = dOut + dh and the step's cache rows: dXZ, dHZ [rows, 3H] (dHZ also into dHZt,
   * the product's input), dhDirect = dhNew z [rows, H], and the biases' gradients, added into
   * dBiasIh and dBiasHh [3H].
   */
  gradients(
    dOut: Float32Array,
    dh: Float32Array,
    cache: Float32Array,
    hPrev: Float32Array,
    out: { dHZt: Float32Array; dhDirect: Float32Array; dXZ: Float32Array; dHZ: Float32Array },
    dBias: { ih: Float32Array; hh: Float32Array },
    rows: number,
    hidden: number,
  ): void;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const tanh = tanhJs;

/** The loops in plain JavaScript. */
export const jsGruLoops: GruLoops = {
  forward(xz, hz, h, out, cache, rows, hidden) {
    const gates = 3 * hidden;
    for (let b = 0; b < rows; b++) {
      const [go, so, co] = [b * gates, b * hidden, b * 4 * hidden];
      for (let j = 0; j < hidden; j++) {
        const hn = hz[go + 2 * hidden + j];
        const r = sigmoid(xz[go + j] + hz[go + j]);
        const z = sigmoid(xz[go + hidden + j] + hz[go + hidden + j]);
        const n = tanh(xz[go + 2 * hidden + j] + r * hn);
        const hp = h[so + j];
        const hNew = (hp - n) * z + n;
        h[so + j] = hNew;
        out[so + j] = hNew;
        if (cache) {
          cache.gates[co + j] = r;
          cache.gates[co + hidden + j] = z;
          cache.gates[co + 2 * hidden + j] = n;
          cache.gates[co + 3 * hidden + j] = hn;
          cache.hPrev[so + j] = hp;
        }
      }
    }
  },

  gradients(dOut, dh, cache, hPrev, { dHZt, dhDirect, dXZ, dHZ }, { ih, hh }, rows, hidden) {
    const gates = 3 * hidden;
    for (let b = 0; b < rows; b++) {
      const [go, so, co] = [b * gates, b * hidden, b * 4 * hidden];
      for (let j = 0; j < hidden; j++) {
        const dhNew = dOut[so + j] + dh[so + j];
        const r = cache[co + j];
        const z = cache[co + hidden + j];
        const n = cache[co + 2 * hidden + j];
        // h' = (1 - z) n + z h; n = tanh(xn + r hn).
        const dAn = dhNew * (1 - z) * (1 - n * n);
        const dAr = dAn * cache[co + 3 * hidden + j] * r * (1 - r);
        const dAz = dhNew * (hPrev[so + j] - n) * z * (1 - z);
        const dHn = dAn * r;
        dhDirect[so + j] = dhNew * z;
        dXZ[go + j] = dHZ[go + j] = dHZt[go + j] = dAr;
        dXZ[go + hidden + j] = dHZ[go + hidden + j] = dHZt[go + hidden + j] = dAz;
        dXZ[go + 2 * hidden + j] = dAn;
        dHZ[go + 2 * hidden + j] = dHZt[go + 2 * hidden + j] = dHn;
        ih[j] += dAr;
        ih[hidden + j] += dAz;
        ih[2 * hidden + j] += dAn;
        hh[j] += dAr;
        hh[hidden + j] += dAz;
        hh[2 * hidden + j] += dHn;
      }
    }
  },
};

/**
 * The loops in WebAssembly SIMD, in place in the wasm backend's heap: every array must be a view
 * of that heap taken after its last allocation (see `simdLoops`, which checks it the same way).
 */
export function simdGruLoops(simd: LstmSimd, heap: WasmHeap): GruLoops {
  const at = (view: Float32Array): number => {
    if (view.buffer !== heap.memory.buffer) {
      throw new Error('tfjs-lstm internal error: a SIMD loop was given an array outside the current wasm heap');
    }
    return view.byteOffset;
  };
  return {
    forward(xz, hz, h, out, cache, rows, hidden) {
      const [c, p] = cache ? [at(cache.gates), at(cache.hPrev)] : [0, 0];
      simd.gru_forward(at(xz), at(hz), at(h), at(out), c, p, rows, hidden);
    },
    gradients(dOut, dh, cache, hPrev, { dHZt, dhDirect, dXZ, dHZ }, { ih, hh }, rows, hidden) {
      simd.gru_grads(
        at(dOut),
        at(dh),
        at(cache),
        at(hPrev),
        at(dHZt),
        at(dhDirect),
        at(dXZ),
        at(dHZ),
        at(ih),
        at(hh),
        rows,
        hidden,
      );
    },
  };
}
