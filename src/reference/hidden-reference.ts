/**
 * PyTorch's stacked, optionally bidirectional `nn.GRU` and `nn.RNN` (tanh or relu), in plain
 * float64 loops, with their gradients: the test oracle for the tfjs GRU and RNN, as
 * lstm-reference.ts is the LSTM's. Built from gru-layer.ts and rnn-layer.ts (one layer, one
 * direction) and the shared stack.ts.
 *
 * Time-major and flat, in PyTorch's layouts: x [T, N, I], output [T, N, D*H], h0/hN [L*D, N, H].
 */
import { parameterSuffix } from '../layers/cell-spec';
import { gruLayerBackward, gruLayerForward, HiddenLayerGrads } from './gru-layer';
import { rnnLayerBackward, rnnLayerForward } from './rnn-layer';
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

export { gruLayerForward, gruLayerBackward } from './gru-layer';
export { rnnLayerForward, rnnLayerBackward } from './rnn-layer';

/** `nn.GRU`'s or `nn.RNN`'s constructor arguments that change the math, and PyTorch's `mode`. */
export interface HiddenReferenceConfig {
  mode: 'GRU' | 'RNN_TANH' | 'RNN_RELU';
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bias: boolean;
  bidirectional: boolean;
}

/** Parameters keyed by PyTorch's names, flat row-major. */
export type HiddenReferenceParams = Record<string, Float64Array>;

/** dL/d(everything): every parameter by name, the input x [T, N, I], and h0 [L*D, N, H]. */
export interface HiddenReferenceGrads {
  params: HiddenReferenceParams;
  x: Float64Array;
  h0: Float64Array;
}

/**
 * PyTorch's name and shape of every parameter, in `named_parameters()` order.
 *
 * ```ts
 * hiddenParamShapes({ mode: 'GRU', inputSize: 3, hiddenSize: 2, numLayers: 1, bias: false, bidirectional: false });
 * // [['weight_ih_l0', [6, 3]], ['weight_hh_l0', [6, 2]]]
 * ```
 */
