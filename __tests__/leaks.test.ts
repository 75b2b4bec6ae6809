import * as tf from '@tensorflow/tfjs';

import { LSTM, torchLSTM } from '../src';

// Long runs leave memory where they started: on every backend (each takes its own path: fused
// kernels on cpu and wasm, TensorFlow's BlockLSTM on tensorflow, the composed ops for autodiff),
// and once on the multi-threaded wasm backend, whose kernels keep their buffers in shared memory.
//
// tf.memory() counts exactly, so a call that leaks one tensor shows after the first repeat: the
// loops are long enough to pass every path of a call more than once (both directions, both
// layers, dropout's mask drawn anew, padded sequences), not long for their own sake.

declare const __WASM_THREADS__: number;

const FORWARDS = __WASM_THREADS__ ? 10 : 50;
const TRAINING_STEPS = __WASM_THREADS__ ? 5 : 20;

const memory = () => [tf.memory().numTensors, tf.memory().numBytes];

// Autodiff runs tfjs' own ops, the same on one thread as on two.
const gradients = __WASM_THREADS__ ? (['manual'] as const) : (['manual', 'autodiff'] as const);

test.each(gradients)(`${FORWARDS} forwards and ${TRAINING_STEPS} training steps (gradient: %s)`, (gradient) => {
  const rnn = new LSTM({
    inputSize: 3,
    hiddenSize: 4,
    numLayers: 2,
    bidirectional: true,
    dropout: 0.1,
    seed: 1,
    gradient,
  });
  const x = tf.randomNormal([6, 2, 3]);
  const opt = tf.train.sgd(0.01);
  const run = (k: number) => {
    if (k < FORWARDS) tf.dispose(rnn.forward(x, null, { lengths: [6, 4] }).flat());
    if (k < TRAINING_STEPS) opt.minimize(() => tf.mean(rnn.forward(x, null, { lengths: [6, 4] })[0]) as tf.Scalar);
  };
  run(0);
  const before = memory();
  for (let k = 1; k < Math.max(FORWARDS, TRAINING_STEPS); k++) run(k);
  expect(memory()).toEqual(before);
  rnn.dispose();
  x.dispose();
});

// The model and the frozen LSTM take the same kernels on one thread as on two.
const singleThreaded = !__WASM_THREADS__;

if (singleThreaded)
  test('a frozen LSTM under a trained head: taped, never differentiated, nothing left behind', () => {
    // The LSTM's forward runs with the tape on (its cache made and saved) but is on no path to
    // the variables being trained, so its gradient never runs: the saved cache must still go.
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 4, seed: 3 });
    const head = tf.variable(tf.randomNormal([4, 1], 0, 1, 'float32', 4));
    const x = tf.randomNormal([5, 2, 3]);
    const opt = tf.train.sgd(0.01);
    const step = () =>
      opt.minimize(() => tf.mean(tf.matMul(rnn.forward(x)[1][0].reshape([2, 4]), head)) as tf.Scalar, false, [head]);
    step();
    const backend = tf.engine().backend as unknown as { numDataIds(): number };
    const [tensors, bytes, ids] = [tf.memory().numTensors, tf.memory().numBytes, backend.numDataIds()];
    for (let k = 0; k < 20; k++) step();
    expect([tf.memory().numTensors, tf.memory().numBytes, backend.numDataIds()]).toEqual([tensors, bytes, ids]);
    tf.dispose([head, x]);
    opt.dispose();
    rnn.dispose();
  });

if (singleThreaded)
  test(`TorchLSTM in a model: ${FORWARDS} predictions and ${TRAINING_STEPS} fit epochs`, async () => {
    const model = tf.sequential({
      layers: [torchLSTM({ hiddenSize: 4, numLayers: 2, inputShape: [5, 3], seed: 2 }), tf.layers.dense({ units: 1 })],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.randomNormal([4, 5, 3]);
    const y = tf.randomNormal([4, 1]);
    tf.dispose(model.predict(x) as tf.Tensor);
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    const before = memory();
    for (let k = 0; k < FORWARDS; k++) tf.dispose(model.predict(x) as tf.Tensor);
    await model.fit(x, y, { epochs: TRAINING_STEPS, batchSize: 4, verbose: 0 });
    expect(memory()).toEqual(before);
    model.dispose();
  });
