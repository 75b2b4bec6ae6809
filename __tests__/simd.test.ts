import { lstmSimd, LstmSimd } from '../src/kernels/simd/lstm-simd';
import { simdLoops } from '../src/kernels/simd/simd-loops';
import { jsLoops, StepLoops } from '../src/kernels/step-loops';
import { expectClose } from './helpers/compare';
import { mulberry32 } from '../src/util/random';

// The WebAssembly SIMD loops (src/kernels/simd/) against their oracle, the JavaScript loops, on a
// memory of their own: they do not need the wasm backend, so they run once (jest.config.ts).

let memory: WebAssembly.Memory;
let simd: LstmSimd;
let loops: StepLoops;
let top = 0;

/**
 * The loops on a new memory of 80 pages: unshared (as the wasm backend's), or shared (as the
 * multi-threaded backend's, from useThreadedWasm), which takes the module built to import one.
 */
function useMemory(shared: boolean): void {
  memory = shared
    ? new WebAssembly.Memory({ initial: 80, maximum: 80, shared: true })
    : new WebAssembly.Memory({ initial: 80 });
  simd = lstmSimd(memory) as LstmSimd;
  loops =
    simd &&
    simdLoops(simd, {
      memory,
      malloc: (bytes) => {
        const p = 8 * Math.ceil(top / 8);
        top = p + bytes;
        return p;
      },
      free: () => undefined,
    });
}

/**
 * A new array in `memory`, filled from `fill`: a bump allocator, enough for these tests. Arrays
 * start 4 bytes apart from 16-byte boundaries, as a step's rows often do in the kernels.
 */
function alloc(n: number, fill: (k: number) => number = () => 0): Float32Array {
  const a = new Float32Array(memory.buffer, top, n);
  top += 4 * n + 4;
  for (let k = 0; k < n; k++) a[k] = fill(k);
  return a;
}

const ulpsFrom = (actual: number, exact: number) =>
  Math.abs(actual - exact) / Math.max(Math.abs(exact) * 2 ** -23, 2 ** -149);

beforeEach(() => {
  top = 0;
});

