/**
 * `tfjs-lstm/functional`: the LSTM (and the GRU and RNN) as functions of tensors, below the modules and layers of the
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
import { gruDirection as gruDirectionOp, rnnDirection as rnnDirectionOp } from './dispatch/hidden-direction';
import { hiddenStack as hiddenStackOp } from './dispatch/hidden-stack';
import { gruBackward as gruBackwardOp, gruForward as gruForwardOp } from './ops/gru';
import { rnnBackward as rnnBackwardOp, rnnForward as rnnForwardOp } from './ops/rnn';

export type { LSTMWeights } from './ops/weights';
export type { StepCache, ForwardResult, Gradients } from './ops/bptt';
export type { SequenceOptions } from './ops/sequence';
export type { StepResult } from './ops/cell-step';
export type { StackOptions, StackResult } from './dispatch/lstm-stack';
export type { DirectionOptions, DirectionResult, GradientMode } from './dispatch/lstm-direction';
export { PreparedWeights } from './dispatch/prepared-weights';
export type { CellWeights } from './ops/weights';
export type { GRUStepCache, GRUForwardResult, GRUGradients, GRUActivations } from './ops/gru';
export type { RNNStepCache, RNNForwardResult, RNNGradients } from './ops/rnn';
export type { HiddenDirectionOptions, HiddenDirectionResult } from './dispatch/hidden-direction';
export type { HiddenStackOptions } from './dispatch/hidden-stack';
export { GRU_CELL, rnnCellSpec } from './layers/cell-spec';

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

/**
 * One GRU layer direction's forward over a time-major `x` [T, N, I] from `h0` [N, H] (gates r, z,
 * n, PyTorch's), as composed tfjs ops, keeping for each step what `gruBackward` needs.
 *
 * ```ts
 * const { output, hN, cache } = gruForward(x, h0, { weightIh, weightHh, biasIh, biasHh });
 * ```
 */
export const gruForward = tf.op({ gruForward_: gruForwardOp });

/**
 * The hand-derived backward pass of `gruForward` (docs/bptt.md, section 10): the gradients of `x`,
 * `h0` and the weights (each bias its own) from those of `output` and `hN`.
 *
 * ```ts
 * const fwd = gruForward(x, h0, w);
 * const { dx, dWeightHh, dBiasHh } = gruBackward(dOutput, dhN, x, w, fwd.cache);
 * ```
 */
export const gruBackward = tf.op({ gruBackward_: gruBackwardOp });

/**
 * One Elman RNN layer direction's forward (`nonlinearity` 'tanh' or 'relu'), as composed ops,
 * keeping what `rnnBackward` needs.
 *
 * ```ts
 * const { output, hN, cache } = rnnForward(x, h0, { weightIh, weightHh }, 'relu');
 * ```
 */
export const rnnForward = tf.op({ rnnForward_: rnnForwardOp });

/**
 * The hand-derived backward pass of `rnnForward` (docs/bptt.md, section 11).
 *
 * ```ts
 * const { dx, dWeightHh } = rnnBackward(dOutput, dhN, x, w, 'tanh', fwd.cache);
 * ```
 */
export const rnnBackward = tf.op({ rnnBackward_: rnnBackwardOp });

/**
 * One GRU layer direction, differentiable: the fused kernels on `cpu` and `wasm`, composed ops with
 * the hand-derived gradient elsewhere, or tfjs' autodiff with `gradient: 'autodiff'`.
 *
 * ```ts
 * const { output, hN } = gruDirection(x, h0, { weightIh, weightHh, biasIh, biasHh }, { reverse: true });
 * ```
 */
export const gruDirection = tf.op({ gruDirection_: gruDirectionOp });

/**
 * One Elman RNN layer direction, differentiable, as `gruDirection`.
 *
 * ```ts
 * const { output, hN } = rnnDirection(x, h0, { weightIh, weightHh }, 'tanh');
 * ```
 */
export const rnnDirection = tf.op({ rnnDirection_: rnnDirectionOp });

/**
 * PyTorch's `nn.GRU` or `nn.RNN` as a function (`spec`: `GRU_CELL` or `rnnCellSpec('tanh' |
 * 'relu')`): stacked, optionally bidirectional layers over a time-major `x`; `h0`
 * [numLayers * numDirections, N, H] or null.
 *
 * ```ts
 * const { output, hN } = hiddenStack(GRU_CELL, x, null, (layer, dir) => weights[layer][dir], {
 *   numLayers: 2, bidirectional: true, hiddenSize: 20,
 * });
 * ```
 */
export const hiddenStack = tf.op({ hiddenStack_: hiddenStackOp });
