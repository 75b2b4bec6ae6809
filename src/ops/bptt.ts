import * as tf from '@tensorflow/tfjs';

import { lstmStep } from './cell-step';
import { inputGradients, inputProjection, SequenceOptions, stepMasks, stepOrder, whereStep } from './sequence';
import { LSTMWeights } from './weights';

/**
 * One LSTM layer in one direction over a whole sequence: a forward that returns a cache, and the
 * hand-derived backward (backpropagation through time) that consumes it. The derivation, and the
 * names used here (dh, dc, dhNew, dcNew, dr, dI, dF, dG, dO, dZ), are in `docs/bptt.md`.
 */

/** What the backward pass needs of step t. Stored at index t whatever the direction. */
export interface StepCache {
  i: tf.Tensor;
  f: tf.Tensor;
  g: tf.Tensor;
  o: tf.Tensor;
  tanhC: tf.Tensor;
  /** The state the step started from (h_{t-1}, c_{t-1}; h_{t+1}, c_{t+1} in reverse). */
  hPrev: tf.Tensor;
  cPrev: tf.Tensor;
}

/** What `lstmForward` returns: the outputs, the final state, and the cache `lstmBackward` reads. */
export interface ForwardResult {
  /** h at every step, [T, N, P]; zero at steps past a sequence's length. */
  output: tf.Tensor;
  /** h and c after each sequence's last valid step, [N, P] and [N, H]. */
  hN: tf.Tensor;
  cN: tf.Tensor;
  cache: StepCache[];
}

/** What `lstmBackward` returns: the gradient of the loss with respect to each input of `lstmForward`. */
export interface Gradients {
  dx: tf.Tensor;
  dh0: tf.Tensor;
  dc0: tf.Tensor;
  dWeightIh: tf.Tensor;
  dWeightHh: tf.Tensor;
  /** The gradient of both b_ih and b_hh (they enter z as a sum). Absent without bias. */
  dBias?: tf.Tensor;
  dWeightHr?: tf.Tensor;
}

/**
 * The forward pass over a sequence, keeping what `lstmBackward` needs.
 *
 * ```ts
 * const {output, hN, cN, cache} = lstmForward(x, h0, c0, {weightIh, weightHh});
 * ```
 */
export function lstmForward(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions = {},
): ForwardResult {
  const [steps, batch] = x.shape;
  const gates = w.weightIh.shape[0];
  const xz = inputProjection(x, w, options);
  const kernelHh = tf.transpose(w.weightHh);
  const kernelHr = w.weightHr && tf.transpose(w.weightHr);
  const masks = stepMasks(steps, options.lengths, options.validSteps);

  let h = h0;
  let c = c0;
  const outputs: tf.Tensor[] = new Array(steps);
  const cache: StepCache[] = new Array(steps);
  for (const t of stepOrder(steps, options.reverse)) {
    const xzT = tf.slice(xz, [t * batch, 0], [batch, gates]);
    const s = lstmStep(xzT, h, c, kernelHh, kernelHr);
    cache[t] = { i: s.i, f: s.f, g: s.g, o: s.o, tanhC: s.tanhC, hPrev: h, cPrev: c };
    outputs[t] = whereStep(masks[t], s.h);
    h = whereStep(masks[t], s.h, h);
    c = whereStep(masks[t], s.c, c);
  }
  return { output: tf.stack(outputs) as tf.Tensor, hN: h, cN: c, cache };
}

/**
 * Backpropagation through time for `lstmForward`: the gradients of a loss with respect to the
 * input, the initial state and the weights, given its gradients `dOutput`, `dhN` and `dcN` with
 * respect to the forward's `output`, `hN` and `cN`.
 *
 * The reverse loop computes only the per-step gate gradients dZ_t; the weight gradients are then a
 * few large products over all steps at once.
 *
 * ```ts
 * const fwd = lstmForward(x, h0, c0, w);
 * const grads = lstmBackward(dOutput, dhN, dcN, x, w, fwd.cache);
 * ```
 *
 * `onStep`, if given, sees dL/dh_t (`dhNew`) and dL/dc_t (`dcNew`) of every step.
 */
