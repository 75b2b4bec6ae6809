import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { clipGradNorm, clipGradValue, detach, detachState, gradientFlow, LSTM } from '../src';
import { lstmDirection, LSTMWeights } from '../src/functional';
import { FUSED_KERNELS_FLAG } from '../src/kernels/flags';
import { expectClose } from './helpers/compare';
import { Arr, toTensor } from './helpers/fixtures';

interface ClipFixture {
  norm: { maxNorm: number; normType: number | 'inf'; grads: Arr[]; totalNorm: number; clipped: Arr[] }[];
  value: { clipValue: number; grads: Arr[]; clipped: Arr[] };
}
const clip = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'clip.json'), 'utf8')) as ClipFixture;

describe('clipGradNorm and clipGradValue match PyTorch', () => {
  test.each(clip.norm.map((c) => [`maxNorm ${c.maxNorm}, norm ${c.normType}`, c] as const))(
    'clip_grad_norm_ (%s)',
    (_name, c) => {
      // As a name -> gradient map (tf.variableGrads) ...
      const grads: tf.NamedTensorMap = Object.fromEntries(c.grads.map((g, k) => [`g${k}`, toTensor(g)]));
      const before = tf.memory().numTensors;
      const norm = clipGradNorm(grads, c.maxNorm, { normType: c.normType });
      expect(tf.memory().numTensors).toBe(before); // the old gradients were disposed
      expect(Math.abs(norm - c.totalNorm) / c.totalNorm).toBeLessThan(1e-6);
      c.clipped.forEach((g, k) => expectClose(grads[`g${k}`], g.data, 1e-6, `grad ${k}`));
      // ... and as a list.
      const list = c.grads.map(toTensor);
      clipGradNorm(list, c.maxNorm, { normType: c.normType });
      c.clipped.forEach((g, k) => expectClose(list[k], g.data, 1e-6, `grad ${k} (list)`));
      tf.dispose([...Object.values(grads), ...list]);
    },
  );

  test('clip_grad_value_', () => {
    const grads = clip.value.grads.map(toTensor);
    clipGradValue(grads, clip.value.clipValue);
    clip.value.clipped.forEach((g, k) => expect(Array.from(grads[k].dataSync())).toEqual(g.data.map(Math.fround)));
    tf.dispose(grads);
  });

  test('a non-finite norm: scaled as PyTorch does, or an error when asked', () => {
    const grads = [tf.tensor1d([1, NaN])];
    expect(() => clipGradNorm(grads, 1, { errorIfNonfinite: true })).toThrow(
      /total norm of order 2 for gradients is non-finite/,
    );
    expect(Number.isNaN(clipGradNorm(grads, 1))).toBe(true);
    expect(() => clipGradNorm(grads, -1)).toThrow(/maxNorm should be a non-negative number, got -1/);
    tf.dispose(grads);
  });
});

describe('gradients as a training loop holds them', () => {
  test.each(['manual', 'autodiff'] as const)(
    'every parameter has its own gradient tensor, which clipping and disposal free once (%s)',
    (gradient) => {
      const rnn = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, gradient, seed: 8 });
      const x = tf.randomNormal([4, 2, 2], 0, 1, 'float32', 9);
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => tf.sum(rnn.forward(x)[0]) as tf.Scalar);
      value.dispose();
      const list = Object.values(grads);
      expect(list).toHaveLength(rnn.parameters().length);
      expect(new Set(list).size).toBe(list.length);
      // bias_ih_l0 and bias_hh_l0 get the same values, in two tensors.
      const [, , biasIh, biasHh] = rnn.namedParameters().map(([, v]) => grads[v.name]);
      expect(Array.from(biasHh.dataSync())).toEqual(Array.from(biasIh.dataSync()));
      clipGradNorm(grads, 0.5);
      clipGradValue(grads, 0.01);
      for (const g of Object.values(grads))
        expect(Math.max(...Array.from(g.dataSync(), Math.abs))).toBeLessThanOrEqual(0.01);
      tf.dispose(Object.values(grads));
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(x);
      rnn.dispose();
    },
  );
});

