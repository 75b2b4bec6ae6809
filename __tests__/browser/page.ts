/**
 * The browser test page: bundled by esbuild (bundle.ts) with tfjs-lstm resolved by name to its
 * built ES modules, served by run.ts and driven by playwright-core in headless Chromium. Each
 * check runs on the backend the runner asks for and reports to the runner as it finishes
 * (`window.reportResult`, a playwright binding); this file asserts nothing Node-specific.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { GRU, LSTM, RNN, torchLSTM, type GradientMode } from 'tfjs-lstm';
import { gruDirection, lstmDirection } from 'tfjs-lstm/functional';

import type { HiddenFixture } from '../helpers/fixtures';

interface Arr {
  shape: number[];
  data: number[];
}

interface LSTMFixture {
  name: string;
  config: {
    inputSize: number;
    hiddenSize: number;
    numLayers: number;
    bias: boolean;
    batchFirst: boolean;
    bidirectional: boolean;
    projSize: number;
  };
  params: Record<string, Arr>;
  input: Arr;
  hx: { h: Arr; c: Arr } | null;
  lengths: number[] | null;
  output: Arr;
  hN: Arr;
  cN: Arr;
  lossWeights: { output: Arr; hN: Arr; cN: Arr };
  grads: { params: Record<string, Arr>; input: Arr; h0: Arr | null; c0: Arr | null };
}

export interface SuiteInput {
  fixtures: LSTMFixture[];
  /** A few of PyTorch's nn.GRU and nn.RNN fixtures: their composed path on webgl, kernels on cpu and wasm. */
  hidden: { folder: 'gru' | 'rnn'; fixture: HiddenFixture }[];
  /** PyTorch's float64 gradients of seed_exercise_part3 (SEED_EXERCISE_TORCH64). */
  seedTorch64: { params: Record<string, number[]>; input: number[] };
}

export interface CheckResult {
  backend: string;
  name: string;
  ok: boolean;
  ms: number;
  detail?: string;
  error?: string;
}

export interface Probe {
  backends: Record<string, boolean>;
  webgpu: string;
  webgl?: Record<string, unknown>;
  userAgent: string;
}

declare global {
  interface Window {
    reportResult?: (result: CheckResult) => Promise<void>;
    suite: {
      probe(): Promise<Probe>;
      run(backend: string, input: SuiteInput): Promise<CheckResult[]>;
      runHalf(input: SuiteInput): Promise<CheckResult[]>;
    };
  }
}

setWasmPaths('/wasm/');
tf.env().set('PROD', true);

/**
 * Tolerances per backend, relative (largest absolute error over largest absolute value), as the
 * Node suite measures them. cpu and wasm are the Node suite's own; webgl runs float32 textures
 * here (WEBGL_RENDER_FLOAT32_ENABLED) but its GPU math (tanh, exp, sums in the shaders) is
 * SwiftShader's, not correctly rounded: see the README for the errors measured.
 */
// Measured on SwiftShader: at most 9.6e-4 forward, 2.4e-3 gradients (README, "In the browser").
const [HALF_FORWARD, HALF_GRAD] = [3e-3, 1e-2];

const TOLERANCES: Record<string, { forward: number; grad: number; seed: { rtol: number; atol: number } }> = {
  cpu: { forward: 1e-5, grad: 1e-4, seed: { rtol: 1.3e-6, atol: 1e-5 } },
  wasm: { forward: 1e-5, grad: 1e-4, seed: { rtol: 1.3e-6, atol: 1e-5 } },
  webgl: { forward: 1e-5, grad: 1e-4, seed: { rtol: 1.3e-6, atol: 1e-5 } },
  webgpu: { forward: 1e-5, grad: 1e-4, seed: { rtol: 1.3e-6, atol: 1e-5 } },
  // webgl with float16 textures (WEBGL_FORCE_F16_TEXTURES, as on a device without float32 render
  // targets): every stored value keeps 11 significant bits.
  'webgl-f16': { forward: HALF_FORWARD, grad: HALF_GRAD, seed: { rtol: HALF_GRAD, atol: HALF_GRAD } },
};

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != expected ${expected.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let k = 0; k < actual.length; k++) {
    const diff = Math.abs(actual[k] - expected[k]);
    if (!(diff <= maxDiff)) maxDiff = Number.isNaN(diff) ? Infinity : diff;
    maxRef = Math.max(maxRef, Math.abs(expected[k]));
  }
  return maxRef === 0 ? maxDiff : maxDiff / maxRef;
}