export function hiddenParamShapes(config: HiddenReferenceConfig): [string, number[]][] {
  const { hiddenSize: H, numLayers } = config;
  for (const [name, v] of [
    ['inputSize', config.inputSize],
    ['hiddenSize', H],
    ['numLayers', numLayers],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  }
  const D = config.bidirectional ? 2 : 1;
  const G = (config.mode === 'GRU' ? 3 : 1) * H;
  const shapes: [string, number[]][] = [];
  for (let k = 0; k < numLayers; k++) {
    for (let d = 0; d < D; d++) {
      const suffix = parameterSuffix(k, d === 1);
      shapes.push([`weight_ih${suffix}`, [G, k === 0 ? config.inputSize : D * H]], [`weight_hh${suffix}`, [G, H]]);
      if (config.bias) shapes.push([`bias_ih${suffix}`, [G]], [`bias_hh${suffix}`, [G]]);
    }
  }
  return shapes;
}

/**
 * Random parameters for `config`, uniform in [-scale, scale) (default 1/sqrt(hiddenSize), PyTorch's
 * bound); not PyTorch's numbers.
 *
 * ```ts
 * const params = randomHiddenParams({ mode: 'RNN_RELU', inputSize: 3, hiddenSize: 4, numLayers: 2, bias: true, bidirectional: false }, 1);
 * ```
 */
export function randomHiddenParams(config: HiddenReferenceConfig, seed: number, scale?: number): HiddenReferenceParams {
  return randomParamsOf(hiddenParamShapes(config), seed, scale ?? 1 / Math.sqrt(config.hiddenSize));
}

/** The cell as the reference stack runs it: one state h [N, H]. */
function hiddenCell(config: HiddenReferenceConfig, params: HiddenReferenceParams): StackCell {
  checkParamShapes(hiddenParamShapes(config), params);
  const H = config.hiddenSize;
  return {
    inputSize: config.inputSize,
    numLayers: config.numLayers,
    bidirectional: config.bidirectional,
    outputSize: H,
    stateSizes: [H],
    forward(suffix, dims, x, [h0], options) {
      const w = {
        weightIh: params[`weight_ih${suffix}`],
        weightHh: params[`weight_hh${suffix}`],
        biasIh: config.bias ? params[`bias_ih${suffix}`] : undefined,
        biasHh: config.bias ? params[`bias_hh${suffix}`] : undefined,
      };
      const layerDims = { ...dims, hiddenSize: H };
      const named = (g: HiddenLayerGrads) => {
        const dParams: Record<string, Float64Array> = { weight_ih: g.dWeightIh, weight_hh: g.dWeightHh };
        if (config.bias) Object.assign(dParams, { bias_ih: g.dBiasIh, bias_hh: g.dBiasHh });
        return { dx: g.dx, dStates: [g.dh0], dParams };
      };
      if (config.mode === 'GRU') {
        const res = gruLayerForward(w, layerDims, x, h0, options);
        return {
          output: res.output,
          states: [res.hN],
          backward: (dOutput, [dhN]) => named(gruLayerBackward(res.cache, dOutput, dhN)),
        };
      }
      const act = config.mode === 'RNN_RELU' ? 'relu' : 'tanh';
      const res = rnnLayerForward(w, layerDims, act, x, h0, options);
      return {
        output: res.output,
        states: [res.hN],
        backward: (dOutput, [dhN]) => named(rnnLayerBackward(res.cache, dOutput, dhN)),
      };
    },
  };
}

function hiddenStackForward(
  config: HiddenReferenceConfig,
  params: HiddenReferenceParams,
  x: ReferenceInput,
  h0: Float64Array | undefined,
  lengths: ArrayLike<number> | undefined,
): StackRun {
  return stackForward(hiddenCell(config, params), x, h0 && [h0], lengths);
}

/**
 * PyTorch's `nn.GRU` or `nn.RNN` forward (dropout 0, time-major), in float64; `lengths` as
 * `referenceLSTM`'s (a packed sequence); `h0` omitted means zeros.
 *
 * ```ts
 * const config = { mode: 'GRU', inputSize: 3, hiddenSize: 4, numLayers: 2, bias: true, bidirectional: true } as const;
 * const x = { data: randomArray(5 * 2 * 3, 1), steps: 5, batch: 2 };
 * const { output, hN } = referenceHidden(config, randomHiddenParams(config, 2), x, undefined, [5, 3]);
 * // output [5, 2, 8], hN [4, 2, 4]
 * ```
 */
export function referenceHidden(
  config: HiddenReferenceConfig,
  params: HiddenReferenceParams,
  x: ReferenceInput,
  h0?: Float64Array,
  lengths?: ArrayLike<number>,
): { output: Float64Array; hN: Float64Array } {
  const { output, states } = hiddenStackForward(config, params, x, h0, lengths);
  return { output, hN: states[0] };
}

/**
 * The scalar loss `referenceHiddenGrads` differentiates: L = sum(output*W.output) + sum(hN*W.hN).
 *
 * ```ts
 * const loss = referenceHiddenLoss(config, params, x, h0, lengths, { output: wOut, hN: wH });
 * ```
 */
export function referenceHiddenLoss(
  config: HiddenReferenceConfig,
  params: HiddenReferenceParams,
  x: ReferenceInput,
  h0: Float64Array | undefined,
  lengths: ArrayLike<number> | undefined,
  lossWeights: { output: Float64Array; hN: Float64Array },
): number {
  const { output, hN } = referenceHidden(config, params, x, h0, lengths);
  return dot(output, lossWeights.output) + dot(hN, lossWeights.hN);
}

/**
 * The gradients of L = sum(output*W.output) + sum(hN*W.hN) with respect to every parameter, the
 * input and h0, by hand-derived BPTT through each layer and direction.
 *
 * ```ts
 * const grads = referenceHiddenGrads(config, params, x, undefined, [5, 3], { output: wOut, hN: wH });
 * grads.params.weight_hh_l1_reverse; // dL/dweight_hh_l1_reverse
 * ```
 */
export function referenceHiddenGrads(
  config: HiddenReferenceConfig,
  params: HiddenReferenceParams,
  x: ReferenceInput,
  h0: Float64Array | undefined,
  lengths: ArrayLike<number> | undefined,
  lossWeights: { output: Float64Array; hN: Float64Array },
): HiddenReferenceGrads {
  const fwd = hiddenStackForward(config, params, x, h0, lengths);
  for (const [name, value, weight] of [
    ['output', fwd.output, lossWeights.output],
    ['hN', fwd.states[0], lossWeights.hN],
  ] as const) {
    if (weight.length !== value.length) {
      throw new Error(`lossWeights.${name} has ${weight.length} entries, expected ${value.length}`);
    }
  }
  const g = stackBackward(hiddenCell(config, params), x, fwd, lossWeights.output, [lossWeights.hN]);
  const ordered = Object.fromEntries(hiddenParamShapes(config).map(([name]) => [name, g.dParams[name]]));
  return { params: ordered, x: g.dx, h0: g.dStates[0] };
}