describe('truncated BPTT', () => {
  test('detach passes values and stops gradients', () => {
    const x = tf.variable(tf.tensor1d([1, 2, 3]));
    const { grads } = tf.variableGrads(() => tf.add(tf.sum(tf.square(detach(x))), tf.sum(x)) as tf.Scalar);
    expect(Array.from(grads[x.name].dataSync())).toEqual([1, 1, 1]); // only the undetached sum
    expect(Array.from(detach(x).dataSync())).toEqual([1, 2, 3]);
  });

  test('chunks with the state carried over give the full sequence; no gradient crosses a cut', () => {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, seed: 4 });
    const x = tf.randomNormal([12, 2, 2], 0, 1, 'float32', 5);
    const [full] = rnn.forward(x);
    let state: [tf.Tensor, tf.Tensor] | null = null;
    const outs: tf.Tensor[] = [];
    for (let k = 0; k < 3; k++) {
      const [out, next] = rnn.forward(tf.slice(x, [4 * k, 0, 0], [4, 2, 2]), state);
      outs.push(out);
      state = detachState(next);
    }
    expectClose(tf.concat(outs, 0), full, 1e-6, 'chunked output');
    // The second chunk's loss through a detached state: no gradient reaches the first chunk.
    const first = tf.variable(tf.slice(x, [0, 0, 0], [4, 2, 2]));
    const { grads } = tf.variableGrads(() => {
      const [, s1] = rnn.forward(first);
      const [out2] = rnn.forward(tf.slice(x, [4, 0, 0], [4, 2, 2]), detachState(s1));
      return tf.sum(out2) as tf.Scalar;
    }, [first]);
    expect(Array.from(grads[first.name].dataSync()).every((g) => g === 0)).toBe(true);
    rnn.dispose();
  });
});

