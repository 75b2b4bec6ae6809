// The tfjs LSTM against the float64 reference on random problems the PyTorch fixtures do not cover
// (every combination of layers, bias, direction, projection, lengths and state), forward and
// gradients, with both gradient modes. Same tolerances as the fixture tests: tfjs computes in
// float32.
import * as tf from '@tensorflow/tfjs';

import { GradientMode, LSTM } from '../src';
import {
  mulberry32,
  randomArray,
  randomParams,
  ReferenceConfig,
  referenceLSTM,
  referenceLSTMGrads,
} from '../src/reference/lstm-reference';
import { expectClose } from './helpers/compare';

const FORWARD_TOL = 1e-5;
const GRAD_TOL = 1e-4;

interface Case {
  name: string;
  config: ReferenceConfig;
  steps: number;
  batch: number;
  lengths?: number[];
  withState: boolean;
}

function config(overrides: Partial<ReferenceConfig>): ReferenceConfig {
  return { inputSize: 3, hiddenSize: 4, numLayers: 1, bias: true, bidirectional: false, projSize: 0, ...overrides };
}

const cases: Case[] = [
  {
    name: 'three layers, bidirectional, projections, unsorted lengths, state',
    config: config({ numLayers: 3, bidirectional: true, projSize: 2 }),
    steps: 5,
    batch: 4,
    lengths: [3, 5, 1, 4],
    withState: true,
  },
  {
    name: 'two layers, no bias, projections, lengths, zero state',
    config: config({ numLayers: 2, bias: false, projSize: 3 }),
    steps: 6,
    batch: 3,
    lengths: [6, 2, 1],
    withState: false,
  },
  {
    name: 'bidirectional, no bias, lengths, state',
    config: config({ bidirectional: true, bias: false }),
    steps: 4,
    batch: 3,
    lengths: [1, 4, 2],
    withState: true,
  },
  {
    name: 'hidden size 1, two layers, bidirectional, lengths',
    config: config({ hiddenSize: 1, numLayers: 2, bidirectional: true }),
    steps: 7,
    batch: 2,
    lengths: [7, 3],
    withState: true,
  },
  {
    name: 'sequence length 1, three layers, projections',
    config: config({ hiddenSize: 5, numLayers: 3, projSize: 1 }),
    steps: 1,
    batch: 3,
    withState: true,
  },
];

/** Rounded to float32 once, so both sides see exactly the same numbers. */
function f32(a: Float64Array): Float64Array {
  return a.map(Math.fround);
}

describe.each(['manual', 'autodiff'] as GradientMode[])('LSTM vs the float64 reference (gradient: %s)', (gradient) => {
  test.each(cases.map((c, k) => [c.name, c, k] as const))('%s', (_name, c, k) => {
    const { config: cfg, steps: T, batch: N } = c;
    const D = cfg.bidirectional ? 2 : 1;
    const H = cfg.hiddenSize;
    const P = cfg.projSize > 0 ? cfg.projSize : H;
    const S = cfg.numLayers * D;
    const rand = mulberry32(500 + k);
    const params = Object.fromEntries(Object.entries(randomParams(cfg, 600 + k)).map(([n, v]) => [n, f32(v)]));
    const xData = f32(randomArray(T * N * cfg.inputSize, rand));
    const state = c.withState
      ? { h0: f32(randomArray(S * N * P, rand, 0.5)), c0: f32(randomArray(S * N * H, rand, 0.5)) }
      : undefined;
    const lossWeights = {
      output: f32(randomArray(T * N * D * P, rand)),
      hN: f32(randomArray(S * N * P, rand)),
      cN: f32(randomArray(S * N * H, rand)),
    };
    const x64 = { data: xData, steps: T, batch: N };
    const expected = referenceLSTM(cfg, params, x64, state, c.lengths);
    const expectedGrads = referenceLSTMGrads(cfg, params, x64, state, c.lengths, lossWeights);

    const rnn = new LSTM({ ...cfg, gradient });
    rnn.loadStateDict(Object.fromEntries(Object.entries(params).map(([n, v]) => [n, Float32Array.from(v)])));
    const x = tf.variable(tf.tensor3d(Float32Array.from(xData), [T, N, cfg.inputSize]));
    const hx: [tf.Variable, tf.Variable] | null = state
      ? [
          tf.variable(tf.tensor3d(Float32Array.from(state.h0), [S, N, P])),
          tf.variable(tf.tensor3d(Float32Array.from(state.c0), [S, N, H])),
        ]
      : null;
    const options = c.lengths ? { lengths: c.lengths } : {};

    const [output, [hN, cN]] = rnn.forward(x, hx, options);
    expectClose(output, expected.output, FORWARD_TOL, 'output', [T, N, D * P]);
    expectClose(hN, expected.hN, FORWARD_TOL, 'h_n', [S, N, P]);
    expectClose(cN, expected.cN, FORWARD_TOL, 'c_n', [S, N, H]);

    const [wOut, wH, wC] = [
      tf.tensor3d(Float32Array.from(lossWeights.output), [T, N, D * P]),
      tf.tensor3d(Float32Array.from(lossWeights.hN), [S, N, P]),
      tf.tensor3d(Float32Array.from(lossWeights.cN), [S, N, H]),
    ];
    const { value, grads } = tf.variableGrads(() => {
      const [out, [h, cc]] = rnn.forward(x, hx, options);
      return tf.addN([tf.sum(tf.mul(out, wOut)), tf.sum(tf.mul(h, wH)), tf.sum(tf.mul(cc, wC))]) as tf.Scalar;
    });
    for (const [name, v] of rnn.namedParameters()) {
      expectClose(grads[v.name], expectedGrads.params[name], GRAD_TOL, `d${name}`);
    }
    expectClose(grads[x.name], expectedGrads.x, GRAD_TOL, 'dinput');
    if (hx) {
      expectClose(grads[hx[0].name], expectedGrads.h0, GRAD_TOL, 'dh_0');
      expectClose(grads[hx[1].name], expectedGrads.c0, GRAD_TOL, 'dc_0');
    }
    expect(rnn.namedParameters().map(([name]) => name)).toEqual(Object.keys(expectedGrads.params));

    tf.dispose([output, hN, cN, wOut, wH, wC, value, ...Object.values(grads), x, ...(hx ?? [])]);
    rnn.dispose();
  });
});
