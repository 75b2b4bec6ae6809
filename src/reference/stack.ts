/**
 * Stacked, optionally bidirectional recurrent layers in float64, whatever the cell (LSTM, GRU,
 * RNN), as PyTorch's `RNNBase` stacks them: layer k > 0 reads the concatenation of layer k - 1's
 * directions' outputs, and state index k * D + d holds layer k, direction d. Each cell's module
 * (lstm-reference.ts, hidden-reference.ts) gives one layer direction's forward and backward.
 */
import { parameterSuffix } from '../layers/cell-spec';
import type { LayerOptions } from './layer';
import { mulberry32, randomArray } from './random';

/** A time-major input: `data` is [steps, batch, inputSize], row-major. */
export interface ReferenceInput {
  data: Float64Array;
  steps: number;
  batch: number;
}

/** What one layer direction's backward gives: dL/d(its input), dL/d(its initial states), dL/d(its parameters). */
export interface DirectionGrads {
  dx: Float64Array;
  dStates: Float64Array[];
  /** Keyed by PyTorch's name without the layer suffix: `weight_ih`, `bias_hh`, `weight_hr`. */
  dParams: Record<string, Float64Array>;
}

/** One layer direction's forward result, with its backward (which holds the forward's cache). */
export interface DirectionRun {
  /** [T, N, P]. */
  output: Float64Array;
  /** Each final state, [N, size]. */
  states: Float64Array[];
  backward(dOutput: Float64Array, dStates: Float64Array[]): DirectionGrads;
}

/** A cell as the stack runs it. */
export interface StackCell {
  inputSize: number;
  numLayers: number;
  bidirectional: boolean;
  /** P: the features each direction outputs (h's size). */
  outputSize: number;
  /** Each state's feature size, h first. */
  stateSizes: number[];
  /** Runs layer `layer`'s direction whose parameters have suffix `suffix` (`_l1_reverse`). */
  forward(
    suffix: string,
    dims: { steps: number; batch: number; inputSize: number },
    x: Float64Array,
    states: Float64Array[],
    options: LayerOptions,
  ): DirectionRun;
}

/** What `stackForward` returns: output [T, N, D*P], each state [L*D, N, size], the runs[layer][dir]. */
export interface StackRun {
  output: Float64Array;
  states: Float64Array[];
  runs: DirectionRun[][];
}

/**
 * The stack's forward from `initial` ([L*D, N, size] each, zeros when undefined).
 *
 * ```ts
 * const { output, states: [hN, cN] } = stackForward(lstmCell, x, undefined, [5, 3]);
 * ```
 */
export function stackForward(
  cell: StackCell,
  x: ReferenceInput,
  initial: Float64Array[] | undefined,
  lengths: ArrayLike<number> | undefined,
): StackRun {
  const { steps: T, batch: N } = x;
  const L = cell.numLayers;
  const D = cell.bidirectional ? 2 : 1;
  const P = cell.outputSize;
  if (x.data.length !== T * N * cell.inputSize) {
    throw new Error(`x has ${x.data.length} entries, expected [${T}, ${N}, ${cell.inputSize}]`);
  }
  const states0 = cell.stateSizes.map((size, j) => {
    const s = initial ? initial[j] : new Float64Array(L * D * N * size);
    if (s.length !== L * D * N * size) {
      throw new Error(`initial state ${j} has ${s.length} entries, expected [${L * D}, ${N}, ${size}]`);
    }
    return s;
  });
  const finals = cell.stateSizes.map((size) => new Float64Array(L * D * N * size));
  const runs: DirectionRun[][] = [];
  let input = x.data;
  for (let k = 0; k < L; k++) {
    const dims = { steps: T, batch: N, inputSize: k === 0 ? cell.inputSize : D * P };
    // The layer's output concatenates the directions along features: [forward, reverse].
    const output = new Float64Array(T * N * D * P);
    runs.push([]);
    for (let d = 0; d < D; d++) {
      const s = k * D + d;
      const states = cell.stateSizes.map((size, j) => states0[j].subarray(s * N * size, (s + 1) * N * size));
      const run = cell.forward(parameterSuffix(k, d === 1), dims, input, states, { reverse: d === 1, lengths });
      for (let row = 0; row < T * N; row++) {
        output.set(run.output.subarray(row * P, (row + 1) * P), (row * D + d) * P);
      }
      cell.stateSizes.forEach((size, j) => finals[j].set(run.states[j], s * N * size));
      runs[k].push(run);
    }
    input = output;
  }
  return { output: input, states: finals, runs };
}