describe.each(['unshared', 'shared'])('on %s memory', (kind) => {
  beforeAll(() => useMemory(kind === 'shared'));

  describe('lstm-simd.wat', () => {
    test('instantiates here (Node has WebAssembly SIMD)', () => {
      expect(simd).not.toBeNull();
      // the module for this kind of memory: the other one would not link
      expect(memory.buffer instanceof SharedArrayBuffer).toBe(kind === 'shared');
    });

    test('tanh is within 1.5 ulp of Math.tanh from 1e-8 to 20, and keeps NaN, +-0 and +-Infinity', () => {
      const n = 100000;
      const xs = new Float32Array(n);
      for (let k = 0; k < n; k++) xs[k] = (k % 2 ? -1 : 1) * 20 * Math.pow(10, -9.3 * ((k * 0.618034) % 1));
      // gate_activations takes the g block of one row of hidden n to tanh, in place.
      const z = alloc(4 * n, (k) => (k >= 2 * n && k < 3 * n ? xs[k - 2 * n] : 0));
      simd.gate_activations(z.byteOffset, 1, n);
      let worst = 0;
      for (let k = 0; k < n; k++) worst = Math.max(worst, ulpsFrom(z[2 * n + k], Math.tanh(xs[k])));
      expect(worst).toBeLessThan(1.5);

      const special = [NaN, Infinity, -Infinity, 0, -0, 1e30, -1e30];
      const zs = alloc(4 * special.length, (k) => special[k % special.length]);
      simd.gate_activations(zs.byteOffset, 1, special.length);
      expect(Array.from(zs.subarray(2 * special.length, 3 * special.length))).toEqual([NaN, 1, -1, 0, -0, 1, -1]);
    });

    test('sigmoid (the i, f and o blocks) is within 2 ulp from -80 to 80, and takes NaN, +-0 and +-Infinity', () => {
      const n = 100000;
      const xs = new Float32Array(n);
      for (let k = 0; k < n; k++) xs[k] = (k % 2 ? -1 : 1) * 80 * Math.pow(10, -9.3 * ((k * 0.618034) % 1));
      // one row, hidden n: xs in i, f and o alike
      const z = alloc(4 * n, (k) => (Math.floor(k / n) === 2 ? 0 : xs[k % n]));
      simd.gate_activations(z.byteOffset, 1, n);
      let worst = 0;
      for (const block of [0, 1, 3]) {
        for (let k = 0; k < n; k++) worst = Math.max(worst, ulpsFrom(z[block * n + k], 1 / (1 + Math.exp(-xs[k]))));
      }
      expect(worst).toBeLessThan(2);

      const special = [NaN, Infinity, -Infinity, 0, -0, 1e30, -1e30];
      const zs = alloc(4 * special.length, (k) => special[k % special.length]);
      simd.gate_activations(zs.byteOffset, 1, special.length);
      const i = Array.from(zs.subarray(0, special.length));
      // Below -87 the result is e^-87 / (1 + e^-87), 1.6e-38, where the exact one underflows.
      expect(i.map((v) => (v > 0 && v < 2e-38 ? 'tiny' : v))).toEqual([NaN, 1, 'tiny', 0.5, 0.5, 1, 'tiny']);
    });
  });

  describe('the SIMD loops match the JavaScript loops', () => {
    // hidden sizes with and without a tail of (hidden mod 4) elements
    const sizes = [1, 3, 4, 5, 8, 13];

    test.each(sizes)('cellUpdate, hidden %i', (hidden) => {
      const rng = mulberry32(hidden);
      const batch = 3;
      const a = alloc(batch * 4 * hidden, (k) => {
        // i, f, o in (0, 1); g in (-1, 1)
        const gate = Math.floor(k / hidden) % 4;
        return gate === 2 ? 2 * rng() - 1 : rng();
      });
      const c = alloc(batch * hidden, () => 6 * rng() - 3);
      const out = () => [alloc(batch * hidden), alloc(batch * hidden), alloc(batch * hidden)];
      const [cNew, tanhC, r] = out();
      const [cNewJs, tanhCJs, rJs] = out();
      loops.cellUpdate(a, c, cNew, tanhC, r, batch, hidden);
      jsLoops.cellUpdate(a, c, cNewJs, tanhCJs, rJs, batch, hidden);
      // the same float32 operations; tanh within 1.5 ulp
      expect(Array.from(cNew)).toEqual(Array.from(cNewJs));
      expectClose(tanhC, tanhCJs, 2e-7, 'tanh(c)');
      expectClose(r, rJs, 2e-7, 'r');
    });

    test.each(sizes)('gateGradients, transposeInto and rowSums, hidden %i, a run of rows', (hidden) => {
      const rng = mulberry32(100 + hidden);
      const [steps, batch, t, b0, b1] = [3, 4, 1, 1, 3];
      const cache = {
        gates: alloc(steps * batch * 4 * hidden, () => rng()),
        cPrev: alloc(steps * batch * hidden, () => 2 * rng() - 1),
        tanhC: alloc(steps * batch * hidden, () => 2 * rng() - 1),
      };
      const [dr, dc] = [alloc(batch * hidden, () => rng() - 0.5), alloc(batch * hidden, () => rng() - 0.5)];
      const grads = () => ({ dr, dc, dZ: alloc(batch * 4 * hidden), dcPrev: alloc(batch * hidden) });
      const [g, gJs] = [grads(), grads()];
      const norm = loops.gateGradients(t, b0, b1, cache, g, hidden);
      const normJs = jsLoops.gateGradients(t, b0, b1, cache, gJs, hidden);
      // float32 arithmetic against float64: within a few float32 roundings
      expectClose(g.dZ, gJs.dZ, 1e-6, 'dZ');
      expectClose(g.dcPrev, gJs.dcPrev, 1e-6, 'dcPrev');
      expect(norm).toBeCloseTo(normJs, 5);
      // rows outside [b0, b1) stay untouched
      const untouched = (a: Float32Array, width: number) =>
        [0, 3].every((b) => a.subarray(b * width, (b + 1) * width).every((v) => v === 0));
      expect([untouched(g.dZ, 4 * hidden), untouched(g.dcPrev, hidden)]).toEqual([true, true]);

      // dZ_t into columns 5.. of a [4 hidden, 12] matrix, as the kernel fills dZ^T step by step
      const [dZT, dZTJs] = [alloc(4 * hidden * 12, () => 7), alloc(4 * hidden * 12, () => 7)];
      loops.transposeInto(g.dZ, batch, 4 * hidden, dZT.subarray(5), 12);
      jsLoops.transposeInto(g.dZ, batch, 4 * hidden, dZTJs.subarray(5), 12);
      expect(Array.from(dZT)).toEqual(Array.from(dZTJs));
      expect(dZTJs[12 * 2 + 5 + 1]).toBe(g.dZ[1 * 4 * hidden + 2]);
      const sums = loops.rowSums(dZT, 4 * hidden, 12);
      const sumsJs = jsLoops.rowSums(dZT, 4 * hidden, 12);
      expectClose(sums, sumsJs, 1e-12, 'row sums');
    });

    test.each(sizes)('gatherDhNew and setColumns, width %i', (outSize) => {
      const rng = mulberry32(200 + outSize);
      const [steps, batch, t] = [2, 5, 1];
      const dOutput = alloc(steps * batch * outSize, () => rng() - 0.5);
      const dh = alloc(batch * outSize, () => rng() - 0.5);
      const [dhNew, dhNewJs] = [alloc(batch * outSize), alloc(batch * outSize)];
      const norm = loops.gatherDhNew(t, 2, 5, dOutput, dh, dhNew, outSize);
      const normJs = jsLoops.gatherDhNew(t, 2, 5, dOutput, dh, dhNewJs, outSize);
      expect(Array.from(dhNew)).toEqual(Array.from(dhNewJs));
      expect(norm).toBeCloseTo(normJs, 6);

      const width = outSize + 3;
      const [m, mJs] = [alloc(batch * width, () => 7), alloc(batch * width, () => 7)];
      loops.setColumns(m, dh, batch, width, 2, outSize);
      jsLoops.setColumns(mJs, dh, batch, width, 2, outSize);
      expect(Array.from(m)).toEqual(Array.from(mJs));
    });

    test.each([
      [1, 1],
      [3, 5],
      [4, 4],
      [7, 6],
      [9, 13],
      [32, 512],
    ])('transposeInto, %i x %i (whole 4 x 4 blocks and what they leave)', (rows, cols) => {
      const src = alloc(rows * cols, (k) => k + 1);
      const stride = rows + 3;
      const [dst, dstJs] = [alloc(cols * stride + 2, () => -1), alloc(cols * stride + 2, () => -1)];
      loops.transposeInto(src, rows, cols, dst.subarray(2), stride);
      jsLoops.transposeInto(src, rows, cols, dstJs.subarray(2), stride);
      expect(Array.from(dst)).toEqual(Array.from(dstJs));
      expect(dstJs.filter((v) => v > 0).length).toBe(rows * cols);
    });

    test('refuse an array that is not a view of their memory', () => {
      const outside = new Float32Array(4);
      expect(() => loops.cellUpdate(outside, outside, outside, outside, outside, 1, 1)).toThrow(
        /outside the current wasm heap/,
      );
    });
  });
});
