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

/** Options of `clipGradNorm` and `clipGradNormAsync`. */
export interface ClipGradNormOptions {
  /** The order of the norm: any positive number, or 'inf' (the largest absolute entry). Default 2. */
  normType?: number | 'inf';
  /** Throw, and clip nothing, when the total norm is NaN or infinite. Needs the norm's value. */
  errorIfNonfinite?: boolean;
  /**
   * `clipGradNorm` only: return the total norm as a scalar tensor (the caller disposes it), as
   * PyTorch does, instead of a number. Then nothing is read from the device, on any backend.
   */
  asTensor?: boolean;
}

function checkClipArgs(owner: string, maxNorm: number, options: ClipGradNormOptions): number | 'inf' {
  if (!(maxNorm >= 0)) throw new RangeError(`${owner}: maxNorm should be a non-negative number, got ${maxNorm}`);
  const normType = options.normType ?? 2;
  if (normType !== 'inf' && !(normType > 0)) {
    throw new RangeError(`${owner}: normType should be a positive number or 'inf', got ${normType}`);
  }
  return normType;
}

/** The total norm of the gradients, on the device. */
function totalNorm(list: [string | number, tf.Tensor][], normType: number | 'inf'): tf.Scalar {
  return tf.tidy(() => {
    if (list.length === 0) return tf.scalar(0);
    // (tf.norm takes only orders 1, 2 and inf for vectors; PyTorch takes any p.)
    const norm = (t: tf.Tensor) =>
      normType === 'inf' ? tf.max(tf.abs(t)) : tf.pow(tf.sum(tf.pow(tf.abs(t), normType)), 1 / normType);
    return norm(tf.stack(list.map(([, g]) => norm(g)))) as tf.Scalar;
  });
}

/** Scales the gradients by min(1, maxNorm / (norm + 1e-6)) on the device, in float32 as PyTorch does. */
function scaleByNorm(grads: GradientSet, list: [string | number, tf.Tensor][], norm: tf.Scalar, maxNorm: number): void {
  const scale = tf.tidy(() => tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1));
  for (const [key, g] of list) replace(grads, key, tf.mul(g, scale));
  scale.dispose();
}

function checkFinite(owner: string, total: number, normType: number | 'inf'): void {
  if (!Number.isFinite(total)) {
    throw new Error(
      `${owner}: the total norm of order ${normType} for gradients is non-finite (${total}), so it cannot be ` +
        'clipped. To scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false',
    );
  }
}

/**
 * PyTorch's `clip_grad_norm_`: scales all gradients together so that their total norm (the
 * `normType`-norm of the per-tensor norms) is at most `maxNorm`, replacing the entries of `grads`
 * (the old tensors are disposed), and returns the total norm before clipping. As in PyTorch the
 * scale is `min(1, maxNorm / (norm + 1e-6))`, computed on the device.
 *
 * The number is read synchronously from the device: on WebGPU, which allows no synchronous read
 * of computed data, this throws and clips nothing; there, use `clipGradNormAsync`, or
 * `{asTensor: true}` to get the norm as a scalar tensor without any read.
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
  options?: ClipGradNormOptions & { asTensor?: false },
): number;
export function clipGradNorm(
  grads: GradientSet,
  maxNorm: number,
  options: ClipGradNormOptions & { asTensor: true },
): tf.Scalar;
export function clipGradNorm(grads: GradientSet, maxNorm: number, options?: ClipGradNormOptions): number | tf.Scalar;
export function clipGradNorm(
  grads: GradientSet,
  maxNorm: number,
  options: ClipGradNormOptions = {},
): number | tf.Scalar {
  const normType = checkClipArgs('clipGradNorm', maxNorm, options);
  if (options.asTensor && options.errorIfNonfinite) {
    throw new RangeError(
      "clipGradNorm: errorIfNonfinite needs the norm's value, which asTensor does not read; use " +
        'await clipGradNormAsync(grads, maxNorm, {errorIfNonfinite: true})',
    );
  }
  const list = entries(grads);
  const norm = totalNorm(list, normType);
  if (options.asTensor) {
    scaleByNorm(grads, list, norm, maxNorm);
    return norm;
  }
  let total: number;
  try {
    total = norm.dataSync()[0];
  } catch (e) {
    norm.dispose();
    throw new Error(
      `clipGradNorm: the norm is read synchronously, which the ${tf.getBackend()} backend does not allow ` +
        `(${e instanceof Error ? e.message : String(e)}); nothing was clipped. Use ` +
        'await clipGradNormAsync(grads, maxNorm), or clipGradNorm(grads, maxNorm, {asTensor: true}) for the norm ' +
        'as a tensor',
    );
  }
  if (options.errorIfNonfinite) {
    try {
      checkFinite('clipGradNorm', total, normType);
    } catch (e) {
      norm.dispose();
      throw e;
    }
  }
  scaleByNorm(grads, list, norm, maxNorm);
  norm.dispose();
  return total;
}

/**
 * `clipGradNorm` for backends that cannot read synchronously (WebGPU): the same clipping on the
 * device, and the total norm read with `await data()`. Without `errorIfNonfinite` the gradients
 * are replaced before it returns; with it they are replaced (or, on a non-finite norm, the promise
 * rejects and nothing is clipped) once the norm is read. Await it before using the gradients.
 *
 * ```ts
 * const {value, grads} = tf.variableGrads(loss);
 * const norm = await clipGradNormAsync(grads, 1.0);
 * optimizer.applyGradients(grads);
 * ```
 */
export async function clipGradNormAsync(
  grads: GradientSet,
  maxNorm: number,
  options: Omit<ClipGradNormOptions, 'asTensor'> = {},
): Promise<number> {
  const normType = checkClipArgs('clipGradNormAsync', maxNorm, options);
  const list = entries(grads);
  const norm = totalNorm(list, normType);
  try {
    if (!options.errorIfNonfinite) scaleByNorm(grads, list, norm, maxNorm);
    const total = (await norm.data())[0];
    if (options.errorIfNonfinite) {
      checkFinite('clipGradNormAsync', total, normType);
      scaleByNorm(grads, list, norm, maxNorm);
    }
    return total;
  } finally {
    norm.dispose();
  }
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
