import * as tf from '@tensorflow/tfjs';

import { describe, shapeText } from '../util/describe';
import { checkBoolean, checkInteger } from '../util/validate';
import type { GradientMode } from '../dispatch/lstm-direction';
import type { CellSpec, Nonlinearity } from './cell-spec';

/**
 * Checks of constructor options and forward arguments, shared by `LSTMCell`, `LSTM` and the tfjs
 * layers. The messages follow PyTorch's where PyTorch has one, with this package's argument names.
 */

/**
 * Rejects an options argument that is not a plain object, and option names the module does not
 * know, with a hint for PyTorch's snake_case names and for near misses (`length` for `lengths`).
 */
export function checkOptionNames(owner: string, options: unknown, known: readonly string[]): void {
  const proto: unknown = options !== null && typeof options === 'object' ? Object.getPrototypeOf(options) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    // A tensor here is usually a state or an argument passed one place too far.
    const got = options instanceof tf.Tensor ? 'a tf.Tensor' : describe(options);
    throw new TypeError(`${owner}: expected an options object, got ${got}`);
  }
  for (const key of Object.keys(options as object)) {
    if (known.includes(key)) continue;
    const hint = closeName(key, known);
    throw new TypeError(
      `${owner}: unknown option ${key}${hint ? ` (did you mean ${hint}?)` : ''}; known options: ${known.join(', ')}`,
    );
  }
}

/** The known name `key` most likely misspells: its camelCase, another case, or one a few edits away. */
function closeName(key: string, known: readonly string[]): string | undefined {
  const camel = key.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
  const exact = known.find((name) => name === camel || name.toLowerCase() === camel.toLowerCase());
  if (exact) return exact;
  // Allow one edit per four letters, so that short names are not matched to anything.
  const allowed = Math.max(1, Math.floor(key.length / 4));
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const name of known) {
    const d = editDistance(key.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** Levenshtein distance: the fewest insertions, deletions and substitutions from a to b. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

/**
 * Most elements one parameter may have: tfjs sizes tensors with 32-bit integers in places (the
 * wasm backend's heap offsets, WebGL's textures), and V8's typed arrays stop at 2**32 elements.
 */
export const MAX_PARAMETER_ELEMENTS = 2 ** 31 - 1;

/**
 * Most float32 elements all of a module's parameters may have together, 4 GiB: the whole memory
 * of tfjs' wasm backend (32-bit addresses), more than a browser tab gets. Beyond it the
 * configuration is almost certainly a mistake, and finding out by allocating takes minutes.
 */
export const MAX_PARAMETER_TOTAL = 2 ** 30;

/**
 * Most parameter tensors one module may have. Each `tf.Variable` costs about 1 KB of JavaScript
 * heap and 20 µs to make, and a full heap ends the process instead of throwing; 100,000 is already
 * 25,000 layers.
 */
export const MAX_PARAMETER_TENSORS = 100_000;

/** A parameter about to be made, with what its size comes from, for the messages. */
export interface PlannedParameter {
  name: string;
  shape: number[];
  /** The factors of its element count, e.g. `[4, hiddenSize, inputSize]`. */
  factors: number[];
  /** The options its size comes from, as `name=value`, the main one first. */
  options: string[];
}

/** Bytes in SI units, two significant digits: `40 GB`, `64 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let k = 0;
  while (k < units.length - 1 && bytes >= 1000 ** (k + 1)) k++;
  return `${Number((bytes / 1000 ** k).toPrecision(2))} ${units[k]}`;
}

/** `hiddenSize=8 with inputSize=3`: the main option, then the others its size comes from. */
function optionPhrase(options: string[]): string {
  return options.length > 1 ? `${options[0]} with ${options.slice(1).join(', ')}` : options[0];
}

/**
 * Throws a RangeError, naming the options, when `count` parameter tensors (the product of
 * `factors`) are more than a module may have. Checked before the shapes are even listed.
 */
export function checkParameterCount(owner: string, factors: number[], options: string[]): void {
  const count = factors.reduce((a, b) => a * b, 1);
  if (count <= MAX_PARAMETER_TENSORS) return;
  throw new RangeError(
    `${owner}: ${optionPhrase(options)} needs ${factors.join(' * ')} = ${count} parameter tensors, more than ` +
      `the ${MAX_PARAMETER_TENSORS} one module may have (each takes about 1 KB of JavaScript heap, and a full ` +
      'heap ends the process instead of throwing)',
  );
}

/**
 * Throws a RangeError, naming the options and the memory needed, when one planned parameter is
 * more than a tensor can hold or all of them (float32) more than a module may hold.
 * `allOptions` are every size option, as `name=value`.
 */
export function checkParameterSizes(owner: string, plan: readonly PlannedParameter[], allOptions: string[]): void {
  let total = 0;
  for (const p of plan) {
    const elements = p.factors.reduce((a, b) => a * b, 1);
    if (elements > MAX_PARAMETER_ELEMENTS) {
      throw new RangeError(
        `${owner}: ${optionPhrase(p.options)} needs ${p.factors.join(' * ')} = ${elements} elements in ${p.name} ` +
          `(${formatBytes(4 * elements)} of float32), more than a tensor can hold (at most ${MAX_PARAMETER_ELEMENTS} elements)`,
      );
    }
    total += elements;
  }
  if (total > MAX_PARAMETER_TOTAL) {
    throw new RangeError(
      `${owner}: ${allOptions.join(', ')} need ${total} parameter elements in all (${formatBytes(4 * total)} of ` +
        `float32), more than the ${MAX_PARAMETER_TOTAL} (${formatBytes(4 * MAX_PARAMETER_TOTAL)}) one module may ` +
        "hold, the whole memory of tfjs' wasm backend",
    );
  }
}

/**
 * The error to throw when making a parameter failed after the checks (out of memory): the
 * original message, prefixed with the parameter, its size and the options.
 */
export function allocationError(
  owner: string,
  p: { name: string; shape: number[] },
  options: string[],
  cause: unknown,
): Error {
  const bytes = formatBytes(4 * p.shape.reduce((a, b) => a * b, 1));
  const message =
    `${owner}: could not allocate ${p.name} ${shapeText(p.shape)} (${bytes} of float32) for ${options.join(', ')}: ` +
    (cause instanceof Error ? cause.message : String(cause));
  const error = cause instanceof RangeError ? new RangeError(message) : new Error(message);
  return Object.assign(error, { cause });
}

export function checkGradientMode(owner: string, value: unknown): GradientMode {
  if (value !== 'manual' && value !== 'autodiff') {
    throw new TypeError(`${owner}: gradient should be 'manual' or 'autodiff', got ${describe(value)}`);
  }
  return value;
}

export function checkDropout(owner: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new RangeError(
      `${owner}: dropout should be a number in range [0, 1] representing the probability of an ` +
        `element being zeroed, got ${describe(value)}`,
    );
  }
  return value;
}

export function checkProjSize(owner: string, projSize: unknown, hiddenSize: number): number {
  if (typeof projSize !== 'number' || !Number.isInteger(projSize) || projSize < 0) {
    throw new RangeError(
      `${owner}: projSize should be a positive integer or zero to disable projections, got ${describe(projSize)}`,
    );
  }
  if (projSize >= hiddenSize) {
    throw new RangeError(`${owner}: projSize has to be smaller than hiddenSize (${hiddenSize}), got ${projSize}`);
  }
  return projSize;
}

export { checkBoolean, checkInteger };

/** Checks a `seed` option: any finite number (it seeds tfjs' generator through `SeedSequence`). */
/**
 * PyTorch's check that only an LSTM takes `proj_size`, before the option names are checked, so
 * that a GRU or RNN given `projSize` hears PyTorch's reason rather than "unknown option".
 *
 * ```ts
 * checkNoProjection(GRU_CELL, { projSize: 2 }); // TypeError: GRU: projSize argument is only supported for LSTM, not RNN or GRU
 * ```
 */
export function checkNoProjection(spec: CellSpec, options: unknown): void {
  if (spec.projections || typeof options !== 'object' || options === null) return;
  const name = ['projSize', 'proj_size'].find((key) => key in options);
  if (name) throw new TypeError(`${spec.name}: ${name} argument is only supported for LSTM, not RNN or GRU`);
}

export function checkSeed(owner: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new TypeError(`${owner}: seed should be a finite number, got ${String(seed)}`);
  }
  return seed;
}

