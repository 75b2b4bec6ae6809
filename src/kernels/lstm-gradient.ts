import * as tf from '@tensorflow/tfjs';

import { recordInSlot } from '../ops/flow-recorder';

/** Kernel names. The forward comes in two, so that each can declare the inputs it saves. */
export const LSTM_FORWARD = 'TfjsLstmForward';
export const LSTM_FORWARD_PROJ = 'TfjsLstmForwardProj';
export const LSTM_BACKWARD = 'TfjsLstmBackward';
/** Makes the forward's cache, for the forward to fill (lstmCacheKernel). */
export const LSTM_CACHE = 'TfjsLstmCache';
/**
 * A plain A B with this package's fast products (the cpu backend's own matMul is 4x slower);
 * with attribute `split`, its first `split` columns and the rest as two outputs.
 */
export const LSTM_PRODUCT = 'TfjsLstmProduct';

/** Input name to a function making that input's gradient (tfjs' NamedGradientMap). */
type GradientMap = ReturnType<tf.GradFunc>;

const product = (a: tf.Tensor, b: tf.Tensor) => tf.engine().runKernel(LSTM_PRODUCT, { a, b }) as tf.Tensor;

/**
 * The gradient of the fused forward kernel: the hand-derived BPTT. The backward kernel runs once
 * and gives dZ^T; the weights' gradients are then one product over all steps,
 * dZ^T [X | H_prev] = [dW_ih | dW_hh], and the input's one more, dZ W_ih, made only if tfjs asks
 * for it (it asks only for inputs on a path to what is differentiated: a layer fed with data never
 * makes dx).
 */
function gradFunc(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): GradientMap {
  const [weightIh, weightHh, ...rest] = saved;
  const hasProj = saved.length === 7;
  const weightHr = hasProj ? rest.shift() : undefined;
  const [gates, cPrev, xh, tanhC] = rest;
  const [steps, batch, width] = xh.shape;
  const inputSize = weightIh.shape[1] as number;
  const outSize = width - inputSize;
  const hidden = cPrev.shape[2] as number;
  const dys = dy as (tf.Tensor | null)[];
  // An output the loss does not use arrives as null: its gradient is zero.
  const dOutput = dys[0] ?? tf.zeros([steps, batch, outSize]);
  const dhN = dys[1] ?? tf.zeros([batch, outSize]);
  const dcN = dys[2] ?? tf.zeros([batch, hidden]);

  const inputs: tf.NamedTensorMap = { dOutput, dhN, dcN, weightHh, gates, cPrev, tanhC };
  if (weightHr) inputs.weightHr = weightHr;
  const outs = tf.engine().runKernel(LSTM_BACKWARD, inputs, { ...attrs }) as tf.Tensor[];
  const [dZT, dh0, dc0, dBias] = outs;
  recordInSlot(attrs.flowSlot as number, 'norms', outs[outs.length - 1]);
  const rows = steps * batch;
  const [dWeightIh, dWeightHh] = tf
    .engine()
    .runKernel(LSTM_PRODUCT, { a: dZT, b: tf.reshape(xh, [rows, width]) }, { split: inputSize }) as tf.Tensor[];
  const grads: GradientMap = {
    x: () => tf.reshape(product(tf.transpose(dZT), weightIh), [steps, batch, inputSize]),
    h0: () => dh0,
    c0: () => dc0,
    weightIh: () => dWeightIh,
    weightHh: () => dWeightHh,
    biasIh: () => dBias,
    biasHh: () => tf.clone(dBias),
  };
  if (hasProj) {
    const [dHNewT, R] = outs.slice(4, 6);
    grads.weightHr = () => product(dHNewT, R);
  }
  return grads;
}

/** Registers the gradient of both forward kernels: they save their weights and the cache they filled. */
export function registerLstmGradients(): void {
  const cache = ['gates', 'cPrev', 'xh', 'tanhC'];
  const weights = ['weightIh', 'weightHh'];
  tf.registerGradient({ kernelName: LSTM_FORWARD, inputsToSave: [...weights, ...cache], gradFunc });
  tf.registerGradient({ kernelName: LSTM_FORWARD_PROJ, inputsToSave: [...weights, 'weightHr', ...cache], gradFunc });
}
