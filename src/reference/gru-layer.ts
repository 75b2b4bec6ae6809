/**
 * One GRU layer in one direction, forward and hand-derived backward (BPTT), in plain float64
 * loops: the test oracle for the tfjs GRU. Written to be read, not to be fast.
 *
 * PyTorch's layouts and gate order r, z, n: a step's input part x W_ih^T + b_ih and recurrent part
 * h W_hh^T + b_hh each have 3H entries, [0, H) for r, [H, 2H) for z, [2H, 3H) for n, and
 *
 *     r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r hn), h' = (1 - z) n + z h.
 */
import { expectLength, LayerOptions, sigmoid, timeOf, validLengths } from './layer';

/**
 * The parameters of one layer in one direction of a cell whose only state is h (GRU, RNN), in
 * PyTorch's layouts: `weight_ih` [G H, I], `weight_hh` [G H, H], the biases [G H], absent without
 * bias (G = 3 gates r, z, n for the GRU, 1 for the RNN).
 */
export interface HiddenLayerWeights {
  weightIh: Float64Array;
  weightHh: Float64Array;
  biasIh?: Float64Array;
  biasHh?: Float64Array;
}

/** The sizes of one layer's run (GRU, RNN). */
export interface HiddenLayerDims {
  steps: number;
  batch: number;
  inputSize: number;
  hiddenSize: number;
}

type GRULayerWeights = HiddenLayerWeights;
type GRULayerDims = HiddenLayerDims;

/** What the backward pass needs; entries at padded steps stay 0. */
export interface GRULayerCache {
  weights: GRULayerWeights;
  dims: GRULayerDims;
  reverse: boolean;
  lengths: number[];
  x: Float64Array;
  /** r, z, n at each step, [T, N, 3H]. */
  gates: Float64Array;
  /** hn = W_hn h_{t-1} + b_hn at each step, [T, N, H]. */
  hn: Float64Array;
  /** h_{t-1} at each step, [T, N, H]. */
  hPrev: Float64Array;
}

/**
 * Gradients of one layer's run (GRU, RNN): dx [T, N, I], dh0 [N, H], the weights', and the biases'
 * [G H], computed even when the layer has no bias (a GRU's two differ; an RNN's are equal).
 */
export interface HiddenLayerGrads {
  dx: Float64Array;
  dh0: Float64Array;
  dWeightIh: Float64Array;
  dWeightHh: Float64Array;
  dBiasIh: Float64Array;
  dBiasHh: Float64Array;
}

/**
 * Checks one layer's arguments (G H rows of weights for `gates` G) so that the loops can trust
 * them, and returns each sequence's valid length.
 *
 * ```ts
 * const lengths = checkLayerArguments(weights, dims, 3, x, h0, options);
 * ```
 */
export function checkLayerArguments(
  weights: HiddenLayerWeights,
  dims: HiddenLayerDims,
  gates: number,
  x: Float64Array,
  h0: Float64Array,
  options: LayerOptions,
): number[] {
  const { steps: T, batch: N, inputSize: I, hiddenSize: H } = dims;
  const G = gates * H;
  const lengths = validLengths(options.lengths, T, N);
  expectLength('weightIh', weights.weightIh, G * I);
  expectLength('weightHh', weights.weightHh, G * H);
  if (weights.biasIh) expectLength('biasIh', weights.biasIh, G);
  if (weights.biasHh) expectLength('biasHh', weights.biasHh, G);
  expectLength('x', x, T * N * I);
  expectLength('h0', h0, N * H);
  return lengths;
}

type GRULayerGrads = HiddenLayerGrads;

/**
 * Runs one GRU layer in one direction over a time-major batch, as PyTorch does for one layer
 * direction of `nn.GRU` on a packed sequence (see `layerForward` for the lengths' rules).
 *
 * ```ts
 * const dims = { steps: 2, batch: 1, inputSize: 1, hiddenSize: 1 };
 * const w = { weightIh: new Float64Array([1, 1, 1]), weightHh: new Float64Array(3) };
 * const { output, hN, cache } = gruLayerForward(w, dims, new Float64Array([0.5, -1]), new Float64Array(1));
 * ```
 */
