/**
 * How error messages show what they received, for every module: the modules' argument checks, the
 * state-dict loaders and tfjs-lstm/testing. No tfjs import, so that the tfjs-free parts (testing,
 * safetensors) can use it too.
 */

/**
 * A received value, for an error message: numbers and booleans as written, strings quoted, arrays
 * by length, objects by class.
 *
 * ```ts
 * describe(-3); // '-3'
 * describe('tanh'); // '"tanh"'
 * describe([1, 2]); // 'array of length 2'
 * describe(new Float32Array(4)); // 'a Float32Array'
 * ```
 */
export function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'object';
  }
  return typeof value;
}

/**
 * A shape as messages print it, PyTorch's way without the `torch.Size`; null, the shape of a flat
 * typed array given without one, is `(flat)`.
 *
 * ```ts
 * shapeText([2, 3]); // '[2, 3]'
 * ```
 */
export function shapeText(shape: readonly number[] | null): string {
  return shape === null ? '(flat)' : `[${shape.join(', ')}]`;
}
