import { mulberry32 } from '../../src/util/random';

/**
 * A small seeded generator, so that a run with a fixed seed repeats exactly: the package's own
 * mulberry32 (src/util/random.ts), with the draws the examples need.
 */
export class Rng {
  /** Uniform in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
