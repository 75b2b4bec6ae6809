import * as tf from '@tensorflow/tfjs';

import {
  LSTM,
  LSTMCell,
  stateDictFromSafetensors,
  TorchLSTM,
  torchLSTM,
  torchLSTMCell,
  writeSafetensors,
} from '../src';
import { randomParams, referenceLSTM, referenceLSTMGrads } from '../src/reference/lstm-reference';
import { peakTensorBytes } from '../bench/peak-memory';
import { expectClose } from './helpers/compare';

// A layer inside someone's model must never corrupt their training or crash their process with
// an unclear error: bad calls, long runs, long sequences, extreme values.

declare const __TFJS_BACKEND__: string;

const values = (t: tf.Tensor) => Array.from(t.dataSync());
const z = (...shape: number[]) => tf.zeros(shape);

/** The parameters of whatever is being called, to check a failed call changed none of them. */
type Target = { snapshot(): number[][]; dispose(): void };

function lstmTarget() {
  const m = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1 });
  return { m, snapshot: () => m.parameters().map(values), dispose: () => m.dispose() };
}
function cellTarget() {
  const m = new LSTMCell({ inputSize: 3, hiddenSize: 4, seed: 1 });
  return { m, snapshot: () => m.parameters().map(values), dispose: () => m.dispose() };
}
function layerTarget() {
  const m = torchLSTM({ hiddenSize: 4, numLayers: 2, inputSize: 3, returnSequences: true, seed: 1 });
  m.apply(tf.zeros([1, 2, 3])); // built
  return { m, snapshot: () => m.getWeights().map(values), dispose: () => m.dispose() };
}
function cellLayerTarget() {
  const m = torchLSTMCell({ hiddenSize: 4, inputSize: 3, seed: 1 });
  m.apply([tf.zeros([1, 3]), tf.zeros([1, 4]), tf.zeros([1, 4])]);
  return { m, snapshot: () => m.getWeights().map(values), dispose: () => m.dispose() };
}

/** A valid safetensors file for the LSTM target, then spoiled by `spoil`. */
function safetensorsFor(spoil: (bytes: Uint8Array) => Uint8Array): Uint8Array {
  const source = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 2 });
  const sd = source.stateDict();
  const bytes = writeSafetensors(
    Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() as Float32Array }])),
  );
  tf.dispose(Object.values(sd));
  source.dispose();
  return spoil(bytes);
}

const headerSize = (bytes: Uint8Array) => Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));

type Case = [string, () => Target & { m: unknown }, (m: never) => unknown, RegExp];

