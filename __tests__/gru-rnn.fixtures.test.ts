import * as tf from '@tensorflow/tfjs';

import { GradientMode, GRU, GRUCell, RNN, RNNCell } from '../src';
import { expectClose } from './helpers/compare';
import {
  hiddenCellFixtures,
  HiddenCellFixture,
  hiddenFixtures,
  HiddenFixture,
  toTensor,
  toVariable,
} from './helpers/fixtures';

// PyTorch 1.13's nn.GRU, nn.RNN (tanh and relu), nn.GRUCell and nn.RNNCell on the option matrix of
// scripts/make-fixtures.py (the LSTM's, without projections): forward results within 1e-5 and the
// gradients of a fixed loss within 1e-4 (relative, max-abs error over max-abs value), as the
// LSTM's fixtures are held.
const FORWARD_TOL = 1e-5;
const GRAD_TOL = 1e-4;

function loadFixtureParams(
  module: { loadStateDict(dict: Record<string, tf.Tensor>): unknown },
  fx: { params: Record<string, { shape: number[]; data: number[] }> },
) {
  const params = Object.fromEntries(Object.entries(fx.params).map(([k, a]) => [k, toTensor(a)]));
  module.loadStateDict(params);
  tf.dispose(Object.values(params));
}

const sequenceModules: [string, 'gru' | 'rnn', (fx: HiddenFixture, gradient: GradientMode) => GRU | RNN][] = [
  ['GRU', 'gru', (fx, gradient) => new GRU({ ...fx.config, gradient })],
  ['RNN', 'rnn', (fx, gradient) => new RNN({ ...fx.config, gradient })],
];

describe.each(sequenceModules)('%s vs PyTorch fixtures', (_label, folder, make) => {
  const fixtures = hiddenFixtures(folder);

  test('the fixtures cover the option matrix', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
  });

  describe.each(['manual', 'autodiff'] as GradientMode[])('gradient: %s', (gradient) => {
    test.each(fixtures.map((fx) => [fx.name, fx] as const))('%s', (_name, fx) => {
      const before = tf.memory().numTensors;
      const rnn = make(fx, gradient);
      loadFixtureParams(rnn, fx);
      const x = toVariable(fx.input);
      const h0 = fx.h0 ? toVariable(fx.h0) : null;
      const options = fx.lengths ? { lengths: fx.lengths } : {};

      const [output, hN] = rnn.forward(x, h0, options);
      expectClose(output, fx.output.data, FORWARD_TOL, 'output', fx.output.shape);
      expectClose(hN, fx.hN.data, FORWARD_TOL, 'h_n', fx.hN.shape);
      tf.dispose([output, hN]);

      // Gradients of L = sum(output * W_out) + sum(h_n * W_h).
      const [wOut, wH] = [fx.lossWeights.output, fx.lossWeights.hN].map(toTensor);
      const { value, grads } = tf.variableGrads(() => {
        const [out, h] = rnn.forward(x, h0, options);
        return tf.add(tf.sum(tf.mul(out, wOut)), tf.sum(tf.mul(h, wH))) as tf.Scalar;
      });
      expect(Object.keys(fx.grads.params).sort()).toEqual(
        rnn
          .namedParameters()
          .map(([name]) => name)
          .sort(),
      );
      for (const [name, v] of rnn.namedParameters()) {
        expectClose(grads[v.name], fx.grads.params[name].data, GRAD_TOL, `d${name}`, fx.grads.params[name].shape);
      }
      expectClose(grads[x.name], fx.grads.input.data, GRAD_TOL, 'dinput', fx.grads.input.shape);
      if (h0 && fx.grads.h0) expectClose(grads[h0.name], fx.grads.h0.data, GRAD_TOL, 'dh_0', fx.grads.h0.shape);
      tf.dispose([value, ...Object.values(grads), wOut, wH, x]);
      if (h0) h0.dispose();
      rnn.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});

const cellModules: [
  string,
  'gru-cell' | 'rnn-cell',
  (fx: HiddenCellFixture, gradient: GradientMode) => GRUCell | RNNCell,
][] = [
  ['GRUCell', 'gru-cell', (fx, gradient) => new GRUCell({ ...fx.config, gradient })],
  ['RNNCell', 'rnn-cell', (fx, gradient) => new RNNCell({ ...fx.config, gradient })],
];

describe.each(cellModules)('%s vs PyTorch fixtures', (_label, folder, make) => {
  const fixtures = hiddenCellFixtures(folder);

  describe.each(['manual', 'autodiff'] as GradientMode[])('gradient: %s', (gradient) => {
    test.each(fixtures.map((fx) => [fx.name, fx] as const))('%s', (_name, fx) => {
      const before = tf.memory().numTensors;
      const cell = make(fx, gradient);
      loadFixtureParams(cell, fx);
      const x = toVariable(fx.input);
      const h0 = fx.h0 ? toVariable(fx.h0) : null;

      const h1 = cell.forward(x, h0);
      expectClose(h1, fx.h.data, FORWARD_TOL, 'h', fx.h.shape);
      h1.dispose();

      const w = toTensor(fx.lossWeight);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(cell.forward(x, h0), w)) as tf.Scalar);
      for (const [name, v] of cell.namedParameters()) {
        expectClose(grads[v.name], fx.grads.params[name].data, GRAD_TOL, `d${name}`, fx.grads.params[name].shape);
      }
      expectClose(grads[x.name], fx.grads.input.data, GRAD_TOL, 'dinput', fx.grads.input.shape);
      if (h0 && fx.grads.h0) expectClose(grads[h0.name], fx.grads.h0.data, GRAD_TOL, 'dh', fx.grads.h0.shape);
      tf.dispose([value, ...Object.values(grads), w, x]);
      if (h0) h0.dispose();
      cell.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