/**
 * The stack's backward: given dL/d(output) and dL/d(each final state), the gradients with respect
 * to the input, each initial state and every parameter (keyed by PyTorch's full name).
 *
 * ```ts
 * const { dx, dStates: [dh0, dc0], dParams } = stackBackward(lstmCell, x, run, dOutput, [dhN, dcN]);
 * ```
 */
export function stackBackward(
  cell: StackCell,
  x: ReferenceInput,
  run: StackRun,
  dOutputTop: Float64Array,
  dFinals: Float64Array[],
): DirectionGrads {
  const { steps: T, batch: N } = x;
  const L = cell.numLayers;
  const D = cell.bidirectional ? 2 : 1;
  const P = cell.outputSize;
  const dStates = cell.stateSizes.map((size) => new Float64Array(L * D * N * size));
  const dParams: Record<string, Float64Array> = {};
  // dL/d(this layer's output), starting from the top layer, whose output is the module's.
  let dOutput = dOutputTop;
  for (let k = L - 1; k >= 0; k--) {
    const inputSize = k === 0 ? cell.inputSize : D * P;
    // Both directions read the same input, so their input gradients add up.
    const dInput = new Float64Array(T * N * inputSize);
    for (let d = 0; d < D; d++) {
      const s = k * D + d;
      const dOutDir = new Float64Array(T * N * P);
      for (let row = 0; row < T * N; row++) {
        dOutDir.set(dOutput.subarray((row * D + d) * P, (row * D + d + 1) * P), row * P);
      }
      const g = run.runs[k][d].backward(
        dOutDir,
        cell.stateSizes.map((size, j) => dFinals[j].subarray(s * N * size, (s + 1) * N * size)),
      );
      for (let e = 0; e < dInput.length; e++) dInput[e] += g.dx[e];
      cell.stateSizes.forEach((size, j) => dStates[j].set(g.dStates[j], s * N * size));
      const suffix = parameterSuffix(k, d === 1);
      for (const [name, value] of Object.entries(g.dParams)) dParams[`${name}${suffix}`] = value;
    }
    dOutput = dInput;
  }
  return { dx: dOutput, dStates, dParams };
}

/** sum(a * b), checking the lengths agree (a loss weight against its value). */
export function dot(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new Error(`loss weight has ${b.length} entries, expected ${a.length}`);
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k] * b[k];
  return sum;
}

/** Parameters keyed by PyTorch's names, flat row-major; `shapes` their names and shapes, in order. */
type ParamShapes = readonly (readonly [string, number[]])[];

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Checks that `params` holds exactly the parameters of `shapes`, each of its size, so that a
 * misnamed one cannot go unused.
 *
 * ```ts
 * checkParamShapes(referenceParamShapes(config), params);
 * ```
 */
export function checkParamShapes(shapes: ParamShapes, params: Record<string, Float64Array>): void {
  for (const [name, shape] of shapes) {
    const size = sizeOf(shape);
    if (!(name in params)) throw new Error(`missing parameter ${name}`);
    if (params[name].length !== size) {
      throw new Error(`${name} has ${params[name].length} entries, expected ${size} ([${shape.join(', ')}])`);
    }
  }
  const known = new Set(shapes.map(([name]) => name));
  for (const name of Object.keys(params)) {
    if (!known.has(name)) throw new Error(`unexpected parameter ${name} for this config`);
  }
}

/**
 * Random parameters of `shapes`, uniform in [-scale, scale), drawn in order from one generator
 * seeded with `seed`.
 *
 * ```ts
 * const params = randomParamsOf(referenceParamShapes(config), 1, 0.25);
 * ```
 */
export function randomParamsOf(shapes: ParamShapes, seed: number, scale: number): Record<string, Float64Array> {
  const rand = mulberry32(seed);
  return Object.fromEntries(shapes.map(([name, shape]) => [name, randomArray(sizeOf(shape), rand, scale)]));
}
