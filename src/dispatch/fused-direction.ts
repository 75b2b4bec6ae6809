import * as tf from '@tensorflow/tfjs';

import { SIMD_LOOPS_FLAG } from '../kernels/flags';
import {
  LSTM_CACHE,
  LSTM_FORWARD,
  LSTM_FORWARD_PROJ,
  LSTM_PREPARE,
  LSTM_STEP,
  LstmForwardAttrs,
  LstmForwardInputs,
} from '../kernels/kernel-names';
import { lstmForwardGradient } from '../kernels/lstm-gradient';
import { runKernel } from '../kernels/run-kernel';
import { maskPadding, SequenceOptions } from '../ops/sequence';
import { LSTMWeights, weightList, weightsFromList } from '../ops/weights';
import { FlowRecord, forgetMeans } from './flow-recording';
import { DirectionResult, directionCustomGrad, resultShapes } from './direction-grad';
import { PreparedWeights } from './prepared-weights';

/**
 * One layer direction as the fused forward kernel of `cpu` and `wasm` (src/kernels/), whose
 * registered gradient is the fused backward kernel: the hand-derived BPTT. Without `lengths`
 * given as a tensor (`validSteps`: the kernels take lengths as numbers; the caller checks).
 *
 * With `record` (a `gradientFlow` recording), the forward kernel runs inside a `tf.customGrad`
 * whose gradient is the same function as the registered one, given the record by closure: the
 * forward keeps the mean forget gates there, the backward the per-step norms of dL/dh_t and
 * dL/dc_t.
 *
 * With `prepared` and no gradient being recorded, the weights in the kernel's layout come from
 * there (made once per parameter value) instead of being made again at every call.
 *
 * ```ts
 * const { output, hN, cN } = fusedDirection(x, h0, c0, w, { lengths: [5, 3] }, null);
 * ```
 */
export function fusedDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
  record: FlowRecord | null,
  prepared?: PreparedWeights,
): DirectionResult {
  const masked = maskPadding(x, options.lengths);
  if (record) return recordedFusedDirection(masked, h0, c0, w, options, record);
  const taping = tf.engine().isTapeOn();
  // Prepared weights are not parameters, so the gradient could not reach the parameters through
  // them: a recorded call prepares its own, from the parameters themselves.
  const layout = prepared && !taping ? fusedLayout(prepared, w) : undefined;
  const [output, hN, cN, ...cache] = runForwardKernel(masked, h0, c0, w, options, taping, layout);
  tf.dispose(cache); // the engine keeps its own references for the backward pass
  return { output, hN, cN };
}

/**
 * One step of a batch, x [N, I] from (h [N, P], c [N, H]), as the step kernel (`LSTM_STEP`) on
 * the weights in `prepared`: for inference only (the step kernel has no gradient).
 *
 * ```ts
 * const [h1, c1] = fusedStep(x, h0, c0, w, prepared);
 * ```
 */
export function fusedStep(
  x: tf.Tensor,
  h: tf.Tensor,
  c: tf.Tensor,
  w: LSTMWeights,
  prepared: PreparedWeights,
): [tf.Tensor, tf.Tensor] {
  const [hNew, cNew] = runKernel(LSTM_STEP, { x, h, c, ...fusedLayout(prepared, w) }, {});
  return [hNew, cNew];
}

/** `LSTM_PREPARE`'s outputs, named as the forward and step kernels take them. */
export interface FusedLayout {
  gateKernel: tf.Tensor;
  gateBias?: tf.Tensor;
  projectionKernel?: tf.Tensor;
}

/**
 * The fused kernels' prepared weights (`LSTM_PREPARE`), as forward kernel inputs, from `prepared`:
 * made once per parameter value.
 */
export function fusedLayout(prepared: PreparedWeights, w: LSTMWeights): FusedLayout {
  // The layout of the wasm kernels' gate weights depends on whether the SIMD loops run.
  const layout = `fused, simd ${tf.env().getBool(SIMD_LOOPS_FLAG)}`;
  const made = prepared.get(layout, w, () => runKernel(LSTM_PREPARE, w, {}));
  const [gateKernel, ...rest] = made;
  const gateBias = w.biasIh && w.biasHh ? rest.shift() : undefined;
  return { gateKernel, gateBias, projectionKernel: w.weightHr ? rest.shift() : undefined };
}

function sequenceAttrs(options: SequenceOptions): LstmForwardAttrs {
  return { reverse: Boolean(options.reverse), lengths: options.lengths ? [...options.lengths] : [] };
}

/** [output, hN, cN], then with `saveCache` the cache the kernel filled: [gates, cPrev, xh, tanhC]. */
function runForwardKernel(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
  saveCache: boolean,
  layout: Partial<FusedLayout> = {},
): tf.Tensor[] {
  const inputs: LstmForwardInputs = { x, h0, c0, weightIh: w.weightIh, weightHh: w.weightHh, ...layout };
  if (w.biasIh && w.biasHh) [inputs.biasIh, inputs.biasHh] = [w.biasIh, w.biasHh];
  // The cache is the forward kernel's out-parameters: made empty here, filled by the kernel (see
  // lstmCacheKernel for why they are inputs).
  let cache: tf.Tensor[] = [];
  if (saveCache) {
    const [steps, batch, inputSize] = x.shape;
    const sizes = { steps, batch, hidden: c0.shape[1] as number, width: inputSize + (h0.shape[1] as number) };
    cache = runKernel(LSTM_CACHE, {}, sizes);
    [inputs.gates, inputs.cPrev, inputs.xh, inputs.tanhC] = cache;
  }
  const attrs = sequenceAttrs(options);
  const outputs = w.weightHr
    ? runKernel(LSTM_FORWARD_PROJ, { ...inputs, weightHr: w.weightHr }, attrs)
    : runKernel(LSTM_FORWARD, inputs, attrs);
  return [...outputs, ...cache];
}

function recordedFusedDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
  record: FlowRecord,
): DirectionResult {
  const [steps, batch] = x.shape;
  const hidden = c0.shape[1] as number;
  const hasBias = Boolean(w.biasIh && w.biasHh);
  const hasProj = Boolean(w.weightHr);
  const shapes = resultShapes(x, h0, c0);
  const layer = directionCustomGrad(shapes, ([xIn, h0In, c0In, ...weightsIn], save) => {
    const wIn = weightsFromList(weightsIn, hasBias, hasProj);
    const [output, hN, cN, ...cache] = runForwardKernel(xIn, h0In, c0In, wIn, options, true);
    record.keepForgetMean(forgetMeans(tf.slice(cache[0], [0, 0, hidden], [steps, batch, hidden]), options.lengths));
    // What the kernel's registered gradient would have saved (LSTM_FORWARD_SAVED, _PROJ_SAVED).
    save([wIn.weightIh, wIn.weightHh, ...(wIn.weightHr ? [wIn.weightHr] : []), ...cache]);
    const gradFunc = (dys: tf.Tensor[], saved: tf.Tensor[]) => {
      const g = lstmForwardGradient(dys, saved, sequenceAttrs(options), hasProj, (norms) => record.keepNorms(norms));
      const grads = [g.x(), g.h0(), g.c0(), g.weightIh(), g.weightHh()];
      if (hasBias) grads.push(g.biasIh(), g.biasHh());
      if (hasProj) grads.push(g.weightHr());
      return grads;
    };
    return { value: [output, hN, cN], gradFunc };
  });
  return layer(x, h0, c0, ...weightList(w));
}