const cases: Case[] = [
  // LSTM.forward
  ['LSTM: input rank 1', lstmTarget, (m: LSTM) => m.forward(z(3)), /Expected input to be 2-D or 3-D but received 1-D/],
  [
    'LSTM: input rank 4',
    lstmTarget,
    (m: LSTM) => m.forward(z(2, 2, 2, 3)),
    /Expected input to be 2-D or 3-D but received 4-D/,
  ],
  ['LSTM: feature size', lstmTarget, (m: LSTM) => m.forward(z(5, 2, 7)), /Expected 3, got 7/],
  [
    'LSTM: int input',
    lstmTarget,
    (m: LSTM) => m.forward(tf.zeros([5, 2, 3], 'int32')),
    /input must have the type float32, got type int32/,
  ],
  [
    'LSTM: bool state',
    lstmTarget,
    (m: LSTM) => m.forward(z(5, 2, 3), [tf.zeros([2, 2, 4], 'bool'), z(2, 2, 4)]),
    /hx\[0\] must have the type float32, got type bool/,
  ],
  [
    'LSTM: batch mismatch',
    lstmTarget,
    (m: LSTM) => m.forward(z(5, 2, 3), [z(2, 5, 4), z(2, 5, 4)]),
    /Expected hidden\[0\] \(h_0\) size \[2, 2, 4\], got \[2, 5, 4\]/,
  ],
  [
    'LSTM: state rank',
    lstmTarget,
    (m: LSTM) => m.forward(z(5, 2, 3), [z(2, 4), z(2, 4)]),
    /hx and cx should also be 3-D but got \(2-D, 2-D\)/,
  ],
  [
    'LSTM: c_0 size',
    lstmTarget,
    (m: LSTM) => m.forward(z(5, 2, 3), [z(2, 2, 4), z(2, 2, 3)]),
    /Expected hidden\[1\] \(c_0\) size \[2, 2, 4\], got \[2, 2, 3\]/,
  ],
  [
    'LSTM: NaN length',
    lstmTarget,
    (m: LSTM) => m.forward(z(5, 2, 3), null, { lengths: [5, NaN] }),
    /lengths\[1\] should be an integer, got NaN/,
  ],
  [
    'LSTM: length too long',
    lstmTarget,
    (m: LSTM) => m.forward(z(5, 2, 3), null, { lengths: [6, 1] }),
    /lengths\[0\] must be in \[1, 5\].*got 6/,
  ],
  [
    'LSTM: length zero',
    lstmTarget,
    (m: LSTM) => m.forward(z(5, 2, 3), null, { lengths: [5, 0] }),
    /lengths\[1\] must be in \[1, 5\].*got 0/,
  ],
  [
    'LSTM: lengths 2-D tensor',
    lstmTarget,
    (m: LSTM) => m.forward(z(5, 2, 3), null, { lengths: tf.ones([2, 1]) }),
    /lengths should be 1-D, got a 2-D tensor/,
  ],
  // LSTMCell.forward
  [
    'LSTMCell: input rank 3',
    cellTarget,
    (m: LSTMCell) => m.forward(z(1, 2, 3)),
    /Expected input to be 1-D or 2-D but received 3-D/,
  ],
  [
    'LSTMCell: feature size',
    cellTarget,
    (m: LSTMCell) => m.forward(z(2, 4)),
    /inconsistent input_size: got 4, expected 3/,
  ],
  [
    'LSTMCell: batch mismatch',
    cellTarget,
    (m: LSTMCell) => m.forward(z(2, 3), [z(3, 4), z(3, 4)]),
    /Input batch size 2 doesn't match hidden0 batch size 3/,
  ],
  [
    'LSTMCell: hidden size',
    cellTarget,
    (m: LSTMCell) => m.forward(z(2, 3), [z(2, 4), z(2, 2)]),
    /hidden1 has inconsistent hidden_size: got 2, expected 4/,
  ],
  [
    'LSTMCell: int input',
    cellTarget,
    (m: LSTMCell) => m.forward(tf.zeros([2, 3], 'int32')),
    /input must have the type float32, got type int32/,
  ],
  // The tfjs layers
  [
    'TorchLSTM: input rank 2',
    layerTarget,
    (m: TorchLSTM) => m.apply(z(2, 3)),
    /TorchLSTM: Expected input to be 3-D but received 2-D tensor/,
  ],
  [
    'TorchLSTM: feature size',
    layerTarget,
    (m: TorchLSTM) => m.apply(z(2, 5, 6)),
    /TorchLSTM: input\.size\(-1\) must be equal to input_size\. Expected 3, got 6/,
  ],
  [
    'TorchLSTM: int input',
    layerTarget,
    (m: TorchLSTM) => m.apply(tf.zeros([2, 5, 3], 'int32')),
    /TorchLSTM: input must have the type float32, got type int32/,
  ],
  [
    'TorchLSTM: state shape',
    layerTarget,
    (m: TorchLSTM) => m.apply([z(2, 5, 3), z(2, 4), z(2, 2, 4)]),
    /TorchLSTM: Expected h0 size \[2, 2, 4\] \(batch-major\), got \[2, 4\]/,
  ],
  [
    'TorchLSTM: two inputs',
    layerTarget,
    (m: TorchLSTM) => m.apply([z(2, 5, 3), z(2, 2, 4)]),
    /expected inputs \[x\] or \[x, h0, c0\], got 2 tensors/,
  ],
  [
    'TorchLSTMCell: no state',
    cellLayerTarget,
    (m: TorchLSTM) => m.apply(z(2, 3)),
    /TorchLSTMCell: expected inputs \[x, h, c\], got one tensor/,
  ],
  [
    'TorchLSTMCell: batch mismatch',
    cellLayerTarget,
    (m: TorchLSTM) => m.apply([z(2, 3), z(3, 4), z(3, 4)]),
    /Input batch size 2 doesn't match hidden0 batch size 3/,
  ],
  // loadStateDict
  [
    'state dict: unknown key',
    lstmTarget,
    (m: LSTM) => m.loadStateDict({ ...sd(), weight_ih_l9: [1] }),
    /Unexpected key\(s\) in state_dict: "weight_ih_l9"/,
  ],
  [
    'state dict: missing key',
    lstmTarget,
    (m: LSTM) => m.loadStateDict(without(sd(), 'bias_hh_l1')),
    /Missing key\(s\) in state_dict: "bias_hh_l1"/,
  ],
  [
    'state dict: misshapen',
    lstmTarget,
    (m: LSTM) => m.loadStateDict({ ...sd(), weight_hh_l1: z(4, 16) }),
    /size mismatch for weight_hh_l1: copying a param with shape \[4, 16\]/,
  ],
  [
    'state dict: int tensor',
    lstmTarget,
    (m: LSTM) => m.loadStateDict({ ...sd(), bias_ih_l0: tf.zeros([16], 'bool') }),
    /expected a float32 tensor, got dtype bool/,
  ],
  [
    'safetensors: truncated buffer',
    lstmTarget,
    (m: LSTM) => m.loadStateDict(stateDictFromSafetensors(safetensorsFor((b) => b.slice(0, -10)))),
    /safetensors: /,
  ],
  [
    'safetensors: corrupt header',
    lstmTarget,
    (m: LSTM) =>
      m.loadStateDict(
        stateDictFromSafetensors(
          safetensorsFor((b) => {
            const c = b.slice();
            c[9] = 0x7b;
            c[10] = 0x7b;
            return c;
          }),
        ),
      ),
    /safetensors: .*JSON/,
  ],
  [
    'safetensors: header larger than the file',
    lstmTarget,
    (m: LSTM) =>
      m.loadStateDict(
        stateDictFromSafetensors(
          safetensorsFor((b) => {
            const c = b.slice();
            new DataView(c.buffer).setBigUint64(0, BigInt(headerSize(b) + 10_000), true);
            return c;
          }),
        ),
      ),
    /safetensors: header size .* exceeds the file/,
  ],
  [
    'safetensors: file of 3 bytes',
    lstmTarget,
    (m: LSTM) => m.loadStateDict(stateDictFromSafetensors(new Uint8Array(3))),
    /safetensors: /,
  ],
];