/** Worst-case errors seen by a check, for its report line. */
class Errors {
  private worst = new Map<string, number>();

  close(label: string, t: tf.Tensor, expected: Arr | number[], tol: number): void {
    const shape = Array.isArray(expected) ? t.shape : expected.shape;
    if (t.shape.join() !== shape.join()) throw new Error(`${label}: shape [${t.shape}] != [${shape}]`);
    const err = relativeError(t.dataSync(), Array.isArray(expected) ? expected : expected.data);
    this.note(label.startsWith('d') ? 'grad' : 'forward', err);
    if (!(err <= tol)) throw new Error(`${label}: relative error ${err.toExponential(2)} exceeds ${tol}`);
  }

  /** torch.testing.assert_close's elementwise test; notes the largest |a - b| / (atol + rtol |b|). */
  allClose(label: string, t: tf.Tensor, expected: number[], { rtol, atol }: { rtol: number; atol: number }): void {
    const a = t.dataSync();
    let worst = 0;
    for (let k = 0; k < a.length; k++) {
      const ratio = Math.abs(a[k] - expected[k]) / (atol + rtol * Math.abs(expected[k]));
      if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : ratio;
    }
    this.note('seed64 ratio', worst);
    if (!(worst <= 1)) {
      throw new Error(`${label}: differs from PyTorch's float64 by ${worst.toFixed(2)} x (${atol} + ${rtol} |b|)`);
    }
  }

  note(key: string, value: number): void {
    this.worst.set(key, Math.max(this.worst.get(key) ?? 0, value));
  }

  toString(): string {
    return [...this.worst].map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ');
  }
}

const tensor = (a: Arr) => tf.tensor(a.data, a.shape, 'float32');
const variable = (a: Arr) => tf.tidy(() => tf.variable(tensor(a)));

function loadFixture(fx: LSTMFixture, gradient: GradientMode): LSTM {
  const rnn = new LSTM({ ...fx.config, gradient });
  const dict = Object.fromEntries(Object.entries(fx.params).map(([k, a]) => [k, tensor(a)]));
  rnn.loadStateDict(dict);
  tf.dispose(Object.values(dict));
  return rnn;
}

