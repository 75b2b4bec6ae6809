// Loads the built package by its name, as an ES-module user would.
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LSTM, LSTMCell, SafetensorsError, torchLSTM } from 'tfjs-lstm';
import { fileSystem, readStateDict } from 'tfjs-lstm/node';
import * as main from 'tfjs-lstm';
import { lstmStep } from 'tfjs-lstm/functional';
tf.env().set('PROD', true);
const rnn = new LSTM({ inputSize: 2, hiddenSize: 3 });
const [output] = rnn.forward(tf.ones([4, 1, 2]));
// An error from one entry is an instance of the class the other exports: one copy of the code.
const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-lstm-')), 'bad.safetensors');
fs.writeFileSync(bad, new Uint8Array([1, 2, 3]));
let sameClass = false;
try {
  readStateDict(bad);
} catch (e) {
  sameClass = e instanceof SafetensorsError;
}
fs.rmSync(path.dirname(bad), { recursive: true });
// The functional ops come from their own entry, each leaving only what it returns.
const [xz, h, c, kernelHh] = [tf.ones([1, 12]), tf.zeros([1, 3]), tf.zeros([1, 3]), tf.ones([3, 12])];
const before = tf.memory().numTensors;
const step = lstmStep(xz, h, c, kernelHh);
const functional = {
  newTensors: tf.memory().numTensors - before,
  returned: new Set(Object.values(step)).size,
  inMain: 'lstmStep' in main,
};
console.log(
  JSON.stringify({
    format: 'esm',
    shape: output.shape,
    cell: typeof LSTMCell,
    layer: typeof torchLSTM,
    node: typeof fileSystem,
    sameClass,
    functional,
  }),
);
