import * as tf from '@tensorflow/tfjs';

import { gradientFlow } from '../src';
import { DirectionOptions, lstmDirection } from '../src/functional';
import { FUSED_KERNELS_FLAG } from '../src/kernels/flags';
import { hasBlockKernels, hasFusedKernels } from '../src/kernels/register';
import { LSTM_BLOCK_BACKWARD, LSTM_BLOCK_FORWARD } from '../src/kernels/kernel-names';
import { expectClose } from './helpers/compare';
import { disposeLayerProblem, LayerCase, layerLoss, layerProblem, LayerProblem } from './helpers/layer-problem';

// On the tensorflow backend (tfjs-node), a layer direction runs as TensorFlow's BlockLSTMV2 and
// BlockLSTMGradV2 ops (src/dispatch/block-layer.ts). Checked here against the composed tfjs ops of
// src/ops/bptt.ts, their oracle: the same forward and gradients within float32 rounding, and the
// fused ops taken exactly where they should be. Other backends skip this file.

declare const __TFJS_BACKEND__: string;

const onTensorflow = __TFJS_BACKEND__ === 'tensorflow';

const cases: LayerCase[] = [
  { name: 'plain', steps: 6, batch: 4, input: 4, hidden: 6 },
  { name: 'no bias, reverse', steps: 5, batch: 2, input: 3, hidden: 4, bias: false, reverse: true },
  { name: 'lengths', steps: 7, batch: 4, input: 3, hidden: 4, lengths: [7, 2, 1, 5] },
  { name: 'lengths, reverse', steps: 6, batch: 4, input: 2, hidden: 4, reverse: true, lengths: [3, 6, 1, 4] },
  { name: 'lengths all full, reverse', steps: 4, batch: 2, input: 2, hidden: 4, reverse: true, lengths: [4, 4] },
  // Odd batch with odd sizes: the batch runs padded with a zero sample.
  { name: 'odd sizes, lengths, reverse', steps: 5, batch: 3, input: 3, hidden: 5, reverse: true, lengths: [2, 5, 4] },
  { name: 'one step, batch 1, hidden 1', steps: 1, batch: 1, input: 1, hidden: 1 },
  { name: 'hidden 64, 30 steps', steps: 30, batch: 5, input: 16, hidden: 64 },
];

/** How often each BlockLSTM kernel ran during `f`. */
function countBlockKernels<T>(f: () => T): { result: T; forward: number; backward: number } {
  const engine = tf.engine();
  const spy = jest.spyOn(engine, 'runKernel');
  try {
    const result = f();
    const names = spy.mock.calls.map((call) => call[0]);
    return {
      result,
      forward: names.filter((n) => n === LSTM_BLOCK_FORWARD).length,
      backward: names.filter((n) => n === LSTM_BLOCK_BACKWARD).length,
    };
  } finally {
    spy.mockRestore();
  }
}

/**
 * The forward (inference) and the gradients of sum(output * w1) + sum(hN * w2) + sum(cN * w3)
 * with respect to every tensor, and how often the BlockLSTM kernels ran for them.
 */
function run(p: LayerProblem, fused: boolean, options: DirectionOptions = {}) {
  tf.env().set(FUSED_KERNELS_FLAG, fused);
  try {
    const opts = { ...p.options, ...options };
    const inference = countBlockKernels(() =>
      tf.tidy(() => {
        const r = lstmDirection(p.x, p.h0, p.c0, p.w, opts);
        return [r.output, r.hN, r.cN].map((t) => Array.from(t.dataSync()));
      }),
    );
    const training = countBlockKernels(() =>
      tf.variableGrads(() => {
        const r = lstmDirection(p.x, p.h0, p.c0, p.w, opts);
        return layerLoss(p, r);
      }),
    );
    const { value, grads } = training.result;
    const g = Object.fromEntries(Object.entries(grads).map(([k, t]) => [k, Array.from(t.dataSync())]));
    const [ih, hh] = [p.w.biasIh, p.w.biasHh].map((b) => grads[(b as tf.Variable | undefined)?.name ?? '']);
    const distinctBiasGrads = ih !== hh;
    tf.dispose([value, ...Object.values(grads)]);
    return {
      forward: inference.result,
      grads: g,
      distinctBiasGrads,
      calls: [inference.forward, inference.backward, training.forward, training.backward],
    };
  } finally {
    tf.env().set(FUSED_KERNELS_FLAG, true);
  }
}

