import * as tf from '@tensorflow/tfjs';

/**
 * What one LSTM step computes, in the notation of `docs/bptt.md`. The gates are post-activation.
 * `r` is o * tanh(c), which is h itself unless the layer projects it (h = r W_hr^T).
 */
export interface StepResult {
  h: tf.Tensor;
  c: tf.Tensor;
  i: tf.Tensor;
  f: tf.Tensor;
  g: tf.Tensor;
  o: tf.Tensor;
  tanhC: tf.Tensor;
  r: tf.Tensor;
}

/**
 * One LSTM time step from its input projection.
 *
 * `xz` is x_t W_ih^T + b_ih + b_hh for this step ([N, 4H]), computed for all steps at once by the
 * caller. `kernelHh` is W_hh^T ([P, 4H]) and `kernelHr` is W_hr^T ([H, P]): the transposed
 * layouts, because a plain matMul is several times faster than a transposed one on wasm.
 *
 * ```ts
 * const {h, c} = lstmStep(xz, h0, c0, tf.transpose(weightHh));
 * ```
 */
export function lstmStep(
  xz: tf.Tensor,
  hPrev: tf.Tensor,
  cPrev: tf.Tensor,
  kernelHh: tf.Tensor,
  kernelHr?: tf.Tensor,
): StepResult {
  const z = tf.add(xz, tf.matMul(hPrev, kernelHh));
  const [n, hidden] = cPrev.shape;
  const gate = (k: number) => tf.slice(z, [0, k * hidden], [n, hidden]);
  const i = tf.sigmoid(gate(0));
  const f = tf.sigmoid(gate(1));
  const g = tf.tanh(gate(2));
  const o = tf.sigmoid(gate(3));
  const c = tf.add(tf.mul(f, cPrev), tf.mul(i, g));
  const tanhC = tf.tanh(c);
  const r = tf.mul(o, tanhC);
  const h = kernelHr ? tf.matMul(r, kernelHr) : r;
  return { h, c, i, f, g, o, tanhC, r };
}
