/**
 * A small seeded generator (mulberry32) used to derive the seeds handed to tfjs' own seeded ops
 * (`tf.randomUniform`, `tf.dropout`), so that one user-facing `seed` makes initialisation and
 * dropout masks repeat exactly.
 */
export class SeedSequence {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next derived seed, an integer in [0, 2^32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
}
