import * as tf from '@tensorflow/tfjs';

import {
  LSTM_WEBGL_BACKWARD,
  LSTM_WEBGL_CELL,
  LSTM_WEBGL_CELL_CACHE,
  LSTM_WEBGL_UNPACKED,
} from '../kernels/kernel-names';
import { runKernel } from '../kernels/run-kernel';
import { gradientList, weightGradients } from '../ops/bptt';
import { inputProjection, SequenceOptions, stepMasks, stepOrder, whereStep } from '../ops/sequence';
import { LSTMWeights, weightList, weightsFromList } from '../ops/weights';
import { DirectionResult, directionCustomGrad, resultShapes } from './direction-grad';

/** What `webglForward` returns; with the cache, each step's cache texture and previous state. */
interface WebglForward extends DirectionResult {
  caches: tf.Tensor[];
  hPrevs: tf.Tensor[];
  cPrevs: tf.Tensor[];
}

/**
 * `lstmForward`'s loop (ops/bptt.ts) with each step's gate arithmetic and state update as one
 * shader program: `LSTM_WEBGL_CELL` ([c' | r]) without the cache, `LSTM_WEBGL_CELL_CACHE`
 * ([i f g o c' tanh(c') r], kept per step with h_{t-1} and c_{t-1}) with it. A step is the
 * recurrent product, that program and two slices.
 */
function webglForward(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
  withCache: boolean,
): WebglForward {
  const [steps, batch] = x.shape;
  const hidden = c0.shape[1] as number;
  // The input projection of all steps in one product, in the unpacked layout the program reads.
  const [xz] = runKernel(LSTM_WEBGL_UNPACKED, { x: inputProjection(x, w, options) }, {});
  const kernelHh = tf.transpose(w.weightHh);
  const kernelHr = w.weightHr && tf.transpose(w.weightHr);
  const masks = stepMasks(steps, options.lengths, options.validSteps);
  // Where c' and r are in the program's output.
  const [cColumn, rColumn] = withCache ? [4 * hidden, 6 * hidden] : [0, hidden];

  let h = h0;
  let c = c0;
  const outputs: tf.Tensor[] = new Array(steps);
  const [caches, hPrevs, cPrevs]: tf.Tensor[][] = [[], [], []];
  for (const t of stepOrder(steps, options.reverse)) {
    const inputs = { xz, hz: tf.matMul(h, kernelHh), c };
    const [out] = runKernel(withCache ? LSTM_WEBGL_CELL_CACHE : LSTM_WEBGL_CELL, inputs, { offset: t * batch });
    if (withCache) [caches[t], hPrevs[t], cPrevs[t]] = [out, h, c];
    const cNew = tf.slice(out, [0, cColumn], [batch, hidden]);
    const r = tf.slice(out, [0, rColumn], [batch, hidden]);
    const hNew = kernelHr ? tf.matMul(r, kernelHr) : r;
    outputs[t] = whereStep(masks[t], hNew);
    h = whereStep(masks[t], hNew, h);
    c = whereStep(masks[t], cNew, c);
  }
  return { output: tf.stack(outputs), hN: h, cN: c, caches, hPrevs, cPrevs };
}

/**
 * One layer direction's forward in inference on the `webgl` backend (`webglForward` without the
 * cache): some fourteen dispatches a step fewer than the composed ops. For inference only (the
 * caller checks that no gradient is being recorded); the dispatcher uses it with projections,
 * `webglStepDirection` (the product inside the step's program) without.
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
  const { output, hN, cN } = webglForward(x, h0, c0, w, options, false);
  return { output, hN, cN };
}

/**
 * One layer direction on the `webgl` backend while a gradient is recorded: the hand-derived BPTT
 * with each step's gate arithmetic in one shader program each way. The forward's step program
 * (`LSTM_WEBGL_CELL_CACHE`) writes the step's whole cache in one texture ([N, 7H]); the backward's
 * (`LSTM_WEBGL_BACKWARD`) turns it, with dL/dr_t and the carried dL/dc_t, into dZ_t and
 * dL/dc_{t-1}; the weights' gradients are then the few large products of `weightGradients`, as in
 * `lstmBackward`. Without `validSteps` and outside a `gradientFlow` recording (the caller checks);
 * the dispatcher uses it with projections, `webglStepTrainingDirection` without.
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
    const fwd = webglForward(xIn, h0In, c0In, weightsFromList(weightsIn, hasBias, hasProj), options, true);
    // Inputs are saved too: the caller may dispose them before the backward pass runs.
    save([xIn, ...weightsIn, ...fwd.caches, ...fwd.hPrevs, ...fwd.cPrevs]);
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
        const dhNew = whereStep(m, tf.add(dOutputT, dh));
        const dcIn = whereStep(m, dc);
        const dr = wS.weightHr ? tf.matMul(dhNew, wS.weightHr) : dhNew;
        const [out] = runKernel(LSTM_WEBGL_BACKWARD, { a: cacheS[t], cPrev: cPrevS[t], dr, dc: dcIn }, {});
        const dZt = tf.slice(out, [0, 0], [batch, 4 * hidden]);
        const dcPrev = tf.slice(out, [0, 4 * hidden], [batch, hidden]);
        const dhPrev = tf.matMul(dZt, wS.weightHh);
        // A step outside the sequence passed its state through unchanged, and so passes the gradient.
        dh = whereStep(m, dhPrev, dh);
        dc = whereStep(m, dcPrev, dc);
        dZ[t] = dZt;
        dhNews[t] = dhNew;
      }
      const rs = hasProj ? cacheS.map((a) => tf.slice(a, [0, 6 * hidden], [batch, hidden])) : [];
      return gradientList(weightGradients(dZ, dhNews, dh, dc, xS, wS, hPrevS, rs, options), hasBias, hasProj);
    };
    return { value: [fwd.output, fwd.hN, fwd.cN], gradFunc };
  });
  return layer(x, h0, c0, ...weightList(w));
}
