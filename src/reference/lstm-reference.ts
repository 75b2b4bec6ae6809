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
import { LayerCache, layerBackward, layerForward, LayerWeights } from './layer';
import { mulberry32, randomArray } from './random';

export { layerForward, layerBackward } from './layer';
export type { LayerWeights, LayerDims, LayerOptions, LayerCache, LayerForwardResult, LayerGrads } from './layer';
export { mulberry32, randomArray } from './random';

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

/** A time-major input: `data` is [steps, batch, inputSize], row-major. */
export interface ReferenceInput {
  data: Float64Array;
  steps: number;
  batch: number;
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

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
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
  const rand = mulberry32(seed);
  const s = scale ?? 1 / Math.sqrt(config.hiddenSize);
  const params: ReferenceParams = {};
  for (const [name, shape] of referenceParamShapes(config)) params[name] = randomArray(sizeOf(shape), rand, s);
  return params;
}

/** Checks `params` holds exactly the config's parameters, so a misnamed one cannot go unused. */
function checkParams(config: ReferenceConfig, params: ReferenceParams): void {
  const shapes = referenceParamShapes(config);
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

function layerWeights(config: ReferenceConfig, params: ReferenceParams, suffix: string): LayerWeights {
  return {
    weightIh: params[`weight_ih${suffix}`],
    weightHh: params[`weight_hh${suffix}`],
    biasIh: config.bias ? params[`bias_ih${suffix}`] : undefined,
    biasHh: config.bias ? params[`bias_hh${suffix}`] : undefined,
    weightHr: config.projSize > 0 ? params[`weight_hr${suffix}`] : undefined,
  };
}

/** Everything one forward pass keeps for the backward pass. */
interface Run extends ReferenceResult {
  /** caches[layer][dir]. */
  caches: LayerCache[][];
}

function run(
  config: ReferenceConfig,
  params: ReferenceParams,
  x: ReferenceInput,
  state: ReferenceState | undefined,
  lengths: ArrayLike<number> | undefined,
): Run {
  const { dirs: D, hidden: H, out: P } = sizesOf(config);
  checkParams(config, params);
  const { steps: T, batch: N } = x;
  const L = config.numLayers;
  if (x.data.length !== T * N * config.inputSize) {
    throw new Error(`x has ${x.data.length} entries, expected [${T}, ${N}, ${config.inputSize}]`);
  }
  const h0 = state ? state.h0 : new Float64Array(L * D * N * P);
  const c0 = state ? state.c0 : new Float64Array(L * D * N * H);
  if (h0.length !== L * D * N * P) throw new Error(`h0 has ${h0.length} entries, expected [${L * D}, ${N}, ${P}]`);
  if (c0.length !== L * D * N * H) throw new Error(`c0 has ${c0.length} entries, expected [${L * D}, ${N}, ${H}]`);

  const hN = new Float64Array(L * D * N * P);
  const cN = new Float64Array(L * D * N * H);
  const caches: LayerCache[][] = [];
  let input = x.data;
  for (let k = 0; k < L; k++) {
    const inputSize = k === 0 ? config.inputSize : D * P;
    const dims = { steps: T, batch: N, inputSize, hiddenSize: H, outputSize: P };
    // The layer's output concatenates the directions along features: [forward, reverse].
    const output = new Float64Array(T * N * D * P);
    caches.push([]);
    for (let d = 0; d < D; d++) {
      const s = k * D + d;
      const res = layerForward(
        layerWeights(config, params, suffixOf(k, d)),
        dims,
        input,
        h0.subarray(s * N * P, (s + 1) * N * P),
        c0.subarray(s * N * H, (s + 1) * N * H),
        { reverse: d === 1, lengths },
      );
      for (let row = 0; row < T * N; row++) {
        output.set(res.output.subarray(row * P, (row + 1) * P), (row * D + d) * P);
      }
      hN.set(res.hN, s * N * P);
      cN.set(res.cN, s * N * H);
      caches[k].push(res.cache);
    }
    input = output;
  }
  return { output: input, hN, cN, caches };
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
  const { output, hN, cN } = run(config, params, x, state, lengths);
  return { output, hN, cN };
}

function dot(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new Error(`loss weight has ${b.length} entries, expected ${a.length}`);
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k] * b[k];
  return sum;
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
  const { dirs: D, hidden: H, out: P } = sizesOf(config);
  const { output, hN, cN, caches } = run(config, params, x, state, lengths);
  const { steps: T, batch: N } = x;
  const L = config.numLayers;
  for (const [name, value, weight] of [
    ['output', output, lossWeights.output],
    ['hN', hN, lossWeights.hN],
    ['cN', cN, lossWeights.cN],
  ] as const) {
    if (weight.length !== value.length) {
      throw new Error(`lossWeights.${name} has ${weight.length} entries, expected ${value.length}`);
    }
  }

  const dParams: ReferenceParams = {};
  const dh0 = new Float64Array(L * D * N * P);
  const dc0 = new Float64Array(L * D * N * H);
  // dL/d(this layer's output), starting from the top layer, whose output is the module's.
  let dOutput = lossWeights.output;
  for (let k = L - 1; k >= 0; k--) {
    const inputSize = k === 0 ? config.inputSize : D * P;
    // Both directions read the same input, so their input gradients add up.
    const dInput = new Float64Array(T * N * inputSize);
    for (let d = 0; d < D; d++) {
      const s = k * D + d;
      const dOutDir = new Float64Array(T * N * P);
      for (let row = 0; row < T * N; row++) {
        dOutDir.set(dOutput.subarray((row * D + d) * P, (row * D + d + 1) * P), row * P);
      }
      const g = layerBackward(
        caches[k][d],
        dOutDir,
        lossWeights.hN.subarray(s * N * P, (s + 1) * N * P),
        lossWeights.cN.subarray(s * N * H, (s + 1) * N * H),
      );
      for (let e = 0; e < dInput.length; e++) dInput[e] += g.dx[e];
      dh0.set(g.dh0, s * N * P);
      dc0.set(g.dc0, s * N * H);
      const suffix = suffixOf(k, d);
      dParams[`weight_ih${suffix}`] = g.dWeightIh;
      dParams[`weight_hh${suffix}`] = g.dWeightHh;
      if (config.bias) {
        dParams[`bias_ih${suffix}`] = g.dBiasIh;
        dParams[`bias_hh${suffix}`] = g.dBiasHh;
      }
      if (g.dWeightHr) dParams[`weight_hr${suffix}`] = g.dWeightHr;
    }
    dOutput = dInput;
  }
  // Listed in named_parameters() order (the backward pass found them top layer first).
  const ordered = Object.fromEntries(referenceParamShapes(config).map(([name]) => [name, dParams[name]]));
  return { params: ordered, x: dOutput, h0: dh0, c0: dc0 };
}
