import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

declare const __TFJS_BACKEND__: string;

// Silences the "install tfjs-node" banner the cpu backend prints in Node. (Not IS_TEST: that
// flag also makes tfjs treat tensors saved by customGrad for the backward pass as leaks.)
tf.env().set('PROD', true);

beforeAll(async () => {
  if (__TFJS_BACKEND__ === 'tensorflow') require('@tensorflow/tfjs-node');
  const ok = await tf.setBackend(__TFJS_BACKEND__);
  if (!ok) throw new Error(`could not initialise the tfjs backend '${__TFJS_BACKEND__}'`);
  await tf.ready();
});
