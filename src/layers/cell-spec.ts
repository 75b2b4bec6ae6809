/**
 * What one recurrent cell is, as PyTorch's `RNNBase` reads it from its `mode`: how many gates its
 * weights stack, which states a step carries, whether it projects h, and PyTorch's names, shapes
 * and initialisation of its parameters. The modules (`LSTM`, `LSTMCell`), the tfjs layers
 * (`TorchLSTM`, `TorchLSTMCell`), the state-dict io and the Keras converters all take these from
 * here, so that another cell (GRU, RNN) is one more spec, not another copy of each.
 *
 * No tfjs import: the float64 reference uses the names too.
 */

/** A recurrent cell as the code around it sees it. */
export interface CellSpec {
  /** PyTorch's `mode`: 'LSTM', 'GRU', or 'RNN_TANH' / 'RNN_RELU' for the Elman RNN. */
  readonly mode: string;
  /** The module's class name, as PyTorch's messages name it: 'LSTM', 'GRU', 'RNN'. */
  readonly name: string;
  /** Gates stacked along the rows of `weight_ih` and `weight_hh`: 4 for LSTM (i, f, g, o), 3 for GRU (r, z, n), 1 for RNN. */
  readonly gateCount: number;
  /** The states one step carries, in PyTorch's order: h, then c for LSTM; h alone for GRU and RNN. */
  readonly stateNames: readonly string[];
  /** Whether the cell takes PyTorch's `proj_size` (a `weight_hr` projecting h): LSTM only. */
  readonly projections: boolean;
  /** The Elman RNN's activation, tanh or relu (PyTorch's `nonlinearity`); absent for LSTM and GRU. */
  readonly nonlinearity?: Nonlinearity;
}

/**
 * PyTorch's LSTM cell: gates i, f, g, o; states h (projSize when projecting, else hiddenSize) and
 * c (hiddenSize).
 *
 * ```ts
 * LSTM_CELL.gateCount * hiddenSize; // rows of weight_ih
 * ```
 */
export const LSTM_CELL = {
  mode: 'LSTM',
  name: 'LSTM',
  gateCount: 4,
  stateNames: ['h', 'c'],
  projections: true,
} as const satisfies CellSpec;

/**
 * PyTorch's GRU cell: gates r, z, n (reset, update, new); one state h (hiddenSize).
 *
 * ```ts
 * GRU_CELL.gateCount * hiddenSize; // rows of weight_ih
 * ```
 */
export const GRU_CELL = {
  mode: 'GRU',
  name: 'GRU',
  gateCount: 3,
  stateNames: ['h'],
  projections: false,
} as const satisfies CellSpec;

/** The Elman RNN's nonlinearity: PyTorch's `nonlinearity` argument of `nn.RNN` and `nn.RNNCell`. */
export type Nonlinearity = 'tanh' | 'relu';

/**
 * PyTorch's Elman RNN cell, h' = tanh(...) (mode 'RNN_TANH') or relu(...) ('RNN_RELU'): one
 * "gate" (weight_ih is [hiddenSize, inputSize]) and one state h.
 *
 * ```ts
 * rnnCellSpec('relu').mode; // 'RNN_RELU'
 * ```
 */
export function rnnCellSpec(nonlinearity: Nonlinearity): CellSpec {
  return nonlinearity === 'relu' ? RNN_RELU_CELL : RNN_TANH_CELL;
}

const RNN_TANH_CELL = {
  mode: 'RNN_TANH',
  name: 'RNN',
  gateCount: 1,
  stateNames: ['h'],
  projections: false,
  nonlinearity: 'tanh',
} as const satisfies CellSpec;

const RNN_RELU_CELL = { ...RNN_TANH_CELL, mode: 'RNN_RELU', nonlinearity: 'relu' } as const satisfies CellSpec;

/**
 * PyTorch's parameter name suffix for a layer and direction, `_l1` or `_l1_reverse`; `''` for a
 * single cell (`LSTMCell`'s `weight_ih`), given `layer` null.
 *
 * ```ts
 * parameterSuffix(1, true); // '_l1_reverse'
 * ```
 */
