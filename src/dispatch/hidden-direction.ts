import * as tf from '@tensorflow/tfjs';

import type { CellSpec, Nonlinearity } from '../layers/cell-spec';
import { gruBackward, gruForward, GRUStepCache } from '../ops/gru';
import { rnnBackward, rnnForward, RNNStepCache } from '../ops/rnn';
import { SequenceOptions } from '../ops/sequence';
import { CellWeights, weightList, weightsFromList } from '../ops/weights';
import { hasFusedKernels, hasWebglKernels } from '../kernels/register';
import { emptyBatch, flattenCache, packedCustomGrad, restoreCache } from './direction-grad';
import { currentFlowRecording, FlowLabel, FlowRecord, FlowRecording, forgetMeans } from './flow-recording';
import { fusedHiddenDirection } from './fused-hidden-direction';
import { webglGruDirection } from './webgl-gru-direction';
import type { GradientMode } from './lstm-direction';
import { warnIfHalfPrecision } from './precision';

/** Options of `gruDirection` and `rnnDirection`: the sequence's, the gradient mode, the report label. */
export interface HiddenDirectionOptions extends SequenceOptions {
  /** Default 'manual': the hand-derived BPTT of ops/gru.ts (ops/rnn.ts); 'autodiff': tfjs' own. */
  gradient?: GradientMode;
  /** Which layer and direction this is, for `gradientFlow` reports. */
  label?: FlowLabel;
}

/** What a GRU or RNN layer direction returns: the output at every step [T, N, H] and hN [N, H]. */
export interface HiddenDirectionResult {
  output: tf.Tensor;
  hN: tf.Tensor;
}

/**
 * A cell whose only state is h (GRU, RNN), as the dispatcher sees its ops: the forward that
 * returns a per-step cache of the named fields, and the backward that consumes it and returns
 * the gradients in `weightList` order after (x, h0).
 */
interface HiddenCellOps<C extends Record<string, tf.Tensor>> {
  /** The `nonlinearity` of the fused kernels' RNN; undefined: their GRU. */
  kernel: Nonlinearity | undefined;
  fields: readonly (keyof C)[];
  /** The cache field whose mean `gradientFlow` reports as the forget gate's (GRU: z); none for RNN. */
  keeps?: keyof C;
  forward(
    x: tf.Tensor,
    h0: tf.Tensor,
    w: CellWeights,
    options: SequenceOptions,
  ): HiddenDirectionResult & { cache: C[] };
  backward(
    dOutput: tf.Tensor,
    dhN: tf.Tensor,
    x: tf.Tensor,
    w: CellWeights,
    cache: C[],
    options: SequenceOptions,
    onStep?: (t: number, dhNew: tf.Tensor) => void,
  ): tf.Tensor[];
}

const GRU_OPS: HiddenCellOps<{ [K in keyof GRUStepCache]: tf.Tensor }> = {
  kernel: undefined,
  fields: ['r', 'z', 'n', 'hn', 'hPrev'],
  keeps: 'z',
  forward: gruForward,
  backward(dOutput, dhN, x, w, cache, options, onStep) {
    const g = gruBackward(dOutput, dhN, x, w, cache, options, onStep);
    return [g.dx, g.dh0, g.dWeightIh, g.dWeightHh, ...(g.dBiasIh && g.dBiasHh ? [g.dBiasIh, g.dBiasHh] : [])];
  },
};

function rnnOps(nonlinearity: Nonlinearity): HiddenCellOps<{ [K in keyof RNNStepCache]: tf.Tensor }> {
  return {
    kernel: nonlinearity,
    fields: ['h', 'hPrev'],
    forward: (x, h0, w, options) => rnnForward(x, h0, w, nonlinearity, options),
    backward(dOutput, dhN, x, w, cache, options, onStep) {
      const g = rnnBackward(dOutput, dhN, x, w, nonlinearity, cache, options, onStep);
      // b_ih and b_hh have the same gradient; each gets its own tensor (see `gradientList`).
      return [g.dx, g.dh0, g.dWeightIh, g.dWeightHh, ...(g.dBias ? [g.dBias, tf.clone(g.dBias)] : [])];
    },
  };
}

/**
 * One GRU layer in one direction over a sequence `x` ([T, N, I]) from `h0` ([N, H]). In
 * inference and with `gradient: 'autodiff'` it runs `gruForward`'s ops (tfjs differentiates them
 * in autodiff); with `'manual'` (the default) under a gradient tape, the same forward in a
 * `tf.customGrad` whose gradient is `gruBackward`, the hand-derived BPTT; on `cpu` and `wasm`, the
 * fused kernels (fused-hidden-direction.ts). `recording`, when given (by default the one
 * `gradientFlow` is running, if any), gets this layer direction's per-step norms of dL/dh_t and its
 * mean update gate.
 *
 * ```ts
 * const { output, hN } = gruDirection(x, h0, { weightIh, weightHh, biasIh, biasHh }, { reverse: true });
 * ```
 */
export function gruDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  w: CellWeights,
  options: HiddenDirectionOptions = {},
  recording: FlowRecording | null = currentFlowRecording(),
): HiddenDirectionResult {
  warnIfHalfPrecision();
  return hiddenDirection(GRU_OPS, x, h0, w, options, recording);
}

/**
 * One Elman RNN layer (`nonlinearity` tanh or relu) in one direction, as `gruDirection` runs a
 * GRU's: `rnnForward`'s ops, with `rnnBackward` as their gradient in manual mode.
 *
 * ```ts
 * const { output, hN } = rnnDirection(x, h0, { weightIh, weightHh }, 'relu');
 * ```
 */
