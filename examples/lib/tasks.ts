import * as tf from '@tensorflow/tfjs';

import { Rng } from './rng';

/** A batch of a sequence task, time-major: x [T, N, features], y the targets, and a loss weight. */
export interface Batch {
  x: tf.Tensor3D;
  /** memory: [T, N, 1] (a target at every step); adding: [N, 1] (one at the end). */
  y: tf.Tensor;
}

/**
 * The seed exercise's task, learned from data: each step's input is [value, op, read, 1]. op = 1
 * stores the value (the exercise's input gate opens), op = -1 forgets what is stored (the forget
 * gate closes), and read = 1 asks for the stored value (the output gate opens); the target is the
 * stored value at read steps (0 if nothing is stored) and 0 elsewhere.
 *
 * The exercise's hand-set weights solve exactly this with rounded gates; here an LSTM learns it.
 */
export function memoryBatch(rng: Rng, batch: number, steps: number): Batch {
  const x = new Float32Array(steps * batch * 4);
  const y = new Float32Array(steps * batch);
  for (let b = 0; b < batch; b++) {
    let stored = 0;
    for (let t = 0; t < steps; t++) {
      const value = Math.round(rng.uniform(-1, 1) * 100) / 100;
      const u = rng.next();
      const op = u < 0.2 ? 1 : u < 0.25 ? -1 : 0;
      const read = op === 0 && rng.next() < 0.25 ? 1 : 0;
      const k = (t * batch + b) * 4;
      x.set([value, op, read, 1], k);
      if (read) y[t * batch + b] = stored;
      if (op === 1) stored = value;
      if (op === -1) stored = 0;
    }
  }
  return { x: tf.tensor3d(x, [steps, batch, 4]), y: tf.tensor3d(y, [steps, batch, 1]) };
}

/**
 * The adding problem (Hochreiter and Schmidhuber, 1997): each step's input is [value, marker],
 * values uniform in [0, 1) and exactly two markers, one in each half of the sequence; the target
 * is the sum of the two marked values. Predicting the mean (1) leaves a mean squared error of
 * 1/6: a model must carry the first marked value across half the sequence to do better.
 */
export function addingBatch(rng: Rng, batch: number, steps: number): Batch {
  const x = new Float32Array(steps * batch * 2);
  const y = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    const first = rng.int(Math.floor(steps / 2));
    const second = Math.floor(steps / 2) + rng.int(steps - Math.floor(steps / 2));
    for (let t = 0; t < steps; t++) {
      const value = rng.next();
      const marked = t === first || t === second;
      x.set([value, marked ? 1 : 0], (t * batch + b) * 2);
      if (marked) y[b] += value;
    }
  }
  return { x: tf.tensor3d(x, [steps, batch, 2]), y: tf.tensor2d(y, [batch, 1]) };
}

/** The mean squared error of always predicting 1 on the adding problem: Var(U + U') = 1/6. */
export const ADDING_BASELINE_MSE = 1 / 6;
