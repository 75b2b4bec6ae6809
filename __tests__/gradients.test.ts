import * as tf from '@tensorflow/tfjs';

import { GradientMode, LSTM, LSTMOptions } from '../src';
import { expectClose } from './helpers/compare';

// The hand-derived BPTT equals tfjs' autodiff of the same forward, for every parameter, the input,
// h_0 and c_0, within 1e-5 (relative: max-abs error over max-abs value), across configurations.
const TOL = 1e-5;

interface Case {
  name: string;
  options: Omit<LSTMOptions, 'gradient'>;
  steps: number;
  batch: number;
  lengths?: number[];
  unbatched?: boolean;
  withState?: boolean;
}

const cases: Case[] = [
  { name: 'one layer', options: { inputSize: 3, hiddenSize: 5 }, steps: 6, batch: 4 },
  {
    name: 'no bias, with state',
    options: { inputSize: 3, hiddenSize: 4, bias: false },
    steps: 5,
    batch: 2,
    withState: true,
  },
  { name: 'three layers', options: { inputSize: 2, hiddenSize: 3, numLayers: 3 }, steps: 4, batch: 3, withState: true },
  {
    name: 'bidirectional, two layers',
    options: { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true },
    steps: 5,
    batch: 2,
    withState: true,
  },
  {
    name: 'projections',
    options: { inputSize: 4, hiddenSize: 6, projSize: 2, numLayers: 2 },
    steps: 5,
    batch: 3,
    withState: true,
  },
  {
    name: 'projections, bidirectional, no bias',
    options: { inputSize: 3, hiddenSize: 5, projSize: 3, bidirectional: true, bias: false },
    steps: 4,
    batch: 2,
    withState: true,
  },
  {
    name: 'variable lengths',
    options: { inputSize: 3, hiddenSize: 4 },
    steps: 6,
    batch: 4,
    lengths: [6, 1, 3, 5],
    withState: true,
  },
  {
    name: 'variable lengths, bidirectional, projections, two layers',
    options: { inputSize: 2, hiddenSize: 5, projSize: 2, numLayers: 2, bidirectional: true, batchFirst: true },
    steps: 7,
    batch: 3,
    lengths: [2, 7, 4],
    withState: true,
  },
  {
    name: 'sequence length 1',
    options: { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true },
    steps: 1,
    batch: 3,
    withState: true,
  },
  { name: 'hidden size 1, long', options: { inputSize: 1, hiddenSize: 1 }, steps: 40, batch: 2, withState: true },
  {
    name: 'unbatched',
    options: { inputSize: 3, hiddenSize: 4, bidirectional: true },
    steps: 5,
    batch: 1,
    unbatched: true,
    withState: true,
  },
];

/** Gradients of a loss touching output, h_n and c_n, with respect to every parameter, x, h_0, c_0. */
function gradients(c: Case, gradient: GradientMode): Record<string, Float32Array> {
  const rnn = new LSTM({ ...c.options, gradient, seed: 42 });
  const dirs = c.options.bidirectional ? 2 : 1;
  const layers = (c.options.numLayers ?? 1) * dirs;
  const p = c.options.projSize || c.options.hiddenSize;
  const batchDims = c.unbatched ? [] : [c.batch];
  const xShape = c.unbatched
    ? [c.steps, c.options.inputSize]
    : c.options.batchFirst
      ? [c.batch, c.steps, c.options.inputSize]
      : [c.steps, c.batch, c.options.inputSize];
  const v = (shape: number[], seed: number) =>
    tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, 1, 'float32', seed)));
  const x = v(xShape, 1);
  const h0 = v([layers, ...batchDims, p], 2);
  const c0 = v([layers, ...batchDims, c.options.hiddenSize], 3);
  const state: [tf.Tensor, tf.Tensor] | null = c.withState ? [h0, c0] : null;
  const { value, grads } = tf.variableGrads(() => {
    const [out, [h, cN]] = rnn.forward(x, state, c.lengths ? { lengths: c.lengths } : {});
    // Fixed random weights on each result, so every entry's gradient differs.
    const w = (t: tf.Tensor, seed: number) => tf.sum(tf.mul(t, tf.randomNormal(t.shape, 0, 1, 'float32', seed)));
    return tf.addN([w(out, 4), w(h, 5), w(cN, 6)]) as tf.Scalar;
  });
  const named: Record<string, Float32Array> = {};
  for (const [name, param] of rnn.namedParameters()) named[name] = grads[param.name].dataSync() as Float32Array;
  named.input = grads[x.name].dataSync() as Float32Array;
  if (c.withState) {
    named.h0 = grads[h0.name].dataSync() as Float32Array;
    named.c0 = grads[c0.name].dataSync() as Float32Array;
  }
  tf.dispose([value, ...Object.values(grads), x, h0, c0]);
  rnn.dispose();
  return named;
}

describe('manual BPTT equals autodiff', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const before = tf.memory().numTensors;
    const manual = gradients(c, 'manual');
    const autodiff = gradients(c, 'autodiff');
    expect(Object.keys(manual)).toEqual(Object.keys(autodiff));
    for (const key of Object.keys(manual)) expectClose(manual[key], autodiff[key], TOL, key);
    // A gradient that is zero everywhere would make the comparison empty.
    for (const key of Object.keys(manual))
      expect({ key, nonzero: manual[key].some((g) => g !== 0) }).toEqual({ key, nonzero: true });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('training', () => {
  // A small sequence task: the output at the last step should be a quarter of the sum of the first
  // input feature over the 8 steps.
  function task() {
    return tf.tidy(() => {
      const x = tf.randomNormal([8, 16, 2], 0, 1, 'float32', 7);
      const y = tf.mul(tf.sum(tf.slice(x, [0, 0, 0], [8, 16, 1]), 0), 0.25);
      return { x, y };
    });
  }

  function train(gradient: GradientMode, steps: number) {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 8, numLayers: 2, projSize: 1, seed: 3, gradient });
    const { x, y } = task();
    const opt = tf.train.adam(0.02);
    const losses: number[] = [];
    for (let k = 0; k < steps; k++) {
      const loss = opt.minimize(() => {
        const [out] = rnn.forward(x);
        const last = tf.reshape(tf.slice(out, [7, 0, 0], [1, 16, 1]), [16, 1]);
        return tf.mean(tf.square(tf.sub(last, y))) as tf.Scalar;
      }, true);
      losses.push((loss as tf.Scalar).dataSync()[0]);
      loss?.dispose();
    }
    const params = rnn.parameters().map((p) => Array.from(p.dataSync()));
    tf.dispose([x, y]);
    opt.dispose();
    rnn.dispose();
    return { losses, params };
  }

  test('Adam with the manual gradient drives the loss down', () => {
    const { losses } = train('manual', 60);
    expect(losses[59]).toBeLessThan(0.2 * losses[0]);
  });

  test('manual and autodiff variants take the same steps', () => {
    const manual = train('manual', 5);
    const autodiff = train('autodiff', 5);
    expectClose(manual.losses, autodiff.losses, 1e-5, 'losses');
    manual.params.forEach((p, k) => expectClose(p, autodiff.params[k], 1e-5, `parameter ${k} after 5 steps`));
  });

  test('no tensors leak across repeated forward and backward passes', () => {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 3, bidirectional: true, projSize: 2 });
    const x = tf.randomNormal([5, 2, 2]);
    const step = () => {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(rnn.forward(x, null, { lengths: [5, 3] })[0]) as tf.Scalar,
      );
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory();
    for (let k = 0; k < 10; k++) step();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    x.dispose();
    rnn.dispose();
  });
});
