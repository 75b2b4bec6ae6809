// Loads the built package by its name, as an ES-module user would.
import * as tf from '@tensorflow/tfjs';
import { LSTM, LSTMCell, torchLSTM } from 'tfjs-lstm';
import { fileSystem } from 'tfjs-lstm/node';
tf.env().set('PROD', true);
const rnn = new LSTM({ inputSize: 2, hiddenSize: 3 });
const [output] = rnn.forward(tf.ones([4, 1, 2]));
console.log(
  JSON.stringify({
    format: 'esm',
    shape: output.shape,
    cell: typeof LSTMCell,
    layer: typeof torchLSTM,
    node: typeof fileSystem,
  }),
);
