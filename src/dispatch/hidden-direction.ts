import * as tf from '@tensorflow/tfjs';

import type { CellSpec, Nonlinearity } from '../layers/cell-spec';
import { gruBackward, gruForward, GRUStepCache } from '../ops/gru';
import { rnnBackward, rnnForward, RNNStepCache } from '../ops/rnn';
import { SequenceOptions } from '../ops/sequence';
import { CellWeights, weightList, weightsFromList } from '../ops/weights';
import { hasFusedKernels } from '../kernels/register';
import { emptyBatch, packedCustomGrad } from './direction-grad';
import { fusedHiddenDirection } from './fused-hidden-direction';
import type { GradientMode } from './lstm-direction';

/** Options of `gruDirection` and `rnnDirection`: the sequence's, and the gradient mode. */
export interface HiddenDirectionOptions extends SequenceOptions {
  /** Default 'manual': the hand-derived BPTT of ops/gru.ts (ops/rnn.ts); 'autodiff': tfjs' own. */
  gradient?: GradientMode;
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
  ): tf.Tensor[];
}

const GRU_OPS: HiddenCellOps<{ [K in keyof GRUStepCache]: tf.Tensor }> = {
  kernel: undefined,
  fields: ['r', 'z', 'n', 'hn', 'hPrev'],
  forward: gruForward,
  backward(dOutput, dhN, x, w, cache, options) {
    const g = gruBackward(dOutput, dhN, x, w, cache, options);
    return [g.dx, g.dh0, g.dWeightIh, g.dWeightHh, ...(g.dBiasIh && g.dBiasHh ? [g.dBiasIh, g.dBiasHh] : [])];
  },
};

function rnnOps(nonlinearity: Nonlinearity): HiddenCellOps<{ [K in keyof RNNStepCache]: tf.Tensor }> {
  return {
    kernel: nonlinearity,
    fields: ['h', 'hPrev'],
    forward: (x, h0, w, options) => rnnForward(x, h0, w, nonlinearity, options),
    backward(dOutput, dhN, x, w, cache, options) {
      const g = rnnBackward(dOutput, dhN, x, w, nonlinearity, cache, options);
      // b_ih and b_hh have the same gradient; each gets its own tensor (see `gradientList`).
      return [g.dx, g.dh0, g.dWeightIh, g.dWeightHh, ...(g.dBias ? [g.dBias, tf.clone(g.dBias)] : [])];
    },
  };
}

/**
 * One GRU layer in one direction over a sequence `x` ([T, N, I]) from `h0` ([N, H]). In
 * inference and with `gradient: 'autodiff'` it runs `gruForward`'s ops (tfjs differentiates them
 * in autodiff); with `'manual'` (the default) under a gradient tape, the same forward in a
 * `tf.customGrad` whose gradient is `gruBackward`, the hand-derived BPTT.
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
): HiddenDirectionResult {
  return hiddenDirection(GRU_OPS, x, h0, w, options);
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
): HiddenDirectionResult {
  return hiddenDirection(rnnOps(nonlinearity), x, h0, w, options);
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
): HiddenDirectionResult {
  if (x.shape[1] === 0) {
    const [output, hN] = emptyBatch(x, [h0], weightList(w));
    return { output, hN };
  }
  const taping = tf.engine().isTapeOn();
  // cpu and wasm: the fused kernels, whose gradient is the hand-derived BPTT (not with a mask on
  // the device: they take lengths as numbers).
  if (hasFusedKernels() && !options.validSteps && (!taping || options.gradient !== 'autodiff')) {
    return fusedHiddenDirection(x, h0, w, ops.kernel, options);
  }
  if (!taping || options.gradient === 'autodiff') {
    const { output, hN } = ops.forward(x, h0, w, options);
    return { output, hN };
  }
  return composedHidden(ops, x, h0, w, options);
}

/** The cell's forward with its hand-derived backward attached by `tf.customGrad`. */
function composedHidden<C extends Record<string, tf.Tensor>>(
  ops: HiddenCellOps<C>,
  x: tf.Tensor,
  h0: tf.Tensor,
  w: CellWeights,
  options: SequenceOptions,
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
      // Only what is saved outlives this function; inputs are saved too, since the caller may
      // dispose them before the backward pass runs (validSteps last: the caller's tidy disposes it).
      const validSteps = options.validSteps ? [options.validSteps] : [];
      save([xIn, ...weightsIn, ...fwd.cache.flatMap((step) => fields.map((k) => step[k])), ...validSteps]);
      const gradFunc = ([dOutput, dhN]: tf.Tensor[], saved: tf.Tensor[]) => {
        const flat = saved.slice(1 + numWeights);
        const cache = Array.from({ length: steps }, (_, t) => {
          const step = {} as C;
          fields.forEach((k, j) => (step[k] = flat[t * fields.length + j] as C[keyof C]));
          return step;
        });
        return ops.backward(
          dOutput,
          dhN,
          saved[0],
          weightsFromList(saved.slice(1, 1 + numWeights), hasBias, false),
          cache,
          options.validSteps ? { ...options, validSteps: saved[saved.length - 1] } : options,
        );
      };
      return { value: [fwd.output, fwd.hN], gradFunc };
    },
  );
  const [output, hN] = layer(x, h0, ...weightList(w));
  return { output, hN };
}