describe('gradientFlow', () => {
  // dL/dh_t and dL/dc_t by autodiff: the step written out, a zero "probe" added to c_t before
  // h_t is made from it and to h_t, and the gradient taken with respect to the probes.
  function autodiffFlow(x: tf.Tensor, w: LSTMWeights, wOut: tf.Tensor, reverse: boolean) {
    const [steps, batch] = x.shape as number[];
    const hidden = w.weightHh.shape[0] / 4;
    const outSize = w.weightHr ? (w.weightHr.shape[0] as number) : hidden;
    const probesH = Array.from({ length: steps }, () => tf.variable(tf.zeros([batch, outSize])));
    const probesC = Array.from({ length: steps }, () => tf.variable(tf.zeros([batch, hidden])));
    const forget: number[] = new Array(steps);
    const { grads } = tf.variableGrads(() => {
      let h: tf.Tensor = tf.zeros([batch, outSize]);
      let c: tf.Tensor = tf.zeros([batch, hidden]);
      const terms: tf.Tensor[] = [];
      const order = Array.from({ length: steps }, (_, t) => (reverse ? steps - 1 - t : t));
      for (const t of order) {
        const xt = tf.reshape(tf.slice(x, [t, 0, 0], [1, batch, x.shape[2] as number]), [batch, -1]);
        let z = tf.add(tf.matMul(xt, w.weightIh, false, true), tf.matMul(h, w.weightHh, false, true));
        if (w.biasIh && w.biasHh) z = tf.add(z, tf.add(w.biasIh, w.biasHh));
        const [i, f, g, o] = tf.split(z, 4, 1);
        forget[t] = tf.mean(tf.sigmoid(f)).dataSync()[0];
        c = tf.add(tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))), probesC[t]);
        const r = tf.mul(tf.sigmoid(o), tf.tanh(c));
        h = tf.add(w.weightHr ? tf.matMul(r, w.weightHr, false, true) : r, probesH[t]);
        terms.push(tf.sum(tf.mul(h, tf.reshape(tf.slice(wOut, [t, 0, 0], [1, batch, outSize]), [batch, outSize]))));
      }
      return tf.addN([...terms, tf.sum(c)]) as tf.Scalar;
    }, [...probesH, ...probesC]);
    const norm = (t: tf.Tensor) => tf.norm(t).dataSync()[0];
    const result = {
      dhNorm: probesH.map((p) => norm(grads[p.name])),
      dcNorm: probesC.map((p) => norm(grads[p.name])),
      forgetMean: forget,
    };
    tf.dispose([...probesH, ...probesC, ...Object.values(grads)]);
    return result;
  }

  test.each([
    ['forward', false, false],
    ['reverse', true, false],
    ['projections', false, true],
  ])('per-step norms and forget gates equal autodiff (%s)', (_name, reverse, proj) => {
    const [steps, batch, input, hidden] = [7, 3, 2, 4];
    const outSize = proj ? 2 : hidden;
    const v = (shape: number[], seed: number) =>
      tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, 0.7, 'float32', seed)));
    const w: LSTMWeights = { weightIh: v([4 * hidden, input], 1), weightHh: v([4 * hidden, outSize], 2) };
    w.biasIh = v([4 * hidden], 3);
    w.biasHh = v([4 * hidden], 4);
    if (proj) w.weightHr = v([outSize, hidden], 5);
    const x = tf.randomNormal([steps, batch, input], 0, 1, 'float32', 6);
    const wOut = tf.randomNormal([steps, batch, outSize], 0, 1, 'float32', 7);

    const { value, grads, flow } = gradientFlow(() => {
      const r = lstmDirection(x, tf.zeros([batch, outSize]), tf.zeros([batch, hidden]), w, { reverse });
      return tf.add(tf.sum(tf.mul(r.output, wOut)), tf.sum(r.cN)) as tf.Scalar;
    });
    const expected = autodiffFlow(x, w, wOut, reverse);
    expect(flow).toHaveLength(1);
    expect(flow[0].direction).toBe(reverse ? 'reverse' : 'forward');
    expectClose(flow[0].dhNorm, expected.dhNorm, 1e-5, 'dhNorm');
    expectClose(flow[0].dcNorm, expected.dcNorm, 1e-5, 'dcNorm');
    expectClose(flow[0].forgetMean, expected.forgetMean, 1e-5, 'forgetMean');
    expect(Number.isFinite(value)).toBe(true);
    tf.dispose([x, wOut, ...Object.values(w), ...Object.values(grads)]);
  });

  test('one report per layer and direction, labelled, and no tensors left behind', () => {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, seed: 1 });
    const x = tf.randomNormal([5, 2, 2]);
    const before = tf.memory().numTensors;
    const { grads, flow } = gradientFlow(() => tf.sum(rnn.forward(x, null, { lengths: [5, 3] })[0]) as tf.Scalar);
    expect(flow.map((f) => [f.layer, f.direction])).toEqual([
      [0, 'forward'],
      [0, 'reverse'],
      [1, 'forward'],
      [1, 'reverse'],
    ]);
    expect(flow.every((f) => f.dhNorm.length === 5 && f.dcNorm.length === 5 && f.forgetMean.length === 5)).toBe(true);
    expect(Object.keys(grads)).toHaveLength(16);
    tf.dispose(Object.values(grads));
    expect(tf.memory().numTensors).toBe(before);
    rnn.dispose();
  });

  test('the composed path (other backends) reports the same flow as the fused kernels', () => {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 3, projSize: 2, bidirectional: true, seed: 8 });
    const x = tf.randomNormal([6, 3, 2], 0, 1, 'float32', 9);
    const report = () => {
      const { grads, flow } = gradientFlow(
        () => tf.sum(tf.square(rnn.forward(x, null, { lengths: [6, 2, 4] })[0])) as tf.Scalar,
      );
      tf.dispose(Object.values(grads));
      return flow;
    };
    const fused = report();
    tf.env().set(FUSED_KERNELS_FLAG, false);
    try {
      const composed = report();
      composed.forEach((c, k) => {
        expect([c.layer, c.direction]).toEqual([fused[k].layer, fused[k].direction]);
        expectClose(c.dhNorm, fused[k].dhNorm, 1e-5, 'dhNorm');
        expectClose(c.dcNorm, fused[k].dcNorm, 1e-5, 'dcNorm');
        expectClose(c.forgetMean, fused[k].forgetMean, 1e-6, 'forgetMean');
      });
    } finally {
      tf.env().set(FUSED_KERNELS_FLAG, true);
    }
    rnn.dispose();
  });

  test('needs the manual gradient', () => {
    const rnn = new LSTM({ inputSize: 1, hiddenSize: 2, gradient: 'autodiff' });
    expect(() => gradientFlow(() => tf.sum(rnn.forward(tf.ones([3, 1, 1]))[0]) as tf.Scalar)).toThrow(
      /report comes from the hand-derived backward pass; this LSTM uses gradient: 'autodiff'/,
    );
    rnn.dispose();
  });
});
