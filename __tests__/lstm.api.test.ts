import * as tf from '@tensorflow/tfjs';

import { LSTM, LSTMCell } from '../src';
import { lstmFixtures } from './helpers/fixtures';

function leakCheck<T>(f: () => T): T {
  const before = tf.memory().numTensors;
  const result = f();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

describe('parameters', () => {
  test("LSTM has PyTorch's parameter names, order and shapes", () => {
    // The fixture was written from PyTorch's named_parameters(), in its order.
    for (const fx of lstmFixtures()) {
      const rnn = new LSTM(fx.config);
      const got = rnn.namedParameters().map(([name, v]) => [name, v.shape]);
      const expected = Object.entries(fx.params).map(([name, a]) => [name, a.shape]);
      expect(got).toEqual(expected);
      rnn.dispose();
    }
  });

  test("LSTMCell has PyTorch's parameter names", () => {
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 2 });
    expect(cell.namedParameters().map(([n, v]) => [n, v.shape])).toEqual([
      ['weight_ih', [8, 3]],
      ['weight_hh', [8, 2]],
      ['bias_ih', [8]],
      ['bias_hh', [8]],
    ]);
    cell.dispose();
    const noBias = new LSTMCell({ inputSize: 3, hiddenSize: 2, bias: false });
    expect(noBias.namedParameters().map(([n]) => n)).toEqual(['weight_ih', 'weight_hh']);
    noBias.dispose();
  });

  test('initialisation is U(-1/sqrt(H), 1/sqrt(H)), like PyTorch, for every parameter', () => {
    const rnn = new LSTM({ inputSize: 30, hiddenSize: 25, numLayers: 2, projSize: 7, seed: 1 });
    const bound = 1 / Math.sqrt(25);
    for (const [name, v] of rnn.namedParameters()) {
      const values = Array.from(v.dataSync());
      const [min, max] = [Math.min(...values), Math.max(...values)];
      expect({ name, inRange: min >= -bound && max <= bound }).toEqual({ name, inRange: true });
      // Spread over the whole interval, not a narrower one.
      expect({ name, spread: min < -0.9 * bound && max > 0.9 * bound }).toEqual({ name, spread: true });
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      expect(Math.abs(mean)).toBeLessThan(0.2 * bound);
    }
    rnn.dispose();
  });

  test('a seed makes the initialisation repeat exactly; different seeds differ', () => {
    const make = (seed?: number) => new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed });
    const [a, b, c, d] = [make(7), make(7), make(8), make()];
    const flat = (m: LSTM) => m.parameters().flatMap((v) => Array.from(v.dataSync()));
    expect(flat(a)).toEqual(flat(b));
    expect(flat(a)).not.toEqual(flat(c));
    expect(flat(a)).not.toEqual(flat(d));
    // Parameters within one module are not copies of each other.
    expect(Array.from(a.parameters()[0].dataSync()).slice(0, 8)).not.toEqual(
      Array.from(a.parameters()[1].dataSync()).slice(0, 8),
    );
    [a, b, c, d].forEach((m) => m.dispose());
  });
});

