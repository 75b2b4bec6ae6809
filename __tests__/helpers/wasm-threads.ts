import * as tf from '@tensorflow/tfjs';

/** Emscripten's pthreads of the wasm backend, where it runs multi-threaded; else null. */
export function wasmPthreads(): { terminateAllThreads(): void } | null {
  const backend = tf.findBackend('wasm') as { wasm?: { PThread?: { terminateAllThreads(): void } } } | null;
  return backend?.wasm?.PThread ?? null;
}

/** Ends the worker threads of a multi-threaded wasm backend (its pthreads), if one runs. */
export function terminateWasmThreads(): void {
  wasmPthreads()?.terminateAllThreads();
}
