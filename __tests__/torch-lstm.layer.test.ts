import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { GradientMode, LSTM, LSTMCell, TorchLSTM, torchLSTM, TorchLSTMArgs, torchLSTMCell } from '../src';
import { fileSystem } from '../src/node';
import { expectClose } from './helpers/compare';

const values = (t: tf.Tensor | tf.Tensor[]) => Array.from((Array.isArray(t) ? t[0] : t).dataSync());

/** An LSTM module with the layer's weights, to compare the two. */
function moduleOf(layer: TorchLSTM, batchFirst = true): LSTM {
  const rnn = new LSTM({
    inputSize: layer.inputSize as number,
    hiddenSize: layer.hiddenSize,
    numLayers: layer.numLayers,
    bias: layer.bias,
    bidirectional: layer.bidirectional,
    projSize: layer.projSize,
    batchFirst,
  });
  const names = rnn.namedParameters().map(([n]) => n);
  rnn.loadStateDict(Object.fromEntries(layer.getWeights().map((w, k) => [names[k], w])));
  return rnn;
}

describe('TorchLSTM in tf.sequential', () => {
  test('first layer: summary shows output shapes and PyTorch parameter counts', () => {
    const model = tf.sequential({
      layers: [
        torchLSTM({ hiddenSize: 8, numLayers: 2, bidirectional: true, inputShape: [5, 3] }),
        tf.layers.dense({ units: 1 }),
      ],
    });
    const lines: string[] = [];
    model.summary(120, undefined, (line: string) => lines.push(line));
    const text = lines.join('\n');
    // nn.LSTM(3, 8, num_layers=2, bidirectional=True) has 2496 parameters.
    expect(text).toMatch(/\[null,16\]\s+2496/);
    expect(text).toMatch(/Total params: 2513/);
    expect(model.layers[0].getWeights().map((w) => w.shape)).toEqual([
      [32, 3],
      [32, 8],
      [32],
      [32],
      [32, 3],
      [32, 8],
      [32],
      [32],
      [32, 16],
      [32, 8],
      [32],
      [32],
      [32, 16],
      [32, 8],
      [32],
      [32],
    ]);
    expect(model.layers[0].weights.map((w) => w.originalName.split('/').pop())).toEqual([
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
      'weight_ih_l0_reverse',
      'weight_hh_l0_reverse',
      'bias_ih_l0_reverse',
      'bias_hh_l0_reverse',
      'weight_ih_l1',
      'weight_hh_l1',
      'bias_ih_l1',
      'bias_hh_l1',
      'weight_ih_l1_reverse',
      'weight_hh_l1_reverse',
      'bias_ih_l1_reverse',
      'bias_hh_l1_reverse',
    ]);
    model.dispose();
  });

  test.each([
    ['sequences', { hiddenSize: 4, returnSequences: true }],
    ['last output', { hiddenSize: 4 }],
    [
      'bidirectional, projections, 2 layers, last output',
      { hiddenSize: 5, projSize: 2, numLayers: 2, bidirectional: true },
    ],
    ['bidirectional, sequences', { hiddenSize: 3, bidirectional: true, returnSequences: true }],
  ] as [string, TorchLSTMArgs][])('computes what LSTM computes (%s)', (_name, args) => {
    const layer = torchLSTM({ ...args, seed: 1 });
    const x = tf.randomNormal([3, 6, 2], 0, 1, 'float32', 2);
    const y = layer.apply(x) as tf.Tensor;
    const rnn = moduleOf(layer);
    const [out, [hN]] = rnn.forward(x);
    const p = layer.projSize || layer.hiddenSize;
    const dirs = layer.bidirectional ? 2 : 1;
    if (args.returnSequences) {
      expect(y.shape).toEqual(out.shape);
      expect(values(y)).toEqual(values(out));
    } else {
      // The last output: the forward direction's final h and the reverse direction's h at step 0.
      const fwd = tf.slice(out, [0, 5, 0], [3, 1, p]).reshape([3, p]);
      const parts = dirs === 2 ? [fwd, tf.slice(out, [0, 0, p], [3, 1, p]).reshape([3, p])] : [fwd];
      expect(y.shape).toEqual([3, dirs * p]);
      expect(values(y)).toEqual(values(tf.concat(parts, 1)));
      // ... which is the last layer's h_n.
      const last = tf
        .transpose(tf.slice(hN, [hN.shape[0] - dirs, 0, 0], [dirs, 3, p]), [1, 0, 2])
        .reshape([3, dirs * p]);
      expect(values(y)).toEqual(values(last));
    }
    rnn.dispose();
    layer.dispose();
  });

  test('middle layer between dense layers; predict and evaluate', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 6, inputShape: [7, 3], activation: 'tanh' }),
        torchLSTM({ hiddenSize: 5, returnSequences: true }),
        torchLSTM({ hiddenSize: 4 }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.randomNormal([4, 7, 3]);
    const y = tf.randomNormal([4, 2]);
    expect((model.predict(x) as tf.Tensor).shape).toEqual([4, 2]);
    const loss = model.evaluate(x, y) as tf.Scalar;
    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    model.dispose();
  });

  test('variable time length: inputShape [null, features]', () => {
    const model = tf.sequential({
      layers: [torchLSTM({ hiddenSize: 3, inputShape: [null, 2], returnSequences: true })],
    });
    expect((model.predict(tf.ones([2, 4, 2])) as tf.Tensor).shape).toEqual([2, 4, 3]);
    expect((model.predict(tf.ones([2, 9, 2])) as tf.Tensor).shape).toEqual([2, 9, 3]);
    model.dispose();
  });
});

