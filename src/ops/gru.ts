import * as tf from '@tensorflow/tfjs';

import { inputGradients, inputProjection, SequenceOptions, stepMasks, stepOrder, whereStep } from './sequence';
import { CellWeights } from './weights';

/**
 * One GRU layer in one direction over a whole sequence: a forward that returns a cache, and the
 * hand-derived backward (backpropagation through time) that consumes it, as PyTorch's `nn.GRU`
 * computes it (gates r, z, n; the reset gate applied after the recurrent product, Keras'
 * `reset_after=True`):
 *
 *     r = σ(xr + hr),  z = σ(xz + hz),  n = tanh(xn + r ⊙ hn),  h' = n + z ⊙ (h - n)
 *
 * where [xr | xz | xn] = x W_ih^T + b_ih and [hr | hz | hn] = h W_hh^T + b_hh. The derivation and
 * the names used here (dhNew, dN, dZ, dAn, dXZ, dHZ) are in `docs/bptt.md`, section "GRU".
 */

/** What one GRU step computes, post-activation, and the recurrent product's n part `hn`. */
export interface GRUStepResult {
  h: tf.Tensor;
  r: tf.Tensor;
  z: tf.Tensor;
  n: tf.Tensor;
  /** W_hn h + b_hn: what r multiplies. */
  hn: tf.Tensor;
}

/** What the backward pass needs of step t. Stored at index t whatever the direction. */
export interface GRUStepCache {
  r: tf.Tensor;
  z: tf.Tensor;
  n: tf.Tensor;
  hn: tf.Tensor;
  /** The state the step started from (h_{t-1}; h_{t+1} in reverse). */
  hPrev: tf.Tensor;
}

/** What `gruForward` returns: the outputs, the final state, and the cache `gruBackward` reads. */
export interface GRUForwardResult {
  /** h at every step, [T, N, H]; zero at steps past a sequence's length. */
  output: tf.Tensor;
  /** h after each sequence's last valid step, [N, H]. */
  hN: tf.Tensor;
  cache: GRUStepCache[];
}

/**
 * What `gruBackward` returns: the gradient of the loss with respect to each input of `gruForward`.
 * Unlike the LSTM's, the two biases have different gradients (b_hn sits inside r ⊙ (...)).
 */
export interface GRUGradients {
  dx: tf.Tensor;
  dh0: tf.Tensor;
  dWeightIh: tf.Tensor;
  dWeightHh: tf.Tensor;
  /** Absent without bias. */
  dBiasIh?: tf.Tensor;
  dBiasHh?: tf.Tensor;
}

/**
 * The activations of a GRU other than PyTorch's (Keras lets a GRU choose them): `gate` for r and z
 * (PyTorch: sigmoid), `candidate` for n (PyTorch: tanh). `gruBackward` assumes PyTorch's; a GRU
 * with others is differentiated by tfjs' autodiff.
 */
export interface GRUActivations {
  gate: (t: tf.Tensor) => tf.Tensor;
  candidate: (t: tf.Tensor) => tf.Tensor;
}

const PYTORCH_ACTIVATIONS: GRUActivations = { gate: tf.sigmoid, candidate: tf.tanh };

/**
 * One GRU time step from its input projection `xz` (x_t W_ih^T + b_ih, [N, 3H], computed for all
 * steps at once by the caller). `kernelHh` is W_hh^T ([H, 3H], the layout a plain product wants).
 *
 * ```ts
 * const { h } = gruStep(xz, h0, tf.transpose(weightHh), biasHh);
 * ```
 */
export function gruStep(
  xz: tf.Tensor,
  hPrev: tf.Tensor,
  kernelHh: tf.Tensor,
  biasHh?: tf.Tensor,
  activations: GRUActivations = PYTORCH_ACTIVATIONS,
): GRUStepResult {
  const product = tf.matMul(hPrev, kernelHh);
  const hzAll = biasHh ? tf.add(product, biasHh) : product;
  const [batch, hidden] = hPrev.shape as [number, number];
  const part = (t: tf.Tensor, k: number) => tf.slice(t, [0, k * hidden], [batch, hidden]);
  const r = activations.gate(tf.add(part(xz, 0), part(hzAll, 0)));
  const z = activations.gate(tf.add(part(xz, 1), part(hzAll, 1)));
  const hn = part(hzAll, 2);
  const n = activations.candidate(tf.add(part(xz, 2), tf.mul(r, hn)));
  // PyTorch's order of operations: (h - n) z + n.
  const h = tf.add(tf.mul(tf.sub(hPrev, n), z), n);
  return { h, r, z, n, hn };
}

/**
 * The forward pass over a sequence `x` ([T, N, I]) from `h0` ([N, H]), keeping what
 * `gruBackward` needs (with PyTorch's activations; others only for tfjs' autodiff).
 *
 * ```ts
 * const { output, hN, cache } = gruForward(x, h0, { weightIh, weightHh, biasIh, biasHh });
 * ```
 */