export function rnnDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  w: CellWeights,
  nonlinearity: Nonlinearity,
  options: HiddenDirectionOptions = {},
  recording: FlowRecording | null = currentFlowRecording(),
): HiddenDirectionResult {
  warnIfHalfPrecision();
  return hiddenDirection(rnnOps(nonlinearity), x, h0, w, options, recording);
}

/**
 * One step of a GRU or RNN cell (`spec`: `GRU_CELL` or `rnnCellSpec(...)`), from x [N, I] and
 * h [N, H]: the new h, as a sequence of one step through `gruDirection` or `rnnDirection`.
 * `GRUCell`, `RNNCell` and their tfjs layers run it.
 *
 * ```ts
 * const h1 = hiddenCellStep(GRU_CELL, x, h0, { weightIh, weightHh, biasIh, biasHh });
 * ```
 */
export function hiddenCellStep(
  spec: CellSpec,
  x: tf.Tensor,
  h: tf.Tensor,
  w: CellWeights,
  options: { gradient?: GradientMode } = {},
): tf.Tensor {
  const [batch, inputSize] = x.shape as [number, number];
  const x3 = tf.reshape(x, [1, batch, inputSize]);
  const { hN } = spec.nonlinearity
    ? rnnDirection(x3, h, w, spec.nonlinearity, options)
    : gruDirection(x3, h, w, options);
  return hN;
}

function hiddenDirection<C extends Record<string, tf.Tensor>>(
  ops: HiddenCellOps<C>,
  x: tf.Tensor,
  h0: tf.Tensor,
  w: CellWeights,
  options: HiddenDirectionOptions,
  recording: FlowRecording | null,
): HiddenDirectionResult {
  if (recording && options.gradient === 'autodiff') {
    throw new Error(
      "gradientFlow: the report comes from the hand-derived backward pass; this layer uses gradient: 'autodiff' " +
        "(use gradient: 'manual', the default)",
    );
  }
  const record = recording?.open(options.label ?? { layer: 0, direction: options.reverse ? 'reverse' : 'forward' });
  if (x.shape[1] === 0) {
    const [output, hN] = emptyBatch(x, [h0], weightList(w));
    return { output, hN };
  }
  const taping = tf.engine().isTapeOn();
  // cpu and wasm: the fused kernels, whose gradient is the hand-derived BPTT (not with a mask on
  // the device: they take lengths as numbers, nor for gradientFlow's per-step norms).
  if (hasFusedKernels() && !options.validSteps && !record && (!taping || options.gradient !== 'autodiff')) {
    return fusedHiddenDirection(x, h0, w, ops.kernel, options);
  }
  // webgl in inference: a GRU step as one shader program (the recurrent product inside when H is even).
  if (!taping && !record && ops.kernel === undefined && x.shape[0] > 0 && hasWebglKernels()) {
    return webglGruDirection(x, h0, w, options);
  }
  if ((!taping && !record) || options.gradient === 'autodiff') {
    const { output, hN } = ops.forward(x, h0, w, options);
    return { output, hN };
  }
  return composedHidden(ops, x, h0, w, options, record ?? null);
}

/** The cell's forward with its hand-derived backward attached by `tf.customGrad`. */
function composedHidden<C extends Record<string, tf.Tensor>>(
  ops: HiddenCellOps<C>,
  x: tf.Tensor,
  h0: tf.Tensor,
  w: CellWeights,
  options: SequenceOptions,
  record: FlowRecord | null,
): HiddenDirectionResult {
  const steps = x.shape[0];
  const hasBias = Boolean(w.biasIh && w.biasHh);
  const numWeights = weightList(w).length;
  const [batch, hidden] = h0.shape;
  const { fields } = ops;
  const layer = packedCustomGrad(
    [
      [steps, batch, hidden],
      [batch, hidden],
    ],
    ([xIn, h0In, ...weightsIn], save) => {
      const fwd = ops.forward(xIn, h0In, weightsFromList(weightsIn, hasBias, false), options);
      const keeps = ops.keeps;
      if (record && keeps) {
        record.keepForgetMean(
          forgetMeans(tf.stack(fwd.cache.map((s) => s[keeps])), options.lengths, options.validSteps),
        );
      }
      // Only what is saved outlives this function; inputs are saved too, since the caller may
      // dispose them before the backward pass runs (validSteps last: the caller's tidy disposes it).
      const validSteps = options.validSteps ? [options.validSteps] : [];
      save([xIn, ...weightsIn, ...flattenCache(fwd.cache, fields), ...validSteps]);
      const gradFunc = ([dOutput, dhN]: tf.Tensor[], saved: tf.Tensor[]) => {
        const cache = restoreCache<C>(saved.slice(1 + numWeights), fields, steps);
        const norms: tf.Tensor[] = new Array(steps);
        const grads = ops.backward(
          dOutput,
          dhN,
          saved[0],
          weightsFromList(saved.slice(1, 1 + numWeights), hasBias, false),
          cache,
          options.validSteps ? { ...options, validSteps: saved[saved.length - 1] } : options,
          record ? (t, dhNew) => (norms[t] = tf.reshape(tf.norm(dhNew), [1])) : undefined,
        );
        record?.keepNorms(tf.stack(norms));
        return grads;
      };
      return { value: [fwd.output, fwd.hN], gradFunc };
    },
  );
  const [output, hN] = layer(x, h0, ...weightList(w));
  return { output, hN };
}
