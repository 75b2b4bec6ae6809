import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import {
  GRU,
  gruToKerasWeights,
  KerasGRU,
  kerasToGRUWeights,
  registerKerasRecurrent,
  unregisterKerasRecurrent,
} from '../src';
import { fileSystem } from '../src/node';
import { expectClose } from './helpers/compare';

// Keras GRU models (reset_after=True, Keras' default) made by real TensorFlow/Keras and converted
// by the official tensorflowjs converter (scripts/make-keras-fixtures.py), loaded with
// tf.loadLayersModel after registerKerasRecurrent(): Keras' own predictions within 1e-5.

const DIR = path.join(__dirname, 'fixtures', 'keras');
const { cases } = JSON.parse(fs.readFileSync(path.join(DIR, 'index.json'), 'utf8')) as { cases: string[] };

interface Arr {
  shape: number[];
  dtype: string;
  data: number[];
}

function expected(name: string): { input: Arr; outputs: Arr[] } {
  return JSON.parse(fs.readFileSync(path.join(DIR, name, 'expected.json'), 'utf8')) as { input: Arr; outputs: Arr[] };
}

const load = (name: string) => tf.loadLayersModel(fileSystem(path.join(DIR, name, 'model.json')));

describe('without registerKerasRecurrent, tfjs-layers refuses a Keras GRU (the problem this solves)', () => {
  test('gru_default fails to load', async () => {
    unregisterKerasRecurrent();
    await expect(load('gru_default')).rejects.toThrow(/GRUCell does not support reset_after parameter set to true/);
  });
});

describe('with registerKerasRecurrent, converted Keras models predict what Keras predicts', () => {
  beforeAll(() => registerKerasRecurrent());
  afterAll(() => unregisterKerasRecurrent());

  test.each(cases)('%s', async (name) => {
    const before = tf.memory().numTensors;
    const model = await load(name);
    const { input, outputs } = expected(name);
    const x = tf.tensor(input.data, input.shape, input.dtype === 'int32' ? 'int32' : 'float32');
    const y = model.predict(x) as tf.Tensor | tf.Tensor[];
    const ys = Array.isArray(y) ? y : [y];
    expect(ys.length).toBe(outputs.length);
    ys.forEach((t, k) => expectClose(t, outputs[k].data, 1e-5, `${name} output ${k}`, outputs[k].shape));
    // Which class runs each GRU: this package's for reset_after=True, tfjs-layers' otherwise.
    const grus = model.layers
      .flatMap((l) => {
        const wrapped = l as unknown as { forwardLayer?: tf.layers.Layer; backwardLayer?: tf.layers.Layer };
        return wrapped.forwardLayer ? [wrapped.forwardLayer, wrapped.backwardLayer as tf.layers.Layer] : [l];
      })
      .filter((l) => l.getClassName() === 'GRU');
    expect(grus.length).toBeGreaterThan(0);
    for (const l of grus) expect(l instanceof KerasGRU).toBe(name !== 'reset_after_false');
    tf.dispose([x, ...ys]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a loaded Keras GRU trains with model.fit, and its weights match a PyTorch GRU both ways', async () => {
    const model = await load('gru_sequences');
    const { input } = expected('gru_sequences');
    const x = tf.tensor(input.data, input.shape);
    const layer = model.layers.find((l) => l instanceof KerasGRU) as KerasGRU;
    // The weights as PyTorch's: a GRU module with them computes the same sequence.
    const dict = kerasToGRUWeights(layer.getWeights());
    const gru = new GRU({ inputSize: 4, hiddenSize: 5, batchFirst: true });
    gru.loadStateDict(dict);
    const [out] = gru.forward(x);
    expectClose(model.predict(x) as tf.Tensor, out, 1e-6, 'module vs Keras layer');
    // And back: the round trip gives the Keras weights exactly.
    const back = gruToKerasWeights(dict);
    back.forEach((w, k) => expect(Array.from(w.dataSync())).toEqual(Array.from(layer.getWeights()[k].dataSync())));
    // Training runs through the hand-derived BPTT and moves the loss.
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const target = tf.zerosLike(out);
    const history = await model.fit(x, target, { epochs: 10, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    tf.dispose([x, out, target, ...back, ...Object.values(dict)]);
    gru.dispose();
    model.dispose();
  });

  test('what is not served fails naming the layer and the option', () => {
    expect(() => new KerasGRU({ units: 3, name: 'g', stateful: true })).toThrow(
      /GRU layer g: stateful=true is not supported/,
    );
    expect(() => new KerasGRU({ units: 3, name: 'g', recurrentActivation: 'gelu' })).toThrow(
      /GRU layer g: recurrent_activation="gelu" is not supported by tfjs-lstm's Keras GRU; supported: sigmoid, tanh/,
    );
    expect(() => new KerasGRU({ units: 3, name: 'g', timeMajor: true })).toThrow(/GRU layer g: time_major=true/);
    expect(() => new KerasGRU({ units: 3, name: 'g', someNewOption: 1 })).toThrow(
      /GRU layer g: unknown option someNewOption/,
    );
    const withDropout = new KerasGRU({ units: 3, name: 'd', dropout: 0.5 });
    expect(() => withDropout.apply(tf.zeros([1, 2, 3]), { training: true })).toThrow(
      /GRU layer d: training with dropout=0.5, recurrent_dropout=0 is not supported/,
    );
  });

  test("registering twice is harmless, and unregistering restores tfjs-layers' class", () => {
    registerKerasRecurrent();
    registerKerasRecurrent();
    const map = tf.serialization.SerializationMap.getMap().classNameMap as Record<string, [unknown, unknown]>;
    expect(map.GRU[0]).toBe(KerasGRU);
    unregisterKerasRecurrent();
    expect(map.GRU[0]).not.toBe(KerasGRU);
    expect(tf.layers.gru({ units: 2 }).getClassName()).toBe('GRU');
    registerKerasRecurrent();
  });
});

describe('gruToKerasWeights / kerasToGRUWeights', () => {
  test('bad shapes are named', () => {
    const lstmLike = { weight_ih_l0: tf.zeros([8, 3]), weight_hh_l0: tf.zeros([8, 2]) };
    expect(() => gruToKerasWeights(lstmLike)).toThrow(
      /expected weight_ih_l0 \[3H, I\] and weight_hh_l0 \[3H, H\] \(a GRU\), got \[8,3\] and \[8,2\]/,
    );
    expect(() => kerasToGRUWeights([tf.zeros([3, 6]), tf.zeros([2, 6]), tf.zeros([6])])).toThrow(
      /expected bias \[2, 3H\] \(reset_after=True\), got \[6\]: a reset_after=False GRU/,
    );
    tf.dispose(Object.values(lstmLike));
  });
});
