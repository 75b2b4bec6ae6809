import * as tf from '@tensorflow/tfjs';

import { SIMD_LOOPS_FLAG } from './flags';
import { KernelOps, Mat, stackGateWeights } from './kernel-ops';
import { lstmSimd } from './simd/lstm-simd';
import { simdLoops, WasmHeap } from './simd/simd-loops';
import { jsGruLoops, simdGruLoops } from './gru-loops';
import { jsLoops } from './step-loops';
import { TANH_SMALL_LIMIT, tanhJs, tanhSmall } from './tanh';

/** What the kernels use of tfjs-backend-wasm's BackendWasm. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
  /** Each tensor's id in the C++ backend (what its exported kernels take). */
  dataIdMap?: { get(dataId: object): { id: number } | undefined };
  /**
   * The Emscripten module: its exports (`asm`, with the memory the single-threaded build
   * exports), the memory the multi-threaded build makes and imports (`wasmMemory`), its allocator.
   */
  wasm?: {
    asm?: { memory?: unknown };
    wasmMemory?: unknown;
    _malloc?(bytes: number): number;
    _free?(pointer: number): void;
    cwrap?(name: string, returns: null, args: string[]): (...args: number[]) => void;
  };
}

interface WasmMat extends Mat {
  info: tf.TensorInfo;
  /** Its values as last viewed, and the heap buffer that view is of (see `view`). */
  values?: Float32Array;
  valuesOf?: ArrayBufferLike;
}

type Kernel = (args: { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: object }) => tf.TensorInfo;

function kernel(name: string): Kernel {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`tfjs-lstm: the wasm backend has no ${name} kernel`);
  return config.kernelFunc as unknown as Kernel;
}

// Local bindings: the hot loops below call these per element, and an imported binding may be a
// getter call each time (as in esbuild's CommonJS output), a global one a slow lookup (in jest's
// vm contexts).
const smallTanh = tanhSmall;
const twoLimit = 2 * TANH_SMALL_LIMIT;
const { abs } = Math;

/**
 * tanh(x) from 2x and sigmoid(2x): 2 sigmoid(2x) - 1 where that is accurate (|x| >= 0.625, within
 * 2 ulp), a polynomial where it would cancel (small |x|). The wasm backend's own Tanh is scalar
 * and would cost as much per step as the recurrent product; its Sigmoid is vectorised.
 */
function tanhFrom(twoX: Float32Array, sigmoidOfTwoX: Float32Array, out: Float32Array, from: number, to: number): void {
  for (let q = from; q < to; q++) {
    const x2 = twoX[q];
    out[q] = abs(x2) < twoLimit ? smallTanh(x2 / 2) : 2 * sigmoidOfTwoX[q] - 1;
  }
}

/** The backend's heap, if this build of tfjs-backend-wasm exposes it as the kernels expect. */
function wasmHeap(backend: WasmBackend): WasmHeap | null {
  const module = backend.wasm;
  const memory = module?.asm?.memory ?? module?.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory) || !module?._malloc || !module._free) return null;
  const [malloc, free] = [module._malloc.bind(module), module._free.bind(module)];
  return { memory, malloc, free };
}

/** FusableActivation.linear of tfjs-backend-wasm's kernels/types.ts. */
const LINEAR = 0;

/**
 * The backend's exported _FusedMatMul called directly, writing into an existing matrix: what its
 * kernel function does, less making a new output each call and copying the shapes to the stack.
 * At batch 1 a sequence step is ~20 microseconds, a few of them that glue; tfjs-backend-wasm
 * caches the XNNPACK operator by the weights' id either way. Null where this build of the
 * backend does not expose what that takes (its tensors' ids, cwrap, malloc), or where the call
 * does not compute a small known product right (a build whose export takes other arguments): the
 * kernel function then runs, as before.
 */
