import type * as tf from '@tensorflow/tfjs';

import type { StackOptions } from '../dispatch/lstm-stack';
import { LSTMWeights } from '../ops/weights';
import { CellSpec, directionParameters, LSTM_CELL, parameterNames, stateSizes } from './cell-spec';
import {
  checkBoolean,
  checkDropout,
  checkInteger,
  checkParameterCount,
  checkParameterSizes,
  checkProjSize,
  PlannedParameter,
} from './checks';

/**
 * The options that fix a recurrent module's parameters and computation, shared by the modules
 * (`LSTM`, `GRU`, `RNN` and their cells) and the tfjs layers: checking them, PyTorch's parameter
 * names and shapes (from the cell spec), and the weights of one layer and direction. `projSize` is
 * 0 for the cells without projections (GRU, RNN).
 */
export interface RecurrentArchitecture {
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bias: boolean;
  dropout: number;
  bidirectional: boolean;
  projSize: number;
}

/** Checks the options (PyTorch's checks and messages) and fills in PyTorch's defaults. */
export function checkArchitecture(
  owner: string,
  options: Partial<Record<keyof RecurrentArchitecture, unknown>>,
): RecurrentArchitecture {
  const hiddenSize = checkInteger(owner, 'hiddenSize', options.hiddenSize, 1);
  const arch: RecurrentArchitecture = {
    inputSize: checkInteger(owner, 'inputSize', options.inputSize, 1),
    hiddenSize,
    numLayers: checkInteger(owner, 'numLayers', options.numLayers ?? 1, 1),
    bias: checkBoolean(owner, 'bias', options.bias ?? true),
    dropout: checkDropout(owner, options.dropout ?? 0),
    bidirectional: checkBoolean(owner, 'bidirectional', options.bidirectional ?? false),
    projSize: checkProjSize(owner, options.projSize ?? 0, hiddenSize),
  };
  if (arch.dropout > 0 && arch.numLayers === 1) {
    console.warn(
      `${owner}: dropout option adds dropout after all but last recurrent layer, so non-zero dropout ` +
        `expects numLayers greater than 1, but got dropout=${arch.dropout} and numLayers=${arch.numLayers}`,
    );
  }
  return arch;
}

/**
 * Checks a single cell's options (`LSTMCell`, `TorchLSTMCell`) and fills in PyTorch's default
 * bias; `inputSize` may be left out where the input gives it later (a tfjs layer).
 */
export function checkCellOptions(
  owner: string,
  options: { inputSize?: unknown; hiddenSize?: unknown; bias?: unknown },
  { inputSizeOptional = false } = {},
): { inputSize: number | undefined; hiddenSize: number; bias: boolean } {
  const hiddenSize = checkInteger(owner, 'hiddenSize', options.hiddenSize, 1);
  const inputSize =
    inputSizeOptional && options.inputSize === undefined
      ? undefined
      : checkInteger(owner, 'inputSize', options.inputSize, 1);
  return { inputSize, hiddenSize, bias: checkBoolean(owner, 'bias', options.bias ?? true) };
}

/** The architecture of a single cell (`LSTMCell`, `TorchLSTMCell`): one layer, one direction. */
export function cellArchitecture(inputSize: number, hiddenSize: number, bias: boolean): RecurrentArchitecture {
  return { inputSize, hiddenSize, numLayers: 1, bias, dropout: 0, bidirectional: false, projSize: 0 };
}

export function numDirections(arch: RecurrentArchitecture): number {
  return arch.bidirectional ? 2 : 1;
}

/** Size of h: projSize when projecting, else hiddenSize. */
export function outputSize(arch: RecurrentArchitecture): number {
  return stateSizes(LSTM_CELL, arch.hiddenSize, arch.projSize)[0];
}

/**
 * The stack options an architecture fixes (layers, directions, sizes, dropout), which `LSTM` and
 * `TorchLSTM` each complete with those of the call (gradient mode, lengths, training, seeds, the
 * prepared weights).
 *
 * ```ts
 * lstmStack(x, h0, c0, weights, { ...architectureStackOptions(arch), training: false });
 * ```
 */
export function architectureStackOptions(
  arch: RecurrentArchitecture,
): Pick<StackOptions, 'numLayers' | 'bidirectional' | 'outputSize' | 'hiddenSize' | 'dropout'> {
  const { numLayers, bidirectional, hiddenSize, dropout } = arch;
  return { numLayers, bidirectional, outputSize: outputSize(arch), hiddenSize, dropout };
}

/** The size options of `LSTM`, in its constructor's order, and those of `LSTMCell`. */
const SIZE_OPTIONS = [
  'inputSize',
  'hiddenSize',
  'numLayers',
  'bias',
  'bidirectional',
  'projSize',
] as const satisfies readonly (keyof RecurrentArchitecture)[];
const CELL_SIZE_OPTIONS = [
  'inputSize',
  'hiddenSize',
  'bias',
] as const satisfies readonly (keyof RecurrentArchitecture)[];
type SizeOption = (typeof SIZE_OPTIONS)[number];

/** A parameter's name and shape, the factors of its element count and the options they come from. */
interface ParameterSource {
  name: string;
  shape: number[];
  factors: number[];
  from: SizeOption[];
}

/**
 * PyTorch's parameter names and shapes (from the cell spec), in `named_parameters()` order, each
 * with the factors of its size and the options they come from, for the messages. `cell` names
 * them as a single cell does (no `_l0`).
 */
