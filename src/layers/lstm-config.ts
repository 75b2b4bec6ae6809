import type * as tf from '@tensorflow/tfjs';

import { LSTMWeights } from '../ops/weights';
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
 * The options that fix an LSTM's parameters and computation, shared by the `LSTM` module and the
 * `TorchLSTM` tfjs layer: checking them, PyTorch's parameter names and shapes, and the weights of
 * one layer and direction.
 */
export interface LSTMArchitecture {
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
  options: Partial<Record<keyof LSTMArchitecture, unknown>>,
): LSTMArchitecture {
  const hiddenSize = checkInteger(owner, 'hiddenSize', options.hiddenSize, 1);
  const arch: LSTMArchitecture = {
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

/** The architecture of a single cell (`LSTMCell`, `TorchLSTMCell`): one layer, one direction. */
export function cellArchitecture(inputSize: number, hiddenSize: number, bias: boolean): LSTMArchitecture {
  return { inputSize, hiddenSize, numLayers: 1, bias, dropout: 0, bidirectional: false, projSize: 0 };
}

export function numDirections(arch: LSTMArchitecture): number {
  return arch.bidirectional ? 2 : 1;
}

/** Size of h: projSize when projecting, else hiddenSize. */
export function outputSize(arch: LSTMArchitecture): number {
  return arch.projSize > 0 ? arch.projSize : arch.hiddenSize;
}

function suffix(layer: number, dir: number): string {
  return `_l${layer}${dir === 1 ? '_reverse' : ''}`;
}

/** The size options of `LSTM`, in its constructor's order, and those of `LSTMCell`. */
const SIZE_OPTIONS = ['inputSize', 'hiddenSize', 'numLayers', 'bias', 'bidirectional', 'projSize'] as const;
const CELL_SIZE_OPTIONS = ['inputSize', 'hiddenSize', 'bias'] as const;
type SizeOption = (typeof SIZE_OPTIONS)[number];

/** A parameter's name and shape, the factors of its element count and the options they come from. */
interface ParameterSource {
  name: string;
  shape: number[];
  factors: number[];
  from: SizeOption[];
}

/**
 * PyTorch's parameter names and shapes, in `named_parameters()` order: per layer, per direction,
 * weight_ih, weight_hh, bias_ih, bias_hh, weight_hr; with, for each, the factors of its size and
 * the options they come from.
 */
function parameterPlan(arch: LSTMArchitecture): ParameterSource[] {
  const h = arch.hiddenSize;
  const p = outputSize(arch);
  const dirs = numDirections(arch);
  // Where h is projected, the sizes that come from p come from projSize too.
  const fromP: SizeOption[] = arch.projSize > 0 ? ['hiddenSize', 'projSize'] : ['hiddenSize'];
  const plan: ParameterSource[] = [];
  for (let layer = 0; layer < arch.numLayers; layer++) {
    for (let dir = 0; dir < dirs; dir++) {
      const sfx = suffix(layer, dir);
      plan.push(
        layer === 0
          ? {
              name: `weight_ih${sfx}`,
              shape: [4 * h, arch.inputSize],
              factors: [4, h, arch.inputSize],
              from: ['hiddenSize', 'inputSize'],
            }
          : {
              name: `weight_ih${sfx}`,
              shape: [4 * h, dirs * p],
              factors: dirs > 1 ? [4, h, dirs, p] : [4, h, p],
              from: dirs > 1 ? [...fromP, 'bidirectional'] : fromP,
            },
        { name: `weight_hh${sfx}`, shape: [4 * h, p], factors: [4, h, p], from: fromP },
      );
      if (arch.bias) {
        for (const name of [`bias_ih${sfx}`, `bias_hh${sfx}`]) {
          plan.push({ name, shape: [4 * h], factors: [4, h], from: ['hiddenSize'] });
        }
      }
      if (arch.projSize > 0) {
        const shape = [arch.projSize, h];
        plan.push({ name: `weight_hr${sfx}`, shape, factors: shape, from: ['projSize', 'hiddenSize'] });
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
  arch: LSTMArchitecture,
  { cell = false, inputSizeKnown = true }: { cell?: boolean; inputSizeKnown?: boolean } = {},
): PlannedParameter[] {
  const shown = (from: readonly SizeOption[]) =>
    sizeOptions(arch, from).filter((option) => inputSizeKnown || !option.startsWith('inputSize='));
  const perDirection = 2 + (arch.bias ? 2 : 0) + (arch.projSize > 0 ? 1 : 0);
  // Counted from the options alone, so that a million layers fail before a million shapes are listed.
  const counts = numDirections(arch) > 1 ? [arch.numLayers, 2, perDirection] : [arch.numLayers, perDirection];
  checkParameterCount(owner, counts, shown(['numLayers', 'bidirectional', 'bias', 'projSize']));
  const plan = parameterPlan(arch).map(({ name, shape, factors, from }) => ({
    name: cell ? name.replace(/_l0$/, '') : name,
    shape,
    factors,
    options: shown(from),
  }));
  checkParameterSizes(owner, plan, shown(cell ? CELL_SIZE_OPTIONS : SIZE_OPTIONS));
  return plan;
}

/**
 * The size options as `name=value`, for messages: those named, else all of `LSTM`'s, or of
 * `LSTMCell`'s with `'cell'`.
 */
export function sizeOptions(arch: LSTMArchitecture, names: readonly SizeOption[] | 'cell' = SIZE_OPTIONS): string[] {
  return (names === 'cell' ? CELL_SIZE_OPTIONS : names).map((name) => `${name}=${arch[name]}`);
}

/** The weights of one layer and direction, looked up by PyTorch name. */
export function directionWeights(
  arch: LSTMArchitecture,
  get: (name: string) => tf.Tensor,
  layer: number,
  dir: number,
): LSTMWeights {
  const sfx = suffix(layer, dir);
  const w: LSTMWeights = { weightIh: get(`weight_ih${sfx}`), weightHh: get(`weight_hh${sfx}`) };
  if (arch.bias) {
    w.biasIh = get(`bias_ih${sfx}`);
    w.biasHh = get(`bias_hh${sfx}`);
  }
  if (arch.projSize > 0) w.weightHr = get(`weight_hr${sfx}`);
  return w;
}