/** Forward results, then the gradients of sum(out W_o) + sum(h_n W_h) + sum(c_n W_c), both modes. */
function fixtureCheck(fx: LSTMFixture, input: SuiteInput, backend: string, errors: Errors): void {
  const tol = TOLERANCES[backend];
  for (const gradient of ['manual', 'autodiff'] as GradientMode[]) {
    const before = tf.memory().numTensors;
    const rnn = loadFixture(fx, gradient);
    const x = variable(fx.input);
    const h0 = fx.hx ? variable(fx.hx.h) : null;
    const c0 = fx.hx ? variable(fx.hx.c) : null;
    const state = h0 && c0 ? ([h0, c0] as [tf.Tensor, tf.Tensor]) : null;
    const options = fx.lengths ? { lengths: fx.lengths } : {};
    try {
      if (gradient === 'manual') {
        const [output, [hN, cN]] = rnn.forward(x, state, options);
        errors.close('output', output, fx.output, tol.forward);
        errors.close('h_n', hN, fx.hN, tol.forward);
        errors.close('c_n', cN, fx.cN, tol.forward);
        tf.dispose([output, hN, cN]);
      }
      const w = [fx.lossWeights.output, fx.lossWeights.hN, fx.lossWeights.cN].map(tensor);
      const { value, grads } = tf.variableGrads(() => {
        const [out, [h, c]] = rnn.forward(x, state, options);
        return tf.addN([tf.sum(tf.mul(out, w[0])), tf.sum(tf.mul(h, w[1])), tf.sum(tf.mul(c, w[2]))]) as tf.Scalar;
      });
      const params = rnn.namedParameters();
      if (fx.name === 'seed_exercise_part3') {
        // Saturated gates (docs/bptt.md, section 9): against PyTorch's float64, element by element.
        for (const [name, v] of params)
          errors.allClose(`${gradient} d${name}`, grads[v.name], input.seedTorch64.params[name], tol.seed);
        errors.allClose(`${gradient} dinput`, grads[x.name], input.seedTorch64.input, tol.seed);
      } else {
        for (const [name, v] of params)
          errors.close(`d${name} (${gradient})`, grads[v.name], fx.grads.params[name], tol.grad);
        errors.close(`dinput (${gradient})`, grads[x.name], fx.grads.input, tol.grad);
      }
      if (h0 && c0 && fx.grads.h0 && fx.grads.c0) {
        errors.close(`dh_0 (${gradient})`, grads[h0.name], fx.grads.h0, tol.grad);
        errors.close(`dc_0 (${gradient})`, grads[c0.name], fx.grads.c0, tol.grad);
      }
      tf.dispose([value, ...w, ...Object.values(grads)]);
    } finally {
      tf.dispose([x, ...(h0 && c0 ? [h0, c0] : [])]);
    }
    // Everything made is gone with the module (its parameters, and the weights it keeps prepared
    // for inference until then).
    rnn.dispose();
    if (tf.memory().numTensors !== before) throw new Error(`${tf.memory().numTensors - before} tensors left behind`);
  }
}

/** A GRU or RNN fixture: forward results, then the gradients of sum(out W_o) + sum(h_n W_h), both modes. */
function hiddenFixtureCheck(folder: 'gru' | 'rnn', fx: HiddenFixture, backend: string, errors: Errors): void {
  const tol = TOLERANCES[backend];
  for (const gradient of ['manual', 'autodiff'] as GradientMode[]) {
    const before = tf.memory().numTensors;
    const rnn = folder === 'gru' ? new GRU({ ...fx.config, gradient }) : new RNN({ ...fx.config, gradient });
    const dict = Object.fromEntries(Object.entries(fx.params).map(([k, a]) => [k, tensor(a)]));
    rnn.loadStateDict(dict);
    tf.dispose(Object.values(dict));
    const x = variable(fx.input);
    const h0 = fx.h0 ? variable(fx.h0) : null;
    const options = fx.lengths ? { lengths: fx.lengths } : {};
    try {
      if (gradient === 'manual') {
        const [output, hN] = rnn.forward(x, h0, options);
        errors.close('output', output, fx.output, tol.forward);
        errors.close('h_n', hN, fx.hN, tol.forward);
        tf.dispose([output, hN]);
      }
      const w = [fx.lossWeights.output, fx.lossWeights.hN].map(tensor);
      const { value, grads } = tf.variableGrads(() => {
        const [out, h] = rnn.forward(x, h0, options);
        return tf.add(tf.sum(tf.mul(out, w[0])), tf.sum(tf.mul(h, w[1]))) as tf.Scalar;
      });
      for (const [name, v] of rnn.namedParameters())
        errors.close(`d${name} (${gradient})`, grads[v.name], fx.grads.params[name], tol.grad);
      errors.close(`dinput (${gradient})`, grads[x.name], fx.grads.input, tol.grad);
      if (h0 && fx.grads.h0) errors.close(`dh_0 (${gradient})`, grads[h0.name], fx.grads.h0, tol.grad);
      tf.dispose([value, ...w, ...Object.values(grads)]);
    } finally {
      tf.dispose([x, ...(h0 ? [h0] : [])]);
    }
    rnn.dispose();
    if (tf.memory().numTensors !== before) throw new Error(`${tf.memory().numTensors - before} tensors left behind`);
  }
}

/** A shape for the kernels checks: T steps, N rows, I inputs, H hidden units, and options. */
interface KernelCase {
  name: string;
  t: number;
  n: number;
  i: number;
  h: number;
  reverse?: boolean;
  lengths?: number[];
  mask?: boolean;
  bias?: boolean;
}

