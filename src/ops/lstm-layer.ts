import * as tf from '@tensorflow/tfjs';

import { lstmBackward, lstmForward, SequenceOptions, StepCache } from './bptt';
import { LSTMWeights } from './weights';

/** How gradients of the LSTM are computed: the hand-derived BPTT, or tfjs' autodiff. */
export type GradientMode = 'manual' | 'autodiff';

export interface LayerOptions extends SequenceOptions {
  /** Default 'manual'. Both give the same forward numbers. */
  gradient?: GradientMode;
}

export interface LayerResult {
  /** [T, N, P] */
  output: tf.Tensor;
  /** [N, P] */
  hN: tf.Tensor;
  /** [N, H] */
  cN: tf.Tensor;
}

/**
 * One LSTM layer in one direction over a sequence `x` of shape [T, N, I], from the state
 * (`h0` [N, P], `c0` [N, H]). With `gradient: 'manual'` (the default) its gradient is the
 * hand-derived BPTT of `lstmBackward`; with `'autodiff'`, tfjs differentiates the forward's ops.
 *
 * ```ts
 * const {output, hN, cN} = lstmLayer(x, h0, c0, {weightIh, weightHh, biasIh, biasHh});
 * ```
 */
export function lstmLayer(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: LayerOptions = {},
): LayerResult {
  if (options.gradient === 'autodiff') {
    const { output, hN, cN } = lstmForward(x, h0, c0, w, options);
    return { output, hN, cN };
  }
  return lstmLayerManual(x, h0, c0, w, options);
}

const CACHE_FIELDS = ['i', 'f', 'g', 'o', 'tanhC', 'hPrev', 'cPrev'] as const;

function flattenCache(cache: StepCache[]): tf.Tensor[] {
  return cache.flatMap((step) => CACHE_FIELDS.map((k) => step[k]));
}

function unflattenCache(flat: tf.Tensor[], steps: number): StepCache[] {
  return Array.from({ length: steps }, (_, t) => {
    const step = {} as Record<(typeof CACHE_FIELDS)[number], tf.Tensor>;
    CACHE_FIELDS.forEach((k, j) => (step[k] = flat[t * CACHE_FIELDS.length + j] as tf.Tensor));
    return step;
  });
}

/** The weights as a list of tensors (the order customGrad sees them), and back. */
function weightList(w: LSTMWeights): tf.Tensor[] {
  const list: tf.Tensor[] = [w.weightIh, w.weightHh];
  if (w.biasIh && w.biasHh) list.push(w.biasIh, w.biasHh);
  if (w.weightHr) list.push(w.weightHr);
  return list;
}

function weightsFromList(list: tf.Tensor[], hasBias: boolean, hasProj: boolean): LSTMWeights {
  const [weightIh, weightHh, ...rest] = list as tf.Tensor[];
  const w: LSTMWeights = { weightIh, weightHh };
  if (hasBias) [w.biasIh, w.biasHh] = rest.splice(0, 2) as tf.Tensor[];
  if (hasProj) w.weightHr = rest[0];
  return w;
}

function lstmLayerManual(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
): LayerResult {
  const [steps, batch] = x.shape;
  const outputSize = h0.shape[1] as number;
  const hiddenSize = c0.shape[1] as number;
  const hasBias = Boolean(w.biasIh && w.biasHh);
  const hasProj = Boolean(w.weightHr);
  const numWeights = weightList(w).length;
  const sizes = [steps * batch * outputSize, batch * outputSize, batch * hiddenSize];

  // customGrad's value is a single tensor, so output, h_n and c_n travel packed in one flat
  // tensor; that way the gradients reaching h_n and c_n arrive in dy with the output's.
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xIn, h0In, c0In, ...weightsIn] = args as tf.Tensor[];
    const fwd = lstmForward(
      xIn as tf.Tensor,
      h0In as tf.Tensor,
      c0In as tf.Tensor,
      weightsFromList(weightsIn, hasBias, hasProj),
      options,
    );
    // Only what is saved outlives this function; inputs are saved too, since the caller may
    // dispose them before the backward pass runs.
    save([xIn, ...weightsIn, ...flattenCache(fwd.cache)]);
    const value = tf.concat([tf.reshape(fwd.output, [-1]), tf.reshape(fwd.hN, [-1]), tf.reshape(fwd.cN, [-1])]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const xSaved = saved[0] as tf.Tensor;
        const wSaved = weightsFromList(saved.slice(1, 1 + numWeights), hasBias, hasProj);
        const cache = unflattenCache(saved.slice(1 + numWeights), steps);
        const [dOut, dhN, dcN] = tf.split(dy, sizes);
        const g = lstmBackward(
          tf.reshape(dOut, [steps, batch, outputSize]),
          tf.reshape(dhN, [batch, outputSize]),
          tf.reshape(dcN, [batch, hiddenSize]),
          xSaved,
          wSaved,
          cache,
          options,
        );
        const grads: tf.Tensor[] = [g.dx, g.dh0, g.dc0, g.dWeightIh, g.dWeightHh];
        if (g.dBias) grads.push(g.dBias, g.dBias);
        if (g.dWeightHr) grads.push(g.dWeightHr);
        return grads;
      });
    return { value, gradFunc };
  });

  const packed = op(x, h0, c0, ...weightList(w));
  const [output, hN, cN] = tf.split(packed, sizes);
  packed.dispose();
  return {
    output: tf.reshape(output, [steps, batch, outputSize]),
    hN: tf.reshape(hN, [batch, outputSize]),
    cN: tf.reshape(cN, [batch, hiddenSize]),
  };
}
