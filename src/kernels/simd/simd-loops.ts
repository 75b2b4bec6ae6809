import type { StepLoops } from '../step-loops';
import { LstmSimd } from './lstm-simd';

/** What the loops use of the wasm backend's Emscripten module. */
export interface WasmHeap {
  memory: WebAssembly.Memory;
  malloc(bytes: number): number;
  free(pointer: number): void;
}

/**
 * `StepLoops` in WebAssembly SIMD (lstm-simd.wat), in place in the wasm backend's heap: every
 * array passed in must be a view of that heap, taken after the last allocation (an allocation may
 * grow the heap and detach older views; a detached view would point at address 0, so the loops
 * check and throw instead).
 */
export function simdLoops(simd: LstmSimd, heap: WasmHeap): StepLoops {
  /** The byte address of element `offset` of `view`. */
  const at = (view: Float32Array, offset = 0): number => {
    if (view.buffer !== heap.memory.buffer) {
      throw new Error('tfjs-lstm internal error: a SIMD loop was given an array outside the current wasm heap');
    }
    return view.byteOffset + 4 * offset;
  };
  return {
    setColumns(m, src, rows, width, from, cols) {
      simd.copy_rows(at(m, from), width, at(src), cols, rows, cols);
    },
    cellUpdate(a, c, cNew, tanhC, r, batch, hidden) {
      simd.cell_forward(at(a), at(c), at(cNew), at(tanhC), at(r), batch, hidden);
    },
    gatherDhNew(t, b0, b1, dOutput, dh, dhNew, outSize) {
      const batch = dh.length / outSize;
      const n = (b1 - b0) * outSize;
      return simd.add_norm(at(dOutput, (t * batch + b0) * outSize), at(dh, b0 * outSize), at(dhNew, b0 * outSize), n);
    },
    gateGradients(t, b0, b1, cache, grads, hidden) {
      const batch = grads.dc.length / hidden;
      const row = t * batch + b0;
      return simd.gate_grads(
        at(cache.gates, row * 4 * hidden),
        at(cache.cPrev, row * hidden),
        at(cache.tanhC, row * hidden),
        at(grads.dr, b0 * hidden),
        at(grads.dc, b0 * hidden),
        at(grads.dZ, b0 * 4 * hidden),
        at(grads.dcPrev, b0 * hidden),
        b1 - b0,
        hidden,
      );
    },
    transposeInto(src, rows, cols, dst, dstStride) {
      simd.transpose_into(at(src), rows, cols, at(dst), dstStride);
    },
    rowSums(m, rows, cols) {
      const source = at(m);
      const pointer = heap.malloc(8 * rows);
      try {
        simd.row_sums_f64(source, rows, cols, pointer);
        return Float64Array.from(new Float64Array(heap.memory.buffer, pointer, rows));
      } finally {
        heap.free(pointer);
      }
    },
  };
}
