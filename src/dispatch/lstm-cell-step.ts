import * as tf from '@tensorflow/tfjs';

import { hasFusedKernels } from '../kernels/register';
import { LSTMWeights } from '../ops/weights';
import { fusedStep } from './fused-direction';
import { GradientMode, lstmDirection } from './lstm-direction';
import { PreparedWeights } from './prepared-weights';

/** Options of `lstmCellStep`. */
export interface CellStepOptions {
  gradient?: GradientMode;
  /** The caller's cache of the weights in the kernels' layout (see `PreparedWeights`). */
  prepared?: PreparedWeights;
}

/**
 * One LSTM step of a batch, x [N, I] from (h [N, P], c [N, H]), as `LSTMCell` and
 * `TorchLSTMCell` take it: the dispatcher for single steps. In inference on `cpu` and `wasm`,
 * with `prepared`, it is one kernel call (`LSTM_STEP`) on weights prepared once per value: a
 * streaming step's cost is the fixed cost of each call, so it makes as few as it can. Otherwise
 * (recording a gradient, other backends) it is `lstmDirection` over a sequence of one step.
 *
 * ```ts
 * const { h, c } = lstmCellStep(x, h0, c0, { weightIh, weightHh, biasIh, biasHh });
 * ```
 */
export function lstmCellStep(
  x: tf.Tensor,
  h: tf.Tensor,
  c: tf.Tensor,
  w: LSTMWeights,
  options: CellStepOptions = {},
): { h: tf.Tensor; c: tf.Tensor } {
  const { prepared } = options;
  if (prepared && x.shape[0] > 0 && !tf.engine().isTapeOn() && hasFusedKernels()) {
    const [hNew, cNew] = fusedStep(x, h, c, w, prepared);
    return { h: hNew, c: cNew };
  }
  const { hN, cN } = lstmDirection(tf.expandDims(x, 0), h, c, w, options);
  return { h: hN, c: cN };
}
