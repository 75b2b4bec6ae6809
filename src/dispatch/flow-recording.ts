import * as tf from '@tensorflow/tfjs';

import { lengthsMask } from '../util/lengths-mask';

/** Which layer and direction (of an LSTM, GRU or RNN) a gradient-flow record belongs to. */
export interface FlowLabel {
  layer: number;
  direction: 'forward' | 'reverse';
}

/**
 * What one layer direction's forward and backward pass record for `gradientFlow`: tensors kept
 * (they outlive the tidy scopes that made them) until the recording is disposed.
 */
export class FlowRecord {
  /** [T]: the mean forget gate f_t over the sequences that have step t (a GRU's update gate z_t). */
  forgetMean?: tf.Tensor;
  /**
   * [T, 2]: per step, the L2 norms of dL/dh_t and dL/dc_t, from the hand-derived backward pass;
   * [T, 1] for a GRU or RNN (dL/dh_t alone).
   */
  norms?: tf.Tensor;

  constructor(readonly label: FlowLabel) {}

  keepForgetMean(t: tf.Tensor): void {
    this.forgetMean = tf.keep(t);
  }

  keepNorms(t: tf.Tensor): void {
    this.norms = tf.keep(t);
  }
}

/**
 * A gradient-flow recording: one record per layer direction, in the order their forward passes
 * ran. The dispatcher (lstm-direction.ts) opens a record for each layer direction it runs and hands
 * it, by closure, to that direction's gradient function.
 */
export class FlowRecording {
  readonly records: FlowRecord[] = [];

  open(label: FlowLabel): FlowRecord {
    const record = new FlowRecord(label);
    this.records.push(record);
    return record;
  }

  dispose(): void {
    tf.dispose(this.records.flatMap((r) => [r.forgetMean, r.norms]).filter((t): t is tf.Tensor => Boolean(t)));
  }
}

// `gradientFlow(f)` takes a function of no arguments (so that any model code can be measured as it
// is), so the layers that `f` runs cannot be handed the recording: they find it here, set for
// the duration of `f`, as tfjs ops find the current tidy scope in the engine. This is the one
// piece of state shared that way; below the dispatcher the recording travels as an argument.
let current: FlowRecording | null = null;

/**
 * Runs `f` (a forward and backward pass) with the LSTM layers it runs recording their gradient
 * flow into `recording`.
 *
 * ```ts
 * const recording = new FlowRecording();
 * const grads = withFlowRecording(recording, () => tf.variableGrads(loss));
 * ```
 */
export function withFlowRecording<T>(recording: FlowRecording, f: () => T): T {
  if (current) throw new Error('gradientFlow: already recording (nested gradientFlow calls are not supported)');
  current = recording;
  try {
    return f();
  } finally {
    current = null;
  }
}

/** The recording `withFlowRecording` is running, if any. */
export function currentFlowRecording(): FlowRecording | null {
  return current;
}

/**
 * The mean forget gate per step of a [T, N, H] tensor of f, over the sequences that have each
 * step (NaN at a step no sequence has: the reverse direction never has those). The steps each
 * sequence has come from `lengths`, or from `validSteps` ([T, N], on the device) when given.
 *
 * ```ts
 * const mean = forgetMeans(f, [3, 2]); // [T]
 * ```
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
