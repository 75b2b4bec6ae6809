import * as tf from '@tensorflow/tfjs';

import {
  LSTM_BLOCK_BACKWARD,
  LSTM_BLOCK_FORWARD,
  LSTM_BLOCK_OUTPUTS,
  LstmBlockAttrs,
  LstmBlockBackwardInputs,
} from '../kernels/kernel-names';
import { runKernel } from '../kernels/run-kernel';
import { maskPadding, SequenceOptions } from '../ops/sequence';
import { lengthsMask } from '../util/lengths-mask';
import { LSTMWeights } from '../ops/weights';
import { DirectionResult, directionCustomGrad } from './direction-grad';
import { PreparedWeights } from './prepared-weights';

/**
 * One LSTM layer direction on the `tensorflow` backend as two TensorFlow ops, BlockLSTMV2 forward
 * and BlockLSTMGradV2 backward (src/kernels/tensorflow-block.ts), attached by `tf.customGrad`.
 * Without projections and without `validSteps` (the caller checks).
 *
 * BlockLSTM runs every sequence from step 0, so:
 * - With `lengths`, it runs to the longest length; each output is zeroed past its sequence's end,
 *   and h_n, c_n are taken at its last valid step. Nothing past a sequence's end reaches the loss,
 *   so the op's gradient, given zero there, is exact.
 * - The reverse direction reverses each sequence within its own length (the padding stays in
 *   place), runs forward, and reverses the output back: each sequence starts at its last valid
 *   step, as in PyTorch. That permutation of the time axis is its own inverse and its own
 *   transpose, so the backward applies it to the output's gradient and to dx alike.
 */