function sd(): Record<string, tf.Tensor> {
  const source = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 3 });
  const dict = source.stateDict();
  source.dispose();
  return dict;
}

function without(dict: Record<string, tf.Tensor>, key: string): Record<string, tf.Tensor> {
  const copy = { ...dict };
  delete copy[key];
  return copy;
}

const constructorCases: [string, () => unknown, RegExp][] = [
  [
    'LSTM: negative hiddenSize',
    () => new LSTM({ inputSize: 3, hiddenSize: -4 }),
    /hiddenSize must be greater than zero, got -4/,
  ],
  [
    'LSTM: fractional numLayers',
    () => new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 1.5 }),
    /numLayers should be an integer, got 1\.5/,
  ],
  [
    'LSTM: dropout 2',
    () => new LSTM({ inputSize: 3, hiddenSize: 4, dropout: 2 }),
    /dropout should be a number in range \[0, 1\]/,
  ],
  [
    'LSTM: projSize = hiddenSize',
    () => new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 4 }),
    /projSize has to be smaller than hiddenSize/,
  ],
  [
    'LSTMCell: inputSize 0',
    () => new LSTMCell({ inputSize: 0, hiddenSize: 4 }),
    /inputSize must be greater than zero, got 0/,
  ],
  [
    'TorchLSTM: dropout -1',
    () => torchLSTM({ hiddenSize: 4, dropout: -1 }),
    /TorchLSTM: dropout should be a number in range \[0, 1\]/,
  ],
  [
    'TorchLSTM: projSize 9',
    () => torchLSTM({ hiddenSize: 4, projSize: 9 }),
    /TorchLSTM: projSize has to be smaller than hiddenSize \(4\), got 9/,
  ],
  [
    'TorchLSTM: hidden_size',
    () => torchLSTM({ hidden_size: 4 } as never),
    /unknown option hidden_size \(did you mean hiddenSize\?\)/,
  ],
  [
    'TorchLSTMCell: hiddenSize 2.5',
    () => torchLSTMCell({ hiddenSize: 2.5 }),
    /TorchLSTMCell: hiddenSize should be an integer, got 2\.5/,
  ],
];

describe('bad input: a clear error, nothing half-changed, nothing leaked', () => {
  test.each(cases)('%s', (_name, make, call, message) => {
    const target = make();
    const before = target.snapshot();
    const count = tf.memory().numTensors;
    // Arguments are made inside, so count them in with tidy.
    expect(() => tf.tidy(() => void call(target.m as never))).toThrow(message);
    expect(tf.memory().numTensors).toBe(count);
    expect(target.snapshot()).toEqual(before);
    target.dispose();
  });

  test.each(constructorCases)('%s', (_name, make, message) => {
    const count = tf.memory().numTensors;
    expect(make).toThrow(message);
    expect(tf.memory().numTensors).toBe(count);
  });
});

