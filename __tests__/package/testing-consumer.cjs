// Loads tfjs-lstm/testing by its name from the built package, as a CommonJS user of node:test,
// vitest or mocha would, and uses assertClose.
const tf = require('@tensorflow/tfjs');
const { assertClose, checkGradients, TensorAssertionError } = require('tfjs-lstm/testing');
const { loadGolden, TensorAssertionError: FromNode } = require('tfjs-lstm/testing/node');
tf.env().set('PROD', true);
assertClose(tf.tensor([1, 2]), [1, 2 + 1e-6]);
let message = '';
try {
  assertClose(tf.tensor([1, 2]), [1, 3]);
} catch (e) {
  message = e instanceof TensorAssertionError && e.name === 'AssertionError' ? e.message.split('\n')[0] : String(e);
}
const gradient = checkGradients((x) => tf.sum(tf.square(x)), [tf.tensor([0.5, -1])]).pass;
console.log(
  JSON.stringify({
    format: 'cjs',
    message,
    gradient,
    golden: typeof loadGolden,
    sameClass: FromNode === TensorAssertionError,
  }),
);
