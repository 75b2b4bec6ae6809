import * as tf from '@tensorflow/tfjs';
import { clipGradNorm, FlowReport, gradientFlow } from 'tfjs-lstm';

import { progress } from './progress';

export interface TrainLoop {
  steps: number;
  /** A training batch's loss, a scalar made inside the gradient tape. */
  loss: (step: number) => tf.Scalar;
  variables: tf.Variable[];
  learningRate: number;
  /** Clip the global gradient norm (PyTorch's clip_grad_norm_), default 1. */
  clipNorm?: number;
  label?: string;
  quiet?: boolean;
}

export interface TrainResult {
  losses: number[];
  /** The gradient-flow report of the last step, from the same backward pass that trained it. */
  flow: FlowReport[];
  seconds: number;
}

/** tf.variableGrads, with the loss as a number. */
function variableGrads(f: () => tf.Scalar, variables: tf.Variable[]) {
  const { value, grads } = tf.variableGrads(f, variables);
  const loss = value.dataSync()[0];
  value.dispose();
  return { value: loss, grads };
}

/**
 * Adam on `loss` for `steps` steps, with the gradient computed by tfjs-lstm's hand-derived BPTT
 * and clipped; the last step also returns the gradient-flow report.
 */
export function train(loop: TrainLoop): TrainResult {
  const optimizer = tf.train.adam(loop.learningRate);
  const bar = loop.quiet ? null : progress(loop.label ?? 'training', loop.steps);
  const losses: number[] = [];
  let flow: FlowReport[] = [];
  const start = performance.now();
  for (let step = 0; step < loop.steps; step++) {
    // The last step's gradient comes with the gradient-flow report (the same backward pass).
    const last = step === loop.steps - 1;
    const result = last
      ? gradientFlow(() => loop.loss(step), loop.variables)
      : variableGrads(() => loop.loss(step), loop.variables);
    clipGradNorm(result.grads, loop.clipNorm ?? 1);
    // (tfjs types the map as variables; it takes the gradients keyed by variable name.)
    optimizer.applyGradients(result.grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
    tf.dispose(Object.values(result.grads));
    losses.push(result.value);
    if (last) flow = (result as ReturnType<typeof gradientFlow>).flow;
    bar?.update(step + 1, result.value);
  }
  bar?.stop();
  optimizer.dispose();
  return { losses, flow, seconds: (performance.now() - start) / 1000 };
}
