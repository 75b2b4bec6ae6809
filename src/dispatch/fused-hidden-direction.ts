import * as tf from '@tensorflow/tfjs';

import type { Nonlinearity } from '../layers/cell-spec';
import { GRU_FORWARD, HIDDEN_CACHE, HiddenForwardInputs, RNN_FORWARD } from '../kernels/kernel-names';
import { runKernel } from '../kernels/run-kernel';
import { maskPadding, SequenceOptions } from '../ops/sequence';
import { CellWeights } from '../ops/weights';

/**
 * One GRU (`nonlinearity` undefined) or Elman RNN layer direction on `cpu` or `wasm` as the fused
 * forward kernel (src/kernels/gru-kernel.ts, rnn-kernel.ts), whose registered gradient is the
 * hand-derived BPTT (hidden-gradient.ts). Under a gradient tape it first makes the cache the
 * kernel fills for that gradient.
 *
 * ```ts
 * const { output, hN } = fusedHiddenDirection(x, h0, w, undefined, { reverse: true });
 * ```
 */
export function fusedHiddenDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  w: CellWeights,
  nonlinearity: Nonlinearity | undefined,
  options: SequenceOptions,
): { output: tf.Tensor; hN: tf.Tensor } {
  const [steps, batch] = x.shape;
  const hidden = h0.shape[1] as number;
  // The kernels read every row: padding is zeroed first, so that it cannot reach the weights' gradients.
  const inputs: HiddenForwardInputs = {
    x: maskPadding(x, options.lengths),
    h0,
    weightIh: w.weightIh,
    weightHh: w.weightHh,
  };
  if (w.biasIh && w.biasHh) [inputs.biasIh, inputs.biasHh] = [w.biasIh, w.biasHh];
  if (tf.engine().isTapeOn()) {
    // The cache: the kernel's out-parameters, made here and filled by it (see HIDDEN_CACHE).
    const shapes = nonlinearity
      ? [[steps, batch, hidden]]
      : [
          [steps, batch, 4 * hidden],
          [steps, batch, hidden],
        ];
    // Zeros with lengths: rows the kernel leaves unwritten still meet the weights' gradient products.
    const cache = runKernel(HIDDEN_CACHE, {}, { shapes, zeros: Boolean(options.lengths) });
    if (nonlinearity) [inputs.hPrev] = cache;
    else [inputs.gates, inputs.hPrev] = cache;
  }
  const sequence = { reverse: options.reverse ?? false, lengths: options.lengths ? [...options.lengths] : [] };
  const [output, hN] = nonlinearity
    ? runKernel(RNN_FORWARD, inputs, { ...sequence, nonlinearity })
    : runKernel(GRU_FORWARD, inputs, sequence);
  return { output, hN };
}
