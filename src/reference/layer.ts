/**
 * One LSTM layer in one direction, forward and hand-derived backward (BPTT), in plain float64
 * loops: the test oracle the tfjs code is checked against. Written to be read, not to be fast.
 *
 * Layouts are PyTorch's, row-major and flat. Gate order is i, f, g, o: the pre-activation z of one
 * step has 4H entries, rows [0, H) for i, [H, 2H) for f, [2H, 3H) for g and [3H, 4H) for o.
 */

/** The parameters of one layer in one direction (PyTorch layouts, gate order i, f, g, o). */
export interface LayerWeights {
  /** `weight_ih`: [4H, I]. */
  weightIh: Float64Array;
  /** `weight_hh`: [4H, P]. */
  weightHh: Float64Array;
  /** `bias_ih`: [4H], absent without bias. */
  biasIh?: Float64Array;
  /** `bias_hh`: [4H], absent without bias. */
  biasHh?: Float64Array;
  /** `weight_hr`: [P, H], present only with projections. */
  weightHr?: Float64Array;
}

/** The sizes of one layer's run. */
export interface LayerDims {
  /** T: time steps. */
  steps: number;
  /** N: batch size. */
  batch: number;
  /** I: input features. */
  inputSize: number;
  /** H: cell size. */
  hiddenSize: number;
  /** P: size of h, the projection size or H. */
  outputSize: number;
}

/** How one direction walks the sequence. */
export interface LayerOptions {
  /** Walk each sequence from its last valid step down to step 0. Default false. */
  reverse?: boolean;
  /** Valid length of each batch row, in [1, T]. Default: every row has T steps. */
  lengths?: ArrayLike<number>;
}

/** What the backward pass needs from the forward pass; entries at padded steps stay 0. */
export interface LayerCache {
  weights: LayerWeights;
  dims: LayerDims;
  reverse: boolean;
  /** Valid length of each batch row. */
  lengths: number[];
  /** The input, [T, N, I]. */
  x: Float64Array;
  /** Activated gates i, f, g, o at each step, [T, N, 4H]. */
  gates: Float64Array;
  /** The state each step started from: h [T, N, P] and c [T, N, H]. */
  hPrev: Float64Array;
  cPrev: Float64Array;
  /** tanh(c_t) and r_t = o * tanh(c_t), the h before projection, both [T, N, H]. */
  tanhC: Float64Array;
  r: Float64Array;
}

/** Output [T, N, P] (0 at padded steps), final state hN [N, P] and cN [N, H], and the cache. */
export interface LayerForwardResult {
  output: Float64Array;
  hN: Float64Array;
  cN: Float64Array;
  cache: LayerCache;
}

