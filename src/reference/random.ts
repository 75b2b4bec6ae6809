/**
 * Seeded random numbers for tests of the reference: the same seed gives the same arrays on every
 * machine, so a failing case can be replayed.
 */

import { mulberry32 } from '../util/random';

export { mulberry32 };

/**
 * A Float64Array of `length` numbers uniform in [-scale, scale), from a seed or from an existing
 * generator (to draw several arrays from one stream).
 *
 * ```ts
 * const x = randomArray(12, 7);            // 12 numbers in [-1, 1)
 * const w = randomArray(8, mulberry32(1), 0.5);
 * ```
 */
export function randomArray(length: number, seed: number | (() => number), scale = 1): Float64Array {
  const rand = typeof seed === 'number' ? mulberry32(seed) : seed;
  return Float64Array.from({ length }, () => (2 * rand() - 1) * scale);
}
