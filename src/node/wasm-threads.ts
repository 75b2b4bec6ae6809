import * as tf from '@tensorflow/tfjs';
import os from 'os';
import { Worker as NodeWorker } from 'worker_threads';

/** What this uses of @tensorflow/tfjs-backend-wasm's exports. */
interface WasmBackendPackage {
  setThreadsCount(threads: number): void;
  getThreadsCount(): number;
}

/** What this uses of the wasm backend's Emscripten module: the pthreads of the threaded build. */
interface WasmBackend {
  wasm?: { PThread?: unknown };
}

/** A module of tfjs-backend-wasm, by its path in the package, loaded as this package loads tfjs. */
async function wasmOutModule(file: string): Promise<Record<string, unknown>> {
  // A specifier held in a variable: the bundler leaves the import to run time, and TypeScript
  // does not look for declarations the files do not have.
  const specifier: string = `@tensorflow/tfjs-backend-wasm/wasm-out/${file}`;
  return (await import(specifier)) as Record<string, unknown>;
}

/**
 * The script of a pthread worker. tfjs-backend-wasm gives Emscripten its worker script and, later,
 * the module's own script as Blob URLs, which a Node worker can neither start from nor read
 * synchronously; so the worker runs the same scripts, as eval code.
 */
async function pthreadWorkerSource(): Promise<string> {
  const worker = await wasmOutModule('tfjs-backend-wasm-threaded-simd.worker.js');
  const contents = (worker.wasmWorkerContents ??
    (worker.default as Record<string, unknown>)?.wasmWorkerContents) as string;
  const factory = (await wasmOutModule('tfjs-backend-wasm-threaded-simd.js')).default as () => unknown;
  // As tfjs makes the module's script for its Blob.
  const moduleScript = `var WasmBackendModuleThreadedSimd = ${factory.toString()}`;
  // The contents hold "\n" escapes that the template literal they come from has turned into
  // newlines, inside string literals: escaped again here, as tfjs does before making its Blob.
  return contents.replace(/\n/g, '\\n') + `;importScripts=function(){(0,eval)(${JSON.stringify(moduleScript)})};`;
}

/** A Node worker that starts a pthread from tfjs' Blob URL, and never keeps the process alive. */
function pthreadWorkerClass(source: string) {
  return class PthreadWorker extends NodeWorker {
    constructor(url: string | URL) {
      const blob = String(url).startsWith('blob:');
      super(blob ? source : url, { eval: blob });
      this.unref();
    }

    // Emscripten refs a worker while its pthread runs, and XNNPACK's pool threads run as long as
    // the backend: referenced, they would keep Node from exiting at the end of a script.
    override ref(): void {}
  };
}

/**
 * Starts tfjs' wasm backend in its multi-threaded build in Node.js, with `threads` threads for
 * its matrix products (XNNPACK's thread pool), and makes it the current backend. Returns the
 * number of threads the backend runs.
 *
 * tfjs-backend-wasm 4.x turns its threaded build off in Node (its pthread workers start from Blob
 * URLs, which Node's workers cannot), and caps the threads at half the logical cores (so at one on
 * a 2-core machine). This starts the workers from the same scripts and lifts the cap, for the
 * time of the backend's start only. The threads speed up the products, most of a training step's
 * time; tfjs-lstm's kernels and element-wise loops run on the calling thread, in the backend's
 * shared memory, as before. See BENCHMARKS.md for what it gains.
 *
 * Call it before anything else uses the wasm backend: its build and threads are fixed when it
 * starts. With the threaded backend already running, it selects it and returns its threads.
 * Needs @tensorflow/tfjs-backend-wasm (an optional peer dependency of this package).
 *
 * ```js
 * import * as tf from '@tensorflow/tfjs';
 * import { useThreadedWasm } from 'tfjs-lstm/node';
 *
 * const threads = await useThreadedWasm(2);
 * console.log(tf.getBackend(), threads); // 'wasm' 2
 * ```
 *
 * @param threads The number of threads, 1 to 8 (the workers the build starts); default: the
 *   logical cores, at most 8.
 */
export async function useThreadedWasm(threads: number = Math.min(os.cpus().length, 8)): Promise<number> {
  if (!Number.isInteger(threads) || threads < 1 || threads > 8) {
    throw new Error(`useThreadedWasm(): argument 'threads' must be an integer from 1 to 8, but got ${threads}`);
  }
  let wasm: WasmBackendPackage;
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    throw new Error(`useThreadedWasm(): needs @tensorflow/tfjs-backend-wasm, which did not load: ${e}`);
  }
  // The registry, not tf.findBackend, which would start a registered backend to return it.
  const running = tf.engine().registry.wasm as WasmBackend | undefined;
  if (running) {
    if (!running.wasm?.PThread) {
      throw new Error(
        'useThreadedWasm(): the wasm backend has already started single-threaded; call useThreadedWasm() before anything uses it',
      );
    }
    await tf.setBackend('wasm');
    return wasm.getThreadsCount();
  }

  const global = globalThis as { Worker?: unknown };
  const workerDescriptor = Object.getOwnPropertyDescriptor(global, 'Worker');
  const cpus = os.cpus;
  try {
    // Emscripten sets the global Worker to Node's as the module starts: this one stays in place.
    const Worker = pthreadWorkerClass(await pthreadWorkerSource());
    Object.defineProperty(global, 'Worker', { configurable: true, get: () => Worker, set: () => undefined });
    // The build caps the threads at half of what os.cpus() counts, as it starts.
    os.cpus = () => Array.from({ length: 2 * threads }, (_, k) => cpus()[k % cpus().length]);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      throw new Error('useThreadedWasm(): the multi-threaded wasm backend failed to start (see the error tfjs logged)');
    }
  } finally {
    os.cpus = cpus;
    if (workerDescriptor) Object.defineProperty(global, 'Worker', workerDescriptor);
    else delete global.Worker;
  }
  return wasm.getThreadsCount();
}
