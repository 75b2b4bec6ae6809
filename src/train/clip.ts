import * as tf from '@tensorflow/tfjs';

/** Gradients as `tf.variableGrads` gives them (by name), or a list. Clipped in place. */
export type GradientSet = tf.NamedTensorMap | tf.Tensor[];

function entries(grads: GradientSet): [string | number, tf.Tensor][] {
  return Array.isArray(grads) ? grads.map((g, k) => [k, g]) : Object.entries(grads);
}

function replace(grads: GradientSet, key: string | number, t: tf.Tensor): void {
  const old = (grads as Record<string | number, tf.Tensor>)[key];
  (grads as Record<string | number, tf.Tensor>)[key] = t;
  old.dispose();
}

/**
 * PyTorch's `clip_grad_norm_`: scales all gradients together so that their total norm (the
 * `normType`-norm of the per-tensor norms) is at most `maxNorm`, replacing the entries of `grads`
 * (the old tensors are disposed), and returns the total norm before clipping. As in PyTorch the
 * scale is `min(1, maxNorm / (norm + 1e-6))`.
 *
 * ```ts
 * const {value, grads} = tf.variableGrads(loss);
 * const norm = clipGradNorm(grads, 1.0);
 * optimizer.applyGradients(grads);
 * ```
 */
export function clipGradNorm(
  grads: GradientSet,
  maxNorm: number,
  options: { normType?: number | 'inf'; errorIfNonfinite?: boolean } = {},
): number {
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm: maxNorm should be a non-negative number, got ${maxNorm}`);
  const normType = options.normType ?? 2;
  if (normType !== 'inf' && !(normType > 0)) {
    throw new RangeError(`clipGradNorm: normType should be a positive number or 'inf', got ${normType}`);
  }
  const list = entries(grads);
  if (list.length === 0) return 0;
  const total = tf.tidy(() => {
    // (tf.norm takes only orders 1, 2 and inf for vectors; PyTorch takes any p.)
    const norm = (t: tf.Tensor) =>
      normType === 'inf' ? tf.max(tf.abs(t)) : tf.pow(tf.sum(tf.pow(tf.abs(t), normType)), 1 / normType);
    return norm(tf.stack(list.map(([, g]) => norm(g)))).dataSync()[0];
  });
  if (options.errorIfNonfinite && !Number.isFinite(total)) {
    throw new Error(
      `clipGradNorm: the total norm of order ${normType} for gradients is non-finite (${total}), so it cannot be ` +
        'clipped. To scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false',
    );
  }
  const scale = Math.min(1, maxNorm / (total + 1e-6));
  for (const [key, g] of list) replace(grads, key, tf.mul(g, scale));
  return total;
}

/**
 * PyTorch's `clip_grad_value_`: clamps every gradient entry to [-clipValue, clipValue], replacing
 * the entries of `grads` (the old tensors are disposed).
 *
 * ```ts
 * clipGradValue(grads, 0.5);
 * ```
 */
export function clipGradValue(grads: GradientSet, clipValue: number): void {
  if (!(clipValue >= 0))
    throw new RangeError(`clipGradValue: clipValue should be a non-negative number, got ${clipValue}`);
  for (const [key, g] of entries(grads)) replace(grads, key, tf.clipByValue(g, -clipValue, clipValue));
}