/** Gradients of one layer's run; `dBiasIh` and `dBiasHh` are equal (the biases are summed). */
export interface LayerGrads {
  /** [T, N, I], 0 at padded steps. */
  dx: Float64Array;
  /** [N, P]. */
  dh0: Float64Array;
  /** [N, H]. */
  dc0: Float64Array;
  /** [4H, I]. */
  dWeightIh: Float64Array;
  /** [4H, P]. */
  dWeightHh: Float64Array;
  /** [4H], computed even when the layer has no bias. */
  dBiasIh: Float64Array;
  /** [4H], computed even when the layer has no bias. */
  dBiasHh: Float64Array;
  /** [P, H], only with projections. */
  dWeightHr?: Float64Array;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export function expectLength(name: string, a: ArrayLike<number>, n: number): void {
  if (a.length !== n) throw new Error(`${name} has ${a.length} entries, expected ${n}`);
}

/** Checks the lengths (or makes them all T) so the loops can trust them. */
export function validLengths(lengths: ArrayLike<number> | undefined, steps: number, batch: number): number[] {
  if (lengths === undefined) return new Array<number>(batch).fill(steps);
  expectLength('lengths', lengths, batch);
  return Array.from(lengths, (len, b) => {
    if (!Number.isInteger(len) || len < 1 || len > steps) {
      throw new Error(`lengths[${b}] = ${len} is not an integer in [1, ${steps}]`);
    }
    return len;
  });
}

/** The time index of the s-th step a row of valid length `len` takes. */
export function timeOf(s: number, len: number, reverse: boolean): number {
  return reverse ? len - 1 - s : s;
}

/**
 * Runs one LSTM layer in one direction over a time-major batch, as PyTorch does for one
 * (layer, direction) of `nn.LSTM` on a packed sequence: row b takes only its first `lengths[b]`
 * steps (in reverse order when `reverse`), padded steps are never read and output 0, and hN/cN are
 * the state after each row's last valid step.
 *
 * ```ts
 * const dims = { steps: 2, batch: 1, inputSize: 1, hiddenSize: 1, outputSize: 1 };
 * const w = { weightIh: new Float64Array([1, 1, 1, 1]), weightHh: new Float64Array(4) };
 * const x = new Float64Array([0.5, -1]); // [T=2, N=1, I=1]
 * const { output, hN, cN, cache } = layerForward(w, dims, x, new Float64Array(1), new Float64Array(1));
 * ```
 */
export function layerForward(
  weights: LayerWeights,
  dims: LayerDims,
  x: Float64Array,
  h0: Float64Array,
  c0: Float64Array,
  options: LayerOptions = {},
): LayerForwardResult {
  const { steps: T, batch: N, inputSize: I, hiddenSize: H, outputSize: P } = dims;
  const G = 4 * H;
  const { weightIh, weightHh, biasIh, biasHh, weightHr } = weights;
  const reverse = options.reverse ?? false;
  const lengths = validLengths(options.lengths, T, N);
  expectLength('weightIh', weightIh, G * I);
  expectLength('weightHh', weightHh, G * P);
  if (biasIh) expectLength('biasIh', biasIh, G);
  if (biasHh) expectLength('biasHh', biasHh, G);
  if (weightHr) expectLength('weightHr', weightHr, P * H);
  if (!weightHr && P !== H) throw new Error(`outputSize ${P} differs from hiddenSize ${H} without weightHr`);
  expectLength('x', x, T * N * I);
  expectLength('h0', h0, N * P);
  expectLength('c0', c0, N * H);

  const output = new Float64Array(T * N * P);
  const hN = new Float64Array(N * P);
  const cN = new Float64Array(N * H);
  const cache: LayerCache = {
    weights,
    dims,
    reverse,
    lengths,
    x,
    gates: new Float64Array(T * N * G),
    hPrev: new Float64Array(T * N * P),
    cPrev: new Float64Array(T * N * H),
    tanhC: new Float64Array(T * N * H),
    r: new Float64Array(T * N * H),
  };
  const z = new Float64Array(G);
  const r = new Float64Array(H);

  // Batch rows never interact, so each row runs its own recurrence over its own length.
  for (let b = 0; b < N; b++) {
    const h = h0.slice(b * P, (b + 1) * P);
    const c = c0.slice(b * H, (b + 1) * H);
    for (let s = 0; s < lengths[b]; s++) {
      const at = timeOf(s, lengths[b], reverse) * N + b; // row (t, b) of any [T, N, ...] array
      cache.hPrev.set(h, at * P);
      cache.cPrev.set(c, at * H);

      // z = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
      for (let j = 0; j < G; j++) {
        let sum = (biasIh ? biasIh[j] : 0) + (biasHh ? biasHh[j] : 0);
        for (let k = 0; k < I; k++) sum += weightIh[j * I + k] * x[at * I + k];
        for (let k = 0; k < P; k++) sum += weightHh[j * P + k] * h[k];
        z[j] = sum;
      }

      for (let j = 0; j < H; j++) {
        const i = sigmoid(z[j]);
        const f = sigmoid(z[H + j]);
        const g = Math.tanh(z[2 * H + j]);
        const o = sigmoid(z[3 * H + j]);
        c[j] = f * c[j] + i * g;
        const tc = Math.tanh(c[j]);
        r[j] = o * tc;
        cache.gates[at * G + j] = i;
        cache.gates[at * G + H + j] = f;
        cache.gates[at * G + 2 * H + j] = g;
        cache.gates[at * G + 3 * H + j] = o;
        cache.tanhC[at * H + j] = tc;
        cache.r[at * H + j] = r[j];
      }

      // h_t = W_hr r_t with projections, else r_t.
      if (weightHr) {
        for (let p = 0; p < P; p++) {
          let sum = 0;
          for (let j = 0; j < H; j++) sum += weightHr[p * H + j] * r[j];
          h[p] = sum;
        }
      } else {
        h.set(r);
      }
      output.set(h, at * P);
    }
    hN.set(h, b * P);
    cN.set(c, b * H);
  }
  return { output, hN, cN, cache };
}

/**
 * Backpropagation through time for one `layerForward` run: given the gradients of a loss with
 * respect to its output [T, N, P] and final state hN [N, P], cN [N, H], returns those with respect
 * to its input, initial state and weights. Gradients at padded output steps are ignored, since
 * those outputs are constant zeros.
 *
 * ```ts
 * const { cache } = layerForward(w, dims, x, h0, c0);
 * const { dx, dh0, dc0, dWeightIh } = layerBackward(cache, dOutput, dhN, dcN);
 * ```
 */
export function layerBackward(
  cache: LayerCache,
  dOutput: Float64Array,
  dhN: Float64Array,
  dcN: Float64Array,
): LayerGrads {
  const { weights, dims, reverse, lengths, x } = cache;
  const { steps: T, batch: N, inputSize: I, hiddenSize: H, outputSize: P } = dims;
  const G = 4 * H;
  const { weightIh, weightHh, weightHr } = weights;
  expectLength('dOutput', dOutput, T * N * P);
  expectLength('dhN', dhN, N * P);
  expectLength('dcN', dcN, N * H);

  const dx = new Float64Array(T * N * I);
  const dh0 = new Float64Array(N * P);
  const dc0 = new Float64Array(N * H);
  const dWeightIh = new Float64Array(G * I);
  const dWeightHh = new Float64Array(G * P);
  const dBias = new Float64Array(G);
  const dWeightHr = weightHr ? new Float64Array(P * H) : undefined;
  const dr = new Float64Array(H);
  const dz = new Float64Array(G);

  for (let b = 0; b < N; b++) {
    // dh and dc hold dL/dh_t and dL/dc_t from later steps (and hN, cN), walking back in time.
    let dh = dhN.slice(b * P, (b + 1) * P);
    const dc = dcN.slice(b * H, (b + 1) * H);
    for (let s = lengths[b] - 1; s >= 0; s--) {
      const at = timeOf(s, lengths[b], reverse) * N + b;
      for (let p = 0; p < P; p++) dh[p] += dOutput[at * P + p];

      // h = W_hr r: dW_hr += dh r^T, dr = W_hr^T dh.
      if (weightHr && dWeightHr) {
        for (let j = 0; j < H; j++) {
          let sum = 0;
          for (let p = 0; p < P; p++) {
            sum += weightHr[p * H + j] * dh[p];
            dWeightHr[p * H + j] += dh[p] * cache.r[at * H + j];
          }
          dr[j] = sum;
        }
      } else {
        dr.set(dh);
      }

      for (let j = 0; j < H; j++) {
        const i = cache.gates[at * G + j];
        const f = cache.gates[at * G + H + j];
        const g = cache.gates[at * G + 2 * H + j];
        const o = cache.gates[at * G + 3 * H + j];
        const tc = cache.tanhC[at * H + j];
        // r = o tanh(c): c gets this step's share on top of what flowed back from c_{t+1}.
        const dO = dr[j] * tc;
        dc[j] += dr[j] * o * (1 - tc * tc);
        // c = f c_{t-1} + i g
        const dI = dc[j] * g;
        const dF = dc[j] * cache.cPrev[at * H + j];
        const dG = dc[j] * i;
        // Through the activations: sigmoid' = s (1 - s), tanh' = 1 - t^2.
        dz[j] = dI * i * (1 - i);
        dz[H + j] = dF * f * (1 - f);
        dz[2 * H + j] = dG * (1 - g * g);
        dz[3 * H + j] = dO * o * (1 - o);
        dc[j] *= f; // now dL/dc_{t-1}
      }

      // z = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
      const dhPrev = new Float64Array(P);
      for (let j = 0; j < G; j++) {
        dBias[j] += dz[j];
        for (let k = 0; k < I; k++) {
          dWeightIh[j * I + k] += dz[j] * x[at * I + k];
          dx[at * I + k] += weightIh[j * I + k] * dz[j];
        }
        for (let k = 0; k < P; k++) {
          dWeightHh[j * P + k] += dz[j] * cache.hPrev[at * P + k];
          dhPrev[k] += weightHh[j * P + k] * dz[j];
        }
      }
      dh = dhPrev;
    }
    dh0.set(dh, b * P);
    dc0.set(dc, b * H);
  }
  return { dx, dh0, dc0, dWeightIh, dWeightHh, dBiasIh: dBias, dBiasHh: dBias.slice(), dWeightHr };
}
