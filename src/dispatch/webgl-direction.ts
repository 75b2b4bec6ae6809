import * as tf from '@tensorflow/tfjs';

import {
  LSTM_WEBGL_BACKWARD,
  LSTM_WEBGL_CELL,
  LSTM_WEBGL_CELL_CACHE,
  LSTM_WEBGL_UNPACKED,
} from '../kernels/kernel-names';
import { runKernel } from '../kernels/run-kernel';
import { inputProjection, SequenceOptions, stepMasks, stepOrder, weightGradients } from '../ops/bptt';
import { LSTMWeights, weightList, weightsFromList } from '../ops/weights';
import { DirectionResult, directionCustomGrad, resultShapes } from './direction-grad';

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
  const [steps, batch] = x.shape;
  const hidden = c0.shape[1] as number;
  // The input projection of all steps in one product, in the unpacked layout the program reads.
  const [xz] = runKernel(LSTM_WEBGL_UNPACKED, { x: inputProjection(x, w, options) }, {});
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

/**
 * One layer direction on the `webgl` backend while a gradient is recorded: the hand-derived BPTT
 * with each step's gate arithmetic in one shader program each way. The forward's step program
 * (`LSTM_WEBGL_CELL_CACHE`) writes the step's whole cache in one texture ([N, 7H]); the backward's
 * (`LSTM_WEBGL_BACKWARD`) turns it, with dL/dr_t and the carried dL/dc_t, into dZ_t and
 * dL/dc_{t-1}; the weights' gradients are then the few large products of `weightGradients`, as in
 * `lstmBackward`. Without `validSteps` and outside a `gradientFlow` recording (the caller checks).
 *
 * ```ts
 * const { output, hN, cN } = webglTrainingDirection(x, h0, c0, w, { lengths: [5, 3] });
 * ```
 */
export function webglTrainingDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
): DirectionResult {
  const [steps, batch] = x.shape;
  const outputSize = h0.shape[1] as number;
  const hidden = c0.shape[1] as number;
  const hasBias = Boolean(w.biasIh && w.biasHh);
  const hasProj = Boolean(w.weightHr);
  const numWeights = weightList(w).length;
  const shapes = resultShapes(x, h0, c0);
  const layer = directionCustomGrad(shapes, ([xIn, h0In, c0In, ...weightsIn], save) => {
    const wIn = weightsFromList(weightsIn, hasBias, hasProj);
    const [xz] = runKernel(LSTM_WEBGL_UNPACKED, { x: inputProjection(xIn, wIn, options) }, {});
    const kernelHh = tf.transpose(wIn.weightHh);
    const kernelHr = wIn.weightHr && tf.transpose(wIn.weightHr);
    const masks = stepMasks(steps, options.lengths);
    let h = h0In;
    let c = c0In;
    const outputs: tf.Tensor[] = new Array(steps);
    const [caches, hPrevs, cPrevs]: tf.Tensor[][] = [new Array(steps), new Array(steps), new Array(steps)];
    for (const t of stepOrder(steps, options.reverse)) {
      const [a] = runKernel(LSTM_WEBGL_CELL_CACHE, { xz, hz: tf.matMul(h, kernelHh), c }, { offset: t * batch });
      [caches[t], hPrevs[t], cPrevs[t]] = [a, h, c];
      const cNew = tf.slice(a, [0, 4 * hidden], [batch, hidden]);
      const r = tf.slice(a, [0, 6 * hidden], [batch, hidden]);
      const hNew = kernelHr ? tf.matMul(r, kernelHr) : r;
      const m = masks[t];
      outputs[t] = m ? tf.where(m, hNew, tf.zerosLike(hNew)) : hNew;
      h = m ? tf.where(m, hNew, h) : hNew;
      c = m ? tf.where(m, cNew, c) : cNew;
    }
    // Inputs are saved too: the caller may dispose them before the backward pass runs.
    save([xIn, ...weightsIn, ...caches, ...hPrevs, ...cPrevs]);
    const gradFunc = ([dOutput, dhN, dcN]: tf.Tensor[], saved: tf.Tensor[]) => {
      const [xS, ...rest] = saved;
      const wS = weightsFromList(rest.slice(0, numWeights), hasBias, hasProj);
      const [cacheS, hPrevS, cPrevS] = [0, 1, 2].map((k) =>
        rest.slice(numWeights + k * steps, numWeights + (k + 1) * steps),
      );
      const stepMasksS = stepMasks(steps, options.lengths);
      let dh = dhN;
      let dc = dcN;
      const dZ: tf.Tensor[] = new Array(steps);
      const dhNews: tf.Tensor[] = new Array(steps);
      for (const t of stepOrder(steps, !options.reverse)) {
        const m = stepMasksS[t];
        const dOutputT = tf.reshape(tf.slice(dOutput, [t, 0, 0], [1, batch, outputSize]), [batch, outputSize]);
        // Only steps inside the sequence produced an output and a new state.
        let dhNew = tf.add(dOutputT, dh);
        let dcIn = dc;
        if (m) {
          dhNew = tf.where(m, dhNew, tf.zerosLike(dhNew));
          dcIn = tf.where(m, dc, tf.zerosLike(dc));
        }
        const dr = wS.weightHr ? tf.matMul(dhNew, wS.weightHr) : dhNew;
        const [out] = runKernel(LSTM_WEBGL_BACKWARD, { a: cacheS[t], cPrev: cPrevS[t], dr, dc: dcIn }, {});
        const dZt = tf.slice(out, [0, 0], [batch, 4 * hidden]);
        const dcPrev = tf.slice(out, [0, 4 * hidden], [batch, hidden]);
        const dhPrev = tf.matMul(dZt, wS.weightHh);
        // A step outside the sequence passed its state through unchanged, and so passes the gradient.
        dh = m ? tf.where(m, dhPrev, dh) : dhPrev;
        dc = m ? tf.where(m, dcPrev, dc) : dcPrev;
        dZ[t] = dZt;
        dhNews[t] = dhNew;
      }
      const rs = hasProj ? cacheS.map((a) => tf.slice(a, [0, 6 * hidden], [batch, hidden])) : [];
      const g = weightGradients(dZ, dhNews, dh, dc, xS, wS, hPrevS, rs, options);
      const grads: tf.Tensor[] = [g.dx, g.dh0, g.dc0, g.dWeightIh, g.dWeightHh];
      // Each bias gets its own tensor (see composedDirection).
      if (hasBias) grads.push(g.dBias as tf.Tensor, tf.clone(g.dBias as tf.Tensor));
      if (hasProj) grads.push(g.dWeightHr as tf.Tensor);
      return grads;
    };
    return { value: [tf.stack(outputs), h, c], gradFunc };
  });
  return layer(x, h0, c0, ...weightList(w));
}