describe('TorchLSTM in a functional tf.model', () => {
  test('initial states as extra inputs, and returned states, batch-major', () => {
    const x = tf.input({ shape: [6, 3] });
    const h0 = tf.input({ shape: [4, 2] }); // [numLayers * D, projSize]
    const c0 = tf.input({ shape: [4, 5] }); // [numLayers * D, hiddenSize]
    const layer = torchLSTM({
      hiddenSize: 5,
      projSize: 2,
      numLayers: 2,
      bidirectional: true,
      returnSequences: true,
      returnState: true,
      seed: 3,
    });
    const [out, hN, cN] = layer.apply(x, { initialState: [h0, c0] }) as tf.SymbolicTensor[];
    expect([out.shape, hN.shape, cN.shape]).toEqual([
      [null, 6, 4],
      [null, 4, 2],
      [null, 4, 5],
    ]);
    const model = tf.model({ inputs: [x, h0, c0], outputs: [out, hN, cN] });

    const xv = tf.randomNormal([3, 6, 3], 0, 1, 'float32', 4);
    const hv = tf.randomNormal([3, 4, 2], 0, 1, 'float32', 5);
    const cv = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 6);
    const [o, h, c] = model.predict([xv, hv, cv]) as tf.Tensor[];
    const rnn = moduleOf(layer);
    const [o2, [h2, c2]] = rnn.forward(xv, [tf.transpose(hv, [1, 0, 2]), tf.transpose(cv, [1, 0, 2])]);
    expect(values(o)).toEqual(values(o2));
    expect(values(h)).toEqual(values(tf.transpose(h2, [1, 0, 2])));
    expect(values(c)).toEqual(values(tf.transpose(c2, [1, 0, 2])));
    // The same through the [x, h0, c0] input list.
    const [o3] = layer.apply([xv, hv, cv]) as tf.Tensor[];
    expect(values(o3)).toEqual(values(o));
    rnn.dispose();
    model.dispose();
  });

  test('a wrongly shaped state says what it expected', () => {
    const layer = torchLSTM({ hiddenSize: 3, numLayers: 2 });
    expect(() => layer.apply([tf.ones([2, 4, 1]), tf.ones([2, 3]), tf.ones([2, 3])])).toThrow(
      /TorchLSTM: Expected h0 size \[2, 2, 3\] \(batch-major\), got \[2, 3\]/,
    );
  });
});

describe('masking gives variable lengths', () => {
  test('tf.layers.masking before TorchLSTM equals LSTM with lengths', () => {
    const lengths = [5, 2, 3];
    const x = tf.tidy(() => {
      const raw = tf.randomNormal([3, 5, 2], 0, 1, 'float32', 8);
      const valid = tf.tensor3d(
        lengths.flatMap((len) => [0, 1, 2, 3, 4].map((t) => (t < len ? 1 : 0))),
        [3, 5, 1],
      );
      return tf.mul(raw, valid);
    });
    const layer = torchLSTM({ hiddenSize: 4, bidirectional: true, returnSequences: true, seed: 9 });
    const model = tf.sequential({ layers: [tf.layers.masking({ maskValue: 0, inputShape: [5, 2] }), layer] });
    const y = model.predict(x) as tf.Tensor;
    const rnn = moduleOf(layer);
    const [out] = rnn.forward(x, null, { lengths });
    expect(values(y)).toEqual(values(out));
    rnn.dispose();
    model.dispose();
  });

  test('a mask with a gap is rejected', () => {
    const layer = torchLSTM({ hiddenSize: 2 });
    const model = tf.sequential({ layers: [tf.layers.masking({ maskValue: 0, inputShape: [3, 1] }), layer] });
    expect(() => model.predict(tf.tensor3d([[[1], [0], [1]]]))).toThrow(/the mask of sequence 0 has a gap/);
    model.dispose();
  });
});

