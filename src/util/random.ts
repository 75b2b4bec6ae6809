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
 * Derives the seeds handed to tfjs' own seeded ops (`tf.randomUniform`, `tf.dropout`) from one
 * user-facing `seed`, so that initialisation and dropout masks repeat exactly.
 */
export class SeedSequence {
  private readonly rand: () => number;

  constructor(seed: number) {
    this.rand = mulberry32(seed);
  }

  /** The next derived seed, an integer in [0, 2^32). */
  next(): number {
    return Math.floor(this.rand() * 4294967296);
  }
}