function parameterPlan(arch: RecurrentArchitecture, cell: boolean, spec: CellSpec): ParameterSource[] {
  const { hiddenSize: h, projSize, bias } = arch;
  // The gate count as a factor of the sizes in messages ("4 * 50000 * 50000"), none for RNN's one.
  const g = spec.gateCount > 1 ? [spec.gateCount] : [];
  const p = outputSize(arch);
  const dirs = numDirections(arch);
  // Where h is projected, the sizes that come from p come from projSize too.
  const fromP: SizeOption[] = projSize > 0 ? ['hiddenSize', 'projSize'] : ['hiddenSize'];
  const plan: ParameterSource[] = [];
  for (let layer = 0; layer < arch.numLayers; layer++) {
    for (let dir = 0; dir < dirs; dir++) {
      const names = parameterNames(cell ? null : layer, dir === 1);
      const inputSize = layer === 0 ? arch.inputSize : dirs * p;
      // Factors in the words of the options: [4, h, dirs, p] reads as "4 gates of hiddenSize ...".
      const sources: Record<string, Pick<ParameterSource, 'factors' | 'from'>> = {
        [names.weightIh]:
          layer === 0
            ? { factors: [...g, h, inputSize], from: ['hiddenSize', 'inputSize'] }
            : {
                factors: dirs > 1 ? [...g, h, dirs, p] : [...g, h, p],
                from: dirs > 1 ? [...fromP, 'bidirectional'] : fromP,
              },
        [names.weightHh]: { factors: [...g, h, p], from: fromP },
        [names.biasIh]: { factors: [...g, h], from: ['hiddenSize'] },
        [names.biasHh]: { factors: [...g, h], from: ['hiddenSize'] },
        [names.weightHr]: { factors: [projSize, h], from: ['projSize', 'hiddenSize'] },
      };
      for (const { name, shape } of directionParameters(spec, names, { inputSize, hiddenSize: h, projSize, bias })) {
        plan.push({ name, shape, ...sources[name] });
      }
    }
  }
  return plan;
}

/**
 * Checks that the parameters of `arch` can be made, before any is (see `checkParameterCount` and
 * `checkParameterSizes`), and returns them with their shapes. `cell` plans `LSTMCell`'s
 * (`weight_ih`, ..., no layer suffix); `inputSizeKnown: false` leaves the stand-in inputSize of a
 * tfjs layer not yet built out of the messages.
 *
 * ```ts
 * planParameters('LSTM', checkArchitecture('LSTM', {inputSize: 1, hiddenSize: 50000}));
 * // RangeError: LSTM: hiddenSize=50000 needs 4 * 50000 * 50000 = 10000000000 elements in weight_hh_l0 ...
 * ```
 */
export function planParameters(
  owner: string,
  arch: RecurrentArchitecture,
  {
    cell = false,
    inputSizeKnown = true,
    spec = LSTM_CELL,
  }: { cell?: boolean; inputSizeKnown?: boolean; spec?: CellSpec } = {},
): PlannedParameter[] {
  const shown = (from: readonly SizeOption[]) =>
    sizeOptions(arch, from, spec).filter((option) => inputSizeKnown || !option.startsWith('inputSize='));
  const perDirection = 2 + (arch.bias ? 2 : 0) + (arch.projSize > 0 ? 1 : 0);
  // Counted from the options alone, so that a million layers fail before a million shapes are listed.
  const counts = numDirections(arch) > 1 ? [arch.numLayers, 2, perDirection] : [arch.numLayers, perDirection];
  checkParameterCount(owner, counts, shown(['numLayers', 'bidirectional', 'bias', 'projSize']));
  const plan = parameterPlan(arch, cell, spec).map(({ name, shape, factors, from }) => ({
    name,
    shape,
    factors,
    options: shown(from),
  }));
  checkParameterSizes(owner, plan, shown(cell ? CELL_SIZE_OPTIONS : SIZE_OPTIONS));
  return plan;
}

/**
 * The size options as `name=value`, for messages: those named, else all of the module's, or of
 * the single cell's with `'cell'`; `projSize` only for a cell that has it (LSTM).
 */
export function sizeOptions(
  arch: RecurrentArchitecture,
  names: readonly SizeOption[] | 'cell' = SIZE_OPTIONS,
  spec: CellSpec = LSTM_CELL,
): string[] {
  return (names === 'cell' ? CELL_SIZE_OPTIONS : names)
    .filter((name) => spec.projections || name !== 'projSize')
    .map((name) => `${name}=${arch[name]}`);
}

/**
 * The weights of one layer and direction (`layer` null: a single cell's), looked up by PyTorch
 * name.
 */
export function directionWeights(
  arch: Pick<RecurrentArchitecture, 'bias' | 'projSize'>,
  get: (name: string) => tf.Tensor,
  layer: number | null,
  dir = 0,
): LSTMWeights {
  const names = parameterNames(layer, dir === 1);
  const w: LSTMWeights = { weightIh: get(names.weightIh), weightHh: get(names.weightHh) };
  if (arch.bias) {
    w.biasIh = get(names.biasIh);
    w.biasHh = get(names.biasHh);
  }
  if (arch.projSize > 0) w.weightHr = get(names.weightHr);
  return w;
}
