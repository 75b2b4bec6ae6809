import * as tf from '@tensorflow/tfjs';

/**
 * The most tensor memory `f` holds at once beyond what was live before it, as tfjs counts it
 * (tensor bytes; a backend's scratch buffers inside a kernel are not tensors). tf.profile's
 * peakBytes counts every live tensor, so the engine's count is sampled as each tensor is made.
 */
export function peakTensorBytes(f: () => void): number {
  const engine = tf.engine() as unknown as { trackTensor: (...args: unknown[]) => void; state: { numBytes: number } };
  const original = engine.trackTensor;
  const start = engine.state.numBytes;
  let peak = start;
  engine.trackTensor = function (this: unknown, ...args: unknown[]) {
    original.apply(this, args);
    peak = Math.max(peak, engine.state.numBytes);
  };
  try {
    f();
  } finally {
    engine.trackTensor = original;
  }
  return peak - start;
}
