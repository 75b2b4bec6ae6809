import * as tf from '@tensorflow/tfjs';

import {
  clipGradNorm,
  clipGradNormAsync,
  clipGradValue,
  gradientFlow,
  gradientFlowAsync,
  LSTM,
  torchLSTM,
} from '../src';
import { expectClose } from './helpers/compare';
import { ASYNC_READ_BACKEND } from './helpers/stock-backend';

/*
 * What must run on tfjs' WebGPU backend, where a synchronous read of data a kernel computed fails:
 * `cpu-async-read` (helpers/stock-backend.ts) refuses those reads the same way. Each result is
 * compared with the same computation on the project's backend, whose fused kernels read freely.
 * Values cross between the backends only as JS arrays (moving a tensor off `cpu-async-read` would
 * itself be a synchronous read).
 */

let projectBackend = '';

beforeAll(async () => {
  projectBackend = tf.getBackend();
  expect(await tf.setBackend(ASYNC_READ_BACKEND)).toBe(true);
});

afterAll(async () => {
  await tf.setBackend(projectBackend);
});

/** Runs `f` on the project's backend (the reference), then returns to `cpu-async-read`. */
async function onProjectBackend<T>(f: () => T | Promise<T>): Promise<T> {
  await tf.setBackend(projectBackend);
  try {
    return await f();
  } finally {
    await tf.setBackend(ASYNC_READ_BACKEND);
  }
}

const read = async (t: tf.Tensor) => Array.from(await t.data());

test('the backend refuses a synchronous read of computed data, as WebGPU does, and serves data from JS', async () => {
  const a = tf.tensor1d([1, 2]);
  const b = tf.add(a, 1);
  expect(Array.from(a.dataSync())).toEqual([1, 2]);
  expect(() => b.dataSync()).toThrow(/readSync/);
  expect(await read(b)).toEqual([2, 3]);
  tf.dispose([a, b]);
});