/** Checks that `value` is a live float32 tensor of one of the ranks in `ranks`. */
export function checkFloatTensor(owner: string, name: string, value: unknown, ranks: number[]): tf.Tensor {
  if (!(value instanceof tf.Tensor)) {
    throw new TypeError(`${owner}: ${name} should be a tf.Tensor, got ${describe(value)}`);
  }
  if (value.isDisposed) throw new Error(`${owner}: ${name} is a disposed tensor`);
  if (value.dtype !== 'float32') {
    throw new TypeError(`${owner}: ${name} must have the type float32, got type ${value.dtype}`);
  }
  if (!ranks.includes(value.rank)) {
    const expected = ranks.map((r) => `${r}-D`).join(' or ');
    throw new RangeError(`${owner}: Expected ${name} to be ${expected} but received ${value.rank}-D tensor`);
  }
  return value;
}

/** Checks that `state` is a pair of tensors `[h, c]` (PyTorch's `hx` tuple). */
export function checkStatePair(owner: string, state: unknown): [unknown, unknown] {
  if (!Array.isArray(state) || state.length !== 2) {
    throw new TypeError(`${owner}: hx should be a pair [h_0, c_0] of tensors, got ${describe(state)}`);
  }
  return [state[0], state[1]];
}

export function checkShape(owner: string, name: string, t: tf.Tensor, expected: number[]): void {
  if (!tf.util.arraysEqual(t.shape, expected)) {
    throw new RangeError(`${owner}: Expected ${name} size ${shapeText(expected)}, got ${shapeText(t.shape)}`);
  }
}

