import * as tf from '@tensorflow/tfjs';

import { LSTM, torchLSTM } from '../src';
import { randomParams, referenceLSTM, referenceLSTMGrads } from '../src/reference/lstm-reference';
import { peakTensorBytes } from '../test-utils/peak-memory';
import { expectClose } from './helpers/compare';

// A layer inside someone's model must hold up on long sequences and extreme values, and repeat
// itself given a seed, on every backend. (Bad calls: errors.test.ts; long runs: leaks.test.ts.)

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('long sequences', () => {
  test('10,000 steps forward and backward; chunks with the state carried give the same result', () => {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 8, seed: 4 });
    const x = tf.randomNormal([10000, 2, 2], 0, 1, 'float32', 5);
    const { value, grads } = tf.variableGrads(() => tf.sum(rnn.forward(x)[0]) as tf.Scalar);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    Object.values(grads).forEach((g) => expect(values(g).every(Number.isFinite)).toBe(true));
    tf.dispose([value, ...Object.values(grads)]);

    const [full, [hN, cN]] = rnn.forward(x);
    let state: [tf.Tensor, tf.Tensor] | null = null;
    const chunks: tf.Tensor[] = [];
    for (let k = 0; k < 10; k++) {
      const [out, next] = rnn.forward(tf.slice(x, [1000 * k, 0, 0], [1000, 2, 2]), state);
      chunks.push(out);
      state = next;
    }
    // The same steps from the same state: the same numbers exactly.
    expect(values(tf.concat(chunks, 0))).toEqual(values(full));
    expect([values(state![0]), values(state![1])]).toEqual([values(hN), values(cN)]);
    rnn.dispose();
  });

  test('the memory a training step holds grows linearly with the sequence length', () => {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 8, seed: 4 });
    const peak = (steps: number) => {
      const x = tf.randomNormal([steps, 2, 2]);
      const bytes = peakTensorBytes(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(rnn.forward(x)[0]) as tf.Scalar);
        tf.dispose([value, ...Object.values(grads)]);
      });
      x.dispose();
      return bytes;
    };
    const [a, b, c] = [2500, 5000, 10000].map(peak);
    expect(b / a).toBeGreaterThan(1.8);
    expect(b / a).toBeLessThan(2.2);
    expect(c / b).toBeGreaterThan(1.8);
    expect(c / b).toBeLessThan(2.2);
    rnn.dispose();
  });
});

describe('extreme values', () => {
  test('inputs and weights up to 1e4: finite outputs and gradients, as the float64 reference gives', () => {
    const config = { inputSize: 3, hiddenSize: 4, numLayers: 2, bias: true, bidirectional: true, projSize: 0 };
    // Ordinary weights with every 7th at +-1e4, and ordinary inputs with channel 0 at +-1e4 every
    // other step: many gates saturate (sigmoid exactly 0 or 1 in float32), the rest do not. The
    // large inputs never meet the large weights: a sum holding two 1e8 products that cancel is
    // left with float32 rounding of ~6 (in PyTorch too), which float64 does not have.
    const params = Object.fromEntries(
      Object.entries(randomParams(config, 11)).map(([k, v]) => [
        k,
        v.map((w, j) => {
          const meetsLargeInput = k === 'weight_ih_l0' || k === 'weight_ih_l0_reverse' ? j % 3 === 0 : false;
          return Math.fround(j % 7 === 3 && !meetsLargeInput ? (j % 2 ? 1e4 : -1e4) : w);
        }),
      ]),
    );
    const [steps, batch] = [6, 2];
    const xData = Float64Array.from({ length: steps * batch * 3 }, (_, k) => {
      const [t, channel] = [Math.floor(k / (batch * 3)), k % 3];
      return Math.fround(channel === 0 && t % 2 === 1 ? (k % 4 ? 1e4 : -1e4) : Math.sin(k * 1.7));
    });
    const lossWeights = {
      output: new Float64Array(steps * batch * 8).fill(1),
      hN: new Float64Array(4 * batch * 4).fill(1),
      cN: new Float64Array(4 * batch * 4).fill(0.5),
    };
    const expected = referenceLSTM(config, params, { data: xData, steps, batch });
    const expectedGrads = referenceLSTMGrads(
      config,
      params,
      { data: xData, steps, batch },
      undefined,
      undefined,
      lossWeights,
    );

    const rnn = new LSTM(config);
    rnn.loadStateDict(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Float32Array.from(v)])));
    const x = tf.tensor3d(Float32Array.from(xData), [steps, batch, 3]);
    const [out, [hN, cN]] = rnn.forward(x);
    [out, hN, cN].forEach((t) => expect(values(t).every(Number.isFinite)).toBe(true));
    expectClose(out, expected.output, 1e-5, 'output');
    expectClose(cN, expected.cN, 1e-5, 'c_n');
    const { grads } = tf.variableGrads(() => {
      const [o, [h, c]] = rnn.forward(x);
      return tf.addN([tf.sum(o), tf.sum(h), tf.mul(tf.sum(c), 0.5)]) as tf.Scalar;
    });
    const actual = rnn.namedParameters().flatMap(([, v]) => values(grads[v.name]));
    const reference = rnn.namedParameters().flatMap(([name]) => Array.from(expectedGrads.params[name]));
    expect(actual.every(Number.isFinite)).toBe(true);
    expect(actual.some((g) => g !== 0)).toBe(true);
    // Compared as one vector: where a gate saturates, float64 keeps gradients of 1e-100 that
    // float32 rounds to 0, so a tensor whose gates all saturate has no relative error to speak of.
    expectClose(actual, reference, 1e-4, 'all parameter gradients');
    rnn.dispose();
  });

  test('NaN in the input propagates along its sequence, as in PyTorch, and nowhere else', () => {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 3, seed: 5 });
    const data = tf.randomNormal([6, 2, 2]).arraySync() as number[][][];
    data[2][1][0] = NaN; // step 2 of sequence 1
    const [out] = rnn.forward(tf.tensor3d(data));
    const o = out.arraySync() as number[][][];
    for (let t = 0; t < 6; t++) {
      expect(o[t][0].every(Number.isFinite)).toBe(true);
      expect(o[t][1].every(Number.isNaN)).toBe(t >= 2);
    }
    rnn.dispose();
  });
});

describe('determinism', () => {
  test('with a seed, the tfjs layer initialises and drops out the same way', () => {
    const make = () =>
      torchLSTM({ hiddenSize: 4, numLayers: 3, dropout: 0.4, inputSize: 3, returnSequences: true, seed: 9 });
    const [a, b] = [make(), make()];
    const x = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 1);
    const ya = values(a.apply(x, { training: true }) as tf.Tensor);
    const yb = values(b.apply(x, { training: true }) as tf.Tensor);
    expect(a.getWeights().map(values)).toEqual(b.getWeights().map(values));
    expect(ya).toEqual(yb);
    a.dispose();
    b.dispose();
  });
});