describe('training with model.fit', () => {
  function makeModel(gradient: GradientMode) {
    const model = tf.sequential({
      layers: [
        torchLSTM({
          hiddenSize: 4,
          numLayers: 2,
          projSize: 2,
          bidirectional: true,
          gradient,
          seed: 5,
          inputShape: [6, 2],
        }),
        tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' });
    return model;
  }
  const data = () =>
    tf.tidy(() => {
      const x = tf.randomNormal([16, 6, 2], 0, 1, 'float32', 10);
      return { x, y: tf.mul(tf.sum(tf.slice(x, [0, 0, 0], [16, 6, 1]), 1), 0.25) };
    });

  test('both gradient variants train, and take the same steps', async () => {
    const { x, y } = data();
    const histories: number[][] = [];
    const weights: Float32Array[][] = [];
    for (const gradient of ['manual', 'autodiff'] as const) {
      const model = makeModel(gradient);
      const h = await model.fit(x, y, { epochs: 25, batchSize: 16, shuffle: false, verbose: 0 });
      histories.push(h.history.loss as number[]);
      weights.push(model.getWeights().map((w) => w.dataSync() as Float32Array));
      model.dispose();
    }
    const [manual, autodiff] = histories;
    expect(manual[24]).toBeLessThan(0.3 * manual[0]);
    expectClose(manual, autodiff, 1e-4, 'loss history');
    weights[0].forEach((w, k) => expectClose(w, weights[1][k], 1e-4, `weight ${k} after training`));
  });

  test('dropout acts in training only: predict is deterministic', () => {
    const layer = torchLSTM({ hiddenSize: 4, numLayers: 2, dropout: 0.5, returnSequences: true, seed: 1 });
    const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [5, 3] }), layer] });
    const x = tf.randomNormal([2, 5, 3]);
    expect(values(model.predict(x) as tf.Tensor)).toEqual(values(model.predict(x) as tf.Tensor));
    expect(values(layer.apply(x, { training: true }) as tf.Tensor)).not.toEqual(values(model.predict(x) as tf.Tensor));
    model.dispose();
  });
});

