import * as tf from '@tensorflow/tfjs';

import { GRU, GRUCell, LSTM, LSTMCell, RNN, torchLSTM } from '../src';

// A batch of no sequences ([T, 0, inputSize]) is valid input in PyTorch: empty outputs and zero
// gradients. Here it must give the same on every backend, with no leak: before, the kernels'
// loops threw on cpu, and wasm's matMul and sum over an empty dimension returned uninitialised
// memory as gradients.
const CONFIGS = [
  {},
  { numLayers: 2 },
  { bidirectional: true },
  { numLayers: 2, bidirectional: true, projSize: 2 },
  { bias: false, batchFirst: true },
];

describe.each(['manual', 'autodiff'] as const)('batch size 0 (%s gradients)', (gradient) => {
  test.each(CONFIGS.map((c) => [JSON.stringify(c), c] as const))('LSTM %s', (_name, config) => {
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 4, seed: 1, gradient, ...config });
    const states = rnn.numLayers * rnn.numDirections;
    const x = config.batchFirst ? tf.zeros([0, 5, 3]) : tf.zeros([5, 0, 3]);
    const before = tf.memory().numTensors;

    const [output, [hN, cN]] = rnn.forward(x);
    expect([output.shape, hN.shape, cN.shape]).toEqual([
      config.batchFirst ? [0, 5, rnn.numDirections * rnn.outputSize] : [5, 0, rnn.numDirections * rnn.outputSize],
      [states, 0, rnn.outputSize],
      [states, 0, 4],
    ]);
    tf.dispose([output, hN, cN]);

    const loss = () => {
      const [out, [h, c]] = rnn.forward(x);
      return tf.addN([tf.sum(out), tf.sum(h), tf.sum(c)]) as tf.Scalar;
    };
    const { value, grads } = tf.variableGrads(loss);
    // Every parameter gets a gradient of its shape, all zeros.
    for (const [name, p] of rnn.namedParameters()) {
      const g = grads[p.name];
      expect({ name, shape: g.shape }).toEqual({ name, shape: p.shape });
      expect({ name, nonzero: Array.from(g.dataSync()).filter((v) => v !== 0) }).toEqual({ name, nonzero: [] });
    }
    const dx = tf.grad(() => loss())(x);
    expect(dx.shape).toEqual(x.shape);
    tf.dispose([value, dx, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    rnn.dispose();
  });

  test('LSTMCell', () => {
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 4, seed: 2, gradient });
    const x = tf.zeros([0, 3]);
    const before = tf.memory().numTensors;
    const [h, c] = cell.forward(x);
    expect([h.shape, c.shape]).toEqual([
      [0, 4],
      [0, 4],
    ]);
    const { value, grads } = tf.variableGrads(() => tf.sum(cell.forward(x)[0]) as tf.Scalar);
    for (const p of cell.parameters()) expect(Array.from(grads[p.name].dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([h, c, value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    cell.dispose();
  });
});

test('torchLSTM gives [0, T, size] for an empty batch, as tf.layers.lstm does', () => {
  // (model.predict itself fails on an empty batch in tfjs-layers: it splits the input into no
  // batches; the layers are applied directly.)
  const layer = torchLSTM({ hiddenSize: 4, numLayers: 2, bidirectional: true, returnSequences: true, seed: 3 });
  const keras = tf.layers.lstm({ units: 8, returnSequences: true });
  tf.tidy(() => [layer, keras].forEach((l) => l.apply(tf.zeros([1, 5, 3])))); // builds them
  const x = tf.zeros([0, 5, 3]);
  const before = tf.memory().numTensors;
  const y = layer.apply(x) as tf.Tensor;
  const yKeras = keras.apply(x) as tf.Tensor;
  expect(y.shape).toEqual([0, 5, 8]);
  expect(yKeras.shape).toEqual([0, 5, 8]);
  tf.dispose([y, yKeras]);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([x]);
  layer.dispose();
  keras.dispose();
});

describe.each(['manual', 'autodiff'] as const)('batch size 0, GRU and RNN (%s gradients)', (gradient) => {
  test.each([
    ['GRU', () => new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 1, gradient })],
    ['RNN', () => new RNN({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu', seed: 1, gradient })],
  ] as const)('%s: empty outputs, zero gradients of every parameter, nothing left', (_name, make) => {
    const rnn = make();
    const states = rnn.numLayers * rnn.numDirections;
    const x = tf.zeros([5, 0, 3]);
    const before = tf.memory().numTensors;
    const [output, hN] = rnn.forward(x);
    expect([output.shape, hN.shape]).toEqual([
      [5, 0, rnn.numDirections * 4],
      [states, 0, 4],
    ]);
    tf.dispose([output, hN]);
    const { value, grads } = tf.variableGrads(() => {
      const [out, h] = rnn.forward(x);
      return tf.add(tf.sum(out), tf.sum(h)) as tf.Scalar;
    });
    for (const [name, p] of rnn.namedParameters()) {
      const g = grads[p.name];
      expect({ name, shape: g.shape }).toEqual({ name, shape: p.shape });
      expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    }
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    const cell = new GRUCell({ inputSize: 3, hiddenSize: 2 });
    const h = cell.forward(tf.zeros([0, 3]));
    expect(h.shape).toEqual([0, 2]);
    tf.dispose([x, h]);
    cell.dispose();
    rnn.dispose();
  });
});
