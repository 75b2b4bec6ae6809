import * as tf from '@tensorflow/tfjs';

import { hasBlockKernels, hasFusedKernels, LSTM_CACHE, LSTM_FORWARD, LSTM_FORWARD_PROJ } from '../kernels/register';
import { blockLayer } from './block-layer';
import { Gradients, lstmBackward, lstmForward, maskPadding, SequenceOptions, StepCache } from './bptt';
import { FlowLabel, forgetMeans, openFlowSlot, recordInSlot } from './flow-recorder';
import { LSTMWeights } from './weights';

/** How gradients of the LSTM are computed: the hand-derived BPTT, or tfjs' autodiff. */
export type GradientMode = 'manual' | 'autodiff';

export interface LayerOptions extends SequenceOptions {
  /**
   * Default 'manual'. Both give the same forward numbers: exactly in inference (where both run
   * the fused forward), to float32 rounding in autodiff training (which runs the composed ops).
   */
  gradient?: GradientMode;
  /** Which layer and direction this is, for `gradientFlow` reports. */
  label?: FlowLabel;
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
 * (`h0` [N, P], `c0` [N, H]).
 *
 * - Without a gradient tape (inference), the forward runs as one fused kernel on `cpu` and
 *   `wasm` (src/kernels/), and as TensorFlow's BlockLSTMV2 op on `tensorflow` (block-layer.ts),
 *   whichever the gradient mode.
 * - With `gradient: 'manual'` (the default), the gradient is the hand-derived BPTT: the fused
 *   backward kernel on `cpu` and `wasm` (the forward kernel's registered gradient), TensorFlow's
 *   BlockLSTMGradV2 op on `tensorflow` (the same equations, written by TensorFlow; not with
 *   projections or during a `gradientFlow` recording), `lstmBackward`'s composed ops wrapped in
 *   `tf.customGrad` elsewhere.
 * - With `'autodiff'`, tfjs differentiates the composed ops of `lstmForward`.
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
  const slot = openFlowSlot(options.label ?? { layer: 0, direction: options.reverse ? 'reverse' : 'forward' });
  if (slot >= 0 && options.gradient === 'autodiff') {
    throw new Error(
      "gradientFlow: the report comes from the hand-derived backward pass; this LSTM uses gradient: 'autodiff' " +
        "(use gradient: 'manual', the default)",
    );
  }
  if (x.shape[1] === 0) return emptyBatch(x, h0, c0, w);
  // TensorFlow's BlockLSTM ops have no projection, no device-side mask and no per-step gradient
  // norms for gradientFlow (slot >= 0): those cases run the composed ops.
  if (hasBlockKernels() && !w.weightHr && !options.validSteps && slot < 0 && x.shape[0] > 0) {
    if (!tf.engine().isTapeOn() || options.gradient !== 'autodiff') return blockLayer(x, h0, c0, w, options);
  }
  // The fused kernels take lengths as numbers; a mask on the device (validSteps) needs the composed ops.
  if (hasFusedKernels() && !options.validSteps) {
    // The kernel's registered gradient is the hand-derived BPTT; autodiff needs the composed ops.
    const taping = tf.engine().isTapeOn();
    if (!taping || options.gradient !== 'autodiff') {
      const [output, hN, cN, ...cache] = runForwardKernel(
        maskPadding(x, options.lengths),
        h0,
        c0,
        w,
        options,
        taping,
        slot,
      );
      if (slot >= 0) {
        const hidden = c0.shape[1] as number;
        const [steps, batch] = x.shape;
        recordInSlot(
          slot,
          'forgetMean',
          forgetMeans(tf.slice(cache[0], [0, 0, hidden], [steps, batch, hidden]), options.lengths),
        );
      }
      tf.dispose(cache); // the engine keeps its own references for the backward pass
      return { output, hN, cN };
    }
  }
  if (options.gradient === 'autodiff') {
    const { output, hN, cN } = lstmForward(x, h0, c0, w, options);
    return { output, hN, cN };
  }
  return composedManual(x, h0, c0, w, options, slot);
}

/**
 * A batch of no sequences: empty outputs, as PyTorch and tf.layers.lstm give, whose gradient with
 * respect to every input is zeros of its shape (PyTorch's), not missing. No kernel or op sees the
 * empty batch, because on an empty dimension some return uninitialised memory (wasm's matMul and
 * its sum), and the kernels' loops assume data.
 */
function emptyBatch(x: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor, w: LSTMWeights): LayerResult {
  const [steps] = x.shape;
  const [outputSize, hiddenSize] = [h0.shape[1] as number, c0.shape[1] as number];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    // Only the shapes: the inputs themselves may be gone (disposed by a tidy) when the gradient runs.
    const shapes = (args.slice(0, -1) as tf.Tensor[]).map((t) => t.shape);
    return { value: tf.zeros([0]), gradFunc: () => shapes.map((shape) => tf.zeros(shape)) };
  });
  const empty = op(x, h0, c0, ...weightList(w));
  return {
    output: tf.reshape(empty, [steps, 0, outputSize]),
    hN: tf.reshape(empty, [0, outputSize]),
    cN: tf.reshape(empty, [0, hiddenSize]),
  };
}

