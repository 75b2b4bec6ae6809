import * as fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';

import { GradientMode, LSTM } from '../src';
import { randomArray, randomParams, ReferenceConfig, referenceLSTMGrads } from '../src/reference/lstm-reference';
import { worstError } from './helpers/compare';

// Random configurations and inputs: the manual BPTT against autodiff (1e-5) and against the float64
// reference (1e-4). On a failure fast-check shrinks the case to a small reproducer.

interface Problem {
  config: ReferenceConfig;
  steps: number;
  batch: number;
  lengths?: number[];
  withState: boolean;
  seed: number;
}

const problem: fc.Arbitrary<Problem> = fc
  .record({
    inputSize: fc.integer({ min: 1, max: 4 }),
    hiddenSize: fc.integer({ min: 1, max: 5 }),
    numLayers: fc.integer({ min: 1, max: 2 }),
    bias: fc.boolean(),
    bidirectional: fc.boolean(),
    projFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    steps: fc.integer({ min: 1, max: 6 }),
    batch: fc.integer({ min: 1, max: 3 }),
    useLengths: fc.boolean(),
    withState: fc.boolean(),
    seed: fc.integer({ min: 0, max: 1e6 }),
  })
  .chain((r) =>
    fc.array(fc.integer({ min: 1, max: r.steps }), { minLength: r.batch, maxLength: r.batch }).map((lengths) => ({
      config: {
        inputSize: r.inputSize,
        hiddenSize: r.hiddenSize,
        numLayers: r.numLayers,
        bias: r.bias,
        bidirectional: r.bidirectional,
        projSize: Math.floor(r.projFraction * r.hiddenSize) % r.hiddenSize,
      },
      steps: r.steps,
      batch: r.batch,
      lengths: r.useLengths ? lengths : undefined,
      withState: r.withState,
      seed: r.seed,
    })),
  );

interface Data {
  params: Record<string, Float64Array>;
  x: Float64Array;
  h0: Float64Array;
  c0: Float64Array;
  wOut: Float64Array;
  wH: Float64Array;
  wC: Float64Array;
}

function sizes(p: Problem) {
  const D = p.config.bidirectional ? 2 : 1;
  const S = p.config.numLayers * D;
  const P = p.config.projSize || p.config.hiddenSize;
  return { D, S, P, H: p.config.hiddenSize, T: p.steps, N: p.batch, I: p.config.inputSize };
}

/** The problem's numbers, rounded to float32 so that both sides start from the same values. */
function data(p: Problem): Data {
  const { D, S, P, H, T, N, I } = sizes(p);
  const f32 = (a: Float64Array) => a.map(Math.fround);
  const params = Object.fromEntries(Object.entries(randomParams(p.config, p.seed)).map(([k, v]) => [k, f32(v)]));
  const zeros = (n: number) => new Float64Array(n);
  return {
    params,
    x: f32(randomArray(T * N * I, p.seed + 1)),
    h0: p.withState ? f32(randomArray(S * N * P, p.seed + 2, 0.5)) : zeros(S * N * P),
    c0: p.withState ? f32(randomArray(S * N * H, p.seed + 3, 0.5)) : zeros(S * N * H),
    wOut: f32(randomArray(T * N * D * P, p.seed + 4)),
    wH: f32(randomArray(S * N * P, p.seed + 5)),
    wC: f32(randomArray(S * N * H, p.seed + 6)),
  };
}

/** tfjs gradients of the weighted-sum loss, keyed by parameter name plus x, h0, c0. */
function tfjsGrads(p: Problem, d: Data, gradient: GradientMode): Record<string, Float32Array> {
  const { D, S, P, H, T, N, I } = sizes(p);
  const rnn = new LSTM({ ...p.config, gradient });
  rnn.loadStateDict(Object.fromEntries(Object.entries(d.params).map(([k, v]) => [k, Float32Array.from(v)])));
  const t = (a: Float64Array, shape: number[]) => tf.tensor(Float32Array.from(a), shape);
  const v = (a: Float64Array, shape: number[]) => tf.tidy(() => tf.variable(t(a, shape)));
  const x = v(d.x, [T, N, I]);
  const h0 = v(d.h0, [S, N, P]);
  const c0 = v(d.c0, [S, N, H]);
  const [wOut, wH, wC] = [t(d.wOut, [T, N, D * P]), t(d.wH, [S, N, P]), t(d.wC, [S, N, H])];
  const { value, grads } = tf.variableGrads(() => {
    const [out, [h, c]] = rnn.forward(x, [h0, c0], p.lengths ? { lengths: p.lengths } : {});
    return tf.addN([tf.sum(tf.mul(out, wOut)), tf.sum(tf.mul(h, wH)), tf.sum(tf.mul(c, wC))]) as tf.Scalar;
  });
  const result: Record<string, Float32Array> = {};
  for (const [name, param] of rnn.namedParameters()) result[name] = grads[param.name].dataSync() as Float32Array;
  result.x = grads[x.name].dataSync() as Float32Array;
  result.h0 = grads[h0.name].dataSync() as Float32Array;
  result.c0 = grads[c0.name].dataSync() as Float32Array;
  tf.dispose([value, ...Object.values(grads), x, h0, c0, wOut, wH, wC]);
  rnn.dispose();
  return result;
}

describe('property: manual BPTT on random configurations', () => {
  test('equals autodiff within 1e-5 and the float64 reference within 1e-4', () => {
    fc.assert(
      fc.property(problem, (p) => {
        const before = tf.memory().numTensors;
        const d = data(p);
        const manual = tfjsGrads(p, d, 'manual');
        const autodiff = tfjsGrads(p, d, 'autodiff');
        const { T, N } = sizes(p);
        const ref = referenceLSTMGrads(
          p.config,
          d.params,
          { data: d.x, steps: T, batch: N },
          { h0: d.h0, c0: d.c0 },
          p.lengths,
          {
            output: d.wOut,
            hN: d.wH,
            cN: d.wC,
          },
        );
        const [keyA, errA] = worstError(manual, autodiff);
        const [keyR, errR] = worstError(manual, { ...ref.params, x: ref.x, h0: ref.h0, c0: ref.c0 });
        expect({ vsAutodiff: keyA, ok: errA <= 1e-5 }).toEqual({ vsAutodiff: keyA, ok: true });
        expect({ vsReference: keyR, ok: errR <= 1e-4 }).toEqual({ vsReference: keyR, ok: true });
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 40, seed: 20261127 },
    );
  });
});