export function blockDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
  prepared?: PreparedWeights,
): DirectionResult {
  const [steps, batch, inputSize] = x.shape;
  const hidden = c0.shape[1] as number;
  // BlockLSTM logs a warning at every call (and copies each step's slices to align them) when
  // batch * input or batch * hidden is odd: an odd batch then runs with one zero sample more,
  // dropped from the results.
  const rows = batch % 2 === 1 && (inputSize % 2 === 1 || hidden % 2 === 1) ? batch + 1 : batch;
  const padRows = (t: tf.Tensor, axis: number) =>
    rows === batch
      ? t
      : tf.pad(
          t,
          t.shape.map((_, k) => [0, k === axis ? 1 : 0] as [number, number]),
        );
  const dropRows = (t: tf.Tensor, axis: number) =>
    rows === batch
      ? t
      : tf.slice(
          t,
          0,
          t.shape.map((size, k) => (k === axis ? batch : size)),
        );
  const lengths = options.lengths?.some((len) => len < steps) ? options.lengths : undefined;
  const last = Array.from({ length: batch }, (_, n) => (lengths ? lengths[n] : steps) - 1);
  const attrs: LstmBlockAttrs = { seqLenMax: lengths ? Math.max(...lengths) : steps };
  // The op's weights, made by tfjs ops so that autodiff takes their gradients to the parameters
  // (and gives bias_ih and bias_hh a tensor each); in inference, once per value with `prepared`.
  const blockWeights = () => [
    tf.concat([tf.transpose(w.weightIh), tf.transpose(w.weightHh)], 0),
    w.biasIh && w.biasHh ? tf.add(w.biasIh, w.biasHh) : tf.zeros([4 * hidden]),
  ];
  const taping = tf.engine().isTapeOn();
  const [kernel, bias] = prepared && !taping ? prepared.get('block', w, blockWeights) : blockWeights();

  // The index and mask tensors are made again for the backward pass: the caller's tidy disposes
  // the forward's before the backward runs.
  const constants = () => ({
    permute: options.reverse ? timeReversal(steps, lengths) : (t: tf.Tensor) => t,
    lastSteps: tf.tensor2d(
      last.flatMap((t, n) => [t, n]),
      [batch, 2],
      'int32',
    ),
    valid: lengths ? lengthsMask(lengths, steps, 'float32') : undefined,
  });
  const stateShape = [batch, hidden];

  const forward = (xIn: tf.Tensor, h0In: tf.Tensor, c0In: tf.Tensor, kernelIn: tf.Tensor, biasIn: tf.Tensor) => {
    const { permute, lastSteps, valid } = constants();
    const inputs = { x: padRows(permute(xIn), 1), h0: padRows(h0In, 0), c0: padRows(c0In, 0), w: kernelIn, b: biasIn };
    const outs = runKernel(LSTM_BLOCK_FORWARD, inputs, attrs);
    const [cs, h] = [outs[1], outs[6]];
    const hs = dropRows(h, 1);
    const output = permute(valid ? tf.mul(hs, valid) : hs);
    return { inputs, outs, output, hN: tf.gatherND(h, lastSteps), cN: tf.gatherND(cs, lastSteps) };
  };

  if (!taping) {
    const { output, hN, cN } = forward(maskPadding(x, lengths), h0, c0, kernel, bias);
    return { output, hN, cN };
  }

  const shapes: [number[], number[], number[]] = [[steps, batch, hidden], stateShape, stateShape];
  const layer = directionCustomGrad(shapes, ([xIn, h0In, c0In, kernelIn, biasIn], save) => {
    const fwd = forward(xIn, h0In, c0In, kernelIn, biasIn);
    // The inputs are saved too: the caller may dispose them before the backward pass runs.
    const { x: xs, h0: h0s, c0: c0s } = fwd.inputs;
    save([xs, h0s, c0s, kernelIn, biasIn, ...fwd.outs]);
    const gradFunc = ([dOut, dhN, dcN]: tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, h0S, c0S, kernelS, biasS, ...outs] = saved;
      const { permute, lastSteps, valid } = constants();
      const shape = [steps, rows, hidden];
      let dOutput = permute(dOut);
      if (valid) dOutput = tf.mul(dOutput, valid);
      const hGrad = tf.add(padRows(dOutput, 1), tf.scatterND(lastSteps, dhN, shape));
      const csGrad = tf.scatterND(lastSteps, dcN, shape);
      const forwardOutputs = Object.fromEntries(LSTM_BLOCK_OUTPUTS.map((k, j) => [k, outs[j]])) as Record<
        (typeof LSTM_BLOCK_OUTPUTS)[number],
        tf.Tensor
      >;
      const inputs: LstmBlockBackwardInputs = {
        x: xs,
        h0: h0S,
        c0: c0S,
        w: kernelS,
        b: biasS,
        hGrad,
        csGrad,
        ...forwardOutputs,
      };
      const [dx, dc0, dh0, dw, db] = runKernel(LSTM_BLOCK_BACKWARD, inputs, attrs);
      return [permute(dropRows(dx, 1)), dropRows(dh0, 0), dropRows(dc0, 0), dw, db];
    };
    return { value: [fwd.output, fwd.hN, fwd.cN], gradFunc };
  });
  return layer(maskPadding(x, lengths), h0, c0, kernel, bias);
}

/**
 * Reverses the time axis of a [T, N, ...] tensor, each sequence within its own length when given
 * `lengths` (step t < len goes to len - 1 - t; padding stays where it is).
 */
function timeReversal(steps: number, lengths?: readonly number[]): (t: tf.Tensor) => tf.Tensor {
  if (!lengths) return (t) => tf.reverse(t, 0);
  const batch = lengths.length;
  const indices = new Int32Array(steps * batch * 2);
  for (let t = 0; t < steps; t++) {
    lengths.forEach((len, n) => {
      indices.set([t < len ? len - 1 - t : t, n], (t * batch + n) * 2);
    });
  }
  const index = tf.tensor3d(indices, [steps, batch, 2], 'int32');
  return (t) => tf.gatherND(t, index);
}
