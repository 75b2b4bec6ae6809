// The float64 reference GRU and RNN (src/reference/hidden-reference.ts), tested as the LSTM's is:
// its gradients against central finite differences of its own forward pass, its results against
// PyTorch's float32 ones in the fixtures, and then the tfjs modules against it on random
// configurations (both gradient modes).
import * as fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';

import { GradientMode, GRU, RNN } from '../src';
import {
  HiddenReferenceConfig,
  hiddenParamShapes,
  randomHiddenParams,
  referenceHidden,
  referenceHiddenGrads,
  referenceHiddenLoss,
} from '../src/reference/hidden-reference';
import { randomArray } from '../src/reference/random';
import { relativeError, worstError } from './helpers/compare';
import { hiddenFixtures } from './helpers/fixtures';

const MODES = ['GRU', 'RNN_TANH', 'RNN_RELU'] as const;

function expectBelow(err: number, tol: number, label: string): void {
  if (!(err < tol)) throw new Error(`${label}: relative error ${err.toExponential(3)} is not below ${tol}`);
}

interface Problem {
  config: HiddenReferenceConfig;
  steps: number;
  batch: number;
  lengths?: number[];
  seed: number;
}

function problemData(p: Problem) {
  const D = p.config.bidirectional ? 2 : 1;
  const S = p.config.numLayers * D;
  const H = p.config.hiddenSize;
  const { steps: T, batch: N } = p;
  const f32 = (a: Float64Array) => a.map(Math.fround);
  return {
    params: Object.fromEntries(Object.entries(randomHiddenParams(p.config, p.seed, 0.8)).map(([k, v]) => [k, f32(v)])),
    x: { data: f32(randomArray(T * N * p.config.inputSize, p.seed + 1)), steps: T, batch: N },
    h0: f32(randomArray(S * N * H, p.seed + 2, 0.5)),
    lossWeights: { output: f32(randomArray(T * N * D * H, p.seed + 3)), hN: f32(randomArray(S * N * H, p.seed + 4)) },
  };
}

describe.each(MODES)('%s reference: gradients equal central finite differences', (mode) => {
  const cases: [string, Omit<Problem, 'config'> & { config: Partial<HiddenReferenceConfig> }][] = [
    ['one layer', { config: {}, steps: 4, batch: 2, seed: 11 }],
    [
      'no bias, bidirectional, lengths',
      { config: { bias: false, bidirectional: true }, steps: 5, batch: 3, lengths: [5, 2, 3], seed: 12 },
    ],
    [
      'two layers, bidirectional, lengths',
      { config: { numLayers: 2, bidirectional: true }, steps: 4, batch: 2, lengths: [1, 4], seed: 13 },
    ],
  ];
  test.each(cases)('%s', (_name, c) => {
    const config: HiddenReferenceConfig = {
      mode,
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 1,
      bias: true,
      bidirectional: false,
      ...c.config,
    };
    const p = problemData({ ...c, config });
    const grads = referenceHiddenGrads(config, p.params, p.x, p.h0, c.lengths, p.lossWeights);
    const loss = () => referenceHiddenLoss(config, p.params, p.x, p.h0, c.lengths, p.lossWeights);
    const EPS = 1e-6;
    const tensors: [string, Float64Array, Float64Array][] = [
      ...hiddenParamShapes(config).map(
        ([name]) => [name, p.params[name], grads.params[name]] as [string, Float64Array, Float64Array],
      ),
      ['x', p.x.data, grads.x],
      ['h0', p.h0, grads.h0],
    ];
    for (const [label, values, analytic] of tensors) {
      expect(analytic.length).toBe(values.length);
      const numeric = Array.from(values, (v, e) => {
        values[e] = v + EPS;
        const plus = loss();
        values[e] = v - EPS;
        const minus = loss();
        values[e] = v;
        return (plus - minus) / (2 * EPS);
      });
      // A vanishing gradient would make the comparison vacuous (relu can silence a whole tensor).
      if (!(Math.max(...numeric.map(Math.abs)) > 1e-2)) throw new Error(`${label}: gradient too small to test`);
      expectBelow(relativeError(analytic, numeric), 1e-7, `d${label}`);
    }
  });
});

