import { LSTM_SIMD_WASM, LSTM_SIMD_WASM_SHARED } from './lstm-simd-binary';

/**
 * The exports of lstm-simd.wat: the fused kernels' element-wise loops in WebAssembly SIMD, working
 * in place in the wasm backend's memory. Pointers are byte offsets into that memory; sizes are
 * counts of float32 elements. See the .wat file for what each computes.
 */
export interface LstmSimd {
  /** One GRU step for `rows` rows that all have it: h' and, with cache and hPrev not 0, the cache (gru-loops.ts). */
  gru_forward(
    xz: number,
    hz: number,
    h: number,
    out: number,
    cache: number,
    hPrev: number,
    rows: number,
    hidden: number,
  ): void;
  /** One GRU step back for `rows` rows that all have it (gru-loops.ts). */
  gru_grads(
    dOut: number,
    dh: number,
    cache: number,
    hPrev: number,
    dHZt: number,
    dhDirect: number,
    dXZ: number,
    dHZ: number,
    dBiasIh: number,
    dBiasHh: number,
    rows: number,
    hidden: number,
  ): void;
  /** n values at p in place: tanh when isTanh is 1, else sigmoid (the GRU and RNN kernels' activations). */
  activate(p: number, n: number, isTanh: number): void;
  /** z [rows, 4 hidden] in place: sigmoid of its i, f and o blocks, tanh of its g block. */
  gate_activations(z: number, rows: number, hidden: number): void;
  /** cNew = f c + i g, tanhC = tanh(cNew), r = o tanhC, from the activations a. */
  cell_forward(a: number, c: number, cNew: number, tanhC: number, r: number, rows: number, hidden: number): void;
  /** One step's dZ and dc_{t-1}; returns the sum of squares of dL/dc_t. */
  gate_grads(
    a: number,
    cPrev: number,
    tanhC: number,
    dr: number,
    dc: number,
    dZ: number,
    dcPrev: number,
    rows: number,
    hidden: number,
  ): number;
  /** out = x + y; returns the sum of squares of out. */
  add_norm(x: number, y: number, out: number, n: number): number;
  /** sums (float64 [rows]) = the sum of each row of x [rows, n]. */
  row_sums_f64(x: number, rows: number, n: number, sums: number): void;
  /** dst[q dstStride + r] = src[r cols + q]. */
  transpose_into(src: number, rows: number, cols: number, dst: number, dstStride: number): void;
  /** n elements of each of `rows` rows, the rows dstStride and srcStride elements apart. */
  copy_rows(dst: number, dstStride: number, src: number, srcStride: number, rows: number, n: number): void;
}

/** The compiled module for unshared and for shared memory (`useThreadedWasm`), once each. */
const compiled = new Map<boolean, WebAssembly.Module | null>();
const instances = new WeakMap<WebAssembly.Memory, LstmSimd>();

function decodeBase64(text: string) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let k = 0; k < binary.length; k++) bytes[k] = binary.charCodeAt(k);
  return bytes;
}

/**
 * The SIMD loops instantiated on `memory` (one instance per memory), or null where this
 * WebAssembly has no SIMD (the kernels then run their JavaScript loops).
 */
export function lstmSimd(memory: WebAssembly.Memory): LstmSimd | null {
  // A module must import a shared memory as shared, and an unshared one as unshared.
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  if (!compiled.has(shared)) {
    const bytes = decodeBase64(shared ? LSTM_SIMD_WASM_SHARED : LSTM_SIMD_WASM);
    compiled.set(shared, WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null);
  }
  const module = compiled.get(shared);
  if (!module) return null;
  let simd = instances.get(memory);
  if (!simd) {
    simd = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as LstmSimd;
    instances.set(memory, simd);
  }
  return simd;
}
