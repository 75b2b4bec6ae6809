/**
 * `tfjs-lstm/functional`: the LSTM as functions of tensors, below the modules and layers of the
 * main entry, for those who hold their own weights (PyTorch's `torch.nn.functional` level, and the
 * levels under it).
 *
 * Each function runs in its own tensor scope, as tfjs' own ops do (`tf.op`): what it returns is
 * new, everything else it made is freed, so a call leaves exactly the tensors it returns. The
 * caller disposes those (or calls inside `tf.tidy`). The fused kernels register themselves with
 * tfjs on first use, as through the main entry.
 *
 * ```ts
 * import { lstmStack } from 'tfjs-lstm/functional';
 * const { output, hN, cN } = lstmStack(x, null, null, () => weights, {
 *   numLayers: 1, bidirectional: false, outputSize: 20, hiddenSize: 20,
 * });
 * ```
 */
import * as tf from '@tensorflow/tfjs';

import { lstmDirection as lstmDirectionOp } from './dispatch/lstm-direction';
import { lstmStack as lstmStackOp } from './dispatch/lstm-stack';
import { lstmBackward as lstmBackwardOp, lstmForward as lstmForwardOp } from './ops/bptt';
import { lstmStep as lstmStepOp } from './ops/cell-step';
import { dropout as dropoutOp } from './ops/dropout';

export type { LSTMWeights } from './ops/weights';
export type { StepCache, ForwardResult, Gradients } from './ops/bptt';
export type { SequenceOptions } from './ops/sequence';
export type { StepResult } from './ops/cell-step';
export type { StackOptions, StackResult } from './dispatch/lstm-stack';
export type { DirectionOptions, DirectionResult, GradientMode } from './dispatch/lstm-direction';
export { PreparedWeights } from './dispatch/prepared-weights';

/**
 * One LSTM time step (gates i, f, g, o) from its input projection `xz` = x_t W_ih^T + b_ih + b_hh
 * ([N, 4H]), the state `h` [N, P] and `c` [N, H], and the transposed weights `kernelHh` = W_hh^T
 * ([P, 4H]) and, with a projection, `kernelHr` = W_hr^T ([H, P]). Returns the new state and the
 * gates (post-activation), `tanhC` and `r` = o * tanh(c) (h itself without a projection).
 *
 * ```ts
 * const xz = tf.add(tf.matMul(x, tf.transpose(weightIh)), tf.add(biasIh, biasHh));
 * const { h, c } = lstmStep(xz, h0, c0, tf.transpose(weightHh));
 * ```
 */
export const lstmStep = tf.op({ lstmStep_: lstmStepOp });

/**
 * One layer direction's forward pass over a time-major sequence `x` [T, N, I] from `h0` [N, P] and
 * `c0` [N, H], as composed tfjs ops, keeping for each step what `lstmBackward` needs (`cache`).
 * Options: `reverse`, `lengths` (PyTorch's packed-sequence lengths) or `validSteps`.
 *
 * ```ts
 * const { output, hN, cN, cache } = lstmForward(x, h0, c0, { weightIh, weightHh, biasIh, biasHh });
 * ```
 */
export const lstmForward = tf.op({ lstmForward_: lstmForwardOp });

/**
 * The hand-derived backward pass (BPTT, docs/bptt.md) of `lstmForward`: from the gradients of the
 * loss with respect to `output`, `hN` and `cN`, and the forward's `cache`, the gradients of `x`,
 * `h0`, `c0` and the weights (`dBias` is that of both `bias_ih` and `bias_hh`). `onStep`, if given,
 * sees dL/dh_t and dL/dc_t of every step: tensors that live until this call returns.
 *
 * ```ts
 * const fwd = lstmForward(x, h0, c0, w);
 * const { dx, dWeightIh } = lstmBackward(dOutput, dhN, dcN, x, w, fwd.cache);
 * ```
 */
export const lstmBackward = tf.op({ lstmBackward_: lstmBackwardOp });

/**
 * One LSTM layer in one direction, differentiable: the fused kernel on `cpu` and `wasm`,
 * TensorFlow's BlockLSTM ops on `tensorflow`, composed ops with the hand-derived gradient
 * elsewhere, or tfjs' autodiff with `gradient: 'autodiff'`. The same numbers as `lstmForward`.
 *
 * ```ts
 * const { output, hN, cN } = lstmDirection(x, h0, c0, { weightIh, weightHh }, { reverse: true });
 * ```
 */
export const lstmDirection = tf.op({ lstmDirection_: lstmDirectionOp });

/**
 * PyTorch's `nn.LSTM` as a function: stacked, optionally bidirectional layers over a time-major
 * `x` [T, N, I]; `h0`, `c0` [numLayers * numDirections, N, size] or null for zeros; `weights(layer,
 * direction)` gives each layer direction's weights. Differentiable, as `lstmDirection`.
 *
 * ```ts
 * const { output, hN, cN } = lstmStack(x, null, null, (layer, dir) => weights[layer][dir], {
 *   numLayers: 2, bidirectional: true, outputSize: 20, hiddenSize: 20,
 * });
 * ```
 */
export const lstmStack = tf.op({ lstmStack_: lstmStackOp });

/**
 * PyTorch's dropout: zeros with probability `p`, the rest scaled by 1 / (1 - p); `seed` makes the
 * mask repeatable (tfjs' generator, not PyTorch's).
 *
 * ```ts
 * const y = dropout(x, 0.25, 7);
 * ```
 */
export const dropout = tf.op({ dropout_: dropoutOp });