/**
 * A case's inputs, drawn from normals seeded `seed`, `seed + 1`, ...: x [T, N, I], h0 [N, H] (and
 * c0, `withCell`), W_ih [G H, I], W_hh [G H, H], b_ih and b_hh [G H], for `gates` = G.
 */
function caseInputs(c: KernelCase, gates: number, withCell: boolean, seed: number): tf.Tensor[] {
  const shapes: [number[], number][] = [
    [[c.t, c.n, c.i], 1],
    [[c.n, c.h], 1],
    ...(withCell ? [[[c.n, c.h], 1] as [number[], number]] : []),
    [[gates * c.h, c.i], 0.5],
    [[gates * c.h, c.h], 0.5],
    [[gates * c.h], 0.5],
    [[gates * c.h], 0.5],
  ];
  return shapes.map(([shape, scale], k) => tf.randomNormal(shape, 0, scale, 'float32', seed + k));
}

/** `run` with the flag TFJSLSTM_FUSED_KERNELS off (the composed ops), then on (the backend's own kernels). */
function composedThenOwn<T>(run: () => T): [T, T] {
  const [composed, own] = [false, true].map((fused) => {
    tf.env().set('TFJSLSTM_FUSED_KERNELS', fused);
    try {
      return run();
    } finally {
      tf.env().set('TFJSLSTM_FUSED_KERNELS', true);
    }
  });
  return [composed, own];
}

/** `body`, then an error if it left tensors behind. */
function leavesNothing(name: string, body: () => void): void {
  const before = tf.memory().numTensors;
  body();
  if (tf.memory().numTensors !== before)
    throw new Error(`${name}: ${tf.memory().numTensors - before} tensors left behind`);
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());

/**
 * The backend's own LSTM kernels (on webgl its shader programs, on cpu and wasm the fused kernels)
 * against its composed ops (the flag TFJSLSTM_FUSED_KERNELS off): forward in inference, then the
 * gradients of every input, on the shapes the programs treat apart. Odd batch and hidden sizes
 * (texels half used), more steps than one program reads (40, read in chunks; 230, chunks of
 * chunks), reverse with lengths, a device mask (validSteps), one step.
 */
function kernelsCheck(errors: Errors): void {
  const cases: KernelCase[] = [
    { name: 'T40 N3 H5', t: 40, n: 3, i: 4, h: 5 },
    { name: 'T33 N4 H6 reverse lengths', t: 33, n: 4, i: 3, h: 6, reverse: true, lengths: [33, 20, 1, 7] },
    { name: 'T12 N2 H4 validSteps', t: 12, n: 2, i: 3, h: 4, mask: true },
    { name: 'T230 N1 H2', t: 230, n: 1, i: 2, h: 2 },
    { name: 'T1 N5 H3', t: 1, n: 5, i: 2, h: 3 },
  ];
  for (const c of cases) {
    leavesNothing(c.name, () => {
      const inputs = caseInputs(c, 4, true, 10);
      const lossWeights = tf.randomNormal([c.t, c.n, c.h], 0, 1, 'float32', 17);
      const valid = c.mask
        ? tf.tensor2d(
            Array.from({ length: c.t * c.n }, (_, k) => (Math.floor(k / c.n) < (k % c.n === 0 ? c.t : 5) ? 1 : 0)),
            [c.t, c.n],
          )
        : undefined;
      const options = { reverse: c.reverse, lengths: c.lengths, validSteps: valid };
      const apply = ([x, h0, c0, weightIh, weightHh, biasIh, biasHh]: tf.Tensor[]) =>
        lstmDirection(x, h0, c0, { weightIh, weightHh, biasIh, biasHh }, options);
      const loss = (...xs: tf.Tensor[]) => {
        const { output, hN, cN } = apply(xs);
        return tf.addN([tf.sum(tf.mul(output, lossWeights)), tf.sum(hN), tf.sum(tf.square(cN))]) as tf.Scalar;
      };
      const results = composedThenOwn(() => {
        const { output, hN, cN } = apply(inputs);
        return { forward: [output, hN, cN], grads: tf.grads(loss)(inputs) };
      });
      const [composed, own] = results;
      ['output', 'h_n', 'c_n'].forEach((label, k) =>
        errors.close(`${c.name}: ${label}`, own.forward[k], values(composed.forward[k]), 1e-5),
      );
      ['x', 'h0', 'c0', 'weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].forEach((label, k) =>
        errors.close(`d${label} (${c.name})`, own.grads[k], values(composed.grads[k]), 1e-4),
      );
      tf.dispose([inputs, lossWeights, valid ?? [], results.map((r) => [r.forward, r.grads])].flat(3));
    });
  }
}

