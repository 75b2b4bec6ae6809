import * as tf from '@tensorflow/tfjs';

import { gradientFlow, GRU, RNN } from '../src';
import { expectClose } from './helpers/compare';

// gradientFlow on GRU and RNN layers: the same gradients as tf.variableGrads (to float32 rounding), and per layer
// direction the norms of dL/dh_t from the hand-derived backward pass (no dL/dc_t), with a GRU's
// mean update gate where an LSTM reports its forget gate.

describe.each([
  ['GRU', () => new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 1 }), true],
  ['RNN', () => new RNN({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 1 }), false],
] as const)('gradientFlow on a %s', (_name, make, hasGate) => {
  test('reports each layer direction; gradients equal variableGrads; the last step is dL/dout_T', () => {
    const before = tf.memory().numTensors;
    const m = make();
    const x = tf.randomNormal([6, 2, 3], 0, 1, 'float32', 1);
    const w = tf.randomNormal([6, 2, 8], 0, 1, 'float32', 2);
    const loss = () => tf.sum(tf.mul(m.forward(x, null, { lengths: [6, 4] })[0], w)) as tf.Scalar;
    const { value, grads, flow } = gradientFlow(loss);
    const plain = tf.variableGrads(loss);
    // The recording runs the composed ops (the fused kernels keep no per-step norms): the same
    // gradients to float32 rounding.
    for (const [name, g] of Object.entries(plain.grads)) expectClose(grads[name], g, 1e-5, name);
    expect(value).toBeCloseTo(plain.value.dataSync()[0], 4);
    expect(flow.map((f) => `${f.layer}/${f.direction}`)).toEqual(['0/forward', '0/reverse', '1/forward', '1/reverse']);
    for (const f of flow) {
      expect(f.dhNorm.length).toBe(6);
      expect(f.dcNorm).toEqual([]);
      expect(f.forgetMean.length).toBe(hasGate ? 6 : 0);
      if (hasGate) expect(f.forgetMean.slice(0, 4).every((z) => z > 0 && z < 1)).toBe(true);
    }
    // The top layer's forward direction at its last step: dL/dh_T is that step's loss weight alone
    // (the second sequence has no step 5, whose gradient is zero).
    const top = flow[2];
    const last = tf.tidy(() => tf.norm(tf.slice(w, [5, 0, 0], [1, 1, 4])).dataSync()[0]);
    expect(top.dhNorm[5]).toBeCloseTo(last, 5);
    tf.dispose([x, w, plain.value, ...Object.values(plain.grads), ...Object.values(grads)]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test("with gradient: 'autodiff' it says the report needs the manual backward", () => {
    const m = make();
    m.gradient = 'autodiff';
    const x = tf.ones([2, 1, 3]);
    expect(() => gradientFlow(() => tf.sum(m.forward(x)[0]) as tf.Scalar)).toThrow(/hand-derived backward pass/);
    x.dispose();
    m.dispose();
  });
});