function kernelAttrs(options: SequenceOptions, flowSlot = -1) {
  return { reverse: Boolean(options.reverse), lengths: options.lengths ? [...options.lengths] : [], flowSlot };
}

function runForwardKernel(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
  saveCache: boolean,
  flowSlot = -1,
): tf.Tensor[] {
  const inputs: tf.NamedTensorMap = { x, h0, c0, weightIh: w.weightIh, weightHh: w.weightHh };
  if (w.biasIh && w.biasHh) Object.assign(inputs, { biasIh: w.biasIh, biasHh: w.biasHh });
  if (w.weightHr) inputs.weightHr = w.weightHr;
  // The cache is the forward kernel's out-parameters: made empty here, filled by the kernel (see
  // lstmCacheKernel for why they are inputs).
  let cache: tf.Tensor[] = [];
  if (saveCache) {
    const [steps, batch, inputSize] = x.shape;
    const attrs = { steps, batch, hidden: c0.shape[1] as number, width: inputSize + (h0.shape[1] as number) };
    cache = tf.engine().runKernel(LSTM_CACHE, {}, attrs) as tf.Tensor[];
    const [gates, cPrev, xh, tanhC] = cache;
    Object.assign(inputs, { gates, cPrev, xh, tanhC });
  }
  const name = w.weightHr ? LSTM_FORWARD_PROJ : LSTM_FORWARD;
  const outputs = tf.engine().runKernel(name, inputs, kernelAttrs(options, flowSlot)) as tf.Tensor[];
  return [...outputs, ...cache];
}

const CACHE_FIELDS = ['i', 'f', 'g', 'o', 'tanhC', 'hPrev', 'cPrev'] as const;

/** The weights as a list of tensors (the order customGrad sees them), and back. */
function weightList(w: LSTMWeights): tf.Tensor[] {
  const list: tf.Tensor[] = [w.weightIh, w.weightHh];
  if (w.biasIh && w.biasHh) list.push(w.biasIh, w.biasHh);
  if (w.weightHr) list.push(w.weightHr);
  return list;
}

function weightsFromList(list: tf.Tensor[], hasBias: boolean, hasProj: boolean): LSTMWeights {
  const [weightIh, weightHh, ...rest] = list;
  const w: LSTMWeights = { weightIh, weightHh };
  if (hasBias) [w.biasIh, w.biasHh] = rest.splice(0, 2);
  if (hasProj) w.weightHr = rest[0];
  return w;
}

/**
 * The composed ops of bptt.ts with their hand-derived backward attached by `tf.customGrad`: the
 * manual path of the backends without fused kernels. The forward's cache is seven [N, ...]
 * tensors per step.
 */
function composedManual(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
  flowSlot: number,
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
    const fwd = lstmForward(xIn, h0In, c0In, weightsFromList(weightsIn, hasBias, hasProj), options);
    if (flowSlot >= 0) {
      recordInSlot(
        flowSlot,
        'forgetMean',
        forgetMeans(tf.stack(fwd.cache.map((s) => s.f)), options.lengths, options.validSteps),
      );
    }
    // Only what is saved outlives this function; inputs are saved too, since the caller may
    // dispose them before the backward pass runs.
    // (validSteps last: the caller's tidy disposes it before the backward pass runs.)
    const validSteps = options.validSteps ? [options.validSteps] : [];
    save([xIn, ...weightsIn, ...fwd.cache.flatMap((step) => CACHE_FIELDS.map((k) => step[k])), ...validSteps]);
    const value = tf.concat([tf.reshape(fwd.output, [-1]), tf.reshape(fwd.hN, [-1]), tf.reshape(fwd.cN, [-1])]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const flat = saved.slice(1 + numWeights);
        const cache = Array.from({ length: steps }, (_, t) => {
          const step = {} as StepCache;
          CACHE_FIELDS.forEach((k, j) => (step[k] = flat[t * CACHE_FIELDS.length + j]));
          return step;
        });
        const [dOut, dhN, dcN] = tf.split(dy, sizes);
        const norms: tf.Tensor[] = new Array(steps);
        const g: Gradients = lstmBackward(
          tf.reshape(dOut, [steps, batch, outputSize]),
          tf.reshape(dhN, [batch, outputSize]),
          tf.reshape(dcN, [batch, hiddenSize]),
          saved[0],
          weightsFromList(saved.slice(1, 1 + numWeights), hasBias, hasProj),
          cache,
          options.validSteps ? { ...options, validSteps: saved[saved.length - 1] } : options,
          flowSlot < 0 ? undefined : (t, dhNew, dcNew) => (norms[t] = tf.stack([tf.norm(dhNew), tf.norm(dcNew)])),
        );
        if (flowSlot >= 0) recordInSlot(flowSlot, 'norms', tf.stack(norms));
        const grads: tf.Tensor[] = [g.dx, g.dh0, g.dc0, g.dWeightIh, g.dWeightHh];
        // bias_ih and bias_hh have the same gradient, but each gets its own tensor: a caller that
        // replaces or disposes gradients one by one (clipGradNorm, dispose) would free it twice.
        if (hasBias) grads.push(g.dBias as tf.Tensor, tf.clone(g.dBias as tf.Tensor));
        if (hasProj) grads.push(g.dWeightHr as tf.Tensor);
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