describe('shapes as PyTorch documents them', () => {
  const cases: [string, ConstructorParameters<typeof LSTM>[0], number[], number[], number[], number[]][] = [
    // name, options, input shape, output shape, h_n shape, c_n shape
    ['time-major', { inputSize: 3, hiddenSize: 5 }, [7, 2, 3], [7, 2, 5], [1, 2, 5], [1, 2, 5]],
    ['batch-first', { inputSize: 3, hiddenSize: 5, batchFirst: true }, [2, 7, 3], [2, 7, 5], [1, 2, 5], [1, 2, 5]],
    ['unbatched', { inputSize: 3, hiddenSize: 5, numLayers: 2 }, [7, 3], [7, 5], [2, 5], [2, 5]],
    [
      'unbatched, batchFirst ignored',
      { inputSize: 3, hiddenSize: 5, batchFirst: true },
      [7, 3],
      [7, 5],
      [1, 5],
      [1, 5],
    ],
    [
      'bidirectional, 2 layers',
      { inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true },
      [7, 2, 3],
      [7, 2, 10],
      [4, 2, 5],
      [4, 2, 5],
    ],
    [
      'projections, bidirectional, batch-first',
      { inputSize: 3, hiddenSize: 5, projSize: 2, bidirectional: true, batchFirst: true },
      [2, 7, 3],
      [2, 7, 4],
      [2, 2, 2],
      [2, 2, 5],
    ],
  ];

  test.each(cases)('%s', (_name, options, inShape, outShape, hShape, cShape) => {
    // The module inside: it keeps the weights it prepares for inference until it is disposed.
    leakCheck(() => {
      const rnn = new LSTM(options);
      const x = tf.randomNormal(inShape);
      const [out, [h, c]] = rnn.forward(x);
      expect([out.shape, h.shape, c.shape]).toEqual([outShape, hShape, cShape]);
      // Given explicitly, states of these shapes are accepted and zeros give the default's result.
      const zeros: [tf.Tensor, tf.Tensor] = [tf.zerosLike(h), tf.zerosLike(c)];
      const [out0, [h0, c0]] = rnn.forward(x, zeros);
      expect(Array.from(out0.dataSync())).toEqual(Array.from(out.dataSync()));
      tf.dispose([x, out, h, c, out0, h0, c0, ...zeros]);
      rnn.dispose();
    });
  });

  test('LSTMCell: batched and unbatched', () => {
    leakCheck(() => {
      const cell = new LSTMCell({ inputSize: 3, hiddenSize: 4 });
      const x = tf.randomNormal([3]);
      const [h, c] = cell.forward(x);
      expect([h.shape, c.shape]).toEqual([[4], [4]]);
      const xb = tf.expandDims(x, 0);
      const [hb, cb] = cell.forward(xb);
      expect([hb.shape, cb.shape]).toEqual([
        [1, 4],
        [1, 4],
      ]);
      expect(Array.from(hb.dataSync())).toEqual(Array.from(h.dataSync()));
      tf.dispose([x, h, c, xb, hb, cb]);
      cell.dispose();
    });
  });
});

describe('gradient modes', () => {
  test("'manual' and 'autodiff' give the same forward numbers", () => {
    const a = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 3 });
    const b = new LSTM({
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      bidirectional: true,
      seed: 3,
      gradient: 'autodiff',
    });
    const x = tf.randomNormal([5, 2, 3]);
    const [oa, [ha, ca]] = a.forward(x, null, { lengths: [5, 3] });
    const [ob, [hb, cb]] = b.forward(x, null, { lengths: [5, 3] });
    expect(Array.from(oa.dataSync())).toEqual(Array.from(ob.dataSync()));
    expect(Array.from(ha.dataSync())).toEqual(Array.from(hb.dataSync()));
    expect(Array.from(ca.dataSync())).toEqual(Array.from(cb.dataSync()));
    tf.dispose([x, oa, ha, ca, ob, hb, cb]);
    a.dispose();
    b.dispose();
  });

  test("the default is 'manual' and can be changed on the module", () => {
    const rnn = new LSTM({ inputSize: 1, hiddenSize: 1 });
    expect(rnn.gradient).toBe('manual');
    rnn.gradient = 'autodiff';
    expect(new LSTMCell({ inputSize: 1, hiddenSize: 1 }).gradient).toBe('manual');
    rnn.dispose();
  });
});

