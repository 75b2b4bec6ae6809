import * as tf from '@tensorflow/tfjs';

import {
  copyFromKerasLSTM,
  copyToKerasLSTM,
  denseToLinearWeights,
  kerasToLSTMWeights,
  kerasToLstmWeights,
  linearToDenseWeights,
  LSTM,
  lstmToKerasWeights,
  torchLSTM,
} from '../src';
import { expectClose } from './helpers/compare';

// tfjs-layers' tf.layers.lstm (with recurrentActivation 'sigmoid') and PyTorch's LSTM compute the
// same function once weights are converted: kernel = W_ih^T, recurrentKernel = W_hh^T, bias = b_ih + b_hh.

const kerasLSTM = (units: number, extra: object = {}) =>
  tf.layers.lstm({ units, returnSequences: true, recurrentActivation: 'sigmoid', ...extra });

function silenceWarnings() {
  return jest.spyOn(console, 'warn').mockImplementation(() => undefined);
}

describe('Keras LSTM weights', () => {
  test('LSTM -> tf.layers.lstm: same outputs', () => {
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 4, batchFirst: true, seed: 1 });
    const keras = kerasLSTM(4);
    keras.apply(tf.zeros([1, 1, 3])); // builds its weights (RNN layers rebuild after a bare build())
    copyToKerasLSTM(rnn, keras);
    const x = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 2);
    expectClose(keras.apply(x) as tf.Tensor, rnn.forward(x)[0], 1e-6, 'output');
    rnn.dispose();
  });

  test('tf.layers.lstm -> LSTM: same outputs, and b_ih = bias, b_hh = 0', () => {
    const keras = kerasLSTM(4, { biasInitializer: 'randomNormal' });
    const x = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 3);
    const expected = keras.apply(x) as tf.Tensor;
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 4, batchFirst: true });
    copyFromKerasLSTM(keras, rnn);
    expectClose(rnn.forward(x)[0], expected, 1e-6, 'output');
    const sd = rnn.stateDict();
    expect(Array.from(sd.bias_ih_l0.dataSync())).toEqual(Array.from(keras.getWeights()[2].dataSync()));
    expect(Array.from(sd.bias_hh_l0.dataSync()).every((v) => v === 0)).toBe(true);
    rnn.dispose();
  });

  test('bidirectional, layer 1 of a stack: both directions copied into tf.layers.bidirectional', () => {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, batchFirst: true, seed: 4 });
    const first = tf.layers.bidirectional({ layer: kerasLSTM(3) as tf.RNN, mergeMode: 'concat' });
    const second = tf.layers.bidirectional({ layer: kerasLSTM(3) as tf.RNN, mergeMode: 'concat' });
    const x = tf.randomNormal([2, 6, 2], 0, 1, 'float32', 5);
    const hidden = first.apply(x) as tf.Tensor;
    second.apply(hidden);
    copyToKerasLSTM(rnn, first, { layer: 0 });
    copyToKerasLSTM(rnn, second, { layer: 1 });
    expectClose(second.apply(first.apply(x)) as tf.Tensor, rnn.forward(x)[0], 1e-6, 'output');
    // And back, into a fresh module.
    const back = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, batchFirst: true });
    copyFromKerasLSTM(first, back, { layer: 0 });
    copyFromKerasLSTM(second, back, { layer: 1 });
    expectClose(back.forward(x)[0], rnn.forward(x)[0], 1e-6, 'round trip');
    rnn.dispose();
    back.dispose();
  });

  test("warns when the Keras layer keeps its default 'hardSigmoid', which changes results", () => {
    const warn = silenceWarnings();
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 2 });
    const keras = tf.layers.lstm({ units: 2, returnSequences: true });
    keras.apply(tf.zeros([1, 1, 3]));
    copyToKerasLSTM(rnn, keras);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/recurrentActivation 'hardSigmoid'.*results will differ/));
    warn.mockRestore();
    // And it does differ.
    const x = tf.randomNormal([1, 4, 3], 0, 1, 'float32', 6);
    const diff = tf.max(
      tf.abs(tf.sub(keras.apply(x) as tf.Tensor, rnn.forward(tf.transpose(x, [1, 0, 2]))[0].transpose([1, 0, 2]))),
    );
    expect(diff.dataSync()[0]).toBeGreaterThan(1e-3);
    rnn.dispose();
  });

  test('projections and mismatched sizes are refused with a clear error', () => {
    const proj = new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 2 });
    const keras = kerasLSTM(4);
    keras.apply(tf.zeros([1, 1, 3]));
    expect(() => copyToKerasLSTM(proj, keras)).toThrow(/weight_hr_l0 is a projection, which Keras' LSTM does not have/);
    const small = new LSTM({ inputSize: 3, hiddenSize: 2 });
    expect(() => copyFromKerasLSTM(keras, small)).toThrow(/size mismatch for weight_ih_l0/);
    expect(() => copyToKerasLSTM(small, tf.layers.dense({ units: 1 }))).toThrow(/expected a tf\.layers\.lstm/);
    expect(() => kerasToLSTMWeights([tf.zeros([3, 8])])).toThrow(/expected \[kernel, recurrentKernel, bias\?\]/);
    proj.dispose();
    small.dispose();
  });

  test('the conversions themselves: transposes and the bias sum', () => {
    const sd = {
      weight_ih_l0: tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ]),
      weight_hh_l0: tf.tensor2d([[1], [2], [3], [4]]),
      bias_ih_l0: tf.tensor1d([1, 1, 1, 1]),
      bias_hh_l0: tf.tensor1d([0.5, 0, -1, 2]),
    };
    const [kernel, recurrent, bias] = lstmToKerasWeights(sd);
    expect(kernel.arraySync()).toEqual([
      [1, 3, 5, 7],
      [2, 4, 6, 8],
    ]);
    expect(recurrent.arraySync()).toEqual([[1, 2, 3, 4]]);
    expect(bias.arraySync()).toEqual([1.5, 1, 0, 3]);
    const back = kerasToLSTMWeights([kernel, recurrent, bias], { layer: 2, reverse: true });
    expect(Object.keys(back)).toEqual([
      'weight_ih_l2_reverse',
      'weight_hh_l2_reverse',
      'bias_ih_l2_reverse',
      'bias_hh_l2_reverse',
    ]);
    expect(back.weight_ih_l2_reverse.arraySync()).toEqual(sd.weight_ih_l0.arraySync());
  });

  test('kerasToLstmWeights, its first name, still converts (deprecated alias)', () => {
    const weights = [tf.ones([2, 4]), tf.ones([1, 4])];
    const dict = kerasToLstmWeights(weights);
    expect(Object.keys(dict)).toEqual(['weight_ih_l0', 'weight_hh_l0']);
    expect(dict.weight_hh_l0.shape).toEqual([4, 1]);
    tf.dispose([...weights, ...Object.values(dict)]);
  });
});

