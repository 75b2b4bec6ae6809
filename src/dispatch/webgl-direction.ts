import * as tf from '@tensorflow/tfjs';

import { LSTM_WEBGL_CELL, LSTM_WEBGL_UNPACKED } from '../kernels/kernel-names';
import { runKernel } from '../kernels/run-kernel';
import { maskPadding, SequenceOptions, stepMasks, stepOrder } from '../ops/bptt';
import { LSTMWeights } from '../ops/weights';
import { DirectionResult } from './direction-grad';

/**
 * One layer direction's forward in inference on the `webgl` backend: `lstmForward`'s loop
 * (ops/bptt.ts) with each step's gate arithmetic and state update as one shader program
 * (`LSTM_WEBGL_CELL`), so that a step is the recurrent product, that program and two slices,
 * instead of some fourteen dispatches more. Without a cache: for inference only (the caller checks
 * that no gradient is being recorded).
 *
 * ```ts
 * const { output, hN, cN } = webglDirection(x, h0, c0, w, { lengths: [5, 3] });
 * ```
 */
export function webglDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
): DirectionResult {
  const [steps, batch, inputSize] = x.shape;
  const hidden = c0.shape[1] as number;
  // The input projection of all steps in one product, in the unpacked layout the program reads.
  let projected = tf.matMul(
    tf.reshape(maskPadding(x, options.lengths, options.validSteps), [steps * batch, inputSize]),
    tf.transpose(w.weightIh),
  );
  if (w.biasIh && w.biasHh) projected = tf.add(projected, tf.add(w.biasIh, w.biasHh));
  const [xz] = runKernel(LSTM_WEBGL_UNPACKED, { x: projected }, {});
  const kernelHh = tf.transpose(w.weightHh);
  const kernelHr = w.weightHr && tf.transpose(w.weightHr);
  const masks = stepMasks(steps, options.lengths, options.validSteps);

  let h = h0;
  let c = c0;
  const outputs: tf.Tensor[] = new Array(steps);
  for (const t of stepOrder(steps, options.reverse)) {
    const [cr] = runKernel(LSTM_WEBGL_CELL, { xz, hz: tf.matMul(h, kernelHh), c }, { offset: t * batch });
    const cNew = tf.slice(cr, [0, 0], [batch, hidden]);
    const r = tf.slice(cr, [0, hidden], [batch, hidden]);
    const hNew = kernelHr ? tf.matMul(r, kernelHr) : r;
    const m = masks[t];
    if (m) {
      outputs[t] = tf.where(m, hNew, tf.zerosLike(hNew));
      h = tf.where(m, hNew, h);
      c = tf.where(m, cNew, c);
    } else {
      outputs[t] = hNew;
      h = hNew;
      c = cNew;
    }
  }
  return { output: tf.stack(outputs), hN: h, cN: c };
}
