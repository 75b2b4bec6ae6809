import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { useThreadedWasm } from '../../src/node';
import { registerStockBackends } from '../helpers/stock-backend';
import { terminateWasmThreads } from '../helpers/wasm-threads';

declare const __TFJS_BACKEND__: string;
/** The threads of the wasm backend, in the project that runs it multi-threaded; else 0. */
declare const __WASM_THREADS__: number;

// Silences the "install tfjs-node" banner the cpu backend prints in Node. (Not IS_TEST: that
// flag also makes tfjs treat tensors saved by customGrad for the backward pass as leaks.)
tf.env().set('PROD', true);

beforeAll(async () => {
  if (__TFJS_BACKEND__ === 'tensorflow') require('@tensorflow/tfjs-node');
  registerStockBackends();
  if (__WASM_THREADS__) await useThreadedWasm(__WASM_THREADS__);
  const ok = await tf.setBackend(__TFJS_BACKEND__);
  if (!ok) throw new Error(`could not initialise the tfjs backend '${__TFJS_BACKEND__}'`);
  await tf.ready();
});

afterAll(() => {
  // Each test file starts its own backend: the threaded one's workers end with the file.
  if (__WASM_THREADS__) terminateWasmThreads();
});
