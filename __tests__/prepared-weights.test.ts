import * as tf from '@tensorflow/tfjs';

import { LSTM, LSTMCell, torchLSTM, torchLSTMCell } from '../src';
import { SIMD_LOOPS_FLAG } from '../src/kernels/flags';
import { LSTM_PREPARE } from '../src/kernels/kernel-names';

// The modules and layers keep their weights in the inference kernels' layout between calls
// (src/dispatch/prepared-weights.ts). A stale copy would be a silent wrong answer, so every way a
// parameter changes is tested here: after it, the result must be exactly that of a fresh module
// given the same values (one that has prepared nothing yet), and the old copy must be gone.

declare const __TFJS_BACKEND__: string;
const FUSED = __TFJS_BACKEND__ === 'cpu' || __TFJS_BACKEND__ === 'wasm';

const values = (t: tf.Tensor) => Array.from(t.dataSync());

/** The kernels one call runs, by name. */
async function kernelsOf(f: () => tf.Tensor[]): Promise<string[]> {
  const info = await tf.profile(() => tf.tidy(f));
  tf.dispose(info.result as tf.Tensor[]);
  return info.kernels.map((k) => k.name);
}

/** The module's output on `x` equals a fresh module's given the same parameter values. */
function expectFresh(rnn: LSTM, x: tf.Tensor): void {
  const fresh = new LSTM({ inputSize: rnn.inputSize, hiddenSize: rnn.hiddenSize, numLayers: rnn.numLayers });
  const dict = rnn.stateDict();
  fresh.loadStateDict(dict);
  tf.dispose(Object.values(dict));
  const [a, [ha, ca]] = rnn.forward(x);
  const [b, [hb, cb]] = fresh.forward(x);
  expect(values(a)).toEqual(values(b));
  expect(values(ca)).toEqual(values(cb));
  tf.dispose([a, ha, ca, b, hb, cb]);
  fresh.dispose();
}

describe('LSTM keeps its prepared weights until a parameter changes', () => {
  let x: tf.Tensor;
  beforeAll(() => void (x = tf.randomNormal([4, 2, 3], 0, 1, 'float32', 1)));
  afterAll(() => x.dispose());

  test('made once: a second inference call prepares nothing and keeps no more tensors', async () => {
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, seed: 2 });
    const first = await kernelsOf(() => rnn.forward(x).flat());
    const count = tf.memory().numTensors;
    const second = await kernelsOf(() => rnn.forward(x).flat());
    expect(tf.memory().numTensors).toBe(count);
    if (FUSED) {
      expect(first.filter((k) => k === LSTM_PREPARE)).toHaveLength(2); // one per layer
      expect(second).not.toContain(LSTM_PREPARE);
    }
    expect(second.length).toBeLessThan(first.length);
    rnn.dispose();
  });

  test('assign', () => {
    const before = tf.memory().numTensors;
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 5, seed: 3 });
    tf.dispose(rnn.forward(x).flat());
    const held = tf.memory().numTensors;
    const w = rnn.namedParameters().find(([name]) => name === 'weight_hh_l0')?.[1] as tf.Variable;
    tf.tidy(() => w.assign(tf.mul(w, -1.5)));
    expectFresh(rnn, x);
    // The old copy was replaced, not kept beside the new one.
    expect(tf.memory().numTensors).toBe(held);
    rnn.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('loadStateDict, which frees the old copy at once', () => {
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 5, seed: 4 });
    const other = new LSTM({ inputSize: 3, hiddenSize: 5, seed: 5 });
    const unprepared = tf.memory().numTensors;
    tf.dispose(rnn.forward(x).flat());
    const dict = other.stateDict();
    rnn.loadStateDict(dict);
    tf.dispose(Object.values(dict));
    expect(tf.memory().numTensors).toBe(unprepared);
    expectFresh(rnn, x);
    [rnn, other].forEach((m) => m.dispose());
  });

  test('an optimizer step', () => {
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 5, bias: true, seed: 6 });
    tf.dispose(rnn.forward(x).flat());
    const opt = tf.train.adam(0.1);
    opt.minimize(() => tf.sum(rnn.forward(x)[0]) as tf.Scalar);
    expectFresh(rnn, x);
    opt.dispose();
    rnn.dispose();
  });

  if (__TFJS_BACKEND__ === 'wasm')
    test("a change of the SIMD flag (the wasm kernels' layout depends on it)", () => {
      const rnn = new LSTM({ inputSize: 3, hiddenSize: 5, seed: 7 });
      const [a, [ha, ca]] = rnn.forward(x);
      tf.env().set(SIMD_LOOPS_FLAG, false);
      try {
        const fresh = new LSTM({ inputSize: 3, hiddenSize: 5, seed: 7 });
        const [b, [hb, cb]] = rnn.forward(x);
        const [c, [hc, cc]] = fresh.forward(x);
        expect(values(b)).toEqual(values(c));
        // The JavaScript loops and the SIMD ones agree to rounding.
        expect(values(b).map((v, k) => Math.abs(v - values(a)[k]) < 1e-6)).not.toContain(false);
        tf.dispose([b, hb, cb, c, hc, cc]);
        fresh.dispose();
      } finally {
        tf.env().set(SIMD_LOOPS_FLAG, true);
      }
      tf.dispose([a, ha, ca]);
      rnn.dispose();
    });

  test('training calls never use the prepared copy: gradients reach the parameters', () => {
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 5, seed: 8 });
    tf.dispose(rnn.forward(x).flat());
    const { grads, value } = tf.variableGrads(() => tf.sum(rnn.forward(x)[0]) as tf.Scalar);
    expect(Object.keys(grads).sort()).toEqual(
      rnn
        .parameters()
        .map((v) => v.name)
        .sort(),
    );
    tf.dispose([value, ...Object.values(grads)]);
    rnn.dispose();
  });
});

