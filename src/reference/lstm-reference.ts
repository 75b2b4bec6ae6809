/**
 * The stacked, optionally bidirectional LSTM of PyTorch's `nn.LSTM`, in plain float64 loops, with
 * its gradients: the test oracle for the tfjs implementation. Built from `layer.ts` (one layer, one
 * direction).
 *
 * Everything is time-major and flat, in PyTorch's layouts: x [T, N, I], output [T, N, D*P],
 * h0/hN [L*D, N, P], c0/cN [L*D, N, H], where D = 2 when bidirectional, P = projSize or H, and the
 * state of layer k in direction d sits at index k*D + d.
 */
import { parameterSuffix } from '../layers/cell-spec';
import { layerBackward, layerForward, LayerWeights } from './layer';
import {
  checkParamShapes,
  dot,
  randomParamsOf,
  ReferenceInput,
  StackCell,
  stackBackward,
  stackForward,
  StackRun,
} from './stack';

export { layerForward, layerBackward } from './layer';
export type { LayerWeights, LayerDims, LayerOptions, LayerCache, LayerForwardResult, LayerGrads } from './layer';
export { mulberry32, randomArray } from './random';
export type { ReferenceInput } from './stack';

/** `nn.LSTM`'s constructor arguments that change the math (no dropout, time-major only). */
export interface ReferenceConfig {
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bias: boolean;
  bidirectional: boolean;
  /** 0 for no projection, else in [1, hiddenSize). */
  projSize: number;
}

/** An initial state: h0 [L*D, N, P], c0 [L*D, N, H]. */
export interface ReferenceState {
  h0: Float64Array;
  c0: Float64Array;
}

/** Parameters keyed by PyTorch's names (`weight_ih_l0`, `bias_hh_l1_reverse`, ...), flat row-major. */
export type ReferenceParams = Record<string, Float64Array>;

/** output [T, N, D*P] (0 at padded steps), hN [L*D, N, P], cN [L*D, N, H]. */
export interface ReferenceResult {
  output: Float64Array;
  hN: Float64Array;
  cN: Float64Array;
}

/** The weights of the scalar loss L = sum(output*W.output) + sum(hN*W.hN) + sum(cN*W.cN). */
export interface LossWeights {
  output: Float64Array;
  hN: Float64Array;
  cN: Float64Array;
}

/** dL/d(everything): every parameter by name, the input x [T, N, I], and h0, c0. */
export interface ReferenceGrads {
  params: ReferenceParams;
  x: Float64Array;
  h0: Float64Array;
  c0: Float64Array;
}

/** The sizes a config implies. */
interface Sizes {
  /** D: directions. */
  dirs: number;
  /** H. */
  hidden: number;
  /** P: size of h. */
  out: number;
}