describe.each([
  ['GRU', 'gru'],
  ['RNN', 'rnn'],
] as const)("the %s reference against PyTorch's float32 results (fixtures)", (_label, folder) => {
  test.each(hiddenFixtures(folder).map((fx) => [fx.name, fx] as const))('%s', (_name, fx) => {
    const { batchFirst, nonlinearity, ...rest } = fx.config;
    const config: HiddenReferenceConfig = {
      ...rest,
      mode: folder === 'gru' ? 'GRU' : nonlinearity === 'relu' ? 'RNN_RELU' : 'RNN_TANH',
    };
    const params = Object.fromEntries(Object.entries(fx.params).map(([k, a]) => [k, Float64Array.from(a.data)]));
    // Time-major with a batch axis, as the reference takes it.
    const shape = fx.input.shape;
    const unbatched = shape.length === 2;
    const [T, N, I] = unbatched ? [shape[0], 1, shape[1]] : batchFirst ? [shape[1], shape[0], shape[2]] : shape;
    const toTimeMajor = (data: ArrayLike<number>, features: number, fromBatchFirst: boolean) => {
      const out = new Float64Array(T * N * features);
      for (let t = 0; t < T; t++)
        for (let n = 0; n < N; n++)
          for (let f = 0; f < features; f++)
            out[(t * N + n) * features + f] = data[(fromBatchFirst ? n * T + t : t * N + n) * features + f];
      return out;
    };
    const bf = batchFirst && !unbatched;
    const x = { data: toTimeMajor(fx.input.data, I, bf), steps: T, batch: N };
    const h0 = fx.h0 ? Float64Array.from(fx.h0.data) : undefined;
    const D = config.bidirectional ? 2 : 1;
    const { output, hN } = referenceHidden(config, params, x, h0, fx.lengths ?? undefined);
    expectBelow(relativeError(output, toTimeMajor(fx.output.data, D * config.hiddenSize, bf)), 1e-5, 'output');
    expectBelow(relativeError(hN, fx.hN.data), 1e-5, 'h_n');

    const lossWeights = {
      output: toTimeMajor(fx.lossWeights.output.data, D * config.hiddenSize, bf),
      hN: Float64Array.from(fx.lossWeights.hN.data),
    };
    const grads = referenceHiddenGrads(config, params, x, h0, fx.lengths ?? undefined, lossWeights);
    for (const [name, g] of Object.entries(grads.params))
      expectBelow(relativeError(g, fx.grads.params[name].data), 1e-4, `d${name}`);
    expectBelow(relativeError(grads.x, toTimeMajor(fx.grads.input.data, I, bf)), 1e-4, 'dinput');
    if (fx.grads.h0) expectBelow(relativeError(grads.h0, fx.grads.h0.data), 1e-4, 'dh_0');
  });
});