describe('nn.Linear <-> tf.layers.dense', () => {
  test('weight [out, in] is the transpose of the kernel', () => {
    const weight = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const dense = tf.layers.dense({ units: 2, inputShape: [3] });
    dense.build([null, 3]);
    dense.setWeights(linearToDenseWeights(weight, tf.tensor1d([0.5, -0.5])));
    const x = tf.tensor2d([[1, 0, -1]]);
    // PyTorch: x W^T + b = [1 - 3 + 0.5, 4 - 6 - 0.5]
    expect((dense.apply(x) as tf.Tensor).arraySync()).toEqual([[-1.5, -2.5]]);
    const linear = denseToLinearWeights(dense.getWeights());
    expect(linear.weight.arraySync()).toEqual(weight.arraySync());
    expect(linear.bias.arraySync()).toEqual([0.5, -0.5]);
  });
});

describe('TorchLSTM state dicts', () => {
  test('a TorchLSTM layer takes an LSTM module state dict and computes the same', () => {
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, projSize: 2, batchFirst: true, seed: 7 });
    const layer = torchLSTM({ hiddenSize: 4, numLayers: 2, projSize: 2, inputSize: 3, returnSequences: true });
    const sd = rnn.stateDict();
    layer.loadStateDict(sd);
    const x = tf.randomNormal([2, 5, 3]);
    expect(Array.from((layer.apply(x) as tf.Tensor).dataSync())).toEqual(Array.from(rnn.forward(x)[0].dataSync()));
    const back = layer.stateDict();
    expect(Object.keys(back)).toEqual(Object.keys(sd));
    for (const k of Object.keys(sd)) expect(Array.from(back[k].dataSync())).toEqual(Array.from(sd[k].dataSync()));
    expect(() => layer.loadStateDict({ ...sd, weight_hh_l0: tf.zeros([2, 2]) })).toThrow(
      /size mismatch for weight_hh_l0/,
    );
    expect(Array.from(layer.stateDict().weight_hh_l0.dataSync())).toEqual(Array.from(sd.weight_hh_l0.dataSync()));
    rnn.dispose();
  });

  test('without an input size the layer has no weights to load yet', () => {
    expect(() => torchLSTM({ hiddenSize: 2 }).stateDict()).toThrow(/give inputSize or inputShape/);
  });
});