function sizesOf(config: ReferenceConfig): Sizes {
  const { inputSize, hiddenSize, numLayers, projSize } = config;
  for (const [name, v] of [
    ['inputSize', inputSize],
    ['hiddenSize', hiddenSize],
    ['numLayers', numLayers],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  }
  // PyTorch rejects projSize >= hiddenSize too: the projection must shrink h.
  if (!Number.isInteger(projSize) || projSize < 0 || projSize >= hiddenSize) {
    throw new Error(`projSize must be an integer in [0, hiddenSize), got ${projSize}`);
  }
  return { dirs: config.bidirectional ? 2 : 1, hidden: hiddenSize, out: projSize > 0 ? projSize : hiddenSize };
}

/** PyTorch's parameter name suffix for a layer and direction: `_l1`, `_l1_reverse`. */
function suffixOf(layer: number, dir: number): string {
  return parameterSuffix(layer, dir === 1);
}

/**
 * PyTorch's name and shape of every parameter of `nn.LSTM(config)`, in `named_parameters()` order.
 *
 * ```ts
 * referenceParamShapes({ inputSize: 3, hiddenSize: 2, numLayers: 1, bias: false, bidirectional: false, projSize: 0 });
 * // [['weight_ih_l0', [8, 3]], ['weight_hh_l0', [8, 2]]]
 * ```
 */
export function referenceParamShapes(config: ReferenceConfig): [string, number[]][] {
  const { dirs, hidden: H, out: P } = sizesOf(config);
  const shapes: [string, number[]][] = [];
  for (let k = 0; k < config.numLayers; k++) {
    const inputSize = k === 0 ? config.inputSize : dirs * P;
    for (let d = 0; d < dirs; d++) {
      const suffix = suffixOf(k, d);
      shapes.push([`weight_ih${suffix}`, [4 * H, inputSize]], [`weight_hh${suffix}`, [4 * H, P]]);
      if (config.bias) shapes.push([`bias_ih${suffix}`, [4 * H]], [`bias_hh${suffix}`, [4 * H]]);
      if (config.projSize > 0) shapes.push([`weight_hr${suffix}`, [P, H]]);
    }
  }
  return shapes;
}

/**
 * Random parameters for `config`, keyed and shaped as PyTorch's, uniform in [-scale, scale) as
 * PyTorch's initialisation is (with its default scale 1/sqrt(hiddenSize)); not PyTorch's numbers.
 *
 * ```ts
 * const config = { inputSize: 3, hiddenSize: 4, numLayers: 2, bias: true, bidirectional: true, projSize: 0 };
 * const params = randomParams(config, 1);
 * params.weight_ih_l1_reverse.length; // 16 * 8
 * ```
 */
export function randomParams(config: ReferenceConfig, seed: number, scale?: number): ReferenceParams {
  return randomParamsOf(referenceParamShapes(config), seed, scale ?? 1 / Math.sqrt(config.hiddenSize));
}

function layerWeights(config: ReferenceConfig, params: ReferenceParams, suffix: string): LayerWeights {
  return {
    weightIh: params[`weight_ih${suffix}`],
    weightHh: params[`weight_hh${suffix}`],
    biasIh: config.bias ? params[`bias_ih${suffix}`] : undefined,
    biasHh: config.bias ? params[`bias_hh${suffix}`] : undefined,
    weightHr: config.projSize > 0 ? params[`weight_hr${suffix}`] : undefined,
  };
}

/** The LSTM as the reference stack runs it: states h [N, P] and c [N, H]. */
function lstmCell(config: ReferenceConfig, params: ReferenceParams): StackCell {
  const { hidden: H, out: P } = sizesOf(config);
  checkParamShapes(referenceParamShapes(config), params);
  return {
    inputSize: config.inputSize,
    numLayers: config.numLayers,
    bidirectional: config.bidirectional,
    outputSize: P,
    stateSizes: [P, H],
    forward(suffix, dims, x, [h0, c0], options) {
      const res = layerForward(
        layerWeights(config, params, suffix),
        { ...dims, hiddenSize: H, outputSize: P },
        x,
        h0,
        c0,
        options,
      );
      return {
        output: res.output,
        states: [res.hN, res.cN],
        backward(dOutput, [dhN, dcN]) {
          const g = layerBackward(res.cache, dOutput, dhN, dcN);
          const dParams: Record<string, Float64Array> = { weight_ih: g.dWeightIh, weight_hh: g.dWeightHh };
          if (config.bias) Object.assign(dParams, { bias_ih: g.dBiasIh, bias_hh: g.dBiasHh });
          if (g.dWeightHr) dParams.weight_hr = g.dWeightHr;
          return { dx: g.dx, dStates: [g.dh0, g.dc0], dParams };
        },
      };
    },
  };
}

function lstmStackForward(
  config: ReferenceConfig,
  params: ReferenceParams,
  x: ReferenceInput,
  state: ReferenceState | undefined,
  lengths: ArrayLike<number> | undefined,
): StackRun {
  return stackForward(lstmCell(config, params), x, state && [state.h0, state.c0], lengths);
}

/**
 * PyTorch's `nn.LSTM` forward (dropout 0, time-major), in float64. With `lengths`, it is
 * `pack_padded_sequence` (unsorted allowed) then `pad_packed_sequence(total_length=T)`: row b has
 * only its first `lengths[b]` steps, padded inputs are never read, padded outputs are 0, and hN/cN
 * are the state after each row's last valid step. `state` omitted means zeros.
 *
 * ```ts
 * const config = { inputSize: 3, hiddenSize: 4, numLayers: 2, bias: true, bidirectional: true, projSize: 0 };
 * const x = { data: randomArray(5 * 2 * 3, 1), steps: 5, batch: 2 };
 * const { output, hN, cN } = referenceLSTM(config, randomParams(config, 2), x, undefined, [5, 3]);
 * // output [5, 2, 8], hN [4, 2, 4], cN [4, 2, 4]
 * ```
 */
export function referenceLSTM(
  config: ReferenceConfig,
  params: ReferenceParams,
  x: ReferenceInput,
  state?: ReferenceState,
  lengths?: ArrayLike<number>,
): ReferenceResult {
  const {
    output,
    states: [hN, cN],
  } = lstmStackForward(config, params, x, state, lengths);
  return { output, hN, cN };
}

/**
 * The scalar loss `referenceLSTMGrads` differentiates:
 * L = sum(output*W.output) + sum(hN*W.hN) + sum(cN*W.cN).
 *
 * ```ts
 * const loss = referenceLoss(config, params, x, state, lengths, { output: wOut, hN: wH, cN: wC });
 * ```
 */
export function referenceLoss(
  config: ReferenceConfig,
  params: ReferenceParams,
  x: ReferenceInput,
  state: ReferenceState | undefined,
  lengths: ArrayLike<number> | undefined,
  lossWeights: LossWeights,
): number {
  const { output, hN, cN } = referenceLSTM(config, params, x, state, lengths);
  return dot(output, lossWeights.output) + dot(hN, lossWeights.hN) + dot(cN, lossWeights.cN);
}

/**
 * The gradients of L = sum(output*W.output) + sum(hN*W.hN) + sum(cN*W.cN) with respect to every
 * parameter, the input and the initial state, by hand-derived BPTT through each layer and
 * direction (the two biases of a layer get equal gradients). `state` omitted means zeros, and h0/c0
 * are then the gradients at that zero state.
 *
 * ```ts
 * const w = { output: randomArray(5 * 2 * 8, 3), hN: randomArray(4 * 2 * 4, 4), cN: randomArray(4 * 2 * 4, 5) };
 * const grads = referenceLSTMGrads(config, params, x, undefined, [5, 3], w);
 * grads.params.weight_hh_l1_reverse; // dL/dweight_hh_l1_reverse, [16, 4]
 * ```
 */
export function referenceLSTMGrads(
  config: ReferenceConfig,
  params: ReferenceParams,
  x: ReferenceInput,
  state: ReferenceState | undefined,
  lengths: ArrayLike<number> | undefined,
  lossWeights: LossWeights,
): ReferenceGrads {
  const fwd = lstmStackForward(config, params, x, state, lengths);
  const [hN, cN] = fwd.states;
  for (const [name, value, weight] of [
    ['output', fwd.output, lossWeights.output],
    ['hN', hN, lossWeights.hN],
    ['cN', cN, lossWeights.cN],
  ] as const) {
    if (weight.length !== value.length) {
      throw new Error(`lossWeights.${name} has ${weight.length} entries, expected ${value.length}`);
    }
  }
  const g = stackBackward(lstmCell(config, params), x, fwd, lossWeights.output, [lossWeights.hN, lossWeights.cN]);
  // Listed in named_parameters() order (the backward pass found them top layer first).
  const ordered = Object.fromEntries(referenceParamShapes(config).map(([name]) => [name, g.dParams[name]]));
  return { params: ordered, x: g.dx, h0: g.dStates[0], c0: g.dStates[1] };
}