export function gruLayerForward(
  weights: GRULayerWeights,
  dims: GRULayerDims,
  x: Float64Array,
  h0: Float64Array,
  options: LayerOptions = {},
): { output: Float64Array; hN: Float64Array; cache: GRULayerCache } {
  const { steps: T, batch: N, inputSize: I, hiddenSize: H } = dims;
  const G = 3 * H;
  const { weightIh, weightHh, biasIh, biasHh } = weights;
  const reverse = options.reverse ?? false;
  const lengths = checkLayerArguments(weights, dims, 3, x, h0, options);

  const output = new Float64Array(T * N * H);
  const hN = new Float64Array(N * H);
  const cache: GRULayerCache = {
    weights,
    dims,
    reverse,
    lengths,
    x,
    gates: new Float64Array(T * N * G),
    hn: new Float64Array(T * N * H),
    hPrev: new Float64Array(T * N * H),
  };
  const xa = new Float64Array(G);
  const ha = new Float64Array(G);

  for (let b = 0; b < N; b++) {
    const h = h0.slice(b * H, (b + 1) * H);
    for (let s = 0; s < lengths[b]; s++) {
      const at = timeOf(s, lengths[b], reverse) * N + b;
      cache.hPrev.set(h, at * H);
      // xa = W_ih x_t + b_ih, ha = W_hh h_{t-1} + b_hh
      for (let j = 0; j < G; j++) {
        let sx = biasIh ? biasIh[j] : 0;
        for (let k = 0; k < I; k++) sx += weightIh[j * I + k] * x[at * I + k];
        let sh = biasHh ? biasHh[j] : 0;
        for (let k = 0; k < H; k++) sh += weightHh[j * H + k] * h[k];
        xa[j] = sx;
        ha[j] = sh;
      }
      for (let j = 0; j < H; j++) {
        const r = sigmoid(xa[j] + ha[j]);
        const z = sigmoid(xa[H + j] + ha[H + j]);
        const n = Math.tanh(xa[2 * H + j] + r * ha[2 * H + j]);
        cache.gates[at * G + j] = r;
        cache.gates[at * G + H + j] = z;
        cache.gates[at * G + 2 * H + j] = n;
        cache.hn[at * H + j] = ha[2 * H + j];
        h[j] = (1 - z) * n + z * h[j];
      }
      output.set(h, at * H);
    }
    hN.set(h, b * H);
  }
  return { output, hN, cache };
}

/**
 * Backpropagation through time for one `gruLayerForward` run, given the loss' gradients with
 * respect to its output [T, N, H] and hN [N, H].
 *
 * ```ts
 * const { cache } = gruLayerForward(w, dims, x, h0);
 * const { dx, dh0, dWeightHh } = gruLayerBackward(cache, dOutput, dhN);
 * ```
 */
export function gruLayerBackward(cache: GRULayerCache, dOutput: Float64Array, dhN: Float64Array): GRULayerGrads {
  const { weights, dims, reverse, lengths, x } = cache;
  const { steps: T, batch: N, inputSize: I, hiddenSize: H } = dims;
  const G = 3 * H;
  const { weightIh, weightHh } = weights;
  expectLength('dOutput', dOutput, T * N * H);
  expectLength('dhN', dhN, N * H);

  const dx = new Float64Array(T * N * I);
  const dh0 = new Float64Array(N * H);
  const dWeightIh = new Float64Array(G * I);
  const dWeightHh = new Float64Array(G * H);
  const dBiasIh = new Float64Array(G);
  const dBiasHh = new Float64Array(G);
  // Gradients with respect to xa (the input's part) and ha (the recurrent part) of one step.
  const dXa = new Float64Array(G);
  const dHa = new Float64Array(G);

  for (let b = 0; b < N; b++) {
    let dh = dhN.slice(b * H, (b + 1) * H);
    for (let s = lengths[b] - 1; s >= 0; s--) {
      const at = timeOf(s, lengths[b], reverse) * N + b;
      const dhPrev = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const dhNew = dh[j] + dOutput[at * H + j];
        const r = cache.gates[at * G + j];
        const z = cache.gates[at * G + H + j];
        const n = cache.gates[at * G + 2 * H + j];
        const hPrev = cache.hPrev[at * H + j];
        // h' = (1 - z) n + z h
        const dN = dhNew * (1 - z);
        const dZ = dhNew * (hPrev - n);
        dhPrev[j] = dhNew * z;
        // n = tanh(xn + r hn)
        const dAn = dN * (1 - n * n);
        const dR = dAn * cache.hn[at * H + j];
        dXa[j] = dHa[j] = dR * r * (1 - r);
        dXa[H + j] = dHa[H + j] = dZ * z * (1 - z);
        dXa[2 * H + j] = dAn;
        dHa[2 * H + j] = dAn * r;
      }
      for (let j = 0; j < G; j++) {
        dBiasIh[j] += dXa[j];
        dBiasHh[j] += dHa[j];
        for (let k = 0; k < I; k++) {
          dWeightIh[j * I + k] += dXa[j] * x[at * I + k];
          dx[at * I + k] += weightIh[j * I + k] * dXa[j];
        }
        for (let k = 0; k < H; k++) {
          dWeightHh[j * H + k] += dHa[j] * cache.hPrev[at * H + k];
          dhPrev[k] += weightHh[j * H + k] * dHa[j];
        }
      }
      dh = dhPrev;
    }
    dh0.set(dh, b * H);
  }
  return { dx, dh0, dWeightIh, dWeightHh, dBiasIh, dBiasHh };
}
