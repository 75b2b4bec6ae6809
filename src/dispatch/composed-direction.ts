import * as tf from '@tensorflow/tfjs';

import { Gradients, gradientList, lstmBackward, lstmForward, StepCache } from '../ops/bptt';
import { SequenceOptions } from '../ops/sequence';
import { LSTMWeights, weightList, weightsFromList } from '../ops/weights';
import { FlowRecord, forgetMeans } from './flow-recording';
import { DirectionResult, directionCustomGrad, flattenCache, restoreCache, resultShapes } from './direction-grad';

const CACHE_FIELDS = ['i', 'f', 'g', 'o', 'tanhC', 'hPrev', 'cPrev'] as const;

/**
 * The composed ops of src/ops/bptt.ts with their hand-derived backward attached by
 * `tf.customGrad`: the manual path of the backends without fused kernels. The forward's cache is
 * seven [N, ...] tensors per step. With `record`, the forward keeps the mean forget gates and the
 * backward the per-step norms of dL/dh_t and dL/dc_t there (`gradientFlow`).
 *
 * ```ts
 * const { output, hN, cN } = composedDirection(x, h0, c0, w, { reverse: true }, null);
 * ```
 */
export function composedDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
  record: FlowRecord | null,
): DirectionResult {
  const steps = x.shape[0];
  const hasBias = Boolean(w.biasIh && w.biasHh);
  const hasProj = Boolean(w.weightHr);
  const numWeights = weightList(w).length;
  const shapes = resultShapes(x, h0, c0);

  const layer = directionCustomGrad(shapes, ([xIn, h0In, c0In, ...weightsIn], save) => {
    const fwd = lstmForward(xIn, h0In, c0In, weightsFromList(weightsIn, hasBias, hasProj), options);
    record?.keepForgetMean(forgetMeans(tf.stack(fwd.cache.map((s) => s.f)), options.lengths, options.validSteps));
    // Only what is saved outlives this function; inputs are saved too, since the caller may
    // dispose them before the backward pass runs.
    // (validSteps last: the caller's tidy disposes it before the backward pass runs.)
    const validSteps = options.validSteps ? [options.validSteps] : [];
    save([xIn, ...weightsIn, ...flattenCache(fwd.cache, CACHE_FIELDS), ...validSteps]);
    const gradFunc = ([dOutput, dhN, dcN]: tf.Tensor[], saved: tf.Tensor[]) => {
      const cache = restoreCache<StepCache>(saved.slice(1 + numWeights), CACHE_FIELDS, steps);
      const norms: tf.Tensor[] = new Array(steps);
      const g: Gradients = lstmBackward(
        dOutput,
        dhN,
        dcN,
        saved[0],
        weightsFromList(saved.slice(1, 1 + numWeights), hasBias, hasProj),
        cache,
        options.validSteps ? { ...options, validSteps: saved[saved.length - 1] } : options,
        record ? (t, dhNew, dcNew) => (norms[t] = tf.stack([tf.norm(dhNew), tf.norm(dcNew)])) : undefined,
      );
      record?.keepNorms(tf.stack(norms));
      return gradientList(g, hasBias, hasProj);
    };
    return { value: [fwd.output, fwd.hN, fwd.cN], gradFunc };
  });
  return layer(x, h0, c0, ...weightList(w));
}