/**
 * Checks `lengths` for a batch of `batch` sequences of `steps` steps, as `pack_padded_sequence`
 * does, and returns them as plain numbers.
 */
export function checkLengths(owner: string, lengths: unknown, batch: number, steps: number): number[] {
  let values: number[];
  if (lengths instanceof tf.Tensor) {
    if (lengths.rank !== 1) throw new RangeError(`${owner}: lengths should be 1-D, got a ${lengths.rank}-D tensor`);
    values = Array.from(lengths.dataSync());
  } else if (Array.isArray(lengths) || ArrayBuffer.isView(lengths)) {
    values = Array.from(lengths as ArrayLike<number>);
  } else {
    throw new TypeError(`${owner}: lengths should be an array, typed array or 1-D tensor, got ${describe(lengths)}`);
  }
  if (values.length !== batch) {
    throw new RangeError(
      `${owner}: Expected lengths to have one entry per batch entry (${batch}), got ${values.length}`,
    );
  }
  values.forEach((len, b) => {
    if (typeof len !== 'number' || !Number.isInteger(len)) {
      throw new TypeError(`${owner}: lengths[${b}] should be an integer, got ${describe(len)}`);
    }
    if (len < 1 || len > steps) {
      throw new RangeError(
        `${owner}: lengths[${b}] must be in [1, ${steps}] (the sequence length; PyTorch: "Length of all ` +
          `samples has to be greater than 0"), got ${len}`,
      );
    }
  });
  return values;
}

/**
 * Checks an LSTM cell's state [h, c] against the input's batch size (null for unbatched input)
 * and the hidden size, with PyTorch's LSTMCell messages.
 */
export function checkCellState(owner: string, state: tf.Tensor[], batch: number | null, hiddenSize: number): void {
  state.forEach((s, k) => {
    if (batch !== null && s.shape[0] !== batch) {
      throw new RangeError(`${owner}: Input batch size ${batch} doesn't match hidden${k} batch size ${s.shape[0]}`);
    }
    if (s.shape[s.rank - 1] !== hiddenSize) {
      throw new RangeError(
        `${owner}: hidden${k} has inconsistent hidden_size: got ${s.shape[s.rank - 1]}, expected ${hiddenSize}`,
      );
    }
  });
}

/**
 * Checks the input's feature size against a multi-layer module's `inputSize`, with PyTorch's
 * `RNNBase.check_input` message (`LSTM`, `TorchLSTM`).
 */
export function checkInputSize(owner: string, got: number | null | undefined, inputSize: number): void {
  if (got !== inputSize) {
    throw new RangeError(`${owner}: input.size(-1) must be equal to input_size. Expected ${inputSize}, got ${got}`);
  }
}

/**
 * Checks the input's feature size against a cell's `inputSize`, with PyTorch's
 * `RNNCellBase.check_forward_input` message (`LSTMCell`, `TorchLSTMCell`).
 */
export function checkCellInputSize(owner: string, got: number | null | undefined, inputSize: number): void {
  if (got !== inputSize) {
    throw new RangeError(`${owner}: input has inconsistent input_size: got ${got}, expected ${inputSize}`);
  }
}

/**
 * Checks that the states `[h, c]` have the rank batched (or unbatched) input needs: `rank`, with
 * PyTorch's LSTM and LSTMCell message (`For batched 3-D input, hx and cx should also be 3-D ...`).
 */
export function checkStateRanks(owner: string, [h, c]: tf.Tensor[], batched: boolean, rank: number): void {
  if (h.rank !== rank || c.rank !== rank) {
    const input = batched ? `batched ${rank}-D` : `unbatched ${rank}-D`;
    throw new RangeError(
      `${owner}: For ${input} input, hx and cx should also be ${rank}-D but got (${h.rank}-D, ${c.rank}-D) tensors`,
    );
  }
}

/**
 * The rank check of a cell's single state (GRU, RNN), in PyTorch's words.
 *
 * ```ts
 * checkHiddenRank('GRU', h0, true, 3); // RangeError: GRU: For batched 3-D input, hx should also be 3-D but got 2-D tensor
 * ```
 */
export function checkHiddenRank(owner: string, h: tf.Tensor, batched: boolean, rank: number): void {
  if (h.rank !== rank) {
    const input = batched ? `batched ${rank}-D` : `unbatched ${rank}-D`;
    throw new RangeError(`${owner}: For ${input} input, hx should also be ${rank}-D but got ${h.rank}-D tensor`);
  }
}

/**
 * PyTorch's `nonlinearity` of `nn.RNN` and `nn.RNNCell`: 'tanh' (the default, for undefined) or
 * 'relu'.
 *
 * ```ts
 * checkNonlinearity('RNN', 'sigmoid'); // RangeError: RNN: Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'
 * ```
 */
export function checkNonlinearity(owner: string, value: unknown): Nonlinearity {
  if (value === undefined) return 'tanh';
  if (value === 'tanh' || value === 'relu') return value;
  throw new RangeError(`${owner}: Unknown nonlinearity ${describe(value)}. Select from 'tanh' or 'relu'`);
}