describe('clipping', () => {
  const data = [
    { values: [0.5, -2, 3, 1, 0, -1], shape: [2, 3] },
    { values: [4, -0.25], shape: [2] },
  ];
  const makeGrads = () => data.map((g) => tf.tensor(g.values, g.shape));
  const maxNorm = 1.5;

  test('clipGradNorm says its number needs a synchronous read and changes nothing; clipGradNormAsync and asTensor clip on the device', async () => {
    const ref = await onProjectBackend(() => {
      const grads = makeGrads();
      const norm = clipGradNorm(grads, maxNorm);
      const clipped = grads.map((g) => Array.from(g.dataSync()));
      const byValue = makeGrads();
      clipGradValue(byValue, 0.75);
      const valueClipped = byValue.map((g) => Array.from(g.dataSync()));
      tf.dispose([...grads, ...byValue]);
      return { norm, clipped, valueClipped };
    });
    expect(ref.norm).toBeGreaterThan(maxNorm); // so the clipping scales

    const before = tf.memory().numTensors;
    const grads = makeGrads();
    const originals = [...grads];
    expect(() => clipGradNorm(grads, maxNorm)).toThrow(
      /clipGradNorm: the norm is read synchronously, which the cpu-async-read backend does not allow.*nothing was clipped.*clipGradNormAsync/,
    );
    expect(grads).toEqual(originals);
    for (const [k, g] of grads.entries()) expect(await read(g)).toEqual(data[k].values);

    const norm = await clipGradNormAsync(grads, maxNorm);
    expect(Math.abs(norm - ref.norm)).toBeLessThanOrEqual(1e-6 * ref.norm);
    for (const [k, g] of grads.entries()) expectClose(await read(g), ref.clipped[k], 1e-6, `async, grad ${k}`);

    const asTensor = makeGrads();
    const normTensor = clipGradNorm(asTensor, maxNorm, { asTensor: true });
    expect(normTensor.shape).toEqual([]);
    expect(Math.abs((await read(normTensor))[0] - ref.norm)).toBeLessThanOrEqual(1e-6 * ref.norm);
    for (const [k, g] of asTensor.entries()) expectClose(await read(g), ref.clipped[k], 1e-6, `asTensor, grad ${k}`);

    const byValue = makeGrads();
    clipGradValue(byValue, 0.75);
    for (const [k, g] of byValue.entries()) expect(await read(g)).toEqual(ref.valueClipped[k]);

    tf.dispose([...grads, ...asTensor, ...byValue, normTensor]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('clipGradNormAsync: a non-finite norm rejects with errorIfNonfinite and clips nothing', async () => {
    const before = tf.memory().numTensors;
    const grads = [tf.tensor1d([1, NaN])];
    await expect(clipGradNormAsync(grads, 1, { errorIfNonfinite: true })).rejects.toThrow(
      /total norm of order 2 for gradients is non-finite/,
    );
    expect(await read(grads[0])).toEqual([1, NaN]);
    expect(Number.isNaN(await clipGradNormAsync(grads, 1))).toBe(true);
    expect(() => clipGradNorm(grads, 1, { asTensor: true, errorIfNonfinite: true })).toThrow(
      /errorIfNonfinite needs the norm's value.*clipGradNormAsync/,
    );
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
  });
});

test('gradientFlowAsync gives what gradientFlow gives on the project backend; gradientFlow says why it cannot', async () => {
  const options = { inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true };
  const xData = Array.from({ length: 5 * 2 * 2 }, (_, k) => Math.sin(k + 1));
  const wData = Array.from({ length: 5 * 2 * 6 }, (_, k) => Math.cos(2 * k));
  const lossOf = (rnn: LSTM, x: tf.Tensor, w: tf.Tensor) => () =>
    tf.sum(tf.mul(rnn.forward(x, null, { lengths: [5, 3] })[0], w)) as tf.Scalar;
  const gradsOf = (rnn: LSTM, grads: tf.NamedTensorMap) => rnn.namedParameters().map(([, v]) => grads[v.name]);

  const ref = await onProjectBackend(() => {
    const rnn = new LSTM({ ...options, seed: 4 });
    const x = tf.tensor3d(xData, [5, 2, 2]);
    const w = tf.tensor3d(wData, [5, 2, 6]);
    const { value, grads, flow } = gradientFlow(lossOf(rnn, x, w));
    const weights = rnn.namedParameters().map(([name, v]) => [name, Array.from(v.dataSync())] as const);
    const result = { value, grads: gradsOf(rnn, grads).map((g) => Array.from(g.dataSync())), flow, weights };
    tf.dispose([x, w, ...Object.values(grads)]);
    rnn.dispose();
    return result;
  });

  const rnn = new LSTM(options);
  rnn.loadStateDict(Object.fromEntries(ref.weights));
  const x = tf.tensor3d(xData, [5, 2, 2]);
  const w = tf.tensor3d(wData, [5, 2, 6]);
  const before = tf.memory().numTensors;
  expect(() => gradientFlow(lossOf(rnn, x, w))).toThrow(
    /gradientFlow: the report is read synchronously, which the cpu-async-read backend does not allow.*gradientFlowAsync/,
  );
  expect(tf.memory().numTensors).toBe(before); // the failed call freed its gradients and records

  const { value, grads, flow } = await gradientFlowAsync(lossOf(rnn, x, w));
  expect(Math.abs(value - ref.value)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref.value)));
  const own = gradsOf(rnn, grads);
  for (const [k, g] of own.entries()) expectClose(await read(g), ref.grads[k], 1e-5, `grad ${k}`);
  expect(flow.map((f) => [f.layer, f.direction])).toEqual(ref.flow.map((f) => [f.layer, f.direction]));
  for (const [k, f] of flow.entries()) {
    expectClose(f.dhNorm, ref.flow[k].dhNorm, 1e-5, `dhNorm ${k}`);
    expectClose(f.dcNorm, ref.flow[k].dcNorm, 1e-5, `dcNorm ${k}`);
    expectClose(f.forgetMean, ref.flow[k].forgetMean, 1e-5, `forgetMean ${k}`);
  }
  tf.dispose(Object.values(grads));
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([x, w]);
  rnn.dispose();
});

describe('a Keras mask on a backend without synchronous reads', () => {
  const [batch, steps, features] = [3, 5, 2];
  const lengths = [5, 2, 3];
  // Padding (zeros, which tf.layers.masking masks) after each sequence's length.
  const xData = Array.from({ length: batch * steps * features }, (_, k) => {
    const [b, t] = [Math.floor(k / (steps * features)), Math.floor(k / features) % steps];
    return t < lengths[b] ? Math.sin(3 * k + 1) : 0;
  });
  const yData = [0.5, -0.25, 1];

  function sequentialModel(): tf.Sequential {
    const model = tf.sequential({
      layers: [
        tf.layers.masking({ maskValue: 0, inputShape: [steps, features] }),
        torchLSTM({ hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 5 }),
        tf.layers.dense({ units: 1 }),
      ],
    });
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
    return model;
  }

  /** masking -> TorchLSTM with every output: the sequence (zero past the ends), h_n and c_n. */
  function stateModel(): tf.LayersModel {
    const input = tf.input({ shape: [steps, features] });
    const masked = tf.layers.masking({ maskValue: 0 }).apply(input) as tf.SymbolicTensor;
    const lstm = torchLSTM({ hiddenSize: 3, bidirectional: true, returnSequences: true, returnState: true, seed: 6 });
    return tf.model({ inputs: input, outputs: lstm.apply(masked) as tf.SymbolicTensor[] });
  }

  const weightsOf = (model: tf.LayersModel) => model.getWeights().map((w) => ({ shape: w.shape, data: w.dataSync() }));
  const setWeights = (model: tf.LayersModel, weights: { shape: number[]; data: ArrayLike<number> }[]) =>
    tf.tidy(() => model.setWeights(weights.map((w) => tf.tensor(Array.from(w.data), w.shape))));

  test('masking + TorchLSTM in tf.sequential predicts and trains one model.fit epoch as on the project backend', async () => {
    const ref = await onProjectBackend(async () => {
      const model = sequentialModel();
      const weights = weightsOf(model);
      const x = tf.tensor3d(xData, [batch, steps, features]);
      const y = tf.tensor2d(yData, [batch, 1]);
      const prediction = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
      const history = await model.fit(x, y, { epochs: 1, batchSize: batch, shuffle: false, verbose: 0 });
      const trained = weightsOf(model).map((w) => Array.from(w.data));
      tf.dispose([x, y]);
      model.dispose();
      return { weights, prediction, loss: history.history.loss[0] as number, trained };
    });

    const model = sequentialModel();
    setWeights(model, ref.weights);
    const x = tf.tensor3d(xData, [batch, steps, features]);
    const y = tf.tensor2d(yData, [batch, 1]);
    const before = tf.memory().numTensors;
    const prediction = model.predict(x) as tf.Tensor;
    expectClose(await read(prediction), ref.prediction, 1e-5, 'prediction');
    prediction.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const history = await model.fit(x, y, { epochs: 1, batchSize: batch, shuffle: false, verbose: 0 });
    expect(Math.abs((history.history.loss[0] as number) - ref.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(ref.loss));
    const trained = model.getWeights();
    for (const [k, w] of trained.entries()) expectClose(await read(w), ref.trained[k], 1e-5, `trained weight ${k}`);
    tf.dispose([x, y]);
    model.dispose();
  });

  test('the sequence output is zero past each end, and h_n, c_n are the state at the last valid step', async () => {
    const ref = await onProjectBackend(() => {
      const model = stateModel();
      const x = tf.tensor3d(xData, [batch, steps, features]);
      const outputs = model.predict(x) as tf.Tensor[];
      const result = { weights: weightsOf(model), outputs: outputs.map((o) => Array.from(o.dataSync())) };
      tf.dispose([x, ...outputs]);
      model.dispose();
      return result;
    });

    const model = stateModel();
    setWeights(model, ref.weights);
    const x = tf.tensor3d(xData, [batch, steps, features]);
    const before = tf.memory().numTensors;
    const outputs = model.predict(x) as tf.Tensor[];
    expect(outputs).toHaveLength(3);
    for (const [k, o] of outputs.entries()) expectClose(await read(o), ref.outputs[k], 1e-5, `output ${k}`);
    tf.dispose(outputs);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    model.dispose();
  });

  test('a mask with a gap cannot be checked without a read: the sequence ends at its first masked step', async () => {
    // Sequence 0 masked at step 1 only: a gap. The project backend reads the mask and rejects it.
    const withGapData = [1, 0.5, 0, 0, ...xData.slice(2 * features)];
    const truncatedData = [
      1,
      0.5,
      ...new Array<number>((steps - 1) * features).fill(0),
      ...xData.slice(steps * features),
    ];
    await onProjectBackend(() => {
      const model = stateModel();
      const x = tf.tensor3d(withGapData, [batch, steps, features]);
      expect(() => model.predict(x)).toThrow(/the mask of sequence 0 has a gap/);
      x.dispose();
      model.dispose();
    });
    const model = stateModel();
    const withGap = tf.tensor3d(withGapData, [batch, steps, features]);
    const truncated = tf.tensor3d(truncatedData, [batch, steps, features]);
    const a = model.predict(withGap) as tf.Tensor[];
    const b = model.predict(truncated) as tf.Tensor[];
    for (const [k, o] of a.entries()) expect(await read(o)).toEqual(await read(b[k]));
    tf.dispose([withGap, truncated, ...a, ...b]);
    model.dispose();
  });
});
