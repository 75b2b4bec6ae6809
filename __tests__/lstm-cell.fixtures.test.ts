import * as tf from '@tensorflow/tfjs';

import { GradientMode, LSTMCell } from '../src';
import 'tfjs-lstm/testing/jest';
import { expectClose } from './helpers/compare';
import { cellFixtures, toTensor, toVariable } from './helpers/fixtures';

// PyTorch 1.13's nn.LSTMCell (scripts/make-fixtures.py): forward within assert_close's float32
// tolerances (1e-5 + 1.3e-6 * |expected| per element), gradients within 1e-4.
const GRAD_TOL = 1e-4;

describe.each(['manual', 'autodiff'] as GradientMode[])('LSTMCell vs PyTorch fixtures (gradient: %s)', (gradient) => {
  const { cases } = cellFixtures();

  test.each(cases.map((fx) => [fx.name, fx] as const))('%s', (_name, fx) => {
    const before = tf.memory().numTensors;
    const cell = new LSTMCell({ ...fx.config, gradient });
    const params = Object.fromEntries(Object.entries(fx.params).map(([k, a]) => [k, toTensor(a)]));
    cell.loadStateDict(params);
    tf.dispose(Object.values(params));

    const x = toVariable(fx.input);
    const h0 = fx.hx ? toVariable(fx.hx.h) : null;
    const c0 = fx.hx ? toVariable(fx.hx.c) : null;
    const state = h0 && c0 ? ([h0, c0] as [tf.Tensor, tf.Tensor]) : undefined;

    const [h1, c1] = cell.forward(x, state);
    // torch.testing.assert_close's float32 tolerances, element by element (tfjs-lstm/testing)
    expect(h1).toHaveShape(fx.hN.shape);
    expect(h1).toBeCloseToTensor(new Float32Array(fx.hN.data));
    expect(c1).toBeCloseToTensor(new Float32Array(fx.cN.data));
    tf.dispose([h1, c1]);

    const [wH, wC] = [fx.lossWeights.hN, fx.lossWeights.cN].map(toTensor);
    const { value, grads } = tf.variableGrads(() => {
      const [h, c] = cell.forward(x, state);
      return tf.add(tf.sum(tf.mul(h, wH)), tf.sum(tf.mul(c, wC))) as tf.Scalar;
    });
    for (const [name, v] of cell.namedParameters()) {
      expectClose(grads[v.name], fx.grads.params[name].data, GRAD_TOL, `d${name}`, fx.grads.params[name].shape);
    }
    expectClose(grads[x.name], fx.grads.input.data, GRAD_TOL, 'dinput', fx.grads.input.shape);
    if (h0 && c0 && fx.grads.h0 && fx.grads.c0) {
      expectClose(grads[h0.name], fx.grads.h0.data, GRAD_TOL, 'dh_0', fx.grads.h0.shape);
      expectClose(grads[c0.name], fx.grads.c0.data, GRAD_TOL, 'dc_0', fx.grads.c0.shape);
    }
    tf.dispose([value, ...Object.values(grads), wH, wC, x]);
    if (h0 && c0) tf.dispose([h0, c0]);
    // Everything made is gone with the cell (its parameters and prepared weights).
    cell.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
