import * as tf from '@tensorflow/tfjs';

import { lengthsMask } from '../util/lengths-mask';

/** Which LSTM layer and direction a gradient-flow record belongs to. */
export interface FlowLabel {
  layer: number;
  direction: 'forward' | 'reverse';
}

/** What one layer direction's pass records while `recordFlow` runs: tensors kept until read. */
export interface FlowSlot {
  label: FlowLabel;
  /** [T]: the mean forget gate f_t over the sequences that have step t. */
  forgetMean?: tf.Tensor;
  /** [T, 2]: per step, the L2 norms of dL/dh_t and dL/dc_t, from the hand-derived backward pass. */
  norms?: tf.Tensor;
}

let slots: FlowSlot[] | null = null;

/**
 * Runs `f` (a forward and backward pass) with every LSTM layer direction recording its gradient
 * flow into a slot, and returns the slots in the order the forward passes ran.
 */
export function recordFlow<T>(f: () => T): { result: T; slots: FlowSlot[] } {
  if (slots) throw new Error('gradientFlow: already recording (nested gradientFlow calls are not supported)');
  const recorded: FlowSlot[] = [];
  slots = recorded;
  try {
    return { result: f(), slots: recorded };
  } catch (e) {
    recorded.forEach((s) => tf.dispose([s.forgetMean, s.norms].filter((t): t is tf.Tensor => Boolean(t))));
    throw e;
  } finally {
    slots = null;
  }
}

/** A new slot for a forward pass, or -1 when nothing is recording. */
export function openFlowSlot(label: FlowLabel): number {
  if (!slots) return -1;
  slots.push({ label });
  return slots.length - 1;
}

/** Keeps `t` (it outlives the caller's tidy) as the slot's `key`. */
export function recordInSlot(slot: number, key: 'forgetMean' | 'norms', t: tf.Tensor): void {
  if (!slots || slot < 0) return;
  slots[slot][key] = tf.keep(t);
}

/**
 * The mean forget gate per step of a [T, N, H] tensor of f, over the sequences that have each
 * step (NaN at a step no sequence has: the reverse direction never has those). The steps each
 * sequence has come from `lengths`, or from `validSteps` ([T, N], on the device) when given.
 */
export function forgetMeans(f: tf.Tensor, lengths?: readonly number[], validSteps?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [steps, , hidden] = f.shape as number[];
    if (!lengths && !validSteps) return tf.mean(f, [1, 2]);
    let mask: tf.Tensor;
    if (validSteps) {
      mask = tf.expandDims(tf.cast(tf.cast(validSteps, 'bool'), 'float32'), 2);
    } else {
      mask = lengthsMask(lengths!, steps, 'float32');
    }
    return tf.div(tf.sum(tf.mul(f, mask), [1, 2]), tf.mul(tf.sum(mask, [1, 2]), hidden));
  });
}