describe('long runs leave memory where it started', () => {
  test.each(['manual', 'autodiff'] as const)('1,000 forwards and 200 training steps (gradient: %s)', (gradient) => {
    const rnn = new LSTM({
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      bidirectional: true,
      dropout: 0.1,
      seed: 1,
      gradient,
    });
    const x = tf.randomNormal([6, 2, 3]);
    const opt = tf.train.sgd(0.01);
    const run = (k: number) => {
      if (k < 1000) tf.dispose(rnn.forward(x, null, { lengths: [6, 4] }).flat());
      if (k < 200) opt.minimize(() => tf.mean(rnn.forward(x, null, { lengths: [6, 4] })[0]) as tf.Scalar);
    };
    run(0);
    const before = tf.memory();
    for (let k = 1; k < 1000; k++) run(k);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    rnn.dispose();
    x.dispose();
  });

  test('a frozen LSTM under a trained head: taped, never differentiated, nothing left behind', () => {
    // The LSTM's forward runs with the tape on (its cache made and saved) but is on no path to
    // the variables being trained, so its gradient never runs: the saved cache must still go.
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 4, seed: 3 });
    const head = tf.variable(tf.randomNormal([4, 1], 0, 1, 'float32', 4));
    const x = tf.randomNormal([5, 2, 3]);
    const opt = tf.train.sgd(0.01);
    const step = () =>
      opt.minimize(() => tf.mean(tf.matMul(rnn.forward(x)[1][0].reshape([2, 4]), head)) as tf.Scalar, false, [head]);
    step();
    const backend = tf.engine().backend as unknown as { numDataIds(): number };
    const [tensors, bytes, ids] = [tf.memory().numTensors, tf.memory().numBytes, backend.numDataIds()];
    for (let k = 0; k < 20; k++) step();
    expect([tf.memory().numTensors, tf.memory().numBytes, backend.numDataIds()]).toEqual([tensors, bytes, ids]);
    tf.dispose([head, x]);
    opt.dispose();
    rnn.dispose();
  });

  test('TorchLSTM in a model: 1,000 predictions and 200 fit steps', async () => {
    const model = tf.sequential({
      layers: [torchLSTM({ hiddenSize: 4, numLayers: 2, inputShape: [5, 3], seed: 2 }), tf.layers.dense({ units: 1 })],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.randomNormal([4, 5, 3]);
    const y = tf.randomNormal([4, 1]);
    tf.dispose(model.predict(x) as tf.Tensor);
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    const before = tf.memory();
    for (let k = 0; k < 1000; k++) tf.dispose(model.predict(x) as tf.Tensor);
    await model.fit(x, y, { epochs: 200, batchSize: 4, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    model.dispose();
  });
});

describe('long sequences', () => {
  test('10,000 steps forward and backward; chunks with the state carried give the same result', () => {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 8, seed: 4 });
    const x = tf.randomNormal([10000, 2, 2], 0, 1, 'float32', 5);
    const { value, grads } = tf.variableGrads(() => tf.sum(rnn.forward(x)[0]) as tf.Scalar);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    Object.values(grads).forEach((g) => expect(values(g).every(Number.isFinite)).toBe(true));
    tf.dispose([value, ...Object.values(grads)]);

    const [full, [hN, cN]] = rnn.forward(x);
    let state: [tf.Tensor, tf.Tensor] | null = null;
    const chunks: tf.Tensor[] = [];
    for (let k = 0; k < 10; k++) {
      const [out, next] = rnn.forward(tf.slice(x, [1000 * k, 0, 0], [1000, 2, 2]), state);
      chunks.push(out);
      state = next;
    }
    // The same steps from the same state: the same numbers exactly.
    expect(values(tf.concat(chunks, 0))).toEqual(values(full));
    expect([values(state![0]), values(state![1])]).toEqual([values(hN), values(cN)]);
    rnn.dispose();
  });

  test('the memory a training step holds grows linearly with the sequence length', () => {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 8, seed: 4 });
    const peak = (steps: number) => {
      const x = tf.randomNormal([steps, 2, 2]);
      const bytes = peakTensorBytes(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(rnn.forward(x)[0]) as tf.Scalar);
        tf.dispose([value, ...Object.values(grads)]);
      });
      x.dispose();
      return bytes;
    };
    const [a, b, c] = [2500, 5000, 10000].map(peak);
    expect(b / a).toBeGreaterThan(1.8);
    expect(b / a).toBeLessThan(2.2);
    expect(c / b).toBeGreaterThan(1.8);
    expect(c / b).toBeLessThan(2.2);
    rnn.dispose();
  });
});

