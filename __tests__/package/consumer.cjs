// Loads the built package by its name, as a CommonJS user would.
const tf = require('@tensorflow/tfjs');
const { LSTM, LSTMCell } = require('tfjs-lstm');
tf.env().set('PROD', true);
const rnn = new LSTM({ inputSize: 2, hiddenSize: 3 });
const [output] = rnn.forward(tf.ones([4, 1, 2]));
console.log(JSON.stringify({ format: 'cjs', shape: output.shape, cell: typeof LSTMCell }));