function productInto(backend: WasmBackend, heap: WasmHeap | null) {
  const module = backend.wasm;
  const ids = backend.dataIdMap;
  if (!heap || !ids || !module?.cwrap) return null;
  let fusedMatMul: (...args: number[]) => void;
  try {
    fusedMatMul = module.cwrap('_FusedMatMul', null, new Array<string>(13).fill('number'));
  } catch {
    return null;
  }
  // The two shapes, [1, rows, cols] each, as int32 in the heap: written before each call.
  const shapes = heap.malloc(24);
  const id = (m: WasmMat) => (ids.get(m.info.dataId) as { id: number }).id;
  const run = (xh: WasmMat, w: WasmMat, bias: WasmMat | null, out: WasmMat) => {
    new Int32Array(heap.memory.buffer, shapes, 6).set([1, xh.rows, xh.cols, 1, w.rows, w.cols]);
    fusedMatMul(id(xh), shapes, 3, id(w), shapes + 12, 3, 0, 0, LINEAR, bias ? id(bias) : 0, 0, 0, id(out));
  };
  // [1 2] [1 2 3; 4 5 6] + [0.5 0 -1] = [9.5 12 14], exactly, or the kernel function runs.
  const make = (values: number[], rows: number, cols: number, shape = [rows, cols]): WasmMat => {
    const m = { info: backend.makeOutput(shape, 'float32'), rows, cols };
    backend.typedArrayFromHeap({ ...m.info, shape }).set(values);
    return m;
  };
  const check = [
    make([1, 2], 1, 2),
    make([1, 2, 3, 4, 5, 6], 2, 3),
    make([0.5, 0, -1], 1, 3, [3]),
    make([0, 0, 0], 1, 3),
  ];
  let right = false;
  try {
    run(check[0], check[1], check[2], check[3]);
    right = Array.from(backend.typedArrayFromHeap({ ...check[3].info, shape: [1, 3] })).join() === '9.5,12,14';
  } catch {
    right = false;
  }
  check.forEach((m) => backend.disposeData(m.info.dataId));
  if (right) return run;
  heap.free(shapes);
  return null;
}

/**
 * The primitives on the wasm backend: its own _FusedMatMul, BatchMatMul and Transpose kernels
 * (XNNPACK) on tensors in the wasm heap, and for the rest the SIMD loops of simd/lstm-simd.wat, in
 * place in that heap (the gate activations among them: the backend's own Tanh is scalar, and would
 * cost as much per step as the recurrent product).
 *
 * Where the SIMD loops cannot run (a WebAssembly without SIMD, or a backend build that hides its
 * heap), or the flag `TFJSLSTM_SIMD_LOOPS` (flags.ts) is false, the loops are JavaScript on views
 * of the heap, the gates come from the backend's vectorised Sigmoid, and g from it too: the g columns of the gate weights are then
 * doubled (exactly: a power of two), so that one sigmoid over all four gates gives
 * sigmoid(2 z_g), from which g = tanh(z_g).
 */