describe('serialization', () => {
  const everyOption: TorchLSTMArgs = {
    hiddenSize: 6,
    inputSize: 3,
    numLayers: 2,
    bias: false,
    dropout: 0.25,
    bidirectional: true,
    projSize: 2,
    returnSequences: true,
    returnState: true,
    gradient: 'autodiff',
    seed: 12,
    name: 'my_lstm',
  };

  test('getConfig round-trips every option', () => {
    const layer = new TorchLSTM(everyOption);
    const config = layer.getConfig();
    expect(config).toMatchObject({ ...everyOption, trainable: true });
    const copy = tf.serialization.SerializationMap.getMap().classNameMap.TorchLSTM[1](TorchLSTM, config) as TorchLSTM;
    expect(copy.getConfig()).toEqual(config);
  });

  async function roundTrip(model: tf.LayersModel, inputs: tf.Tensor | tf.Tensor[], via: 'memory' | 'disk') {
    let loaded: tf.LayersModel;
    if (via === 'memory') {
      let saved: tf.io.ModelArtifacts | undefined;
      await model.save(
        tf.io.withSaveHandler(async (artifacts) => {
          saved = artifacts;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-lstm-'));
      await model.save(fileSystem(dir));
      expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
      loaded = await tf.loadLayersModel(fileSystem(path.join(dir, 'model.json')));
      fs.rmSync(dir, { recursive: true });
    }
    const a = model.predict(inputs) as tf.Tensor | tf.Tensor[];
    const b = loaded.predict(inputs) as tf.Tensor | tf.Tensor[];
    const list = (t: tf.Tensor | tf.Tensor[]) => (Array.isArray(t) ? t : [t]);
    expect(list(b).map((t) => t.shape)).toEqual(list(a).map((t) => t.shape));
    list(a).forEach((t, k) => expect(Array.from(list(b)[k].dataSync())).toEqual(Array.from(t.dataSync())));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    loaded.dispose();
  }

  test.each(['memory', 'disk'] as const)(
    'model.save then tf.loadLayersModel predicts bit for bit (%s)',
    async (via) => {
      const model = tf.sequential({
        layers: [
          torchLSTM({
            hiddenSize: 5,
            numLayers: 2,
            projSize: 3,
            bidirectional: true,
            dropout: 0.1,
            inputShape: [4, 2],
          }),
          tf.layers.dense({ units: 2 }),
        ],
      });
      await roundTrip(model, tf.randomNormal([3, 4, 2]), via);
      model.dispose();
    },
  );

  test('a functional model with states and a TorchLSTMCell inside tf.layers.rnn', async () => {
    const x = tf.input({ shape: [5, 3] });
    const [seq, h, c] = torchLSTM({ hiddenSize: 4, returnSequences: true, returnState: true }).apply(
      x,
    ) as tf.SymbolicTensor[];
    const y = tf.layers
      .rnn({ cell: torchLSTMCell({ hiddenSize: 3 }), returnSequences: true })
      .apply(seq) as tf.SymbolicTensor;
    const model = tf.model({ inputs: x, outputs: [y, h, c] });
    await roundTrip(model, tf.randomNormal([2, 5, 3]), 'memory');
    model.dispose();
  });
});

describe('TorchLSTMCell', () => {
  test('inside tf.layers.rnn it computes what LSTMCell computes step by step', () => {
    const cellLayer = torchLSTMCell({ hiddenSize: 4, seed: 2 });
    const rnn = tf.layers.rnn({ cell: cellLayer, returnSequences: true, returnState: true });
    const x = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 3);
    const [seq, hLast, cLast] = rnn.apply(x) as tf.Tensor[];
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 4 });
    const names = cell.namedParameters().map(([n]) => n);
    cell.loadStateDict(Object.fromEntries(cellLayer.getWeights().map((w, k) => [names[k], w])));
    expect(cellLayer.weights.map((w) => w.originalName.split('/').pop())).toEqual(names);
    let state: [tf.Tensor, tf.Tensor] | undefined;
    const hs: tf.Tensor[] = [];
    for (let t = 0; t < 5; t++) {
      state = cell.forward(tf.reshape(tf.slice(x, [0, t, 0], [2, 1, 3]), [2, 3]), state);
      hs.push(state[0]);
    }
    expectClose(seq, tf.stack(hs, 1), 1e-6, 'sequence');
    expectClose(hLast, (state as tf.Tensor[])[0], 1e-6, 'h');
    expectClose(cLast, (state as tf.Tensor[])[1], 1e-6, 'c');
    cell.dispose();
    rnn.dispose();
  });

  test('called on [x, h, c] it returns [h, h, c], as Keras cells do', () => {
    const cell = torchLSTMCell({ hiddenSize: 2 });
    const out = cell.apply([tf.ones([3, 4]), tf.zeros([3, 2]), tf.zeros([3, 2])]) as tf.Tensor[];
    expect(out.map((t) => t.shape)).toEqual([
      [3, 2],
      [3, 2],
      [3, 2],
    ]);
    expect(values(out[0])).toEqual(values(out[1]));
  });
});

describe('memory', () => {
  test('disposing a model frees every tensor it made', async () => {
    const before = tf.memory().numTensors;
    const model = tf.sequential({
      layers: [
        torchLSTM({ hiddenSize: 4, numLayers: 2, bidirectional: true, inputShape: [3, 2] }),
        tf.layers.dense({ units: 1 }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = tf.randomNormal([4, 3, 2]);
    const y = tf.randomNormal([4, 1]);
    await model.fit(x, y, { epochs: 2, verbose: 0 });
    tf.dispose(model.predict(x) as tf.Tensor);
    model.optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a TorchLSTM not yet in a model', () => {
  test('has its weights from inputShape, as from inputSize; without either, says so', () => {
    const before = tf.memory().numTensors;
    for (const layer of [
      torchLSTM({ hiddenSize: 4, inputShape: [null, 3], seed: 1 }),
      torchLSTM({ hiddenSize: 4, batchInputShape: [2, 5, 3], seed: 1 }),
      torchLSTM({ hiddenSize: 4, inputSize: 3, seed: 1 }),
    ]) {
      const sd = layer.stateDict();
      expect(sd.weight_ih_l0.shape).toEqual([16, 3]);
      tf.dispose(Object.values(sd));
      // (tfjs' Layer.dispose refuses a layer never applied; its weights are freed directly.)
      layer.weights.forEach((w) => w.dispose());
    }
    const unsized = torchLSTM({ hiddenSize: 4 });
    expect(() => unsized.stateDict()).toThrow(
      'TorchLSTM: the layer has no weights yet; give inputSize or inputShape, or apply it to an input',
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
