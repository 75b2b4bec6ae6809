import * as tf from '@tensorflow/tfjs';

import { parameterNames } from '../layers/cell-spec';
import type { DirectionKey } from './keras';

/**
 * Conversion between PyTorch's GRU parameters and Keras' `GRU(reset_after=True)` weights (Keras
 * 2.x's and 3's default, which tfjs-layers' own GRU cannot run).
 *
 * PyTorch stacks its gates r, z, n along the rows of `weight_ih` [3H, I] and `weight_hh` [3H, H],
 * with `bias_ih` and `bias_hh` [3H] apart (b_hn sits inside r ⊙ (W_hn h + b_hn)). Keras stacks
 * z, r, h (its name for n) along the columns of `kernel` [I, 3H] and `recurrent_kernel` [H, 3H],
 * and keeps both biases in one `bias` [2, 3H]: row 0 the input's, row 1 the recurrent one's. The
 * numbers are the same GRU, exactly: only the layout differs.
 */

/** PyTorch's gate blocks [r, z, n] in Keras' order [z, r, h], or back: the same swap both ways. */
function swapResetUpdate(t: tf.Tensor, axis: number): tf.Tensor {
  const [r, z, n] = tf.split(t, 3, axis);
  return tf.concat([z, r, n], axis);
}

/**
 * One direction of one layer of a PyTorch GRU state dict as Keras GRU(reset_after=True) weights
 * `[kernel, recurrentKernel, bias]` (no bias when the state dict has none), for `setWeights`.
 *
 * ```ts
 * kerasGru.setWeights(gruToKerasWeights(gru.stateDict(), {layer: 0}));
 * ```
 */
export function gruToKerasWeights(dict: Record<string, tf.Tensor>, key: DirectionKey = {}): tf.Tensor[] {
  const n = parameterNames(key.layer ?? 0, key.reverse ?? false);
  const [ih, hh] = [dict[n.weightIh], dict[n.weightHh]];
  if (!ih || !hh) {
    throw new Error(
      `gruToKerasWeights: the state dict has no ${n.weightIh} and ${n.weightHh}; keys: ${Object.keys(dict).join(', ')}`,
    );
  }
  const units = hh.shape[1] as number;
  if (ih.rank !== 2 || hh.rank !== 2 || ih.shape[0] !== 3 * units || hh.shape[0] !== 3 * units) {
    throw new Error(
      `gruToKerasWeights: expected ${n.weightIh} [3H, I] and ${n.weightHh} [3H, H] (a GRU), got [${ih.shape}] and [${hh.shape}]`,
    );
  }
  return tf.tidy(() => {
    const weights = [swapResetUpdate(tf.transpose(ih), 1), swapResetUpdate(tf.transpose(hh), 1)];
    const [bih, bhh] = [dict[n.biasIh], dict[n.biasHh]];
    if (bih && bhh) weights.push(tf.stack([swapResetUpdate(bih, 0), swapResetUpdate(bhh, 0)]));
    return weights;
  });
}

/**
 * Keras GRU(reset_after=True) weights `[kernel, recurrentKernel, bias?]` as one direction of one
 * layer of a PyTorch GRU state dict.
 *
 * ```ts
 * gru.loadStateDict(kerasToGRUWeights(kerasGru.getWeights()));
 * ```
 */
export function kerasToGRUWeights(weights: tf.Tensor[], key: DirectionKey = {}): Record<string, tf.Tensor> {
  if (weights.length !== 2 && weights.length !== 3) {
    throw new Error(`kerasToGRUWeights: expected [kernel, recurrentKernel, bias?], got ${weights.length} tensors`);
  }
  const [kernel, recurrent, bias] = weights;
  const units = recurrent.shape[0];
  const cols = 3 * units;
  if (kernel.rank !== 2 || recurrent.rank !== 2 || kernel.shape[1] !== cols || recurrent.shape[1] !== cols) {
    throw new Error(
      `kerasToGRUWeights: expected kernel [I, 3H] and recurrentKernel [H, 3H], got [${kernel.shape}] and [${recurrent.shape}]`,
    );
  }
  if (bias && !tf.util.arraysEqual(bias.shape, [2, cols])) {
    throw new Error(
      `kerasToGRUWeights: expected bias [2, 3H] (reset_after=True), got [${bias.shape}]` +
        (bias.rank === 1 ? ': a reset_after=False GRU, which is not the GRU PyTorch computes' : ''),
    );
  }
  const n = parameterNames(key.layer ?? 0, key.reverse ?? false);
  return tf.tidy(() => {
    const dict: Record<string, tf.Tensor> = {
      [n.weightIh]: tf.transpose(swapResetUpdate(kernel, 1)),
      [n.weightHh]: tf.transpose(swapResetUpdate(recurrent, 1)),
    };
    if (bias) {
      const [bi, bh] = tf.unstack(bias);
      dict[n.biasIh] = swapResetUpdate(bi, 0);
      dict[n.biasHh] = swapResetUpdate(bh, 0);
    }
    return dict;
  });
}
