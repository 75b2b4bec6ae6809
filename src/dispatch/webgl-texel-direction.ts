import * as tf from '@tensorflow/tfjs';

import {
  LSTM_WEBGL_DH,
  LSTM_WEBGL_DZ,
  LSTM_WEBGL_GATES,
  LSTM_WEBGL_LAYOUT,
  LSTM_WEBGL_STATE,
  LSTM_WEBGL_STEP,
  WebglLayout,
} from '../kernels/kernel-names';
import { runKernel } from '../kernels/run-kernel';
import { gradientList, weightGradients } from '../ops/bptt';
import { inputProjection, SequenceOptions, stepOrder } from '../ops/sequence';
import { LSTMWeights, weightList, weightsFromList } from '../ops/weights';
import { DirectionResult, directionCustomGrad, resultShapes } from './direction-grad';

/** `LSTM_WEBGL_LAYOUT`: `x` (and `y`) converted to or from the gate-texel layouts. */
function layout(
  kind: WebglLayout,
  shape: number[],
  hidden: number,
  x: tf.Tensor,
  more: { y?: tf.Tensor; valid?: tf.Tensor } = {},
): tf.Tensor {
  return runKernel(LSTM_WEBGL_LAYOUT, { x, ...more }, { layout: kind, shape, hidden })[0];
}

/**
 * Which rows have which steps, as the programs read it: [T, N], 1 or 0, in a packed texture (a
 * program given an unpacked one would pack it again at every step); none when every row has every
 * step.
 */
function validSteps(steps: number, batch: number, options: SequenceOptions): tf.Tensor | undefined {
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

/** What `texelForward` returns; for training also each step's activated gates A_t and states. */
interface TexelForward extends DirectionResult {
  initial: tf.Tensor;
  states: tf.Tensor[];
  gates: tf.Tensor[];
}

/**
 * `lstmForward`'s loop (ops/bptt.ts) with the recurrent product inside each step's program: in
 * inference one program a step (`LSTM_WEBGL_STEP`), in training two (`LSTM_WEBGL_GATES`, which
 * keeps A_t, and `LSTM_WEBGL_STATE`). The state S_t holds h and c together; the outputs are read
 * out of all of them at once at the end.
 */
function texelForward(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
  training: boolean,
): TexelForward {
  const [steps, batch] = x.shape;
  const hidden = c0.shape[1] as number;
  const xz = layout('gates', [steps * batch], hidden, inputProjection(x, w, options));
  const weights = layout('weights', [4 * hidden], hidden, w.weightHh);
  const valid = validSteps(steps, batch, options);
  const initial = layout('state', [batch], hidden, h0, { y: c0 });
  let s = initial;
  const states: tf.Tensor[] = new Array(steps);
  const gates: tf.Tensor[] = new Array(steps);
  for (const t of stepOrder(steps, options.reverse)) {
    const attrs = { batch, hidden, t };
    if (training) {
      [gates[t]] = runKernel(LSTM_WEBGL_GATES, { s, xz, w: weights }, attrs);
      [s] = runKernel(LSTM_WEBGL_STATE, { a: gates[t], s, valid }, attrs);
    } else {
      [s] = runKernel(LSTM_WEBGL_STEP, { s, xz, w: weights, valid }, attrs);
    }
    states[t] = s;
  }
  return {
    output: layout('outputs', [steps, batch], hidden, tf.stack(states), { valid }),
    hN: layout('h', [batch], hidden, s),
    cN: layout('c', [batch], hidden, s),
    initial,
    states,
    gates,
  };
}

/**
 * One layer direction's forward in inference on the `webgl` backend, one shader program a step
 * (`texelForward`). Without projections; for inference only (the caller checks).
 *
 * ```ts
 * const { output, hN, cN } = webglTexelDirection(x, h0, c0, w, { lengths: [5, 3] });
 * ```
 */
export function webglTexelDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
): DirectionResult {
  const { output, hN, cN } = texelForward(x, h0, c0, w, options, false);
  return { output, hN, cN };
}

