// Loads the built package by its name, as a CommonJS user would.
const tf = require('@tensorflow/tfjs');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { LSTM, LSTMCell, SafetensorsError, torchLSTM } = require('tfjs-lstm');
const { fileSystem, readStateDict } = require('tfjs-lstm/node');
const main = require('tfjs-lstm');
const { lstmStep } = require('tfjs-lstm/functional');
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
    format: 'cjs',
    shape: output.shape,
    cell: typeof LSTMCell,
    layer: typeof torchLSTM,
    node: typeof fileSystem,
    sameClass,
    functional,
  }),
);
