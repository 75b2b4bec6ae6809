/**
 * Seeded random numbers for tests of the reference: the same seed gives the same arrays on every
 * machine, so a failing case can be replayed.
 */

/**
 * A mulberry32 generator: a function returning uniform numbers in [0, 1), fully determined by
 * `seed`.
 *
 * ```ts
 * const rand = mulberry32(42);
 * const u = rand(); // the same number on every run
 * ```
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
