import type { LstmSequenceAttrs } from './kernel-names';

/**
 * Which batch rows a step of a variable-length sequence kernel works on: the fused kernels of
 * every cell take lengths as numbers and run their loops over runs of consecutive rows.
 */

/** Valid length of each batch entry: `lengths`, or T for every entry when it is empty. */
export function lengthsOf(attrs: LstmSequenceAttrs, batch: number, steps: number): number[] {
  return attrs.lengths.length ? attrs.lengths : new Array<number>(batch).fill(steps);
}

/**
 * The runs [b0, b1) of consecutive batch rows whose sequences have step t (one run, the whole
 * batch, without lengths).
 *
 * ```ts
 * validRuns(2, [5, 1, 3, 4]); // [[0, 1], [2, 4]]
 * ```
 */
export function validRuns(t: number, lengths: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (let b = 0; b < lengths.length; b++) {
    if (t >= lengths[b]) continue;
    if (runs.length && runs[runs.length - 1][1] === b) runs[runs.length - 1][1] = b + 1;
    else runs.push([b, b + 1]);
  }
  return runs;
}
