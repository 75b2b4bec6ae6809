import * as tf from '@tensorflow/tfjs';

import type { Nonlinearity } from '../layers/cell-spec';
import { inputGradients, inputProjection, SequenceOptions, stepMasks, stepOrder, whereStep } from './sequence';
import { CellWeights } from './weights';

/**
 * One Elman RNN layer in one direction over a whole sequence, as PyTorch's `nn.RNN` computes it:
 *
 *     h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh),  act = tanh or relu
 *
 * a forward that returns a cache (each step's h_{t-1} and h_t) and the hand-derived backward that
 * consumes it. The derivation and the names (dhNew, dA) are in `docs/bptt.md`, section "RNN".
 */

/** What the backward pass needs of step t. Stored at index t whatever the direction. */
export interface RNNStepCache {
  /** The step's new state h_t, from which act' is read (tanh: 1 - h^2; relu: h > 0). */
  h: tf.Tensor;
  /** The state the step started from (h_{t-1}; h_{t+1} in reverse). */
  hPrev: tf.Tensor;
}

/** What `rnnForward` returns: the outputs, the final state, and the cache `rnnBackward` reads. */
export interface RNNForwardResult {
  /** h at every step, [T, N, H]; zero at steps past a sequence's length. */
  output: tf.Tensor;
  /** h after each sequence's last valid step, [N, H]. */
  hN: tf.Tensor;
  cache: RNNStepCache[];
}

/** What `rnnBackward` returns; `dBias` is the gradient of both b_ih and b_hh (summed in the step). */
export interface RNNGradients {
  dx: tf.Tensor;
  dh0: tf.Tensor;
  dWeightIh: tf.Tensor;
  dWeightHh: tf.Tensor;
  /** Absent without bias. */
  dBias?: tf.Tensor;
}

/**
 * One RNN time step from its input projection `xz` (x_t W_ih^T + b_ih + b_hh, [N, H], computed
 * for all steps at once by the caller); `kernelHh` is W_hh^T.
 *
 * ```ts
 * const h1 = rnnStep(xz, h0, tf.transpose(weightHh), 'tanh');
 * ```
 */
export function rnnStep(xz: tf.Tensor, hPrev: tf.Tensor, kernelHh: tf.Tensor, nonlinearity: Nonlinearity): tf.Tensor {
  const a = tf.add(xz, tf.matMul(hPrev, kernelHh));
  return nonlinearity === 'relu' ? tf.relu(a) : tf.tanh(a);
}

/**
 * The forward pass over a sequence `x` ([T, N, I]) from `h0` ([N, H]), keeping what
 * `rnnBackward` needs.
 *
 * ```ts
 * const { output, hN, cache } = rnnForward(x, h0, { weightIh, weightHh }, 'relu');
 * ```
 */
export function rnnForward(
  x: tf.Tensor,
  h0: tf.Tensor,
  w: CellWeights,
  nonlinearity: Nonlinearity,
  options: SequenceOptions = {},
): RNNForwardResult {
  const [steps, batch] = x.shape;
  const hidden = w.weightIh.shape[0];
  const xz = inputProjection(x, w, options);
  const kernelHh = tf.transpose(w.weightHh);
  const masks = stepMasks(steps, options.lengths, options.validSteps);

  let h = h0;
  const outputs: tf.Tensor[] = new Array(steps);
  const cache: RNNStepCache[] = new Array(steps);
  for (const t of stepOrder(steps, options.reverse)) {
    const hNew = rnnStep(tf.slice(xz, [t * batch, 0], [batch, hidden]), h, kernelHh, nonlinearity);
    cache[t] = { h: hNew, hPrev: h };
    outputs[t] = whereStep(masks[t], hNew);
    h = whereStep(masks[t], hNew, h);
  }
  return { output: tf.stack(outputs), hN: h, cache };
}

/**
 * Backpropagation through time for `rnnForward`, given the loss' gradients `dOutput` and `dhN`
 * with respect to its `output` and `hN`. The reverse loop computes each step's pre-activation
 * gradient dA_t; the weights' gradients are then a few large products over all steps at once.
 *
 * ```ts
 * const fwd = rnnForward(x, h0, w, 'tanh');
 * const grads = rnnBackward(dOutput, dhN, x, w, 'tanh', fwd.cache);
 * ```
 *
 * `onStep`, if given, sees dL/dh_t (`dhNew`) of every step.
 */
export function rnnBackward(
  dOutput: tf.Tensor,
  dhN: tf.Tensor,
  x: tf.Tensor,
  w: CellWeights,
  nonlinearity: Nonlinearity,
  cache: RNNStepCache[],
  options: SequenceOptions = {},
  onStep?: (t: number, dhNew: tf.Tensor) => void,
): RNNGradients {
  const [steps, batch] = x.shape;
  const hidden = dhN.shape[1] as number;
  const masks = stepMasks(steps, options.lengths, options.validSteps);

  let dh = dhN;
  const dA: tf.Tensor[] = new Array(steps);
  for (const t of stepOrder(steps, !options.reverse)) {
    const { h } = cache[t];
    const m = masks[t];
    const dOutputT = tf.reshape(tf.slice(dOutput, [t, 0, 0], [1, batch, hidden]), [batch, hidden]);
    const dhNew = whereStep(m, tf.add(dOutputT, dh));
    // act' from the activation's output: tanh' = 1 - h^2, relu' = 1 where h > 0 (0 at 0, as PyTorch).
    const slope = nonlinearity === 'relu' ? tf.cast(tf.greater(h, 0), 'float32') : tf.sub(1, tf.square(h));
    dA[t] = tf.mul(dhNew, slope);
    onStep?.(t, dhNew);
    dh = whereStep(m, tf.matMul(dA[t], w.weightHh), dh);
  }

  const dAAll = tf.concat(dA, 0);
  const { dx, dWeightIh } = inputGradients(dAAll, x, w, options);
  const grads: RNNGradients = {
    dx,
    dh0: dh,
    dWeightIh,
    dWeightHh: tf.matMul(
      dAAll,
      tf.concat(
        cache.map((s) => s.hPrev),
        0,
      ),
      true,
      false,
    ),
  };
  if (w.biasIh && w.biasHh) grads.dBias = tf.sum(dAAll, 0);
  return grads;
}
