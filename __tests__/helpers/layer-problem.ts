import * as tf from '@tensorflow/tfjs';

import { DirectionOptions, LSTMWeights } from '../../src/functional';

/** One layer direction's sizes and options, for tests that compare two paths of `lstmDirection`. */
export interface LayerCase {
  name: string;
  steps: number;
  batch: number;
  input: number;
  hidden: number;
  proj?: number;
  bias?: boolean;
  reverse?: boolean;
  lengths?: number[];
}

/**
 * Seeded variables for a case: input, initial state, PyTorch-scaled weights, and `weights`, the
 * fixed random weights of the loss `layerLoss` takes.
 */
export function layerProblem(c: LayerCase, seed: number) {
  const v = (shape: number[], k: number, scale = 1) =>
    tf.tidy(() => tf.variable(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed + k), scale)));
  const p = c.proj ?? c.hidden;
  const bound = 1 / Math.sqrt(c.hidden);
  const w: LSTMWeights = {
    weightIh: v([4 * c.hidden, c.input], 1, bound * 2),
    weightHh: v([4 * c.hidden, p], 2, bound * 2),
  };
  if (c.bias !== false) {
    w.biasIh = v([4 * c.hidden], 3, bound);
    w.biasHh = v([4 * c.hidden], 4, bound);
  }
  if (c.proj) w.weightHr = v([c.proj, c.hidden], 5, bound * 2);
  return {
    x: v([c.steps, c.batch, c.input], 6),
    h0: v([c.batch, p], 7, 0.5),
    c0: v([c.batch, c.hidden], 8, 0.5),
    w,
    options: { reverse: c.reverse, lengths: c.lengths } as DirectionOptions,
    weights: [c.steps * c.batch * p, c.batch * p, c.batch * c.hidden].map((n, k) =>
      tf.randomNormal([n], 0, 1, 'float32', seed + 10 + k),
    ),
  };
}

export type LayerProblem = ReturnType<typeof layerProblem>;

export const disposeLayerProblem = (p: LayerProblem) =>
  tf.dispose([p.x, p.h0, p.c0, ...Object.values(p.w), ...p.weights]);

/** sum(output * w1) + sum(hN * w2) + sum(cN * w3): every output reaches the loss. */
export function layerLoss(p: LayerProblem, r: { output: tf.Tensor; hN: tf.Tensor; cN: tf.Tensor }): tf.Scalar {
  const terms = [r.output, r.hN, r.cN].map((t, k) => tf.sum(tf.mul(tf.reshape(t, [-1]), p.weights[k])));
  return tf.addN(terms) as tf.Scalar;
}