describe('LSTMCell', () => {
  test('assign and loadStateDict between steps', () => {
    const before = tf.memory().numTensors;
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 4, seed: 9 });
    const x = tf.randomNormal([2, 3], 0, 1, 'float32', 10);
    const step = (c: LSTMCell) => {
      const [h, s] = c.forward(x);
      const out = [...values(h), ...values(s)];
      tf.dispose([h, s]);
      return out;
    };
    const fresh = () => {
      const other = new LSTMCell({ inputSize: 3, hiddenSize: 4 });
      const dict = cell.stateDict();
      other.loadStateDict(dict);
      tf.dispose(Object.values(dict));
      const out = step(other);
      other.dispose();
      return out;
    };
    step(cell);
    const b = cell.namedParameters().find(([name]) => name === 'bias_ih')?.[1] as tf.Variable;
    tf.tidy(() => b.assign(tf.add(b, 1)));
    expect(step(cell)).toEqual(fresh());
    const dict = cell.stateDict();
    const zeroed = tf.zeros([16, 3]);
    cell.loadStateDict({ ...dict, weight_ih: zeroed });
    tf.dispose([...Object.values(dict), zeroed]);
    expect(step(cell)).toEqual(fresh());
    cell.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('tfjs layers', () => {
  test("torchLSTM: Keras' setWeights and model.fit; model.dispose frees the prepared copy", async () => {
    const before = tf.memory().numTensors;
    const make = () =>
      tf.sequential({
        layers: [torchLSTM({ hiddenSize: 4, inputShape: [5, 3], seed: 11 }), tf.layers.dense({ units: 1 })],
      });
    const model = make();
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
    const x = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 12);
    const y = tf.ones([2, 1]);
    const predict = (m: tf.Sequential) => tf.tidy(() => values(m.predict(x) as tf.Tensor));
    const fresh = () => {
      const other = make();
      const weights = model.getWeights();
      other.setWeights(weights);
      const out = predict(other);
      other.dispose();
      return out;
    };
    const initial = predict(model);
    expect(predict(model)).toEqual(initial);
    const scaled = model.getWeights().map((w) => tf.mul(w, 0.5));
    model.setWeights(scaled);
    tf.dispose(scaled);
    expect(predict(model)).not.toEqual(initial);
    expect(predict(model)).toEqual(fresh());
    await model.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
    expect(predict(model)).toEqual(fresh());
    model.optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('torchLSTMCell in tf.layers.rnn: setWeights between predictions', () => {
    const before = tf.memory().numTensors;
    const make = () =>
      tf.sequential({
        layers: [tf.layers.rnn({ cell: torchLSTMCell({ hiddenSize: 4, seed: 13 }), inputShape: [5, 3] })],
      });
    const model = make();
    const x = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 14);
    const predict = (m: tf.Sequential) => tf.tidy(() => values(m.predict(x) as tf.Tensor));
    predict(model);
    const shifted = model.getWeights().map((w) => tf.add(w, 0.25));
    model.setWeights(shifted);
    tf.dispose(shifted);
    const other = make();
    other.setWeights(model.getWeights());
    expect(predict(model)).toEqual(predict(other));
    [model, other].forEach((m) => m.dispose());
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
