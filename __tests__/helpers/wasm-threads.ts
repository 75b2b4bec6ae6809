import * as tf from '@tensorflow/tfjs';

/** Emscripten's pthreads of the wasm backend, where it runs multi-threaded; else null. */
export function wasmPthreads(): { terminateAllThreads(): void } | null {
  // The registry, not tf.findBackend, which would start the wasm backend if it has not started.
  const backend = tf.engine().registry.wasm as { wasm?: { PThread?: { terminateAllThreads(): void } } } | undefined;
  return backend?.wasm?.PThread ?? null;
}

/** Ends the worker threads of a multi-threaded wasm backend (its pthreads), if one runs. */
export function terminateWasmThreads(): void {
  wasmPthreads()?.terminateAllThreads();
}
