import * as tf from '@tensorflow/tfjs';

import {
  LSTM_WEBGL_DH,
  LSTM_WEBGL_DZ,
  LSTM_WEBGL_GATES,
  LSTM_WEBGL_GATHER,
  LSTM_WEBGL_LAYOUT,
  LSTM_WEBGL_STATE,
  LSTM_WEBGL_STEP,
  WebglLayout,
} from '../kernels/kernel-names';
import { runKernel } from '../kernels/run-kernel';
import { maskPadding, SequenceOptions, stepOrder } from '../ops/sequence';
import { LSTMWeights } from '../ops/weights';
import { DirectionResult } from './direction-grad';

/**
 * `LSTM_WEBGL_LAYOUT`: `x` (and `y`) converted to or from the step programs' layouts.
 *
 * ```ts
 * const packed = layout('packed', x.shape, 0, x);
 * ```
 */
export function layout(
  kind: WebglLayout,
  shape: number[],
  hidden: number,
  x: tf.Tensor,
  more: { y?: tf.Tensor; split?: boolean } = {},
): tf.Tensor {
  const { split, ...inputs } = more;
  return runKernel(LSTM_WEBGL_LAYOUT, { x, ...inputs }, { layout: kind, shape, hidden, split })[0];
}

/**
 * `LSTM_WEBGL_GATHER` over all steps' textures (in the order of time), in chunks of as many as a
 * program can read (with `valid`), concatenated: the outputs ('outputs' from LSTM states, 'rows'
 * from a GRU's, [T, N, H]) or dZ ('dz', [T, N, 4H]).
 *
 * ```ts
 * const output = gather('rows', states, batch, hidden, { valid });
 * ```
 */
export function gather(
  kind: 'outputs' | 'dz' | 'rows',
  tensors: tf.Tensor[],
  batch: number,
  hidden: number,
  more: { split?: boolean; valid?: tf.Tensor; tail?: tf.Tensor; unpacked?: boolean } = {},
): tf.Tensor {
  const { split, valid, tail } = more;
  // Inputs a program may read besides `valid` (and the tail).
  const limit = tf.env().getNumber('WEBGL_MAX_TEXTURES_IN_SHADER') - 1;
  const size = tail ? limit - 1 : limit;
  const count = Math.max(1, Math.ceil(tensors.length / size));
  const chunks: tf.Tensor[] = [];
  for (let k = 0; k < count; k++) {
    const first = k * size;
    const withTail = k === count - 1 && Boolean(tail);
    const inputs: Record<string, tf.Tensor> = valid ? { valid } : {};
    const part = tensors.slice(first, first + size);
    [...part, ...(withTail ? [tail as tf.Tensor] : [])].forEach((t, j) => (inputs[`x${j}`] = t));
    const unpacked = count === 1 && more.unpacked;
    const attrs = { layout: kind, shape: [batch], hidden, split, first, tail: withTail, unpacked };
    chunks.push(runKernel(LSTM_WEBGL_GATHER, inputs, attrs)[0]);
  }
  return count === 1 ? chunks[0] : join(chunks, size, limit, Boolean(more.unpacked));
}

/** Chunks of `size` steps each (the last holds the rest) joined along their first axis. */
function join(chunks: tf.Tensor[], size: number, limit: number, unpacked: boolean): tf.Tensor {
  if (chunks.length > limit) {
    // Groups of `limit` chunks first, then the groups.
    const groups: tf.Tensor[] = [];
    for (let k = 0; k < chunks.length; k += limit) groups.push(join(chunks.slice(k, k + limit), size, limit, false));
    return join(groups, size * limit, limit, unpacked);
  }
  const inputs: Record<string, tf.Tensor> = {};
  chunks.forEach((t, k) => (inputs[`x${k}`] = t));
  const [, batch, features] = chunks[0].shape as number[];
  const shape = [chunks.reduce((n, t) => n + t.shape[0], 0), batch, features];
  return runKernel(LSTM_WEBGL_GATHER, inputs, { layout: 'concat', shape, hidden: 0, chunk: size, unpacked })[0];
}

/**
 * Which rows have which steps, as the programs read it: [T, N], 1 or 0, in a packed texture (a
 * program given an unpacked one would pack it again at every step); none when every row has every
 * step.
 *
 * ```ts
 * const valid = validSteps(5, 2, { lengths: [5, 3] });
 * ```
 */
export function validSteps(steps: number, batch: number, options: SequenceOptions): tf.Tensor | undefined {
  const { lengths } = options;
  let valid: tf.Tensor;
  if (options.validSteps) valid = tf.cast(options.validSteps, 'float32');
  else if (lengths && lengths.some((len) => len < steps)) {
    const data = new Float32Array(steps * batch);
    for (let t = 0; t < steps; t++) for (let b = 0; b < batch; b++) data[t * batch + b] = t < lengths[b] ? 1 : 0;
    valid = tf.tensor2d(data, [steps, batch]);
  } else return undefined;
  return layout('packed', valid.shape, 0, valid);
}

