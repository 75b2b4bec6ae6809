import * as tf from '@tensorflow/tfjs';

import {
  GRU_BACKWARD,
  GRU_FORWARD,
  GRU_FORWARD_SAVED,
  HiddenForwardAttrs,
  LSTM_PRODUCT,
  RNN_BACKWARD,
  RNN_FORWARD,
  RNN_FORWARD_SAVED,
  RnnForwardAttrs,
} from './kernel-names';
import type { GradientMap } from './lstm-gradient';
import { registerGradient, runKernel } from './run-kernel';

const product = (a: tf.Tensor, b: tf.Tensor) => runKernel(LSTM_PRODUCT, { a, b }, {})[0];

/**
 * dW = dZ^T X for every step at once, made as (X^T dZ)^T: transposing X and the small result
 * costs less than transposing dZ ([T N, G H]).
 */
const weightGradient = (dZ: tf.Tensor, inputs: tf.Tensor) => tf.transpose(product(tf.transpose(inputs), dZ));

/**
 * The gradients that follow from the pre-activations' gradients of every step (`dXZ` of
 * x W_ih^T + b_ih, `dHZ` of h W_hh^T + b_hh, [T N, G H]): dx = dXZ W_ih, dW_ih = dXZ^T X,
 * dW_hh = dHZ^T H_prev, each made only if tfjs asks for it (it asks only for inputs on a path to
 * what is differentiated: a layer fed with data never makes dx).
 */
function productGradients(
  dXZ: tf.Tensor,
  dHZ: tf.Tensor,
  dh0: tf.Tensor,
  [x, weightIh]: tf.Tensor[],
  hPrev: tf.Tensor,
  biases: [() => tf.Tensor, () => tf.Tensor],
): GradientMap {
  const [steps, batch, inputSize] = x.shape;
  const rows = steps * batch;
  return {
    x: () => tf.reshape(product(dXZ, weightIh), [steps, batch, inputSize]),
    h0: () => dh0,
    weightIh: () => weightGradient(dXZ, tf.reshape(x, [rows, inputSize])),
    weightHh: () => weightGradient(dHZ, tf.reshape(hPrev, [rows, hPrev.shape[2] as number])),
    biasIh: biases[0],
    biasHh: biases[1],
  };
}

/**
 * The gradient of the GRU forward kernel: the hand-derived BPTT (docs/bptt.md, "GRU"). The
 * backward kernel runs once (gru-kernel.ts) and gives dXZ, dHZ and the biases' gradients; the rest
 * are products over all steps.
 *
 * ```ts
 * const grads = gruForwardGradient([dOutput, dhN], saved, { reverse: false, lengths: [] });
 * ```
 */
export function gruForwardGradient(
  dy: (tf.Tensor | null)[],
  saved: tf.Tensor[],
  attrs: HiddenForwardAttrs,
): GradientMap {
  const [x, weightIh, weightHh, gates, hPrev] = saved;
  // An output the loss does not use arrives as null: its gradient is zero.
  const dOutput = dy[0] ?? tf.zerosLike(hPrev);
  const dhN = dy[1] ?? tf.zeros([hPrev.shape[1] as number, hPrev.shape[2] as number]);
  const [dXZ, dHZ, dh0, dBiasIh, dBiasHh] = runKernel(
    GRU_BACKWARD,
    { dOutput, dhN, weightHh, gates, hPrev },
    { reverse: attrs.reverse, lengths: attrs.lengths },
  );
  return productGradients(dXZ, dHZ, dh0, [x, weightIh], hPrev, [() => dBiasIh, () => dBiasHh]);
}

/**
 * The gradient of the RNN forward kernel: one dA serves as the gradient of both the input's and
 * the recurrent product's pre-activation, and of both biases.
 *
 * ```ts
 * const grads = rnnForwardGradient([dOutput, dhN], saved, { reverse: false, lengths: [], nonlinearity: 'tanh' });
 * ```
 */
export function rnnForwardGradient(dy: (tf.Tensor | null)[], saved: tf.Tensor[], attrs: RnnForwardAttrs): GradientMap {
  const [x, weightIh, weightHh, hPrev, output] = saved;
  const dOutput = dy[0] ?? tf.zerosLike(output);
  const dhN = dy[1] ?? tf.zeros([output.shape[1] as number, output.shape[2] as number]);
  const [dA, dh0, dBias] = runKernel(RNN_BACKWARD, { dOutput, dhN, weightHh, output }, attrs);
  // b_ih and b_hh enter as a sum: the same gradient, each its own tensor (see `gradientList`).
  return productGradients(dA, dA, dh0, [x, weightIh], hPrev, [() => dBias, () => tf.clone(dBias)]);
}

/** Registers the gradients of the GRU and RNN forward kernels. */
export function registerHiddenGradients(): void {
  registerGradient(GRU_FORWARD, GRU_FORWARD_SAVED, gruForwardGradient);
  registerGradient(RNN_FORWARD, RNN_FORWARD_SAVED, rnnForwardGradient, [true, false]);
}