/**
 * The same for the GRU's inference (on webgl its step program computes the product itself when H
 * is even): forward against the composed ops.
 */
function gruKernelsCheck(errors: Errors): void {
  const cases: KernelCase[] = [
    { name: 'T40 N3 H6', t: 40, n: 3, i: 4, h: 6 },
    { name: 'T33 N4 H4 reverse lengths', t: 33, n: 4, i: 3, h: 4, reverse: true, lengths: [33, 20, 1, 7] },
    { name: 'T12 N2 H8 no bias', t: 12, n: 2, i: 3, h: 8, bias: false },
    { name: 'T7 N2 H5', t: 7, n: 2, i: 3, h: 5 },
  ];
  for (const c of cases) {
    leavesNothing(c.name, () => {
      const inputs = caseInputs(c, 3, false, 30);
      const [x, h0, weightIh, weightHh, biasIh, biasHh] = inputs;
      const w = c.bias === false ? { weightIh, weightHh } : { weightIh, weightHh, biasIh, biasHh };
      const results = composedThenOwn(() => {
        const { output, hN } = gruDirection(x, h0, w, { reverse: c.reverse, lengths: c.lengths });
        return [output, hN];
      });
      const [composed, own] = results;
      ['output', 'h_n'].forEach((label, k) => errors.close(`${c.name}: ${label}`, own[k], values(composed[k]), 1e-5));
      tf.dispose([...inputs, ...results.flat()]);
    });
  }
}

/** A small regression a TorchLSTM can learn: the mean of the first feature over the sequence. */
function regressionData(n: number, steps: number): { x: tf.Tensor3D; y: tf.Tensor2D } {
  let s = 7;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const x = Float32Array.from({ length: n * steps * 3 }, next);
  const y = new Float32Array(n);
  for (let b = 0; b < n; b++) for (let t = 0; t < steps; t++) y[b] += x[(b * steps + t) * 3] / steps;
  return { x: tf.tensor3d(x, [n, steps, 3]), y: tf.tensor2d(y, [n, 1]) };
}

function makeModel(): tf.Sequential {
  const model = tf.sequential({
    layers: [torchLSTM({ hiddenSize: 8, inputShape: [null, 3], seed: 1 }), tf.layers.dense({ units: 1 })],
  });
  model.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' });
  return model;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, k) => Object.is(v, b[k]));
}