/** What `stepsForward` returns: each step's state S_t (and for training A_t), and the valid mask. */
interface StepsForward {
  initial: tf.Tensor;
  states: tf.Tensor[];
  gates: tf.Tensor[];
  final: tf.Tensor;
  valid?: tf.Tensor;
}

/**
 * x_t W_ih^T + b_ih + b_hh for all steps at once ([T N, 4H]), padding zeroed first: the input's
 * part of the gates, in ops a gradient is recorded for (so tfjs computes dL/dx only where it is
 * needed). On webgl the transposed product costs no more than a plain one.
 */
function projection(x: tf.Tensor, w: LSTMWeights, options: SequenceOptions): tf.Tensor {
  const [steps, batch, inputSize] = x.shape;
  const x2d = tf.reshape(maskPadding(x, options.lengths, options.validSteps), [steps * batch, inputSize]);
  const xz = tf.matMul(x2d, w.weightIh, false, true);
  return w.biasIh && w.biasHh ? tf.add(xz, tf.add(w.biasIh, w.biasHh)) : xz;
}

/**
 * `lstmForward`'s loop (ops/bptt.ts) with the recurrent product inside each step's program, from
 * the input's projection `xz` ([T N, 4H]): in inference one program a step (`LSTM_WEBGL_STEP`),
 * in training two (`LSTM_WEBGL_GATES`, which keeps A_t, and `LSTM_WEBGL_STATE`). The state S_t
 * holds h and c together; the caller reads the outputs out of all of them at once.
 */
function stepsForward(
  xz: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  weightHh: tf.Tensor,
  options: SequenceOptions,
  training: boolean,
): StepsForward {
  const [batch, hidden] = c0.shape;
  const steps = xz.shape[0] / batch;
  // Inference reads gate texels of the projection and weights, training tfjs' layout ([T, N, 4H], W_hh).
  const gatesIn = training
    ? layout('packed', [steps, batch, 4 * hidden], hidden, tf.reshape(xz, [steps, batch, 4 * hidden]))
    : layout('gates', [steps * batch], hidden, xz);
  const weights = training
    ? layout('packed', weightHh.shape, 0, weightHh)
    : layout('weights', [4 * hidden], hidden, weightHh);
  const valid = validSteps(steps, batch, options);
  const initial = layout('state', [batch], hidden, h0, { y: c0, split: training });
  let s = initial;
  const states: tf.Tensor[] = new Array(steps);
  const gates: tf.Tensor[] = new Array(steps);
  for (const t of stepOrder(steps, options.reverse)) {
    const attrs = { batch, hidden, t };
    if (training) {
      [gates[t]] = runKernel(LSTM_WEBGL_GATES, { s, xz: gatesIn, w: weights }, attrs);
      [s] = runKernel(LSTM_WEBGL_STATE, { a: gates[t], s, valid }, attrs);
    } else {
      [s] = runKernel(LSTM_WEBGL_STEP, { s, xz: gatesIn, w: weights, valid }, attrs);
    }
    states[t] = s;
  }
  return { initial, states, gates, final: s, valid };
}

/**
 * One layer direction's forward in inference on the `webgl` backend, one shader program a step
 * (`stepsForward`). Without projections; for inference only (the caller checks).
 *
 * ```ts
 * const { output, hN, cN } = webglStepDirection(x, h0, c0, w, { lengths: [5, 3] });
 * ```
 */
export function webglStepDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
): DirectionResult {
  const [batch, hidden] = c0.shape;
  const { states, final, valid } = stepsForward(projection(x, w, options), h0, c0, w.weightHh, options, false);
  return {
    output: gather('outputs', states, batch, hidden, { valid }),
    hN: layout('h', [batch], hidden, final),
    cN: layout('c', [batch], hidden, final),
  };
}

/**
 * One layer direction on the `webgl` backend while a gradient is recorded: the hand-derived BPTT
 * with two shader programs a step each way. Forward: A_t, then S_t. Backward (docs/bptt.md,
 * section 3): the dL/dh carried into step t, dZ_{t+1} W_hh (`LSTM_WEBGL_DH`), then dZ_t and
 * dL/dc_{t-1} (`LSTM_WEBGL_DZ`); dL/dW_hh is then one large product over all steps. The input's
 * projection stays outside, in ops tfjs differentiates itself (dZ is its gradient). Without
 * projections and outside a `gradientFlow` recording (the caller checks).
 *
 * ```ts
 * const { output, hN, cN } = webglStepTrainingDirection(x, h0, c0, w, { lengths: [5, 3] });
 * ```
 */