describe('extreme values', () => {
  test('inputs and weights up to 1e4: finite outputs and gradients, as the float64 reference gives', () => {
    const config = { inputSize: 3, hiddenSize: 4, numLayers: 2, bias: true, bidirectional: true, projSize: 0 };
    // Ordinary weights with every 7th at +-1e4, and ordinary inputs with channel 0 at +-1e4 every
    // other step: many gates saturate (sigmoid exactly 0 or 1 in float32), the rest do not. The
    // large inputs never meet the large weights: a sum holding two 1e8 products that cancel is
    // left with float32 rounding of ~6 (in PyTorch too), which float64 does not have.
    const params = Object.fromEntries(
      Object.entries(randomParams(config, 11)).map(([k, v]) => [
        k,
        v.map((w, j) => {
          const meetsLargeInput = k === 'weight_ih_l0' || k === 'weight_ih_l0_reverse' ? j % 3 === 0 : false;
          return Math.fround(j % 7 === 3 && !meetsLargeInput ? (j % 2 ? 1e4 : -1e4) : w);
        }),
      ]),
    );
    const [steps, batch] = [6, 2];
    const xData = Float64Array.from({ length: steps * batch * 3 }, (_, k) => {
      const [t, channel] = [Math.floor(k / (batch * 3)), k % 3];
      return Math.fround(channel === 0 && t % 2 === 1 ? (k % 4 ? 1e4 : -1e4) : Math.sin(k * 1.7));
    });
    const lossWeights = {
      output: new Float64Array(steps * batch * 8).fill(1),
      hN: new Float64Array(4 * batch * 4).fill(1),
      cN: new Float64Array(4 * batch * 4).fill(0.5),
    };
    const expected = referenceLSTM(config, params, { data: xData, steps, batch });
    const expectedGrads = referenceLSTMGrads(
      config,
      params,
      { data: xData, steps, batch },
      undefined,
      undefined,
      lossWeights,
    );

    const rnn = new LSTM(config);
    rnn.loadStateDict(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Float32Array.from(v)])));
    const x = tf.tensor3d(Float32Array.from(xData), [steps, batch, 3]);
    const [out, [hN, cN]] = rnn.forward(x);
    [out, hN, cN].forEach((t) => expect(values(t).every(Number.isFinite)).toBe(true));
    expectClose(out, expected.output, 1e-5, 'output');
    expectClose(cN, expected.cN, 1e-5, 'c_n');
    const { grads } = tf.variableGrads(() => {
      const [o, [h, c]] = rnn.forward(x);
      return tf.addN([tf.sum(o), tf.sum(h), tf.mul(tf.sum(c), 0.5)]) as tf.Scalar;
    });
    const actual = rnn.namedParameters().flatMap(([, v]) => values(grads[v.name]));
    const reference = rnn.namedParameters().flatMap(([name]) => Array.from(expectedGrads.params[name]));
    expect(actual.every(Number.isFinite)).toBe(true);
    expect(actual.some((g) => g !== 0)).toBe(true);
    // Compared as one vector: where a gate saturates, float64 keeps gradients of 1e-100 that
    // float32 rounds to 0, so a tensor whose gates all saturate has no relative error to speak of.
    expectClose(actual, reference, 1e-4, 'all parameter gradients');
    rnn.dispose();
  });

  test('NaN in the input propagates along its sequence, as in PyTorch, and nowhere else', () => {
    const rnn = new LSTM({ inputSize: 2, hiddenSize: 3, seed: 5 });
    const data = tf.randomNormal([6, 2, 2]).arraySync() as number[][][];
    data[2][1][0] = NaN; // step 2 of sequence 1
    const [out] = rnn.forward(tf.tensor3d(data));
    const o = out.arraySync() as number[][][];
    for (let t = 0; t < 6; t++) {
      expect(o[t][0].every(Number.isFinite)).toBe(true);
      expect(o[t][1].every(Number.isNaN)).toBe(t >= 2);
    }
    rnn.dispose();
  });
});

describe('determinism', () => {
  test('with a seed, the tfjs layer initialises and drops out the same way', () => {
    const make = () =>
      torchLSTM({ hiddenSize: 4, numLayers: 3, dropout: 0.4, inputSize: 3, returnSequences: true, seed: 9 });
    const [a, b] = [make(), make()];
    const x = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 1);
    const ya = values(a.apply(x, { training: true }) as tf.Tensor);
    const yb = values(b.apply(x, { training: true }) as tf.Tensor);
    expect(a.getWeights().map(values)).toEqual(b.getWeights().map(values));
    expect(ya).toEqual(yb);
    a.dispose();
    b.dispose();
  });
});

test(`robustness suite ran on ${__TFJS_BACKEND__}`, () => {
  expect(cases.length + constructorCases.length).toBeGreaterThanOrEqual(30);
});
