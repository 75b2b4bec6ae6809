import * as tf from '@tensorflow/tfjs';

import { GRU_WEBGL_CELL, LSTM_WEBGL_UNPACKED } from '../kernels/kernel-names';
import { runKernel } from '../kernels/run-kernel';
import { inputProjection, SequenceOptions, stepMasks, stepOrder, whereStep } from '../ops/sequence';
import { CellWeights } from '../ops/weights';

/**
 * One GRU layer direction's forward in inference on the `webgl` backend: `gruForward`'s loop
 * (ops/gru.ts) with each step's gate arithmetic and state update as one shader program
 * (`GRU_WEBGL_CELL`), so a step is the recurrent product and that program. For inference only
 * (the caller checks that no gradient is being recorded).
 *
 * ```ts
 * const { output, hN } = webglGruDirection(x, h0, { weightIh, weightHh, biasIh, biasHh }, { lengths: [5, 3] });
 * ```
 */
export function webglGruDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  w: CellWeights,
  options: SequenceOptions,
): { output: tf.Tensor; hN: tf.Tensor } {
  const [steps, batch] = x.shape;
  const gates = w.weightHh.shape[0];
  // The input projection of all steps in one product (b_ih only: b_hn sits inside r ⊙ (...)), in
  // the unpacked layout the program reads.
  const [xz] = runKernel(LSTM_WEBGL_UNPACKED, { x: inputProjection(x, w, options, 'input') }, {});
  const kernelHh = tf.transpose(w.weightHh);
  const bh = w.biasHh ? tf.reshape(w.biasHh, [1, gates]) : tf.zeros([1, gates]);
  const masks = stepMasks(steps, options.lengths, options.validSteps);
  let h = h0;
  const outputs: tf.Tensor[] = new Array(steps);
  for (const t of stepOrder(steps, options.reverse)) {
    const [hNew] = runKernel(GRU_WEBGL_CELL, { xz, hz: tf.matMul(h, kernelHh), bh, h }, { offset: t * batch });
    outputs[t] = whereStep(masks[t], hNew);
    h = whereStep(masks[t], hNew, h);
  }
  return { output: tf.stack(outputs), hN: h };
}