/** model.fit, then model.save to `url` and tf.loadLayersModel: the same weights and predictions, bit for bit. */
async function fitSaveLoad(errors: Errors): Promise<void> {
  const before = tf.memory().numTensors;
  const { x, y } = regressionData(32, 8);
  const model = makeModel();
  const history = await model.fit(x, y, { epochs: 10, batchSize: 16, shuffle: false, verbose: 0 });
  const losses = history.history.loss as number[];
  errors.note(`loss ${losses[0].toFixed(4)} ->`, losses[losses.length - 1]);
  if (!(losses[losses.length - 1] < 0.7 * losses[0])) throw new Error(`model.fit: loss ${losses} did not fall by 30%`);
  const expected = model.predict(x) as tf.Tensor;
  const expectedData = (await expected.data()) as Float32Array;
  for (const url of ['indexeddb://tfjs-lstm-browser-test', 'localstorage://tfjs-lstm-browser-test']) {
    await model.save(url);
    const loaded = await tf.loadLayersModel(url);
    try {
      const className = loaded.layers[0].getClassName();
      if (className !== 'TorchLSTM') throw new Error(`${url}: the first layer loaded as ${className}`);
      const w0 = model.getWeights();
      const w1 = loaded.getWeights();
      for (let k = 0; k < w0.length; k++) {
        if (!sameBits((await w0[k].data()) as Float32Array, (await w1[k].data()) as Float32Array)) {
          throw new Error(`${url}: weight ${k} (${w0[k].shape}) differs after loading`);
        }
      }
      const got = loaded.predict(x) as tf.Tensor;
      const same = sameBits((await got.data()) as Float32Array, expectedData);
      got.dispose();
      if (!same) throw new Error(`${url}: the reloaded model's predictions differ`);
    } finally {
      loaded.dispose();
      await tf.io.removeModel(url);
    }
  }
  tf.dispose([x, y, expected]);
  model.optimizer.dispose(); // (an optimizer instance passed to compile is the caller's)
  model.dispose();
  if (tf.memory().numTensors !== before) throw new Error(`${tf.memory().numTensors - before} tensors left behind`);
}

type Memory = tf.MemoryInfo & { numBytesInGPU?: number; numBytesInGPUAllocated?: number };

function memoryDelta(before: Memory, after: Memory): string[] {
  const changed: string[] = [];
  for (const key of ['numTensors', 'numDataBuffers', 'numBytes', 'numBytesInGPU'] as const) {
    if (before[key] !== after[key]) changed.push(`${key} ${before[key]} -> ${after[key]}`);
  }
  return changed;
}

/** 100 forwards, 20 training steps in each gradient mode and 20 of model.trainOnBatch: nothing left behind. */
async function leaks(backend: string, errors: Errors): Promise<void> {
  const x = tf.randomNormal([6, 4, 3], 0, 1, 'float32', 1);
  const target = tf.randomNormal([6, 4, 16], 0, 1, 'float32', 2);
  const rnns = (['manual', 'autodiff'] as GradientMode[]).map(
    (gradient) => new LSTM({ inputSize: 3, hiddenSize: 8, numLayers: 2, bidirectional: true, seed: 3, gradient }),
  );
  const optimizers = rnns.map(() => tf.train.adam(0.01));
  const { x: fx, y: fy } = regressionData(16, 6);
  const model = makeModel();
  const step = (k: number) =>
    optimizers[k].minimize(() => tf.losses.meanSquaredError(target, rnns[k].forward(x)[0]) as tf.Scalar);
  const forward = () => {
    const [out, [h, c]] = rnns[0].forward(x);
    const sum = tf.sum(out);
    tf.dispose([out, h, c]);
    return sum;
  };
  // Warm up: the optimizers' slots, compiled shader programs and pooled textures exist before counting.
  forward().dispose();
  step(0);
  step(1);
  await model.trainOnBatch(fx, fy);
  await tf.nextFrame();
  const before = tf.memory() as Memory;
  let last: tf.Tensor | null = null;
  for (let k = 0; k < 100; k++) {
    last?.dispose();
    last = forward();
  }
  await last?.data();
  last?.dispose();
  for (let k = 0; k < 20; k++) for (const m of [0, 1]) step(m);
  for (let k = 0; k < 20; k++) await model.trainOnBatch(fx, fy);
  await tf.nextFrame();
  const after = tf.memory() as Memory;
  errors.note('tensors', after.numTensors);
  if (backend === 'webgl') errors.note('GPU bytes in tensors', after.numBytesInGPU ?? NaN);
  const changed = memoryDelta(before, after);
  tf.dispose([x, target, fx, fy]);
  rnns.forEach((r) => r.dispose());
  optimizers.forEach((o) => o.dispose());
  model.optimizer.dispose();
  model.dispose();
  if (changed.length) throw new Error(`tf.memory() changed: ${changed.join('; ')}`);
}

