/**
 * One Elman RNN layer in one direction, forward and hand-derived backward (BPTT), in plain
 * float64 loops: the test oracle for the tfjs RNN.
 *
 *     h' = act(W_ih x + b_ih + W_hh h + b_hh),  act = tanh or relu
 */
import type { Nonlinearity } from '../layers/cell-spec';
import { checkLayerArguments, HiddenLayerDims, HiddenLayerGrads, HiddenLayerWeights } from './gru-layer';
import { expectLength, LayerOptions, timeOf } from './layer';

type RNNLayerWeights = HiddenLayerWeights;
type RNNLayerDims = HiddenLayerDims;

/** What the backward pass needs; entries at padded steps stay 0. */
export interface RNNLayerCache {
  weights: RNNLayerWeights;
  dims: RNNLayerDims;
  nonlinearity: Nonlinearity;
  reverse: boolean;
  lengths: number[];
  x: Float64Array;
  /** h_{t-1} and the pre-activation a_t at each step, [T, N, H]. */
  hPrev: Float64Array;
  a: Float64Array;
}

/** Gradients of one layer's run; `dBiasIh` and `dBiasHh` are equal (the biases are summed). */
type RNNLayerGrads = HiddenLayerGrads;

/**
 * Runs one RNN layer in one direction over a time-major batch, as PyTorch does for one layer
 * direction of `nn.RNN` on a packed sequence (see `layerForward` for the lengths' rules).
 *
 * ```ts
 * const dims = { steps: 2, batch: 1, inputSize: 1, hiddenSize: 1 };
 * const w = { weightIh: new Float64Array([1]), weightHh: new Float64Array([0.5]) };
 * const { output, hN } = rnnLayerForward(w, dims, 'tanh', new Float64Array([0.5, -1]), new Float64Array(1));
 * ```
 */
export function rnnLayerForward(
  weights: RNNLayerWeights,
  dims: RNNLayerDims,
  nonlinearity: Nonlinearity,
  x: Float64Array,
  h0: Float64Array,
  options: LayerOptions = {},
): { output: Float64Array; hN: Float64Array; cache: RNNLayerCache } {
  const { steps: T, batch: N, inputSize: I, hiddenSize: H } = dims;
  const { weightIh, weightHh, biasIh, biasHh } = weights;
  const reverse = options.reverse ?? false;
  const lengths = checkLayerArguments(weights, dims, 1, x, h0, options);

  const output = new Float64Array(T * N * H);
  const hN = new Float64Array(N * H);
  const cache: RNNLayerCache = {
    weights,
    dims,
    nonlinearity,
    reverse,
    lengths,
    x,
    hPrev: new Float64Array(T * N * H),
    a: new Float64Array(T * N * H),
  };
  for (let b = 0; b < N; b++) {
    const h = h0.slice(b * H, (b + 1) * H);
    for (let s = 0; s < lengths[b]; s++) {
      const at = timeOf(s, lengths[b], reverse) * N + b;
      cache.hPrev.set(h, at * H);
      for (let j = 0; j < H; j++) {
        let sum = (biasIh ? biasIh[j] : 0) + (biasHh ? biasHh[j] : 0);
        for (let k = 0; k < I; k++) sum += weightIh[j * I + k] * x[at * I + k];
        for (let k = 0; k < H; k++) sum += weightHh[j * H + k] * cache.hPrev[at * H + k];
        cache.a[at * H + j] = sum;
      }
      for (let j = 0; j < H; j++) {
        const a = cache.a[at * H + j];
        h[j] = nonlinearity === 'relu' ? Math.max(a, 0) : Math.tanh(a);
      }
      output.set(h, at * H);
    }
    hN.set(h, b * H);
  }
  return { output, hN, cache };
}

/**
 * Backpropagation through time for one `rnnLayerForward` run, given the loss' gradients with
 * respect to its output [T, N, H] and hN [N, H].
 *
 * ```ts
 * const { cache } = rnnLayerForward(w, dims, 'relu', x, h0);
 * const { dx, dh0, dWeightHh } = rnnLayerBackward(cache, dOutput, dhN);
 * ```
 */
export function rnnLayerBackward(cache: RNNLayerCache, dOutput: Float64Array, dhN: Float64Array): RNNLayerGrads {
  const { weights, dims, nonlinearity, reverse, lengths, x } = cache;
  const { steps: T, batch: N, inputSize: I, hiddenSize: H } = dims;
  const { weightIh, weightHh } = weights;
  expectLength('dOutput', dOutput, T * N * H);
  expectLength('dhN', dhN, N * H);

  const dx = new Float64Array(T * N * I);
  const dh0 = new Float64Array(N * H);
  const dWeightIh = new Float64Array(H * I);
  const dWeightHh = new Float64Array(H * H);
  const dBias = new Float64Array(H);
  const dA = new Float64Array(H);
  for (let b = 0; b < N; b++) {
    let dh = dhN.slice(b * H, (b + 1) * H);
    for (let s = lengths[b] - 1; s >= 0; s--) {
      const at = timeOf(s, lengths[b], reverse) * N + b;
      for (let j = 0; j < H; j++) {
        const a = cache.a[at * H + j];
        // act'(a): tanh' = 1 - tanh(a)^2; relu' = 1 where a > 0, else 0 (PyTorch's at a = 0).
        const slope = nonlinearity === 'relu' ? (a > 0 ? 1 : 0) : 1 - Math.tanh(a) ** 2;
        dA[j] = (dh[j] + dOutput[at * H + j]) * slope;
      }
      const dhPrev = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        dBias[j] += dA[j];
        for (let k = 0; k < I; k++) {
          dWeightIh[j * I + k] += dA[j] * x[at * I + k];
          dx[at * I + k] += weightIh[j * I + k] * dA[j];
        }
        for (let k = 0; k < H; k++) {
          dWeightHh[j * H + k] += dA[j] * cache.hPrev[at * H + k];
          dhPrev[k] += weightHh[j * H + k] * dA[j];
        }
      }
      dh = dhPrev;
    }
    dh0.set(dh, b * H);
  }
  return { dx, dh0, dWeightIh, dWeightHh, dBiasIh: dBias, dBiasHh: dBias.slice() };
}
