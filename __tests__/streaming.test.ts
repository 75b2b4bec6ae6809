import * as tf from '@tensorflow/tfjs';

import { LSTM, LSTMCell, torchLSTM, TorchLSTM } from '../src';

// Streaming: a sequence fed one step at a time, the state carried from call to call, gives what
// the whole sequence gives at once: with the modules (state in, state out), with a stateful
// torchLSTM in a tfjs model (state kept by the layer between predict calls), with and without
// projections, on two layers.

const TOL = 1e-6;

function expectNear(actual: tf.Tensor, expected: tf.Tensor, what: string): void {
  expect({ what, shape: actual.shape }).toEqual({ what, shape: expected.shape });
  const [a, e] = [actual.dataSync(), expected.dataSync()];
  let worst = 0;
  a.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - e[k]))));
  expect({ what, worst: worst <= TOL ? 'within' : worst }).toEqual({ what, worst: 'within' });
}

describe.each([
  ['2 layers', 0],
  ['2 layers, projections', 3],
])('LSTM.forward one step at a time (%s)', (_name, projSize) => {
  test('equals the whole sequence, step by step and in the final state', () => {
    const before = tf.memory().numTensors;
    const rnn = new LSTM({ inputSize: 4, hiddenSize: 6, numLayers: 2, projSize, seed: 1 });
    const x = tf.randomNormal([7, 3, 4], 0, 1, 'float32', 2);
    const [whole, [hN, cN]] = rnn.forward(x);

    // The streaming loop: each call takes the last call's state and returns the next; the caller
    // disposes what it no longer needs (the old state, each step's input and output).
    let state: [tf.Tensor, tf.Tensor] | null = null;
    for (let t = 0; t < 7; t++) {
      const xt = tf.slice(x, [t, 0, 0], [1, 3, 4]);
      const [out, next]: [tf.Tensor, [tf.Tensor, tf.Tensor]] = rnn.forward(xt, state);
      const expected = tf.slice(whole, [t, 0, 0], [1, 3, whole.shape[2] as number]);
      expectNear(out, expected, `output at step ${t}`);
      tf.dispose([xt, out, expected, ...(state ?? [])]);
      state = next;
    }
    const [h, c] = state as [tf.Tensor, tf.Tensor];
    expectNear(h, hN, 'h_n');
    expectNear(c, cN, 'c_n');
    tf.dispose([x, whole, hN, cN, h, c]);
    rnn.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

test('LSTMCell one step at a time equals a one-layer LSTM over the sequence', () => {
  const before = tf.memory().numTensors;
  const rnn = new LSTM({ inputSize: 4, hiddenSize: 5, seed: 3 });
  const cell = new LSTMCell({ inputSize: 4, hiddenSize: 5 });
  const dict = rnn.stateDict();
  cell.loadStateDict(Object.fromEntries(Object.entries(dict).map(([k, v]) => [k.replace(/_l0$/, ''), v])));
  tf.dispose(Object.values(dict));
  const x = tf.randomNormal([6, 2, 4], 0, 1, 'float32', 4);
  const [whole, [hN, cN]] = rnn.forward(x);
  let [h, c] = [tf.zeros([2, 5]), tf.zeros([2, 5])];
  for (let t = 0; t < 6; t++) {
    const xt = tf.tidy(() => tf.squeeze(tf.slice(x, [t, 0, 0], [1, 2, 4]), [0]));
    const [h1, c1] = cell.forward(xt, [h, c]);
    const expected = tf.tidy(() => tf.squeeze(tf.slice(whole, [t, 0, 0], [1, 2, 5]), [0]));
    expectNear(h1, expected, `h at step ${t}`);
    tf.dispose([xt, h, c, expected]);
    [h, c] = [h1, c1];
  }
  tf.tidy(() => expectNear(c, tf.squeeze(cN, [0]), 'c_n'));
  tf.dispose([x, whole, hN, cN, h, c]);
  [rnn, cell].forEach((m) => m.dispose());
  expect(tf.memory().numTensors).toBe(before);
});

describe('torchLSTM({stateful: true}): Keras semantics', () => {
  const [N, T, F] = [2, 6, 3];
  const options = { hiddenSize: 5, numLayers: 2, projSize: 4, seed: 5 };
  let x: tf.Tensor;
  beforeAll(() => void (x = tf.randomNormal([N, T, F], 0, 1, 'float32', 6)));
  afterAll(() => x.dispose());

  /** A stateful model fed [N, 1, F] chunks, and a stateless twin with the same weights. */
  function models() {
    const layer = torchLSTM({ ...options, stateful: true, returnSequences: true, batchInputShape: [N, null, F] });
    const stateful = tf.sequential({ layers: [layer] });
    const twin = tf.sequential({ layers: [torchLSTM({ ...options, returnSequences: true, inputShape: [null, F] })] });
    twin.setWeights(stateful.getWeights());
    return { layer: layer as TorchLSTM, stateful, twin };
  }
  const step = (t: number) => tf.slice(x, [0, t, 0], [N, 1, F]);
  const predict = (m: tf.Sequential, input: tf.Tensor) => m.predict(input, { batchSize: N }) as tf.Tensor;

  test('predict one step at a time carries the state: equals the whole sequence', () => {
    const before = tf.memory().numTensors;
    const { stateful, twin } = models();
    const whole = predict(twin, x);
    for (let t = 0; t < T; t++) {
      const xt = step(t);
      const out = predict(stateful, xt);
      tf.tidy(() => expectNear(out, tf.slice(whole, [0, t, 0], [N, 1, 4]), `step ${t}`));
      tf.dispose([xt, out]);
    }
    // resetStates: a new stream starts from zeros, as the first did.
    stateful.resetStates();
    const [x0, first] = [step(0), tf.slice(whole, [0, 0, 0], [N, 1, 4])];
    const again = predict(stateful, x0);
    expectNear(again, first, 'step 0 after resetStates');
    tf.dispose([x0, first, again, whole]);
    [stateful, twin].forEach((m) => m.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  test('resetStates(states) starts from the given states, as initialState does', () => {
    const { layer, stateful, twin } = models();
    const h0 = tf.randomNormal([N, 2, 4], 0, 1, 'float32', 7);
    const c0 = tf.randomNormal([N, 2, 5], 0, 1, 'float32', 8);
    layer.resetStates([h0, c0]);
    const x0 = step(0);
    const out = predict(stateful, x0);
    const expected = twin.layers[0].apply(x0, { initialState: [h0, c0] }) as tf.Tensor;
    expectNear(out, expected, 'first step from the given states');
    // The layer copied them: the caller's tensors are the caller's.
    tf.dispose([h0, c0, x0, out, expected]);
    const x1 = step(1);
    tf.dispose([x1, predict(stateful, x1)]);
    [stateful, twin].forEach((m) => m.dispose());
  });

  test('training with model.fit, then streaming: nothing accumulates after resetStates', async () => {
    const { stateful } = models();
    stateful.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const y = tf.zeros([N, 1, 4]);
    const x0 = step(0);
    await stateful.fit(x0, y, { epochs: 3, batchSize: N, verbose: 0 });
    stateful.resetStates();
    // The first call after training prepares the trained weights for inference, once.
    tf.dispose(predict(stateful, x0));
    const count = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) tf.dispose(predict(stateful, x0));
    expect(tf.memory().numTensors).toBe(count);
    stateful.optimizer.dispose();
    stateful.dispose();
    tf.dispose([y, x0]);
  });

  test('resetStates before the layer is applied builds it, its batch from batchInputShape', () => {
    const layer = torchLSTM({ hiddenSize: 3, stateful: true, batchInputShape: [2, null, 4] });
    const h = tf.ones([2, 1, 3]);
    layer.resetStates([h, h]);
    expect(layer.built).toBe(true);
    const model = tf.sequential({ layers: [layer] }); // (tfjs disposes a layer through its model)
    const x = tf.zeros([2, 1, 4]);
    const out = model.predict(x) as tf.Tensor;
    expect(out.shape).toEqual([2, 3]);
    tf.dispose([h, x, out]);
    model.dispose();
  });

  test('the configuration round-trips stateful', () => {
    const layer = torchLSTM({ hiddenSize: 3, stateful: true, batchInputShape: [1, null, 2] });
    const config = layer.getConfig();
    expect(config.stateful).toBe(true);
    const copy = TorchLSTM.fromConfig(TorchLSTM, config) as TorchLSTM;
    expect(copy.stateful).toBe(true);
  });

  describe('bad input: a clear error, nothing leaked, the carried state unchanged', () => {
    const thrown = (f: () => unknown): Error => {
      try {
        f();
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected an error');
    };

    test('a stateful layer without a fixed batch size', () => {
      const model = () =>
        tf.sequential({ layers: [torchLSTM({ hiddenSize: 3, stateful: true, inputShape: [null, 2] })] });
      expect(thrown(model).message).toMatch(/If an RNN is stateful, it needs to know its batch size/);
    });

    test('resetStates on a layer that is not stateful', () => {
      const layer = torchLSTM({ hiddenSize: 3, inputSize: 2 });
      expect(thrown(() => layer.resetStates()).message).toBe(
        'TorchLSTM: Cannot call resetStates() on an RNN Layer that is not stateful.',
      );
    });

    test('wrong states, a disposed state, a batch of another size', () => {
      const { layer, stateful, twin } = models();
      const x0 = step(0);
      tf.dispose(predict(stateful, x0));
      const count = tf.memory().numTensors;
      const h = tf.zeros([N, 2, 4]);
      const badC = tf.zeros([N, 2, 4]);
      const gone = tf.zeros([N, 2, 5]);
      gone.dispose();
      const other = tf.zeros([N + 1, 1, F]);
      const messages = [
        thrown(() => layer.resetStates([h])).message,
        thrown(() => layer.resetStates([h, badC])).message,
        thrown(() => layer.resetStates([h, gone])).message,
        thrown(() => stateful.predict(other, { batchSize: N + 1 })).message,
      ];
      expect(messages[0]).toMatch(/expects 2 state\(s\), but it received 1 state value\(s\)/);
      expect(messages[1]).toMatch(
        /State 1 is incompatible with layer .*: expected shape=\[2,2,5\], received shape=\[2,2,4\]/,
      );
      expect(messages[2]).toBe('TorchLSTM: state 1 is a disposed tensor');
      expect(messages[3]).toMatch(/a stateful layer takes batches of the size it was built for, 2/);
      tf.dispose([h, badC, other]);
      expect(tf.memory().numTensors).toBe(count);
      // The carried state is the one after step 0: step 1 continues the stream.
      const whole = predict(twin, x);
      const x1 = step(1);
      const out = predict(stateful, x1);
      tf.tidy(() => expectNear(out, tf.slice(whole, [0, 1, 0], [N, 1, 4]), 'step 1 after the failed calls'));
      tf.dispose([x0, x1, out, whole]);
      [stateful, twin].forEach((m) => m.dispose());
    });
  });
});
