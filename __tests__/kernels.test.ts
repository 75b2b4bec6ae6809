import * as tf from '@tensorflow/tfjs';

import { lstmDirection, lstmForward } from '../src/functional';
import { FUSED_KERNELS_FLAG, SIMD_LOOPS_FLAG } from '../src/kernels/flags';
import { hasFusedKernels } from '../src/kernels/register';
import { wasmOps } from '../src/kernels/wasm-ops';
import { expectClose } from './helpers/compare';
import { disposeLayerProblem, LayerCase, layerLoss, layerProblem, LayerProblem } from './helpers/layer-problem';

// The fused kernels (src/kernels/) against their oracle, the composed tfjs ops of src/ops/bptt.ts,
// on this backend: same forward within float32 rounding, same hand-derived gradients. (Their
// scalar maths, which needs no backend: kernel-math.test.ts.)

declare const __TFJS_BACKEND__: string;

const cases: LayerCase[] = [
  { name: 'plain', steps: 6, batch: 3, input: 4, hidden: 5 },
  { name: 'no bias, reverse', steps: 5, batch: 2, input: 3, hidden: 4, bias: false, reverse: true },
  { name: 'projections', steps: 5, batch: 3, input: 2, hidden: 6, proj: 3 },
  { name: 'lengths', steps: 7, batch: 4, input: 3, hidden: 4, lengths: [7, 2, 1, 5] },
  {
    name: 'lengths, reverse, projections',
    steps: 6,
    batch: 3,
    input: 2,
    hidden: 5,
    proj: 2,
    reverse: true,
    lengths: [3, 6, 1],
  },
  { name: 'one step, batch 1, hidden 1', steps: 1, batch: 1, input: 1, hidden: 1 },
  { name: 'hidden 64, 30 steps', steps: 30, batch: 5, input: 16, hidden: 64 },
];

/**
 * Gradients of sum(output * w1) + sum(hN * w2) + sum(cN * w3) with respect to every tensor; with
 * `simd` false, the wasm kernels run their JavaScript loops.
 */
function run(p: LayerProblem, fused: boolean, simd = true) {
  tf.env().set(FUSED_KERNELS_FLAG, fused);
  tf.env().set(SIMD_LOOPS_FLAG, simd);
  try {
    const forward = tf.tidy(() => {
      const r = lstmDirection(p.x, p.h0, p.c0, p.w, p.options);
      return [r.output, r.hN, r.cN].map((t) => Array.from(t.dataSync()));
    });
    const { value, grads } = tf.variableGrads(() => {
      const r = lstmDirection(p.x, p.h0, p.c0, p.w, p.options);
      return layerLoss(p, r);
    });
    const g = Object.fromEntries(Object.entries(grads).map(([k, t]) => [k, Array.from(t.dataSync())]));
    tf.dispose([value, ...Object.values(grads)]);
    return { forward, grads: g };
  } finally {
    tf.env().set(FUSED_KERNELS_FLAG, true);
    tf.env().set(SIMD_LOOPS_FLAG, true);
  }
}

describe(`fused kernels on ${__TFJS_BACKEND__}`, () => {
  test('serve the cpu and wasm backends', () => {
    expect(hasFusedKernels()).toBe(__TFJS_BACKEND__ === 'cpu' || __TFJS_BACKEND__ === 'wasm');
  });

  // On wasm, the kernels' element-wise loops run in WebAssembly SIMD, or in JavaScript where SIMD
  // is missing: both are checked.
  const loops = __TFJS_BACKEND__ === 'wasm' ? ['SIMD loops', 'JavaScript loops'] : ['JavaScript loops'];
  const runs = loops.flatMap((l) => cases.map((c, k) => [`${c.name}, ${l}`, c, k, l === 'SIMD loops'] as const));

  test.each(runs)('match the composed ops: %s', (_name, c, k, simd) => {
    const p = layerProblem(c, 100 * k);
    const fused = run(p, true, simd);
    const composed = run(p, false);
    // Forward: the same function up to float32 rounding (the kernels sum and activate in their
    // own order, and compute tanh their own way).
    ['output', 'h_n', 'c_n'].forEach((name, j) => expectClose(fused.forward[j], composed.forward[j], 1e-6, name));
    expect(Object.keys(fused.grads).sort()).toEqual(Object.keys(composed.grads).sort());
    for (const key of Object.keys(composed.grads)) expectClose(fused.grads[key], composed.grads[key], 1e-5, `d${key}`);
    disposeLayerProblem(p);
  });

  test('free every buffer they make', () => {
    const p = layerProblem(cases[4], 7);
    const backend = tf.engine().backend as unknown as { numDataIds(): number };
    run(p, true);
    const ids = backend.numDataIds();
    const tensors = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) run(p, true);
    expect(backend.numDataIds()).toBe(ids);
    expect(tf.memory().numTensors).toBe(tensors);
    disposeLayerProblem(p);
  });

  test('inference takes the fused forward for both gradient modes: the same numbers', () => {
    const p = layerProblem(cases[2], 9);
    const manual = tf.tidy(() =>
      Array.from(lstmDirection(p.x, p.h0, p.c0, p.w, { gradient: 'manual' }).output.dataSync()),
    );
    const autodiff = tf.tidy(() =>
      Array.from(lstmDirection(p.x, p.h0, p.c0, p.w, { gradient: 'autodiff' }).output.dataSync()),
    );
    expect(autodiff).toEqual(manual);
    const composed = tf.tidy(() => Array.from(lstmForward(p.x, p.h0, p.c0, p.w).output.dataSync()));
    expectClose(manual, composed, 1e-6, 'fused vs composed');
    disposeLayerProblem(p);
  });
});

if (__TFJS_BACKEND__ === 'wasm')
  describe("the wasm kernels' direct product", () => {
    // The gate product calls the backend's exported _FusedMatMul itself, into a buffer reused
    // every step (wasm-ops.ts, productInto), after checking it on a known product; the kernel
    // function is the fallback. Both must give the same gates, bit for bit, and on this tfjs the
    // direct call must be the one taken (a silent fallback would only show as lost speed).
    test('is taken, and gives what the kernel function gives', () => {
      type Mat = { info: tf.TensorInfo; rows: number; cols: number };
      const backend = tf.backend() as unknown as {
        makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
        typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
        disposeData(dataId: object): boolean;
      };
      const ops = wasmOps(backend as never) as unknown as {
        gates(xh: Mat, w: { w: Mat; b: Mat | null }, into?: Mat): Mat;
        data(m: Mat): Float32Array;
      };
      const made: Mat[] = [];
      const mat = (rows: number, cols: number, seed: number, shape = [rows, cols]) => {
        const m = { info: backend.makeOutput(shape, 'float32'), rows, cols };
        let s = seed;
        backend
          .typedArrayFromHeap({ ...m.info, shape })
          .set(Array.from({ length: rows * cols }, () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1));
        made.push(m);
        return m;
      };
      const [xh, w, b, into] = [mat(3, 11, 1), mat(11, 20, 2), mat(1, 20, 3, [20]), mat(3, 20, 4)];
      const direct = ops.gates(xh, { w, b }, into);
      expect(direct).toBe(into);
      const viaKernel = ops.gates(xh, { w, b });
      expect(viaKernel).not.toBe(into);
      made.push(viaKernel);
      expect(Array.from(ops.data(direct))).toEqual(Array.from(ops.data(viaKernel)));
      made.forEach((m) => backend.disposeData(m.info.dataId));
    });
  });