export function gruForward(
  x: tf.Tensor,
  h0: tf.Tensor,
  w: CellWeights,
  options: SequenceOptions = {},
  activations: GRUActivations = PYTORCH_ACTIVATIONS,
): GRUForwardResult {
  const [steps, batch] = x.shape;
  const gates = w.weightIh.shape[0];
  const xz = inputProjection(x, w, options, 'input');
  const kernelHh = tf.transpose(w.weightHh);
  const masks = stepMasks(steps, options.lengths, options.validSteps);

  let h = h0;
  const outputs: tf.Tensor[] = new Array(steps);
  const cache: GRUStepCache[] = new Array(steps);
  for (const t of stepOrder(steps, options.reverse)) {
    const s = gruStep(tf.slice(xz, [t * batch, 0], [batch, gates]), h, kernelHh, w.biasHh, activations);
    cache[t] = { r: s.r, z: s.z, n: s.n, hn: s.hn, hPrev: h };
    outputs[t] = whereStep(masks[t], s.h);
    h = whereStep(masks[t], s.h, h);
  }
  return { output: tf.stack(outputs), hN: h, cache };
}

/**
 * Backpropagation through time for `gruForward`: the gradients of a loss with respect to the
 * input, the initial state and the weights, given its gradients `dOutput` and `dhN` with respect
 * to the forward's `output` and `hN`. The reverse loop computes each step's pre-activation
 * gradients (dXZ_t for the input's projection, dHZ_t for the recurrent one); the weights'
 * gradients are then a few large products over all steps at once.
 *
 * ```ts
 * const fwd = gruForward(x, h0, w);
 * const grads = gruBackward(dOutput, dhN, x, w, fwd.cache);
 * ```
 *
 * `onStep`, if given, sees dL/dh_t (`dhNew`) of every step.
 */
export function gruBackward(
  dOutput: tf.Tensor,
  dhN: tf.Tensor,
  x: tf.Tensor,
  w: CellWeights,
  cache: GRUStepCache[],
  options: SequenceOptions = {},
  onStep?: (t: number, dhNew: tf.Tensor) => void,
): GRUGradients {
  const [steps, batch] = x.shape;
  const hidden = dhN.shape[1] as number;
  const masks = stepMasks(steps, options.lengths, options.validSteps);

  // dh: the gradient with respect to the state carried out of the step being processed.
  let dh = dhN;
  const dXZ: tf.Tensor[] = new Array(steps);
  const dHZ: tf.Tensor[] = new Array(steps);
  for (const t of stepOrder(steps, !options.reverse)) {
    const { r, z, n, hn, hPrev } = cache[t];
    const m = masks[t];
    const dOutputT = tf.reshape(tf.slice(dOutput, [t, 0, 0], [1, batch, hidden]), [batch, hidden]);
    // Only steps inside the sequence produced an output and a new state.
    const dhNew = whereStep(m, tf.add(dOutputT, dh));
    // h' = (1 - z) n + z h.
    const dN = tf.mul(dhNew, tf.sub(1, z));
    const dZ = tf.mul(dhNew, tf.sub(hPrev, n));
    // Through the activations: tanh' = 1 - n^2, sigmoid' = s (1 - s); the n pre-activation is
    // xn + r hn, so r's gradient is dAn hn and hn's is dAn r.
    const dAn = tf.mul(dN, tf.sub(1, tf.square(n)));
    const dAr = tf.mul(tf.mul(dAn, hn), tf.mul(r, tf.sub(1, r)));
    const dAz = tf.mul(dZ, tf.mul(z, tf.sub(1, z)));
    dXZ[t] = tf.concat([dAr, dAz, dAn], 1);
    dHZ[t] = tf.concat([dAr, dAz, tf.mul(dAn, r)], 1);
    // h reaches h' directly (through z) and through the recurrent product.
    const dhPrev = tf.add(tf.mul(dhNew, z), tf.matMul(dHZ[t], w.weightHh));
    onStep?.(t, dhNew);
    // A step outside the sequence passed its state through unchanged, and so passes the gradient.
    dh = whereStep(m, dhPrev, dh);
  }

  const dXZAll = tf.concat(dXZ, 0);
  const dHZAll = tf.concat(dHZ, 0);
  const { dx, dWeightIh } = inputGradients(dXZAll, x, w, options);
  const grads: GRUGradients = {
    dx,
    dh0: dh,
    dWeightIh,
    dWeightHh: tf.matMul(
      dHZAll,
      tf.concat(
        cache.map((s) => s.hPrev),
        0,
      ),
      true,
      false,
    ),
  };
  if (w.biasIh && w.biasHh) {
    grads.dBiasIh = tf.sum(dXZAll, 0);
    grads.dBiasHh = tf.sum(dHZAll, 0);
  }
  return grads;
}
