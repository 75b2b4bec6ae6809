import * as tf from '@tensorflow/tfjs';

import {
  LSTM_BACKWARD,
  LSTM_FORWARD,
  LSTM_FORWARD_PROJ,
  LSTM_FORWARD_PROJ_SAVED,
  LSTM_FORWARD_SAVED,
  LSTM_PRODUCT,
  LstmForwardAttrs,
} from './kernel-names';
import { registerGradient, runKernel } from './run-kernel';

/** Input name to a function making that input's gradient (tfjs' NamedGradientMap). */
export type GradientMap = ReturnType<tf.GradFunc>;

const product = (a: tf.Tensor, b: tf.Tensor) => runKernel(LSTM_PRODUCT, { a, b }, {})[0];

/**
 * The gradient of the fused forward kernel: the hand-derived BPTT. The backward kernel runs once
 * and gives dZ^T; the weights' gradients are then one product over all steps,
 * dZ^T [X | H_prev] = [dW_ih | dW_hh], and the input's one more, dZ W_ih, made only if tfjs asks
 * for it (it asks only for inputs on a path to what is differentiated: a layer fed with data never
 * makes dx).
 *
 * `saved` is what the forward kernel saved (`LSTM_FORWARD_SAVED`, or `LSTM_FORWARD_PROJ_SAVED`
 * when `projection`). `onStepNorms`, if given, receives the backward kernel's [T, 2] per-step
 * norms of dL/dh_t and dL/dc_t (gradientFlow's report), to keep.
 *
 * ```ts
 * const grads = lstmForwardGradient([dOutput, dhN, dcN], saved, {reverse: false, lengths: []}, false);
 * const dWeightIh = grads.weightIh();
 * ```
 */
export function lstmForwardGradient(
  dy: (tf.Tensor | null)[],
  saved: tf.Tensor[],
  attrs: LstmForwardAttrs,
  projection: boolean,
  onStepNorms?: (norms: tf.Tensor) => void,
): GradientMap {
  const [weightIh, weightHh, ...rest] = saved;
  const weightHr = projection ? rest.shift() : undefined;
  const [gates, cPrev, xh, tanhC] = rest;
  const [steps, batch, width] = xh.shape;
  const inputSize = weightIh.shape[1] as number;
  const outSize = width - inputSize;
  const hidden = cPrev.shape[2] as number;
  // An output the loss does not use arrives as null: its gradient is zero.
  const dOutput = dy[0] ?? tf.zeros([steps, batch, outSize]);
  const dhN = dy[1] ?? tf.zeros([batch, outSize]);
  const dcN = dy[2] ?? tf.zeros([batch, hidden]);

  const outs = runKernel(
    LSTM_BACKWARD,
    { dOutput, dhN, dcN, weightHh, weightHr, gates, cPrev, tanhC },
    { reverse: attrs.reverse, lengths: attrs.lengths },
  );
  const [dZTransposed, dh0, dc0, dBias] = outs;
  onStepNorms?.(outs[outs.length - 1]);
  const rows = steps * batch;
  const [dWeightIh, dWeightHh] = runKernel(
    LSTM_PRODUCT,
    { a: dZTransposed, b: tf.reshape(xh, [rows, width]) },
    { split: inputSize },
  );
  const grads: GradientMap = {
    x: () => tf.reshape(product(tf.transpose(dZTransposed), weightIh), [steps, batch, inputSize]),
    h0: () => dh0,
    c0: () => dc0,
    weightIh: () => dWeightIh,
    weightHh: () => dWeightHh,
    biasIh: () => dBias,
    biasHh: () => tf.clone(dBias),
  };
  if (projection) {
    const [dHNewTransposed, R] = outs.slice(4, 6);
    grads.weightHr = () => product(dHNewTransposed, R);
  }
  return grads;
}

/** Registers the gradient of both forward kernels: they save their weights and the cache they filled. */
export function registerLstmGradients(): void {
  registerGradient(LSTM_FORWARD, LSTM_FORWARD_SAVED, (dy, saved, attrs) =>
    lstmForwardGradient(dy, saved, attrs, false),
  );
  registerGradient(LSTM_FORWARD_PROJ, LSTM_FORWARD_PROJ_SAVED, (dy, saved, attrs) =>
    lstmForwardGradient(dy, saved, attrs, true),
  );
}