export function webglStepTrainingDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
): DirectionResult {
  const [steps, batch] = x.shape;
  const hidden = c0.shape[1] as number;
  // customGrad's value is one tensor: the outputs with h_T and c_T as two more steps ([T + 2, N, H]),
  // in an unpacked texture, out of which the three are sliced without copies.
  const sequence = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xz, h0In, c0In, weightHh] = args as tf.Tensor[];
    const fwd = stepsForward(xz, h0In, c0In, weightHh, options, true);
    const value = gather('outputs', fwd.states, batch, hidden, {
      valid: fwd.valid,
      split: true,
      tail: fwd.final,
      unpacked: true,
    });
    // Inputs are saved too: the caller may dispose them before the backward pass runs.
    save([h0In, weightHh, value, fwd.initial, ...fwd.states, ...fwd.gates]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [h0S, weightHhS, valueS, initial, ...rest] = saved;
        return stepsBackward(dy, h0S, weightHhS, valueS, initial, rest.slice(0, steps), rest.slice(steps), options);
      });
    return { value, gradFunc };
  });
  const value = sequence(projection(x, w, options), h0, c0, w.weightHh);
  const result = {
    output: tf.slice(value, [0, 0, 0], [steps, batch, hidden]),
    hN: tf.reshape(tf.slice(value, [steps, 0, 0], [1, batch, hidden]), [batch, hidden]),
    cN: tf.reshape(tf.slice(value, [steps + 1, 0, 0], [1, batch, hidden]), [batch, hidden]),
  };
  value.dispose();
  return result;
}

/**
 * The backward pass of `webglStepTrainingDirection`: from dy ([T + 2, N, H]: dL/dy_t, then
 * dL/dh_T and dL/dc_T) and the forward's value, states and gates, the gradients of the input's
 * projection (dZ, [T N, 4H]), h0, c0 and W_hh.
 */
function stepsBackward(
  dy: tf.Tensor,
  h0: tf.Tensor,
  weightHh: tf.Tensor,
  value: tf.Tensor,
  initial: tf.Tensor,
  states: tf.Tensor[],
  gates: tf.Tensor[],
  options: SequenceOptions,
): tf.Tensor[] {
  const [batch, hidden] = h0.shape;
  const steps = states.length;
  const transposed = tf.transpose(weightHh);
  const valid = validSteps(steps, batch, options);
  const dyPacked = layout('packed', dy.shape, 0, dy);
  const finalGrad = (k: number) =>
    tf.reshape(tf.slice(dyPacked, [steps + k, 0, 0], [1, batch, hidden]), [batch, hidden]);
  // Each step's previous state, in the forward's order.
  const forwardOrder = stepOrder(steps, options.reverse);
  const prevStates: tf.Tensor[] = new Array(steps);
  forwardOrder.forEach((t, k) => (prevStates[t] = k === 0 ? initial : states[forwardOrder[k - 1]]));

  let dh = finalGrad(0);
  const dcN = finalGrad(1);
  let dzc: tf.Tensor | null = null; // the last step's [dZ_t | dc_{t-1}]
  let tNext = 0;
  const dzcs: tf.Tensor[] = new Array(steps);
  for (const t of [...forwardOrder].reverse()) {
    if (dzc) [dh] = runKernel(LSTM_WEBGL_DH, { dz: dzc, wt: transposed, dh, valid }, { batch, hidden, tNext });
    const dc: tf.Tensor = dzc ?? dcN;
    const inputs = { a: gates[t], s: states[t], sPrev: prevStates[t], dy: dyPacked, dh, dc, valid };
    [dzc] = runKernel(LSTM_WEBGL_DZ, inputs, { batch, hidden, t, first: dc === dcN });
    dzcs[t] = dzc;
    tNext = t;
  }
  const last = dzc as tf.Tensor;
  const [dh0] = runKernel(LSTM_WEBGL_DH, { dz: last, wt: transposed, dh, valid }, { batch, hidden, tNext });
  const dc0 = tf.slice(last, [0, 4 * hidden], [batch, hidden]);
  const dZ = tf.reshape(gather('dz', dzcs, batch, hidden), [steps * batch, 4 * hidden]);
  return [dZ, dh0, dc0, tf.matMul(dZ, previousOutputs(h0, value, prevStates, valid, options), true, false)];
}

/**
 * h_{t-1} of every step ([T N, H]), for dL/dW_hh = sum_t dZ_t^T h_{t-1}. Without a mask they are
 * the outputs shifted by a step, h0 first (last, in reverse); with one, where a row lacks steps
 * its state is not its last output, and they are read out of the states.
 */
function previousOutputs(
  h0: tf.Tensor,
  value: tf.Tensor,
  prevStates: tf.Tensor[],
  valid: tf.Tensor | undefined,
  options: SequenceOptions,
): tf.Tensor {
  const [batch, hidden] = h0.shape;
  const steps = prevStates.length;
  if (valid) return tf.reshape(gather('outputs', prevStates, batch, hidden, { split: true }), [steps * batch, hidden]);
  const before = tf.reshape(tf.slice(value, [options.reverse ? 1 : 0, 0, 0], [steps - 1, batch, hidden]), [
    (steps - 1) * batch,
    hidden,
  ]);
  return options.reverse ? tf.concat([before, h0], 0) : tf.concat([h0, before], 0);
}
