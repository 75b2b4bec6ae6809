import * as tf from '@tensorflow/tfjs';

import { hasBlockKernels, hasFusedKernels, hasWebglKernels } from '../kernels/register';
import { lstmForward } from '../ops/bptt';
import { SequenceOptions } from '../ops/sequence';
import { LSTMWeights, weightList } from '../ops/weights';
import { blockDirection } from './block-direction';
import { composedDirection } from './composed-direction';
import { currentFlowRecording, FlowLabel, FlowRecording } from './flow-recording';
import { fusedDirection, fusedStep } from './fused-direction';
import { PreparedWeights } from './prepared-weights';
import { webglDirection, webglTrainingDirection } from './webgl-direction';
import { webglStepDirection, webglStepTrainingDirection } from './webgl-step-direction';
import { DirectionResult, emptyBatch } from './direction-grad';
import { warnIfHalfPrecision } from './precision';

export type { DirectionResult } from './direction-grad';

/** How gradients of the LSTM are computed: the hand-derived BPTT, or tfjs' autodiff. */
export type GradientMode = 'manual' | 'autodiff';

/** Options of `lstmDirection`: the sequence's (`reverse`, `lengths`), the gradient mode and the report label. */
export interface DirectionOptions extends SequenceOptions {
  /**
   * Default 'manual'. Both give the same forward numbers: exactly in inference (where both run
   * the fused forward), to float32 rounding in autodiff training (which runs the composed ops).
   */
  gradient?: GradientMode;
  /** Which layer and direction this is, for `gradientFlow` reports. */
  label?: FlowLabel;
  /**
   * The caller's cache of this layer direction's weights in the layout of the implementation that
   * runs: inference calls make it once per parameter value instead of at every call.
   */
  prepared?: PreparedWeights;
}

/**
 * One LSTM layer in one direction over a sequence `x` of shape [T, N, I], from the state
 * (`h0` [N, P], `c0` [N, H]): the dispatcher, which picks the implementation that runs.
 *
 * - Without a gradient tape (inference), the forward runs as one fused kernel on `cpu` and
 *   `wasm` (src/kernels/, fused-direction.ts), and as TensorFlow's BlockLSTMV2 op on `tensorflow`
 *   (block-direction.ts), whichever the gradient mode; a single step with `prepared` weights runs
 *   as the step kernel (`fusedStep`). On `webgl` each step is one shader program, the recurrent
 *   product included (webgl-step-direction.ts; with projections the product and then a program
 *   for the gate arithmetic and state update, webgl-direction.ts).
 * - With `gradient: 'manual'` (the default), the gradient is the hand-derived BPTT: the fused
 *   backward kernel on `cpu` and `wasm` (the forward kernel's registered gradient), TensorFlow's
 *   BlockLSTMGradV2 op on `tensorflow` (the same equations, written by TensorFlow; not with
 *   projections or during a `gradientFlow` recording), two shader programs a step each way on
 *   `webgl` (not during a recording; with projections not with a device mask either), `lstmBackward`'s composed ops wrapped
 *   in `tf.customGrad` elsewhere (composed-direction.ts).
 * - With `'autodiff'`, tfjs differentiates the composed ops of `lstmForward`.
 *
 * `recording`, when given (by default the one `gradientFlow` is running, if any), gets this layer
 * direction's gradient flow.
 *
 * ```ts
 * const {output, hN, cN} = lstmDirection(x, h0, c0, {weightIh, weightHh, biasIh, biasHh});
 * ```
 */
export function lstmDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: DirectionOptions = {},
  recording: FlowRecording | null = currentFlowRecording(),
): DirectionResult {
  warnIfHalfPrecision();
  if (recording && options.gradient === 'autodiff') {
    throw new Error(
      "gradientFlow: the report comes from the hand-derived backward pass; this LSTM uses gradient: 'autodiff' " +
        "(use gradient: 'manual', the default)",
    );
  }
  const record = recording?.open(options.label ?? { layer: 0, direction: options.reverse ? 'reverse' : 'forward' });
  if (x.shape[1] === 0) {
    const [output, hN, cN] = emptyBatch(x, [h0, c0], weightList(w));
    return { output, hN, cN };
  }
  const taping = tf.engine().isTapeOn();
  // TensorFlow's BlockLSTM ops have no projection, no device-side mask and no per-step gradient
  // norms for gradientFlow: those cases run the composed ops.
  if (hasBlockKernels() && !w.weightHr && !options.validSteps && !record && x.shape[0] > 0) {
    if (!taping || options.gradient !== 'autodiff') return blockDirection(x, h0, c0, w, options, options.prepared);
  }
  // One step in inference, with the weights prepared (streaming: a sequence fed a step a call):
  // the step kernel, the fewest fixed costs. (A sequence of length 0 keeps its state: not here.)
  const oneStep = x.shape[0] === 1 && !options.lengths?.some((len) => len < 1);
  if (oneStep && options.prepared && !taping && !record && !options.validSteps && hasFusedKernels()) {
    const [batch, inputSize] = [x.shape[1] as number, x.shape[2] as number];
    const [h, c] = fusedStep(tf.reshape(x, [batch, inputSize]), h0, c0, w, options.prepared);
    return { output: tf.expandDims(h, 0), hN: h, cN: c };
  }
  // The fused kernels take lengths as numbers; a mask on the device (validSteps) needs the composed
  // ops. The kernel's registered gradient is the hand-derived BPTT; autodiff needs the composed ops.
  if (hasFusedKernels() && !options.validSteps && (!taping || options.gradient !== 'autodiff')) {
    return fusedDirection(x, h0, c0, w, options, record ?? null, options.prepared);
  }
  // webgl in inference: one shader program a step (with projections, the product and a program).
  if (!taping && !record && x.shape[0] > 0 && hasWebglKernels()) {
    return w.weightHr ? webglDirection(x, h0, c0, w, options) : webglStepDirection(x, h0, c0, w, options);
  }
  if (options.gradient === 'autodiff') {
    const { output, hN, cN } = lstmForward(x, h0, c0, w, options);
    return { output, hN, cN };
  }
  // webgl in training: the same BPTT with shader programs a step each way.
  if (!record && x.shape[0] > 0 && hasWebglKernels()) {
    if (!w.weightHr) return webglStepTrainingDirection(x, h0, c0, w, options);
    if (!options.validSteps) return webglTrainingDirection(x, h0, c0, w, options);
  }
  return composedDirection(x, h0, c0, w, options, record ?? null);
}
