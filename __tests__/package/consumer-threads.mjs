// Runs the built package's LSTM on the multi-threaded wasm backend, as an ES-module user would,
// and ends without process.exit: the backend's worker threads must not keep Node running.
import * as tf from '@tensorflow/tfjs';
import { LSTM } from 'tfjs-lstm';
import { useThreadedWasm } from 'tfjs-lstm/node';
tf.env().set('PROD', true);
const threads = await useThreadedWasm(2);
const rnn = new LSTM({ inputSize: 2, hiddenSize: 3, seed: 1 });
const [output] = rnn.forward(tf.ones([4, 1, 2]));
console.log(JSON.stringify({ format: 'esm', backend: tf.getBackend(), threads, shape: output.shape }));
