import * as tf from '@tensorflow/tfjs';

import { FlowLabel, FlowRecord, FlowRecording, withFlowRecording } from '../dispatch/flow-recording';

/** The gradient flow through one layer and direction of an LSTM, GRU or RNN, per time step. */
export interface FlowReport extends FlowLabel {
  /** ||dL/dh_t|| (L2, over the batch) at each step t. */
  dhNorm: number[];
  /** ||dL/dc_t|| at each step t; empty for a GRU or RNN, which have no c. */
  dcNorm: number[];
  /**
   * The mean forget gate f_t at each step (over the sequences that have the step); for a GRU its
   * update gate z_t, the share of h_{t-1} that h_t keeps, the same role; empty for an RNN.
   */
  forgetMean: number[];
}

/** What `gradientFlow` returns: the loss, the gradients, and the flow report of each layer direction. */
export interface GradientFlowResult {
  /** The loss. */
  value: number;
  /** The gradients, as `tf.variableGrads` returns them: the caller disposes them (or applies them). */
  grads: tf.NamedTensorMap;
  /** One report per layer direction, in the order the forward passes ran. */
  flow: FlowReport[];
}

/**
 * Computes the gradients of `f` (a scalar loss of LSTMs, GRUs or RNNs with `gradient: 'manual'`)
 * with `tf.variableGrads`, and with them, from the same hand-derived backward pass, how the
 * gradient flows back through time: the per-step norms of dL/dh_t and dL/dc_t and the mean forget
 * gate (a GRU's: dL/dh_t and its update gate).
 * Autodiff cannot hand these out without a second pass.
 *
 * The loss and the report are read synchronously: on WebGPU, which allows no synchronous read of
 * computed data, this throws (leaving no tensor behind); use `gradientFlowAsync` there.
 *
 * ```ts
 * const {value, grads, flow} = gradientFlow(() => loss(rnn.forward(x)[0], y));
 * optimizer.applyGradients(grads);
 * tf.dispose(Object.values(grads));
 * console.log(flow[0].dcNorm); // how far back the error signal reaches
 * ```
 */
export function gradientFlow(f: () => tf.Scalar, varList?: tf.Variable[]): GradientFlowResult {
  const { result, recording } = record(f, varList);
  try {
    const flow = recording.records.map((r) =>
      report(
        r,
        r.norms ? (r.norms.arraySync() as number[][]) : [],
        r.forgetMean ? Array.from(r.forgetMean.dataSync()) : [],
      ),
    );
    return { value: result.value.dataSync()[0], grads: result.grads, flow };
  } catch (e) {
    tf.dispose(Object.values(result.grads));
    throw new Error(
      `gradientFlow: the report is read synchronously, which the ${tf.getBackend()} backend does not allow ` +
        `(${e instanceof Error ? e.message : String(e)}); use await gradientFlowAsync(f)`,
    );
  } finally {
    recording.dispose();
    result.value.dispose();
  }
}

/**
 * `gradientFlow` for backends that cannot read synchronously (WebGPU): `f` and its gradients run
 * before it returns, as in `gradientFlow`; the loss and the report are then read with
 * `await data()`.
 *
 * ```ts
 * const {value, grads, flow} = await gradientFlowAsync(() => loss(rnn.forward(x)[0], y));
 * optimizer.applyGradients(grads);
 * tf.dispose(Object.values(grads));
 * ```
 */
export async function gradientFlowAsync(f: () => tf.Scalar, varList?: tf.Variable[]): Promise<GradientFlowResult> {
  const { result, recording } = record(f, varList);
  try {
    const flow = await Promise.all(
      recording.records.map(async (r) =>
        report(
          r,
          r.norms ? ((await r.norms.array()) as number[][]) : [],
          r.forgetMean ? Array.from(await r.forgetMean.data()) : [],
        ),
      ),
    );
    return { value: (await result.value.data())[0], grads: result.grads, flow };
  } catch (e) {
    tf.dispose(Object.values(result.grads));
    throw e;
  } finally {
    recording.dispose();
    result.value.dispose();
  }
}

/**
 * `tf.variableGrads(f, varList)` with every LSTM layer direction that `f` runs recording its
 * gradient flow (src/dispatch/flow-recording.ts); on an error, nothing recorded is left behind.
 */
function record(f: () => tf.Scalar, varList?: tf.Variable[]) {
  const recording = new FlowRecording();
  try {
    return { result: withFlowRecording(recording, () => tf.variableGrads(f, varList)), recording };
  } catch (e) {
    recording.dispose();
    throw e;
  }
}

function report(r: FlowRecord, norms: number[][], forgetMean: number[]): FlowReport {
  // A GRU's or RNN's norms have one column, dL/dh_t.
  const dcNorm = norms.length && norms[0].length > 1 ? norms.map((n) => n[1]) : [];
  return { ...r.label, dhNorm: norms.map((n) => n[0]), dcNorm, forgetMean };
}