(onTensorflow ? describe : describe.skip)('BlockLSTM kernels on tensorflow', () => {
  test('serve the tensorflow backend, and not when the fused kernels are turned off', () => {
    expect(hasFusedKernels()).toBe(false);
    expect(hasBlockKernels()).toBe(true);
    tf.env().set(FUSED_KERNELS_FLAG, false);
    try {
      expect(hasBlockKernels()).toBe(false);
    } finally {
      tf.env().set(FUSED_KERNELS_FLAG, true);
    }
  });

  test.each(cases.map((c, k) => [c.name, c, k] as const))('match the composed ops: %s', (_name, c, k) => {
    const p = layerProblem(c, 100 * k);
    const fused = run(p, true);
    const composed = run(p, false);
    // One forward op for inference; one forward and one backward op for the gradients.
    expect(fused.calls).toEqual([1, 0, 1, 1]);
    expect(composed.calls).toEqual([0, 0, 0, 0]);
    ['output', 'h_n', 'c_n'].forEach((name, j) => expectClose(fused.forward[j], composed.forward[j], 1e-6, name));
    expect(Object.keys(fused.grads).sort()).toEqual(Object.keys(composed.grads).sort());
    for (const key of Object.keys(composed.grads)) expectClose(fused.grads[key], composed.grads[key], 1e-5, `d${key}`);
    // bias_ih and bias_hh share a value but not a tensor (a caller may dispose each).
    expect(fused.distinctBiasGrads).toBe(c.bias !== false);
    disposeLayerProblem(p);
  });

  test('projections run the composed ops', () => {
    const p = layerProblem({ name: 'projections', steps: 4, batch: 2, input: 3, hidden: 4, proj: 2 }, 5);
    expect(run(p, true).calls).toEqual([0, 0, 0, 0]);
    disposeLayerProblem(p);
  });

  test("gradient: 'autodiff' differentiates the composed ops, and infers with the fused op", () => {
    const p = layerProblem(cases[3], 11);
    const autodiff = run(p, true, { gradient: 'autodiff' });
    expect(autodiff.calls).toEqual([1, 0, 0, 0]);
    const manual = run(p, true);
    autodiff.forward.forEach((values, j) => expect(values).toEqual(manual.forward[j]));
    for (const key of Object.keys(manual.grads)) expectClose(autodiff.grads[key], manual.grads[key], 1e-5, `d${key}`);
    disposeLayerProblem(p);
  });

  test('a gradientFlow recording runs the composed ops (they give the per-step norms)', () => {
    const p = layerProblem(cases[0], 13);
    const { result, forward, backward } = countBlockKernels(() =>
      gradientFlow(() => tf.sum(lstmDirection(p.x, p.h0, p.c0, p.w, p.options).output) as tf.Scalar),
    );
    expect([forward, backward]).toEqual([0, 0]);
    expect(result.flow[0].dhNorm).toHaveLength(cases[0].steps);
    tf.dispose(Object.values(result.grads));
    disposeLayerProblem(p);
  });

  test('free every tensor and TensorFlow handle they make', () => {
    const p = layerProblem(cases[5], 7);
    const backend = tf.engine().backend as unknown as { numDataIds(): number };
    run(p, true);
    const ids = backend.numDataIds();
    const tensors = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) run(p, true);
    expect(backend.numDataIds()).toBe(ids);
    expect(tf.memory().numTensors).toBe(tensors);
    disposeLayerProblem(p);
  });
});

test('the BlockLSTM kernels serve only the tensorflow backend', () => {
  expect(hasBlockKernels()).toBe(onTensorflow);
});