describe('property: GRU and RNN on random configurations', () => {
  const problem: fc.Arbitrary<Problem> = fc
    .record({
      mode: fc.constantFrom(...MODES),
      inputSize: fc.integer({ min: 1, max: 4 }),
      hiddenSize: fc.integer({ min: 1, max: 5 }),
      numLayers: fc.integer({ min: 1, max: 2 }),
      bias: fc.boolean(),
      bidirectional: fc.boolean(),
      steps: fc.integer({ min: 1, max: 6 }),
      batch: fc.integer({ min: 1, max: 3 }),
      useLengths: fc.boolean(),
      seed: fc.integer({ min: 0, max: 1e6 }),
    })
    .chain((r) =>
      fc.array(fc.integer({ min: 1, max: r.steps }), { minLength: r.batch, maxLength: r.batch }).map((lengths) => ({
        config: {
          mode: r.mode,
          inputSize: r.inputSize,
          hiddenSize: r.hiddenSize,
          numLayers: r.numLayers,
          bias: r.bias,
          bidirectional: r.bidirectional,
        },
        steps: r.steps,
        batch: r.batch,
        lengths: r.useLengths ? lengths : undefined,
        seed: r.seed,
      })),
    );

  /** The tfjs module's forward and gradients of the weighted-sum loss, flat, keyed by name. */
  function tfjsRun(
    p: Problem,
    d: ReturnType<typeof problemData>,
    gradient: GradientMode,
  ): Record<string, Float32Array> {
    const { mode, ...sizes } = p.config;
    const rnn =
      mode === 'GRU'
        ? new GRU({ ...sizes, gradient })
        : new RNN({ ...sizes, gradient, nonlinearity: mode === 'RNN_RELU' ? 'relu' : 'tanh' });
    rnn.loadStateDict(Object.fromEntries(Object.entries(d.params).map(([k, v]) => [k, Float32Array.from(v)])));
    const D = p.config.bidirectional ? 2 : 1;
    const S = p.config.numLayers * D;
    const H = p.config.hiddenSize;
    const x = tf.tidy(() =>
      tf.variable(tf.tensor(Float32Array.from(d.x.data), [p.steps, p.batch, p.config.inputSize])),
    );
    const h0 = tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(d.h0), [S, p.batch, H])));
    const wOut = tf.tensor(Float32Array.from(d.lossWeights.output), [p.steps, p.batch, D * H]);
    const wH = tf.tensor(Float32Array.from(d.lossWeights.hN), [S, p.batch, H]);
    const options = p.lengths ? { lengths: p.lengths } : {};
    const [out, hN] = rnn.forward(x, h0, options);
    const { value, grads } = tf.variableGrads(() => {
      const [o, h] = rnn.forward(x, h0, options);
      return tf.add(tf.sum(tf.mul(o, wOut)), tf.sum(tf.mul(h, wH))) as tf.Scalar;
    });
    const result: Record<string, Float32Array> = {
      output: out.dataSync() as Float32Array,
      hN: hN.dataSync() as Float32Array,
    };
    for (const [name, param] of rnn.namedParameters())
      result[`d${name}`] = grads[param.name].dataSync() as Float32Array;
    result.dx = grads[x.name].dataSync() as Float32Array;
    result.dh0 = grads[h0.name].dataSync() as Float32Array;
    tf.dispose([out, hN, value, ...Object.values(grads), x, h0, wOut, wH]);
    rnn.dispose();
    return result;
  }

  test('manual BPTT equals autodiff within 1e-5, and both the float64 reference within 1e-4', () => {
    fc.assert(
      fc.property(problem, (p) => {
        const before = tf.memory().numTensors;
        const d = problemData(p);
        const manual = tfjsRun(p, d, 'manual');
        const autodiff = tfjsRun(p, d, 'autodiff');
        const fwd = referenceHidden(p.config, d.params, d.x, d.h0, p.lengths);
        const g = referenceHiddenGrads(p.config, d.params, d.x, d.h0, p.lengths, d.lossWeights);
        const ref: Record<string, ArrayLike<number>> = { output: fwd.output, hN: fwd.hN, dx: g.x, dh0: g.h0 };
        for (const [name, v] of Object.entries(g.params)) ref[`d${name}`] = v;
        const [keyA, errA] = worstError(manual, autodiff);
        const [keyR, errR] = worstError(manual, ref);
        const [keyS, errS] = worstError(autodiff, ref);
        expect({ vsAutodiff: keyA, ok: errA <= 1e-5 }).toEqual({ vsAutodiff: keyA, ok: true });
        expect({ vsReference: keyR, ok: errR <= 1e-4 }).toEqual({ vsReference: keyR, ok: true });
        expect({ autodiffVsReference: keyS, ok: errS <= 1e-4 }).toEqual({ autodiffVsReference: keyS, ok: true });
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 40, seed: 20261204 },
    );
  });
});