async function probe(): Promise<Probe> {
  const backends: Record<string, boolean> = {};
  let webgl: Record<string, unknown> | undefined;
  for (const name of ['webgl', 'wasm', 'cpu', 'webgpu']) {
    backends[name] = tf.findBackendFactory(name) !== null && (await tf.setBackend(name).catch(() => false));
    if (name === 'webgl' && backends[name]) {
      const env = tf.env();
      const gl = (tf.backend() as unknown as { gpgpu: { gl: WebGL2RenderingContext } }).gpgpu.gl;
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      webgl = {
        WEBGL_VERSION: env.getNumber('WEBGL_VERSION'),
        WEBGL_RENDER_FLOAT32_ENABLED: env.getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
        WEBGL_DOWNLOAD_FLOAT_ENABLED: env.getBool('WEBGL_DOWNLOAD_FLOAT_ENABLED'),
        WEBGL_PACK: env.getBool('WEBGL_PACK'),
        renderer: info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
      };
    }
  }
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  const webgpu = !gpu ? 'navigator.gpu is undefined' : (await gpu.requestAdapter()) ? 'an adapter' : 'no adapter';
  return { backends, webgpu, webgl, userAgent: navigator.userAgent };
}

/** A check's runner: runs `body`, times it and reports its result under `backend`. */
function checker(backend: string, results: CheckResult[]) {
  return async (name: string, body: (errors: Errors) => void | Promise<void>) => {
    const errors = new Errors();
    const start = performance.now();
    const result: CheckResult = { backend, name, ok: true, ms: 0 };
    try {
      await body(errors);
    } catch (e) {
      result.ok = false;
      result.error = e instanceof Error ? e.message : String(e);
    }
    result.ms = performance.now() - start;
    result.detail = errors.toString();
    results.push(result);
    await window.reportResult?.(result);
  };
}

async function run(backend: string, input: SuiteInput): Promise<CheckResult[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  await tf.ready();
  const results: CheckResult[] = [];
  const check = checker(backend, results);
  for (const fx of input.fixtures) {
    await check(`PyTorch fixture ${fx.name}: forward, gradients (manual, autodiff)`, (errors) =>
      fixtureCheck(fx, input, backend, errors),
    );
  }
  for (const { folder, fixture } of input.hidden) {
    await check(
      `PyTorch ${folder.toUpperCase()} fixture ${fixture.name}: forward, gradients (manual, autodiff)`,
      (errors) => hiddenFixtureCheck(folder, fixture, backend, errors),
    );
  }
  await check("the backend's own LSTM kernels against its composed ops (odd sizes, chunks, masks)", kernelsCheck);
  await check("the backend's own GRU kernels against its composed ops, inference", gruKernelsCheck);
  await check('torchLSTM in tf.sequential: model.fit, save to indexeddb:// and localstorage://, reload', fitSaveLoad);
  await check('no leaks: 100 forwards, 20 training steps per gradient mode, 20 trainOnBatch', (errors) =>
    leaks(backend, errors),
  );
  return results;
}

/**
 * webgl with float16 textures, as a device without float32 render targets runs it (a fresh page:
 * tfjs reads the flag when the backend starts): one warning that says so, and the LSTM fixtures
 * within the precision the README states.
 */
async function runHalf(input: SuiteInput): Promise<CheckResult[]> {
  const label = 'webgl-f16';
  tf.env().set('WEBGL_FORCE_F16_TEXTURES', true);
  if (!(await tf.setBackend('webgl'))) throw new Error('backend webgl did not start');
  await tf.ready();
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
    warn(...args);
  };
  const results: CheckResult[] = [];
  const check = checker(label, results);
  try {
    for (const fx of input.fixtures) {
      await check(`PyTorch fixture ${fx.name}: forward, gradients (manual, autodiff)`, (errors) =>
        fixtureCheck(fx, input, label, errors),
      );
    }
    await check('one warning that the textures are float16', () => {
      const ours = warnings.filter((w) => w.startsWith('tfjs-lstm:'));
      if (ours.length !== 1 || !ours[0].includes('float16')) throw new Error(`warnings: ${JSON.stringify(ours)}`);
    });
  } finally {
    console.warn = warn;
  }
  return results;
}

window.suite = { probe, run, runHalf };