export function parameterSuffix(layer: number | null, reverse = false): string {
  return layer === null ? '' : `_l${layer}${reverse ? '_reverse' : ''}`;
}

/** PyTorch's names of the parameters of one layer and direction (or of a single cell). */
export interface DirectionParameterNames {
  weightIh: string;
  weightHh: string;
  biasIh: string;
  biasHh: string;
  weightHr: string;
}

/**
 * PyTorch's parameter names for layer `layer` (null for a single cell) in one direction.
 *
 * ```ts
 * parameterNames(0).weightIh;        // 'weight_ih_l0'
 * parameterNames(null).biasHh;       // 'bias_hh'
 * parameterNames(2, true).weightHr;  // 'weight_hr_l2_reverse'
 * ```
 */
export function parameterNames(layer: number | null, reverse = false): DirectionParameterNames {
  const sfx = parameterSuffix(layer, reverse);
  return {
    weightIh: `weight_ih${sfx}`,
    weightHh: `weight_hh${sfx}`,
    biasIh: `bias_ih${sfx}`,
    biasHh: `bias_hh${sfx}`,
    weightHr: `weight_hr${sfx}`,
  };
}

/** The sizes one layer and direction's parameters come from. */
export interface DirectionSizes {
  /** Features into this layer: the input's for layer 0, `numDirections * outputSize` above. */
  inputSize: number;
  hiddenSize: number;
  /** 0: no projection. */
  projSize: number;
  bias: boolean;
}

/**
 * PyTorch's parameters of one layer and direction, in `named_parameters()` order: `weight_ih`
 * [G*H, I], `weight_hh` [G*H, P], `bias_ih` and `bias_hh` [G*H], `weight_hr` [P, H] (G gates, P
 * the size of h).
 *
 * ```ts
 * directionParameters(LSTM_CELL, parameterNames(0), {inputSize: 3, hiddenSize: 2, projSize: 0, bias: false});
 * // [{name: 'weight_ih_l0', shape: [8, 3]}, {name: 'weight_hh_l0', shape: [8, 2]}]
 * ```
 */
export function directionParameters(
  spec: CellSpec,
  names: DirectionParameterNames,
  sizes: DirectionSizes,
): { name: string; shape: number[] }[] {
  const rows = spec.gateCount * sizes.hiddenSize;
  const p = stateSizes(spec, sizes.hiddenSize, sizes.projSize)[0];
  const params = [
    { name: names.weightIh, shape: [rows, sizes.inputSize] },
    { name: names.weightHh, shape: [rows, p] },
  ];
  if (sizes.bias) params.push({ name: names.biasIh, shape: [rows] }, { name: names.biasHh, shape: [rows] });
  if (spec.projections && sizes.projSize > 0)
    params.push({ name: names.weightHr, shape: [sizes.projSize, sizes.hiddenSize] });
  return params;
}

/**
 * The feature size of each state, in `stateNames` order: for LSTM, h is projSize when projecting
 * (else hiddenSize) and c is hiddenSize.
 *
 * ```ts
 * stateSizes(LSTM_CELL, 8, 3); // [3, 8]
 * ```
 */
export function stateSizes(spec: CellSpec, hiddenSize: number, projSize = 0): number[] {
  const h = spec.projections && projSize > 0 ? projSize : hiddenSize;
  return spec.stateNames.map((name) => (name === 'h' ? h : hiddenSize));
}

/**
 * PyTorch's initialisation of every recurrent parameter: U(-bound, bound) with this bound,
 * 1/sqrt(hiddenSize) (`RNNBase.reset_parameters`, `RNNCellBase.reset_parameters`).
 *
 * ```ts
 * initBound(16); // 0.25
 * ```
 */
export function initBound(hiddenSize: number): number {
  return 1 / Math.sqrt(hiddenSize);
}
