import * as tf from '@tensorflow/tfjs';

import {
  CellWeights,
  dropout,
  GRU_CELL,
  gruBackward,
  gruDirection,
  gruForward,
  hiddenStack,
  lstmBackward,
  lstmDirection,
  lstmForward,
  lstmStack,
  lstmStep,
  LSTMWeights,
  PreparedWeights,
  rnnBackward,
  rnnDirection,
  rnnForward,
} from '../src/functional';
import { lstmStack as lstmStackInternal } from '../src/dispatch/lstm-stack';
import { lstmStep as lstmStepInternal } from '../src/ops/cell-step';

// tfjs-lstm/functional: every function leaves exactly the tensors it returns (the issue measured
// lstmStep leaving 15 new tensors for the 7 it returns, and lstmStack 7 for 3), and computes what
// the unwrapped function computes, gradients included.

const [T, N, I, H] = [4, 3, 2, 5];

function weights(seed: number, proj = 0): LSTMWeights {
  const p = proj || H;
  const w: LSTMWeights = {
    weightIh: tf.randomNormal([4 * H, I], 0, 0.5, 'float32', seed),
    weightHh: tf.randomNormal([4 * H, p], 0, 0.5, 'float32', seed + 1),
    biasIh: tf.randomNormal([4 * H], 0, 0.5, 'float32', seed + 2),
    biasHh: tf.randomNormal([4 * H], 0, 0.5, 'float32', seed + 3),
  };
  if (proj) w.weightHr = tf.randomNormal([proj, H], 0, 0.5, 'float32', seed + 4);
  return w;
}