/**
 * One layer direction on the `webgl` backend while a gradient is recorded: the hand-derived BPTT
 * with two shader programs a step each way. Forward: A_t, then S_t. Backward (docs/bptt.md,
 * section 3): the dL/dh carried into step t, dZ_{t+1} W_hh (`LSTM_WEBGL_DH`), then dZ_t and
 * dL/dc_{t-1} (`LSTM_WEBGL_DZ`); the weights' gradients are then the few large products of
 * `weightGradients`, as in `lstmBackward`. Without projections and outside a `gradientFlow`
 * recording (the caller checks).
 *
 * ```ts
 * const { output, hN, cN } = webglTexelTrainingDirection(x, h0, c0, w, { lengths: [5, 3] });
 * ```
 */
export function webglTexelTrainingDirection(
  x: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  w: LSTMWeights,
  options: SequenceOptions,
): DirectionResult {
  const [steps, batch] = x.shape;
  const hidden = c0.shape[1] as number;
  const hasBias = Boolean(w.biasIh && w.biasHh);
  const numWeights = weightList(w).length;
  const layer = directionCustomGrad(resultShapes(x, h0, c0), ([xIn, h0In, c0In, ...weightsIn], save) => {
    const fwd = texelForward(xIn, h0In, c0In, weightsFromList(weightsIn, hasBias, false), options, true);
    // Inputs are saved too: the caller may dispose them before the backward pass runs.
    save([xIn, ...weightsIn, fwd.initial, ...fwd.states, ...fwd.gates]);
    const gradFunc = ([dOutput, dhN, dcN]: tf.Tensor[], saved: tf.Tensor[]) => {
      const [xS, ...rest] = saved;
      const wS = weightsFromList(rest.slice(0, numWeights), hasBias, false);
      const initial = rest[numWeights];
      const states = rest.slice(numWeights + 1, numWeights + 1 + steps);
      const gates = rest.slice(numWeights + 1 + steps);
      const weights = layout('weights', [4 * hidden], hidden, wS.weightHh);
      const valid = validSteps(steps, batch, options);
      const dy = layout('packed', dOutput.shape, 0, dOutput);
      // Each step's previous state, in the forward's order.
      const forwardOrder = stepOrder(steps, options.reverse);
      const prevStates: tf.Tensor[] = new Array(steps);
      forwardOrder.forEach((t, k) => (prevStates[t] = k === 0 ? initial : states[forwardOrder[k - 1]]));

      let dh = dhN;
      let dzc: tf.Tensor | null = null; // the last step's [dZ | dc_{t-1}]
      let tNext = 0;
      const dzcs: tf.Tensor[] = new Array(steps);
      for (const t of [...forwardOrder].reverse()) {
        if (dzc) [dh] = runKernel(LSTM_WEBGL_DH, { dz: dzc, w: weights, dh, valid }, { batch, hidden, tNext });
        const dc: tf.Tensor = dzc ?? dcN;
        const inputs = { a: gates[t], s: states[t], sPrev: prevStates[t], dy, dh, dc, valid };
        [dzc] = runKernel(LSTM_WEBGL_DZ, inputs, { batch, hidden, t, first: dc === dcN });
        dzcs[t] = dzc;
        tNext = t;
      }
      const last = dzc as tf.Tensor;
      const [dh0] = runKernel(LSTM_WEBGL_DH, { dz: last, w: weights, dh, valid }, { batch, hidden, tNext });
      const dc0 = layout('dc', [batch], hidden, last);
      const dZ = tf.reshape(layout('dz', [steps, batch], hidden, tf.stack(dzcs)), [steps * batch, 4 * hidden]);
      const hPrevs = tf.reshape(layout('outputs', [steps, batch], hidden, tf.stack(prevStates)), [
        steps * batch,
        hidden,
      ]);
      return gradientList(weightGradients([dZ], [], dh0, dc0, xS, wS, [hPrevs], [], options), hasBias, false);
    };
    return { value: [fwd.output, fwd.hN, fwd.cN], gradFunc };
  });
  return layer(x, h0, c0, ...weightList(w));
}
