import * as tf from '@tensorflow/tfjs';

/**
 * tfjs' own CPU backend under another name, with only tfjs' stock kernels: the package's fused
 * kernels are registered for `cpu` and `wasm` by name, so on this backend every LSTM runs the
 * composed-ops path that `tensorflow`, `webgl` and `webgpu` take. It lets every machine test that
 * path on a real backend, not only through the `TFJSLSTM_FUSED_KERNELS` flag set to false.
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
    tf.registerKernel({ ...kernel, backendName: STOCK_BACKEND });
    tf.registerKernel({ ...kernel, backendName: ASYNC_READ_BACKEND, kernelFunc: insideKernel(kernel.kernelFunc) });
  }
}

/** How many kernels of the async-read backend are running: their own reads and writes are the device's. */
let kernelDepth = 0;

function insideKernel(kernelFunc: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    kernelDepth++;
    try {
      return kernelFunc(args);
    } finally {
      kernelDepth--;
    }
  };
}

/** Makes `backend.readSync` throw for data that a kernel wrote, as WebGPU's does for GPU data. */
function asyncReadOnly(backend: tf.KernelBackend): tf.KernelBackend {
  const fromJs = new WeakSet<object>();
  const write = backend.write.bind(backend);
  const readSync = backend.readSync.bind(backend);
  // Only data written from outside a kernel (a tensor made from a JS array) stays readable: the
  // CPU backend's kernels write their outputs through write() too.
  backend.write = (values, shape, dtype) => {
    const dataId = write(values, shape, dtype);
    if (kernelDepth === 0) fromJs.add(dataId);
    return dataId;
  };
  // The CPU backend's await data() calls readSync: it keeps the original.
  backend.read = async (dataId) => readSync(dataId);
  backend.readSync = (dataId) => {
    // A kernel reads its inputs (a GPU kernel reads GPU memory); only a read from outside is refused.
    if (kernelDepth === 0 && !fromJs.has(dataId)) {
      throw new Error(`${ASYNC_READ_BACKEND}: readSync of data a kernel computed; read it with await data()`);
    }
    return readSync(dataId);
  };
  return backend;
}
