import * as tf from '@tensorflow/tfjs';

import { GRU_WEBGL_CELL, GRU_WEBGL_STEP, LSTM_WEBGL_UNPACKED } from '../kernels/kernel-names';
import { runKernel } from '../kernels/run-kernel';
import { inputProjection, SequenceOptions, stepMasks, stepOrder, whereStep } from '../ops/sequence';
import { CellWeights } from '../ops/weights';
import { gather, layout, validSteps } from './webgl-step-direction';

/**
 * One GRU layer direction's forward in inference on the `webgl` backend: `gruForward`'s loop
 * (ops/gru.ts) with each step as one shader program. With H even the program computes the
 * recurrent product too (`GRU_WEBGL_STEP`, `gruSteps`); otherwise a step is the product and a
 * program for the gate arithmetic and state update (`GRU_WEBGL_CELL`). For inference only (the
 * caller checks that no gradient is being recorded).
 *
 * ```ts
 * const { output, hN } = webglGruDirection(x, h0, { weightIh, weightHh, biasIh, biasHh }, { lengths: [5, 3] });
 * ```
 */
export function webglGruDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  w: CellWeights,
  options: SequenceOptions,
): { output: tf.Tensor; hN: tf.Tensor } {
  if ((h0.shape[1] as number) % 2 === 0) return gruSteps(x, h0, w, options);
  const [steps, batch] = x.shape;
  const gates = w.weightHh.shape[0];
  // The input projection of all steps in one product (b_ih only: b_hn sits inside r ⊙ (...)), in
  // the unpacked layout the program reads.
  const [xz] = runKernel(LSTM_WEBGL_UNPACKED, { x: inputProjection(x, w, options, 'input') }, {});
  const kernelHh = tf.transpose(w.weightHh);
  const bh = w.biasHh ? tf.reshape(w.biasHh, [1, gates]) : tf.zeros([1, gates]);
  const masks = stepMasks(steps, options.lengths, options.validSteps);
  let h = h0;
  const outputs: tf.Tensor[] = new Array(steps);
  for (const t of stepOrder(steps, options.reverse)) {
    const [hNew] = runKernel(GRU_WEBGL_CELL, { xz, hz: tf.matMul(h, kernelHh), bh, h }, { offset: t * batch });
    outputs[t] = whereStep(masks[t], hNew);
    h = whereStep(masks[t], hNew, h);
  }
  return { output: tf.stack(outputs), hN: h };
}

/**
 * `webglGruDirection` with H even: one `GRU_WEBGL_STEP` program a step, the recurrent product
 * included, on h in tfjs' own layout; the outputs read out of all steps' h at once.
 */
function gruSteps(
  x: tf.Tensor,
  h0: tf.Tensor,
  w: CellWeights,
  options: SequenceOptions,
): { output: tf.Tensor; hN: tf.Tensor } {
  const [steps, batch] = x.shape;
  const hidden = h0.shape[1] as number;
  // b_ih with the input's part (inputProjection); b_hr and b_hz add to it too, while b_hn sits
  // inside r (hn + b_hn).
  let xz = inputProjection(x, w, options, 'input');
  let bn = tf.zeros([1, hidden]);
  if (w.biasIh && w.biasHh) {
    xz = tf.add(xz, tf.concat([tf.slice(w.biasHh, [0], [2 * hidden]), tf.zeros([hidden])]));
    bn = tf.reshape(tf.slice(w.biasHh, [2 * hidden], [hidden]), [1, hidden]);
  }
  const xzSteps = layout('packed', [steps, batch, 3 * hidden], 0, tf.reshape(xz, [steps, batch, 3 * hidden]));
  const weights = layout('packed', w.weightHh.shape, 0, w.weightHh);
  const valid = validSteps(steps, batch, options);
  let h = layout('packed', h0.shape, 0, h0);
  const states: tf.Tensor[] = new Array(steps);
  for (const t of stepOrder(steps, options.reverse)) {
    [h] = runKernel(GRU_WEBGL_STEP, { h, xz: xzSteps, w: weights, bn, valid }, { batch, hidden, t });
    states[t] = h;
  }
  return { output: gather('rows', states, batch, hidden, { valid }), hN: h };
}