describe('variable lengths', () => {
  test('each sequence gives what it gives alone, truncated; outputs past its length are zero', () => {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, seed: 5 });
    const lengths = [4, 1, 6];
    const x = tf.randomNormal([6, 3, 2]);
    const [out, [hN, cN]] = rnn.forward(x, null, { lengths });
    lengths.forEach((len, b) => {
      const alone = tf.slice(x, [0, b, 0], [len, 1, 2]);
      const [o1, [h1, c1]] = rnn.forward(alone);
      const got = tf.slice(out, [0, b, 0], [len, 1, 6]);
      expect(Array.from(got.dataSync())).toEqual(Array.from(o1.dataSync()).map((v) => expect.closeTo(v, 6)));
      const rest = Array.from(tf.slice(out, [len, b, 0], [6 - len, 1, 6]).dataSync());
      expect(rest.every((v) => v === 0)).toBe(true);
      const hb = Array.from(tf.slice(hN, [0, b, 0], [4, 1, 3]).dataSync());
      expect(hb).toEqual(Array.from(h1.dataSync()).map((v) => expect.closeTo(v, 6)));
      const cb = Array.from(tf.slice(cN, [0, b, 0], [4, 1, 3]).dataSync());
      expect(cb).toEqual(Array.from(c1.dataSync()).map((v) => expect.closeTo(v, 6)));
      tf.dispose([alone, o1, h1, c1, got]);
    });
    tf.dispose([x, out, hN, cN]);
    rnn.dispose();
  });

  test('padding does not matter, even NaN', () => {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 3, bidirectional: true, seed: 6 });
    const x = tf.randomNormal([4, 2, 2]);
    const padded = tf.where(tf.tensor3d([1, 1, 1, 1, 1, 0, 1, 0], [4, 2, 1], 'bool'), x, tf.fill(x.shape, NaN));
    const [o1] = rnn.forward(x, null, { lengths: [4, 2] });
    const [o2] = rnn.forward(padded, null, { lengths: [4, 2] });
    expect(Array.from(o2.dataSync())).toEqual(Array.from(o1.dataSync()));
    rnn.dispose();
  });

  test('lengths may be a typed array or a 1-D tensor', () => {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 3, seed: 7 });
    const x = tf.randomNormal([4, 2, 2]);
    const [a] = rnn.forward(x, null, { lengths: [3, 2] });
    const [b] = rnn.forward(x, null, { lengths: Int32Array.from([3, 2]) });
    const len = tf.tensor1d([3, 2], 'int32');
    const [c] = rnn.forward(x, null, { lengths: len });
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(c.dataSync())).toEqual(Array.from(a.dataSync()));
    rnn.dispose();
  });
});

describe('dropout', () => {
  const x = () => tf.randomNormal([5, 2, 3], 0, 1, 'float32', 11);
  const run = (rnn: LSTM, input: tf.Tensor) => tf.tidy(() => Array.from(rnn.forward(input)[0].dataSync()));

  test('only in training mode (the default, as in PyTorch), and not after the last layer', () => {
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, dropout: 0.5, seed: 1 });
    const input = x();
    expect(rnn.training).toBe(true);
    const train1 = run(rnn, input);
    const train2 = run(rnn, input);
    expect(train1).not.toEqual(train2); // a fresh mask each call
    rnn.eval();
    expect(rnn.training).toBe(false);
    const eval1 = run(rnn, input);
    expect(run(rnn, input)).toEqual(eval1);
    const noDropout = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1 });
    expect(run(noDropout, input)).toEqual(eval1);
    expect(rnn.train()).toBe(rnn);
    expect(rnn.training).toBe(true);
    [rnn, noDropout].forEach((m) => m.dispose());
    input.dispose();
  });

  test('dropout 1 zeroes the input of every layer but the first', () => {
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, dropout: 1, seed: 2 });
    const a = x();
    const b = tf.mul(a, 2);
    // The second layer sees zeros whatever the input, so the output does not depend on it.
    expect(run(rnn, a)).toEqual(run(rnn, b));
    rnn.eval();
    expect(run(rnn, a)).not.toEqual(run(rnn, b));
    rnn.dispose();
  });

  test('with a seed, the masks repeat exactly', () => {
    const make = () => new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 3, dropout: 0.3, seed: 9 });
    const [m1, m2] = [make(), make()];
    const input = x();
    expect([run(m1, input), run(m1, input)]).toEqual([run(m2, input), run(m2, input)]);
    [m1, m2].forEach((m) => m.dispose());
  });

  test('a single layer with dropout warns as PyTorch does', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    new LSTM({ inputSize: 1, hiddenSize: 1, dropout: 0.2 }).dispose();
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/non-zero dropout expects numLayers greater than 1/));
    warn.mockRestore();
  });
});