export function wasmOps(backend: WasmBackend): KernelOps<WasmMat> {
  const heap = wasmHeap(backend);
  const simd = heap && tf.env().getBool(SIMD_LOOPS_FLAG) ? lstmSimd(heap.memory) : null;
  const gScale = simd ? 1 : 2;
  const product = simd ? productInto(backend, heap) : null;
  const [fusedMatMulK, matMulK, transposeK, sigmoidK] = ['_FusedMatMul', 'BatchMatMul', 'Transpose', 'Sigmoid'].map(
    kernel,
  );
  const wrap = (info: tf.TensorInfo, rows: number, cols: number): WasmMat => ({ info, rows, cols });
  const shaped = (m: WasmMat, shape: number[] = [m.rows, m.cols]) => ({ ...m.info, shape });
  // A matrix's view of the heap, made again only when the heap's buffer changed (it grew): the
  // loops take a dozen views a step, and at batch 1 making each costs as much as using it.
  const view = (m: WasmMat) => {
    const buffer = heap?.memory.buffer;
    if (m.values && buffer && m.valuesOf === buffer) return m.values;
    const values = backend.typedArrayFromHeap(shaped(m));
    if (buffer) [m.values, m.valuesOf] = [values, buffer];
    return values;
  };
  const sigmoid = (m: WasmMat) => wrap(sigmoidK({ inputs: { x: shaped(m) }, backend }), m.rows, m.cols);
  const fromArray = (values: Float32Array, rows: number, cols: number, shape = [rows, cols]) => {
    const m = wrap(backend.makeOutput(shape, 'float32'), rows, cols);
    view(m).set(values);
    return m;
  };

  const ops: KernelOps<WasmMat> = {
    input: (info, rows, cols) => wrap(info, rows, cols),
    zeros(rows, cols) {
      const m = wrap(backend.makeOutput([rows, cols], 'float32'), rows, cols);
      view(m).fill(0);
      return m;
    },
    empty: (rows, cols) => wrap(backend.makeOutput([rows, cols], 'float32'), rows, cols),
    data: view,
    matMul: (a, b) =>
      wrap(
        matMulK({ inputs: { a: shaped(a), b: shaped(b) }, backend, attrs: { transposeA: false, transposeB: false } }),
        a.rows,
        b.cols,
      ),
    matMulInto(a, b, bias, into) {
      if (product) {
        product(a, b, bias, into);
        return into;
      }
      const inputs: Record<string, tf.TensorInfo> = {
        a: shaped(a, [1, a.rows, a.cols]),
        b: shaped(b, [1, b.rows, b.cols]),
      };
      if (bias) inputs.bias = shaped(bias, [bias.cols]);
      const attrs = { transposeA: false, transposeB: false, activation: 'linear' };
      return wrap(fusedMatMulK({ inputs, backend, attrs }), a.rows, b.cols);
    },
    activate(m, kind) {
      const v = view(m);
      if (simd) simd.activate(v.byteOffset, v.length, kind === 'tanh' ? 1 : 0);
      else if (kind === 'tanh') for (let k = 0; k < v.length; k++) v[k] = tanhJs(v[k]);
      else for (let k = 0; k < v.length; k++) v[k] = 1 / (1 + Math.exp(-v[k]));
    },
    transpose: (a) => wrap(transposeK({ inputs: { x: shaped(a) }, backend, attrs: { perm: [1, 0] } }), a.cols, a.rows),
    gateWeights(weightIh, weightHh, bias) {
      const gates = weightIh.rows;
      const hidden = gates / 4;
      const w = stackGateWeights(view(weightIh), view(weightHh), gates, weightIh.cols, weightHh.cols, gScale);
      const wm = fromArray(w, weightIh.cols + weightHh.cols, gates);
      if (!bias) return { w: wm, b: null };
      const b = Float32Array.from(bias, (v, j) => (j >= 2 * hidden && j < 3 * hidden ? gScale * v : v));
      // _FusedMatMul takes a rank-1 bias.
      return { w: wm, b: fromArray(b, 1, gates, [gates]) };
    },
    gates(xh, { w, b }, into) {
      const hidden = w.cols / 4;
      // With SIMD, z = xh W + b straight into `into`, then all four activations in place: no
      // matrix made, no second kernel (at batch 1 a step's fixed costs weigh as much as its
      // arithmetic).
      if (simd && product && into) {
        product(xh, w, b, into);
        simd.gate_activations(view(into).byteOffset, into.rows, hidden);
        return into;
      }
      // z = xh W + b; without SIMD the g columns are doubled, for one sigmoid over all gates.
      const inputs: Record<string, tf.TensorInfo> = {
        a: shaped(xh, [1, xh.rows, xh.cols]),
        b: shaped(w, [1, w.rows, w.cols]),
      };
      if (b) inputs.bias = b.info;
      const z = wrap(
        fusedMatMulK({ inputs, backend, attrs: { transposeA: false, transposeB: false, activation: 'linear' } }),
        xh.rows,
        w.cols,
      );
      if (simd) {
        simd.gate_activations(view(z).byteOffset, z.rows, hidden);
        return z;
      }
      const s = sigmoid(z);
      const [zv, sv] = [view(z), view(s)];
      for (let row = 0; row < zv.length; row += w.cols) tanhFrom(zv, sv, sv, row + 2 * hidden, row + 3 * hidden);
      ops.release(z);
      return s;
    },
    release: (m) => void backend.disposeData(m.info.dataId),
    output: (m, shape) => ({ ...m.info, shape }),
    loops: simd && heap ? simdLoops(simd, heap) : jsLoops,
    gruLoops: simd && heap ? simdGruLoops(simd, heap) : jsGruLoops,
  };
  return ops;
}