/** The distinct tensors in a result (an object, array or tensor, nested). */
function tensorsIn(result: unknown): tf.Tensor[] {
  const found = new Set<tf.Tensor>();
  const walk = (v: unknown): void => {
    if (v instanceof tf.Tensor) found.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(result);
  return [...found];
}

/**
 * Calls f and checks that the only new tensors are the new ones it returns (a result may hold an
 * argument too: lstmForward's cache holds h0 and c0 as step 0's previous state).
 */
function leavesOnlyItsResult<R>(f: () => R, args: tf.Tensor[] = []): R {
  const before = tf.memory().numTensors;
  const result = f();
  const made = tensorsIn(result).filter((t) => !args.includes(t));
  expect(made.length).toBeGreaterThan(0);
  expect(tf.memory().numTensors - before).toBe(made.length);
  return result;
}

const values = (r: unknown) => tensorsIn(r).map((t) => Array.from(t.dataSync()));

describe('tfjs-lstm/functional leaks nothing', () => {
  let x: tf.Tensor;
  let h0: tf.Tensor;
  let c0: tf.Tensor;
  let w: LSTMWeights;
  let wProj: LSTMWeights;

  beforeAll(() => {
    x = tf.randomNormal([T, N, I], 0, 1, 'float32', 1);
    h0 = tf.randomNormal([N, H], 0, 1, 'float32', 2);
    c0 = tf.randomNormal([N, H], 0, 1, 'float32', 3);
    w = weights(10);
    wProj = weights(20, 2);
  });

  afterAll(() => tf.dispose([x, h0, c0, ...Object.values(w), ...Object.values(wProj)]));

  test('lstmStep returns h, c, the gates, tanh(c) and r, and nothing else stays', () => {
    const [xz, kernelHh] = [tf.randomNormal([N, 4 * H], 0, 1, 'float32', 4), tf.transpose(w.weightHh)];
    const r = leavesOnlyItsResult(() => lstmStep(xz, h0, c0, kernelHh));
    const unwrapped = tf.tidy(() => values(lstmStepInternal(xz, h0, c0, kernelHh)));
    expect(values(r)).toEqual(unwrapped);
    tf.dispose([xz, kernelHh, ...tensorsIn(r)]);
  });

  test('lstmForward returns output, h_n, c_n and the cache of every step', () => {
    const r = leavesOnlyItsResult(() => lstmForward(x, h0, c0, w, { lengths: [4, 2, 3] }), [x, h0, c0]);
    expect(r.cache).toHaveLength(T);
    expect(r.output.shape).toEqual([T, N, H]);
    tf.dispose(tensorsIn(r).filter((t) => t !== h0 && t !== c0));
  });

  test('lstmBackward returns the gradients only, and onStep sees live tensors', () => {
    const h0p = tf.zeros([N, 2]);
    const fwd = lstmForward(x, h0p, c0, wProj);
    const [dOutput, dhN, dcN] = [tf.onesLike(fwd.output), tf.onesLike(fwd.hN), tf.onesLike(fwd.cN)];
    const norms: number[] = [];
    const grads = leavesOnlyItsResult(() =>
      lstmBackward(dOutput, dhN, dcN, x, wProj, fwd.cache, {}, (_t, dhNew) => norms.push(tf.norm(dhNew).dataSync()[0])),
    );
    expect(Object.keys(grads).sort()).toEqual(['dBias', 'dWeightHh', 'dWeightHr', 'dWeightIh', 'dc0', 'dh0', 'dx']);
    expect(norms).toHaveLength(T);
    expect(norms.every((n) => Number.isFinite(n) && n > 0)).toBe(true);
    tf.dispose([h0p, dOutput, dhN, dcN, ...tensorsIn(grads), ...tensorsIn(fwd).filter((t) => t !== c0)]);
  });

  test.each([
    ['forward', false],
    ['reverse, lengths', true],
  ])('lstmDirection (%s) returns output, h_n and c_n', (_name, reverse) => {
    const options = reverse ? { reverse: true, lengths: [2, 4, 1] } : {};
    const r = leavesOnlyItsResult(() => lstmDirection(x, h0, c0, w, options));
    const composed = tf.tidy(() => values(lstmForward(x, h0, c0, w, options)).slice(0, 3));
    values(r).forEach((v, k) => v.forEach((a, j) => expect(Math.abs(a - composed[k][j])).toBeLessThan(1e-5)));
    tf.dispose(tensorsIn(r));
  });

  test.each([
    ['a sequence', T],
    ['one step', 1],
  ])(
    'lstmDirection with PreparedWeights (%s): the same results; the prepared set made once, kept until disposed',
    (_name, steps) => {
      const xs = tf.slice(x, 0, steps);
      const plain = tf.tidy(() => values(lstmDirection(xs, h0, c0, w)));
      const prepared = new PreparedWeights();
      const first = lstmDirection(xs, h0, c0, w, { prepared });
      const r = leavesOnlyItsResult(() => lstmDirection(xs, h0, c0, w, { prepared }));
      values(r).forEach((v, k) => v.forEach((a, j) => expect(Math.abs(a - plain[k][j])).toBeLessThan(1e-6)));
      const count = tf.memory().numTensors;
      prepared.dispose();
      // The stacked gate weights and the summed bias (the fused kernels' layout, or BlockLSTM's).
      expect(count - tf.memory().numTensors).toBe(2);
      tf.dispose([xs, ...tensorsIn(first), ...tensorsIn(r)]);
    },
  );

  test('lstmStack returns output, h_n and c_n, as the unwrapped stack computes them', () => {
    const options = { numLayers: 2, bidirectional: true, outputSize: 2, hiddenSize: H };
    const layerWeights = [
      [weights(30, 2), weights(40, 2)],
      [weights(50, 2), weights(60, 2)],
    ];
    // Layer 1 reads both directions of layer 0: 2 * 2 features.
    for (const lw of layerWeights[1]) {
      lw.weightIh.dispose();
      lw.weightIh = tf.randomNormal([4 * H, 4], 0, 0.5, 'float32', 70);
    }
    const pick = (layer: number, dir: number) => layerWeights[layer][dir];
    const h0s = tf.zeros([4, N, 2]);
    const r = leavesOnlyItsResult(() => lstmStack(x, h0s, null, pick, options));
    expect(r.output.shape).toEqual([T, N, 4]);
    expect(r.hN.shape).toEqual([4, N, 2]);
    const unwrapped = tf.tidy(() => values(lstmStackInternal(x, h0s, null, pick, options)));
    expect(values(r)).toEqual(unwrapped);
    tf.dispose([h0s, ...tensorsIn(r), ...layerWeights.flat().flatMap((lw) => Object.values(lw))]);
  });

  test('dropout returns one tensor', () => {
    const y = leavesOnlyItsResult(() => dropout(x, 0.5, 7));
    expect(y.shape).toEqual(x.shape);
    y.dispose();
  });

  test('gradients flow through the scoped functions as through the unwrapped ones', () => {
    const loss = (f: typeof lstmDirection) => (xIn: tf.Tensor) => tf.sum(f(xIn, h0, c0, w).output);
    const [before] = [tf.memory().numTensors];
    const g = tf.grad(loss(lstmDirection))(x);
    expect(tf.memory().numTensors - before).toBe(1);
    const composed = tf.tidy(() => {
      const fwd = lstmForward(x, h0, c0, w);
      const grads = lstmBackward(tf.onesLike(fwd.output), tf.zerosLike(fwd.hN), tf.zerosLike(fwd.cN), x, w, fwd.cache);
      return grads.dx;
    });
    const [a, b] = [g.dataSync(), composed.dataSync()];
    a.forEach((v, k) => expect(Math.abs(v - b[k])).toBeLessThan(1e-5));
    tf.dispose([g, composed]);
  });
});

describe('tfjs-lstm/functional: the GRU and RNN functions leak nothing and agree', () => {
  const gruW = (seed: number, gates: number): CellWeights => ({
    weightIh: tf.randomNormal([gates * H, I], 0, 0.5, 'float32', seed),
    weightHh: tf.randomNormal([gates * H, H], 0, 0.5, 'float32', seed + 1),
    biasIh: tf.randomNormal([gates * H], 0, 0.5, 'float32', seed + 2),
    biasHh: tf.randomNormal([gates * H], 0, 0.5, 'float32', seed + 3),
  });

  test('gruForward, gruBackward, gruDirection; rnnForward, rnnBackward, rnnDirection; hiddenStack', () => {
    const x = tf.randomNormal([T, N, I], 0, 1, 'float32', 1);
    const h0 = tf.randomNormal([N, H], 0, 1, 'float32', 2);
    const [wg, wr] = [gruW(30, 3), gruW(40, 1)];
    const fwd = leavesOnlyItsResult(() => gruForward(x, h0, wg, { lengths: [4, 2, 3] }), [x, h0]);
    expect(fwd.cache).toHaveLength(T);
    const dOut = tf.onesLike(fwd.output);
    const dhN = tf.zerosLike(fwd.hN);
    const g = leavesOnlyItsResult(() => gruBackward(dOut, dhN, x, wg, fwd.cache, { lengths: [4, 2, 3] }));
    expect(g.dBiasHh?.shape).toEqual([3 * H]);
    // The direction (fused kernels here on cpu and wasm) gives what the composed ops give.
    const dir = leavesOnlyItsResult(() => gruDirection(x, h0, wg, { lengths: [4, 2, 3] }));
    const [a, b] = [dir.output.dataSync(), fwd.output.dataSync()];
    a.forEach((v, k) => expect(Math.abs(v - b[k])).toBeLessThan(1e-5));
    const rf = leavesOnlyItsResult(() => rnnForward(x, h0, wr, 'relu'), [x, h0]);
    const [dOutR, dhNR] = [tf.onesLike(rf.output), tf.zerosLike(rf.hN)];
    const rg = leavesOnlyItsResult(() => rnnBackward(dOutR, dhNR, x, wr, 'relu', rf.cache));
    expect(rg.dWeightHh.shape).toEqual([H, H]);
    const rd = leavesOnlyItsResult(() => rnnDirection(x, h0, wr, 'relu'));
    expect(rd.hN.shape).toEqual([N, H]);
    const stack = leavesOnlyItsResult(() =>
      hiddenStack(GRU_CELL, x, null, () => wg, { numLayers: 1, bidirectional: false, hiddenSize: H }),
    );
    expect(stack.hN.shape).toEqual([1, N, H]);
    tf.dispose([
      x,
      h0,
      dOut,
      dhN,
      dOutR,
      dhNR,
      ...Object.values(wg),
      ...Object.values(wr),
      ...tensorsIn([fwd, g, dir, rf, rg, rd, stack]).filter((t) => t !== x && t !== h0 && !t.isDisposed),
    ]);
  });
});
