import * as tf from '@tensorflow/tfjs';
import * as os from 'os';

import { useThreadedWasm } from '../src/node';
import { wasmOps } from '../src/kernels/wasm-ops';
import { jsLoops } from '../src/kernels/step-loops';
import { terminateWasmThreads, wasmPthreads } from './helpers/wasm-threads';

// useThreadedWasm (src/node/wasm-threads.ts): the wasm backend's multi-threaded build in Node.
// In the "wasm, 2 threads" project the setup has started it; in the wasm project the setup has
// started the single-threaded build; elsewhere the wasm backend has not started, and this file
// starts the threaded one itself.

declare const __TFJS_BACKEND__: string;
declare const __WASM_THREADS__: number;

type WasmBackend = Parameters<typeof wasmOps>[0];

describe('useThreadedWasm', () => {
  test.each([0, 9, 2.5, NaN])('rejects %p threads, naming the argument', async (threads) => {
    await expect(useThreadedWasm(threads)).rejects.toThrow(
      `useThreadedWasm(): argument 'threads' must be an integer from 1 to 8, but got ${threads}`,
    );
  });

  if (__WASM_THREADS__) {
    test('runs the backend on the threads asked for, in shared memory, where the kernels take their SIMD loops', async () => {
      expect(tf.getBackend()).toBe('wasm');
      // started already: selected again, the same threads
      expect(await useThreadedWasm(__WASM_THREADS__)).toBe(__WASM_THREADS__);
      expect(wasmPthreads()).not.toBeNull();
      const backend = tf.backend() as unknown as WasmBackend & { wasm: { wasmMemory: WebAssembly.Memory } };
      expect(backend.wasm.wasmMemory.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(wasmOps(backend).loops).not.toBe(jsLoops);
    });
  } else if (__TFJS_BACKEND__ === 'wasm') {
    test('refuses once the backend has started single-threaded', async () => {
      await expect(useThreadedWasm(2)).rejects.toThrow(
        'useThreadedWasm(): the wasm backend has already started single-threaded; call useThreadedWasm() before anything uses it',
      );
      expect(wasmPthreads()).toBeNull();
    });
  } else {
    test('starts the threaded build, selects it, and leaves no global behind', async () => {
      const [cpus, worker] = [os.cpus().length, Object.getOwnPropertyDescriptor(globalThis, 'Worker')];
      try {
        expect(await useThreadedWasm(2)).toBe(2);
        expect(tf.getBackend()).toBe('wasm');
        const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
        const product = tf.matMul(a, a, false, true);
        expect(Array.from(await product.data())).toEqual([14, 32, 32, 77]);
        tf.dispose([a, product]);
        expect(os.cpus().length).toBe(cpus);
        expect(Object.getOwnPropertyDescriptor(globalThis, 'Worker')).toEqual(worker);
      } finally {
        terminateWasmThreads();
        await tf.setBackend(__TFJS_BACKEND__);
      }
    });
  }
});