export function lstmBackward(
  dOutput: tf.Tensor,
  dhN: tf.Tensor,
  dcN: tf.Tensor,
  x: tf.Tensor,
  w: LSTMWeights,
  cache: StepCache[],
  options: SequenceOptions = {},
  onStep?: (t: number, dhNew: tf.Tensor, dcNew: tf.Tensor) => void,
): Gradients {
  const [steps, batch] = x.shape;
  const outputSize = dhN.shape[1] as number;
  const masks = stepMasks(steps, options.lengths, options.validSteps);

  // dh, dc: the gradient with respect to the state carried out of the step being processed.
  let dh = dhN;
  let dc = dcN;
  const dZ: tf.Tensor[] = new Array(steps);
  const dhNews: tf.Tensor[] = new Array(steps);
  for (const t of stepOrder(steps, !options.reverse)) {
    const { i, f, g, o, tanhC, cPrev } = cache[t];
    const m = masks[t];
    const dOutputT = tf.reshape(tf.slice(dOutput, [t, 0, 0], [1, batch, outputSize]), [batch, outputSize]);
    // Only steps inside the sequence produced an output and a new state.
    const dhNew = whereStep(m, tf.add(dOutputT, dh));
    let dcNew = whereStep(m, dc);
    // h = r W_hr^T with projections, h = r without; r = o * tanh(c).
    const dr = w.weightHr ? tf.matMul(dhNew, w.weightHr) : dhNew;
    const dO = tf.mul(dr, tanhC);
    dcNew = tf.add(dcNew, tf.mul(tf.mul(dr, o), tf.sub(1, tf.square(tanhC))));
    const dI = tf.mul(dcNew, g);
    const dF = tf.mul(dcNew, cPrev);
    const dG = tf.mul(dcNew, i);
    // Through the activations: sigmoid' = s (1 - s), tanh' = 1 - tanh^2.
    const dZt = tf.concat(
      [
        tf.mul(dI, tf.mul(i, tf.sub(1, i))),
        tf.mul(dF, tf.mul(f, tf.sub(1, f))),
        tf.mul(dG, tf.sub(1, tf.square(g))),
        tf.mul(dO, tf.mul(o, tf.sub(1, o))),
      ],
      1,
    );
    const dhPrev = tf.matMul(dZt, w.weightHh);
    // The additive cell path: dc_{t-1} = dc_t * f_t.
    const dcPrev = tf.mul(dcNew, f);
    // dhNew and dcNew are dL/dh_t and dL/dc_t: what a gradient-flow report looks at.
    onStep?.(t, dhNew, dcNew);
    // A step outside the sequence passed its state through unchanged, and so passes the gradient.
    dh = whereStep(m, dhPrev, dh);
    dc = whereStep(m, dcPrev, dc);
    dZ[t] = dZt;
    dhNews[t] = dhNew;
  }

  const rs = w.weightHr ? cache.map((s) => tf.mul(s.o, s.tanhC)) : [];
  return weightGradients(
    dZ,
    dhNews,
    dh,
    dc,
    x,
    w,
    cache.map((s) => s.hPrev),
    rs,
    options,
  );
}

/**
 * The gradients in the order of `weightList`'s inputs after (x, h0, c0): what a `tf.customGrad`
 * over `lstmForward`-like functions returns. bias_ih and bias_hh have the same gradient, but each
 * gets its own tensor: a caller that replaces or disposes gradients one by one (clipGradNorm,
 * dispose) would otherwise free it twice.
 *
 * ```ts
 * return gradientList(lstmBackward(dOutput, dhN, dcN, x, w, cache), hasBias, hasProj);
 * ```
 */
export function gradientList(g: Gradients, hasBias: boolean, hasProj: boolean): tf.Tensor[] {
  const grads: tf.Tensor[] = [g.dx, g.dh0, g.dc0, g.dWeightIh, g.dWeightHh];
  if (hasBias) grads.push(g.dBias as tf.Tensor, tf.clone(g.dBias as tf.Tensor));
  if (hasProj) grads.push(g.dWeightHr as tf.Tensor);
  return grads;
}

/**
 * What BPTT computes after its reverse loop, from each step's gate gradients dZ_t ([N, 4H]): the
 * weights' gradients as a few large products over all steps at once, and the input's. `dhNews` are
 * dL/dh_t (used with projections, with each step's r = o tanh(c) in `rs`); `dh0`, `dc0` are what
 * the loop carried out of step 0; `hPrevs` each step's h_{t-1}. Shared by `lstmBackward` and the
 * implementations that run the reverse loop otherwise (src/dispatch/webgl-direction.ts).
 *
 * ```ts
 * const grads = weightGradients(dZ, dhNews, dh, dc, x, w, hPrevs, rs, options);
 * ```
 */
export function weightGradients(
  dZ: tf.Tensor[],
  dhNews: tf.Tensor[],
  dh0: tf.Tensor,
  dc0: tf.Tensor,
  x: tf.Tensor,
  w: LSTMWeights,
  hPrevs: tf.Tensor[],
  rs: tf.Tensor[],
  options: SequenceOptions = {},
): Gradients {
  const dZAll = tf.concat(dZ, 0);
  const { dx, dWeightIh } = inputGradients(dZAll, x, w, options);
  const grads: Gradients = {
    dx,
    dh0,
    dc0,
    dWeightIh,
    dWeightHh: tf.matMul(dZAll, tf.concat(hPrevs, 0), true, false),
  };
  if (w.biasIh && w.biasHh) grads.dBias = tf.sum(dZAll, 0);
  if (w.weightHr) grads.dWeightHr = tf.matMul(tf.concat(dhNews, 0), tf.concat(rs, 0), true, false);
  return grads;
}
