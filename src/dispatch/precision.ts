import * as tf from '@tensorflow/tfjs';

let warned = false;

/**
 * Warns once when the `webgl` backend keeps tensors in float16 textures (a device without float32
 * render targets, where `WEBGL_RENDER_FLOAT32_ENABLED` is false, or `WEBGL_FORCE_F16_TEXTURES`):
 * every stored value, each step's state included, is rounded to 11 significant bits, and results
 * differ from PyTorch's by about 1e-3 relative (measured: 1e-3 forward, 2.4e-3 gradients) instead
 * of 1e-6 (README, "In the browser"). tfjs' own ops, tf.layers.lstm's included, round the same
 * way; the `wasm` and `cpu` backends compute in float32.
 *
 * ```ts
 * warnIfHalfPrecision(); // at the start of each layer direction
 * ```
 */
export function warnIfHalfPrecision(): void {
  if (warned || tf.getBackend() !== 'webgl') return;
  const env = tf.env();
  if (!env.getBool('WEBGL_FORCE_F16_TEXTURES') && env.getBool('WEBGL_RENDER_FLOAT32_ENABLED')) return;
  warned = true;
  console.warn(
    'tfjs-lstm: the webgl backend here keeps tensors in float16 textures (no float32 render targets): ' +
      'results differ from PyTorch by about 1e-3 relative instead of 1e-6. ' +
      "tf.setBackend('wasm') or 'cpu' compute in float32.",
  );
}
