// Loads the built package by its name, as a CommonJS user would.
const tf = require('@tensorflow/tfjs');
const { LSTM, LSTMCell, torchLSTM } = require('tfjs-lstm');
const { fileSystem } = require('tfjs-lstm/node');
tf.env().set('PROD', true);
const rnn = new LSTM({ inputSize: 2, hiddenSize: 3 });
const [output] = rnn.forward(tf.ones([4, 1, 2]));
console.log(
  JSON.stringify({
    format: 'cjs',
    shape: output.shape,
    cell: typeof LSTMCell,
    layer: typeof torchLSTM,
    node: typeof fileSystem,
  }),
);
