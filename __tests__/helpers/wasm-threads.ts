import * as tf from '@tensorflow/tfjs';

/** The Emscripten pthreads of the wasm backend, where it runs multi-threaded. */
export function wasmPthreads(): {
  terminateAllThreads(): void;
  unusedWorkers: unknown[];
  runningWorkers: unknown[];
} | null {
  const backend = tf.findBackend('wasm') as { wasm?: { PThread?: ReturnType<typeof wasmPthreads> } } | null;
  return backend?.wasm?.PThread ?? null;
}

/** Ends the worker threads of a multi-threaded wasm backend (its pthreads), if one runs. */
export function terminateWasmThreads(): void {
  wasmPthreads()?.terminateAllThreads();
}
