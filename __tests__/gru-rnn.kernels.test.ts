import * as tf from '@tensorflow/tfjs';

import { GRU, RNN } from '../src';
import { FUSED_KERNELS_FLAG, SIMD_LOOPS_FLAG } from '../src/kernels/flags';
import { hasFusedKernels } from '../src/kernels/register';
import { expectClose } from './helpers/compare';

// The GRU and RNN fused kernels (src/kernels/gru-kernel.ts, rnn-kernel.ts) against their oracle,
// the composed tfjs ops of src/ops/gru.ts and rnn.ts with their hand-derived backward, on this
// backend: the same forward within float32 rounding, the same gradients; with the SIMD loops and,
// on wasm, without them. (On backends without the kernels both runs are the composed ops.)

declare const __TFJS_BACKEND__: string;

type Kind = 'GRU' | 'RNN tanh' | 'RNN relu';

const cases = [
  { name: 'plain', steps: 6, batch: 3, input: 4, hidden: 5 },
  { name: 'no bias, bidirectional', steps: 5, batch: 2, input: 3, hidden: 4, bias: false, bidirectional: true },
  { name: 'lengths, two layers', steps: 7, batch: 4, input: 3, hidden: 4, layers: 2, lengths: [7, 2, 1, 5] },
  { name: 'lengths, bidirectional', steps: 6, batch: 3, input: 2, hidden: 5, bidirectional: true, lengths: [3, 6, 1] },
  { name: 'one step, hidden 1', steps: 1, batch: 1, input: 1, hidden: 1 },
  { name: 'hidden 64, 30 steps', steps: 30, batch: 5, input: 16, hidden: 64 },
];

/** Output, h_n and every gradient of a fixed weighted sum, with the kernels on or off. */
function run(kind: Kind, c: (typeof cases)[number], fused: boolean, simd = true): Record<string, number[]> {
  tf.env().set(FUSED_KERNELS_FLAG, fused);
  tf.env().set(SIMD_LOOPS_FLAG, simd);
  try {
    const options = {
      inputSize: c.input,
      hiddenSize: c.hidden,
      numLayers: c.layers ?? 1,
      bias: c.bias ?? true,
      bidirectional: c.bidirectional ?? false,
      seed: 7,
    };
    const m =
      kind === 'GRU' ? new GRU(options) : new RNN({ ...options, nonlinearity: kind === 'RNN relu' ? 'relu' : 'tanh' });
    const D = options.bidirectional ? 2 : 1;
    const x = tf.tidy(() => tf.variable(tf.randomNormal([c.steps, c.batch, c.input], 0, 1, 'float32', 1)));
    const h0 = tf.tidy(() =>
      tf.variable(tf.randomNormal([options.numLayers * D, c.batch, c.hidden], 0, 0.5, 'float32', 2)),
    );
    const wOut = tf.randomNormal([c.steps, c.batch, D * c.hidden], 0, 1, 'float32', 3);
    const wH = tf.randomNormal([options.numLayers * D, c.batch, c.hidden], 0, 1, 'float32', 4);
    const forward = (opts = c.lengths ? { lengths: c.lengths } : {}) => m.forward(x, h0, opts);
    const result: Record<string, number[]> = {};
    tf.tidy(() => {
      const [out, hN] = forward();
      [result.output, result.hN] = [out, hN].map((t) => Array.from(t.dataSync()));
    });
    const { value, grads } = tf.variableGrads(() => {
      const [out, hN] = forward();
      return tf.add(tf.sum(tf.mul(out, wOut)), tf.sum(tf.mul(hN, wH))) as tf.Scalar;
    });
    for (const [name, v] of [...m.namedParameters(), ['x', x], ['h0', h0]] as [string, tf.Variable][]) {
      result[`d${name}`] = Array.from(grads[v.name].dataSync());
    }
    tf.dispose([value, ...Object.values(grads), x, h0, wOut, wH]);
    m.dispose();
    return result;
  } finally {
    tf.env().set(FUSED_KERNELS_FLAG, true);
    tf.env().set(SIMD_LOOPS_FLAG, true);
  }
}

describe(`GRU and RNN fused kernels on ${__TFJS_BACKEND__}`, () => {
  test('the kernels serve cpu and wasm', () => {
    expect(hasFusedKernels()).toBe(__TFJS_BACKEND__ === 'cpu' || __TFJS_BACKEND__ === 'wasm');
  });

  describe.each(['GRU', 'RNN tanh', 'RNN relu'] as Kind[])('%s', (kind) => {
    test.each(cases.map((c) => [c.name, c] as const))(
      '%s: kernels = composed ops, forward 1e-6, gradients 1e-5',
      (_n, c) => {
        const before = tf.memory().numTensors;
        const composed = run(kind, c, false);
        const variants =
          __TFJS_BACKEND__ === 'wasm' ? [run(kind, c, true), run(kind, c, true, false)] : [run(kind, c, true)];
        for (const fused of variants) {
          expect(Object.keys(fused).sort()).toEqual(Object.keys(composed).sort());
          for (const key of Object.keys(composed)) {
            expectClose(fused[key], composed[key], key === 'output' || key === 'hN' ? 1e-6 : 1e-5, key);
          }
        }
        expect(tf.memory().numTensors).toBe(before);
      },
    );
  });
});
