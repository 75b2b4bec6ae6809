import * as tf from '@tensorflow/tfjs';

import { FlowLabel, recordFlow } from '../ops/flow-recorder';

/** The gradient flow through one layer and direction of an LSTM, per time step. */
export interface FlowReport extends FlowLabel {
  /** ||dL/dh_t|| (L2, over the batch) at each step t. */
  dhNorm: number[];
  /** ||dL/dc_t|| at each step t. */
  dcNorm: number[];
  /** The mean forget gate f_t at each step (over the sequences that have the step). */
  forgetMean: number[];
}

export interface GradientFlowResult {
  /** The loss. */
  value: number;
  /** The gradients, as `tf.variableGrads` returns them: the caller disposes them (or applies them). */
  grads: tf.NamedTensorMap;
  /** One report per layer direction, in the order the forward passes ran. */
  flow: FlowReport[];
}

/**
 * Computes the gradients of `f` (a scalar loss of LSTMs with `gradient: 'manual'`) with
 * `tf.variableGrads`, and with them, from the same hand-derived backward pass, how the gradient
 * flows back through time: the per-step norms of dL/dh_t and dL/dc_t and the mean forget gate.
 * Autodiff cannot hand these out without a second pass.
 *
 * ```ts
 * const {value, grads, flow} = gradientFlow(() => loss(rnn.forward(x)[0], y));
 * optimizer.applyGradients(grads);
 * tf.dispose(Object.values(grads));
 * console.log(flow[0].dcNorm); // how far back the error signal reaches
 * ```
 */
export function gradientFlow(f: () => tf.Scalar, varList?: tf.Variable[]): GradientFlowResult {
  const { result, slots } = recordFlow(() => tf.variableGrads(f, varList));
  const flow = slots.map((slot) => {
    const norms = slot.norms ? (slot.norms.arraySync() as number[][]) : [];
    const report: FlowReport = {
      ...slot.label,
      dhNorm: norms.map((n) => n[0]),
      dcNorm: norms.map((n) => n[1]),
      forgetMean: slot.forgetMean ? Array.from(slot.forgetMean.dataSync()) : [],
    };
    tf.dispose([slot.norms, slot.forgetMean].filter((t): t is tf.Tensor => Boolean(t)));
    return report;
  });
  const value = result.value.dataSync()[0];
  result.value.dispose();
  return { value, grads: result.grads, flow };
}