describe('state dicts', () => {
  test('stateDict returns copies keyed by PyTorch names; loadStateDict takes them back', () => {
    const a = new LSTM({ inputSize: 2, hiddenSize: 3, projSize: 2, bidirectional: true, seed: 1 });
    const b = new LSTM({ inputSize: 2, hiddenSize: 3, projSize: 2, bidirectional: true, seed: 2 });
    const sd = a.stateDict();
    expect(Object.keys(sd)).toEqual(a.namedParameters().map(([n]) => n));
    b.loadStateDict(sd);
    for (const [name, v] of b.namedParameters())
      expect(Array.from(v.dataSync())).toEqual(Array.from(sd[name].dataSync()));
    tf.dispose(Object.values(sd)); // the caller's copies: disposing them leaves the modules intact
    expect(a.parameters().every((v) => !v.isDisposed)).toBe(true);
    a.dispose();
    b.dispose();
  });

  test('nested arrays, flat arrays and typed arrays are accepted', () => {
    const cell = new LSTMCell({ inputSize: 1, hiddenSize: 1 });
    cell.loadStateDict({
      weight_ih: [[1], [2], [3], [4]],
      weight_hh: [5, 6, 7, 8],
      bias_ih: Float32Array.from([0.5, 0, 0, 0]),
      bias_hh: Float64Array.from([0, 0, 0, 0.25]),
    });
    const sd = cell.stateDict();
    expect(sd.weight_ih.arraySync()).toEqual([[1], [2], [3], [4]]);
    expect(sd.weight_hh.arraySync()).toEqual([[5], [6], [7], [8]]);
    expect(Array.from(sd.bias_ih.dataSync())).toEqual([0.5, 0, 0, 0]);
    expect(Array.from(sd.bias_hh.dataSync())).toEqual([0, 0, 0, 0.25]);
    tf.dispose(Object.values(sd));
    cell.dispose();
  });

  test('non-strict loading reports missing and unexpected keys, as PyTorch does', () => {
    const cell = new LSTMCell({ inputSize: 1, hiddenSize: 1, seed: 3 });
    const before = Array.from(cell.parameters()[1].dataSync());
    const result = cell.loadStateDict({ weight_ih: [1, 2, 3, 4], extra: [1] }, { strict: false });
    expect(result).toEqual({ missingKeys: ['weight_hh', 'bias_ih', 'bias_hh'], unexpectedKeys: ['extra'] });
    expect(Array.from(cell.parameters()[0].dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(cell.parameters()[1].dataSync())).toEqual(before);
    cell.dispose();
  });
});

describe('memory', () => {
  test.each([
    ['manual', false],
    ['autodiff', false],
    ['manual', true],
    ['autodiff', true],
  ] as const)('no tensors leak from forward or training (gradient: %s, lengths: %s)', (gradient, withLengths) => {
    const rnn = new LSTM({
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      bidirectional: true,
      projSize: 2,
      dropout: 0.2,
      gradient,
    });
    const x = tf.randomNormal([5, 2, 3]);
    const options = withLengths ? { lengths: [5, 2] } : {};
    const opt = tf.train.sgd(0.1);
    // A first inference call makes the weights the module keeps prepared for inference; every
    // later one after a training step replaces them (the step changed the parameters) instead of
    // adding a set.
    tf.dispose(rnn.forward(x, null, options).flat());
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) {
      const [out, [h, c]] = rnn.forward(x, null, options);
      tf.dispose([out, h, c]);
      const cost = opt.minimize(() => tf.sum(rnn.forward(x, null, options)[0]) as tf.Scalar, true);
      cost?.dispose();
    }
    // The optimizer keeps nothing per variable for plain SGD.
    expect(tf.memory().numTensors).toBe(before);
    rnn.dispose();
    x.dispose();
    opt.dispose();
  });

  test('dispose frees the parameters and forbids further use', () => {
    const before = tf.memory().numTensors;
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2 });
    const params = rnn.parameters();
    rnn.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(params.every((p) => p.isDisposed)).toBe(true);
    expect(rnn.isDisposed).toBe(true);
    expect(() => rnn.forward(tf.zeros([1, 1, 3]))).toThrow('LSTM has been disposed');
    rnn.dispose(); // twice is harmless
  });
});
