import * as tf from '@tensorflow/tfjs';

/**
 * tfjs' own CPU backend under another name, with only tfjs' stock kernels: the package's fused
 * kernels are registered for `cpu` and `wasm` by name, so on this backend every LSTM runs the
 * composed-ops path that `tensorflow`, `webgl` and `webgpu` take. It lets every machine test that
 * path on a real backend, not only through `setFusedKernels(false)`.
 */
export const STOCK_BACKEND = 'cpu-stock';

/**
 * The same, but reading a tensor synchronously fails for any tensor a kernel computed, as on
 * tfjs' WebGPU backend (whose `readSync` works only for data still on the CPU, such as a tensor
 * made from a JS array): what must run there has to keep its work on the device or read with
 * `await data()`.
 */
export const ASYNC_READ_BACKEND = 'cpu-async-read';

const PACKAGE_KERNEL = /^TfjsLstm/;

/**
 * Registers both backends (once per process). Call it before the package registers its kernels,
 * that is before the first LSTM runs: the copies are taken from `cpu`'s registry at this moment,
 * and the package's own kernels are left out by name in any case.
 */
export function registerStockBackends(): void {
  if (tf.findBackendFactory(STOCK_BACKEND)) return;
  const cpuFactory = tf.findBackendFactory('cpu');
  if (!cpuFactory) throw new Error("the tfjs 'cpu' backend is not registered");
  tf.registerBackend(STOCK_BACKEND, cpuFactory, -1);
  tf.registerBackend(ASYNC_READ_BACKEND, () => asyncReadOnly(cpuFactory() as tf.KernelBackend), -1);
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    if (PACKAGE_KERNEL.test(kernel.kernelName)) continue;
    for (const backendName of [STOCK_BACKEND, ASYNC_READ_BACKEND]) tf.registerKernel({ ...kernel, backendName });
  }
}

/** Makes `backend.readSync` throw for data that a kernel wrote, as WebGPU's does for GPU data. */
function asyncReadOnly(backend: tf.KernelBackend): tf.KernelBackend {
  const fromJs = new WeakSet<object>();
  const write = backend.write.bind(backend);
  const readSync = backend.readSync.bind(backend);
  backend.write = (values, shape, dtype) => {
    const dataId = write(values, shape, dtype);
    fromJs.add(dataId);
    return dataId;
  };
  backend.readSync = (dataId) => {
    if (!fromJs.has(dataId)) {
      throw new Error(`${ASYNC_READ_BACKEND}: readSync of data a kernel computed; read it with await data()`);
    }
    return readSync(dataId);
  };
  return backend;
}
