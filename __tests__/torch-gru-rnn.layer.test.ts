import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import {
  GRU,
  GRUCell,
  RNN,
  RNNCell,
  selectPrefix,
  stateDictFromSafetensors,
  TorchGRU,
  torchGRU,
  TorchGRUArgs,
  torchGRUCell,
  TorchRNN,
  torchRNN,
  TorchRNNArgs,
  torchRNNCell,
} from '../src';
import { expectClose } from './helpers/compare';
import { HiddenFixture, hiddenFixtures } from './helpers/fixtures';

// torchGRU, torchRNN, torchGRUCell and torchRNNCell: the tfjs layers on the same stack as
// torchLSTM (TorchRNNBase), checked against the modules, which the PyTorch fixtures check.

type Kind = 'GRU' | 'RNN' | 'RNN relu';
const KINDS: Kind[] = ['GRU', 'RNN', 'RNN relu'];

function layerOf(kind: Kind, args: TorchGRUArgs): TorchGRU | TorchRNN {
  if (kind === 'GRU') return torchGRU(args);
  return torchRNN({ ...args, nonlinearity: kind === 'RNN relu' ? 'relu' : 'tanh' } as TorchRNNArgs);
}

/** A batch-first module with the layer's weights (PyTorch's order, so the names line up). */
function moduleOf(kind: Kind, layer: TorchGRU | TorchRNN): GRU | RNN {
  const options = {
    inputSize: layer.inputSize as number,
    hiddenSize: layer.hiddenSize,
    numLayers: layer.numLayers,
    bias: layer.bias,
    bidirectional: layer.bidirectional,
    batchFirst: true,
  };
  const m =
    kind === 'GRU' ? new GRU(options) : new RNN({ ...options, nonlinearity: kind === 'RNN relu' ? 'relu' : 'tanh' });
  const dict = layer.stateDict();
  m.loadStateDict(dict);
  tf.dispose(Object.values(dict));
  return m;
}

describe.each(KINDS)('%s layer', (kind) => {
  test('in a functional model: sequences and states equal the module, initial state batch-major', () => {
    const layer = layerOf(kind, {
      hiddenSize: 4,
      numLayers: 2,
      bidirectional: true,
      returnSequences: true,
      returnState: true,
      seed: 3,
    });
    const x = tf.randomNormal([3, 5, 2], 0, 1, 'float32', 1);
    const h0 = tf.randomNormal([3, 4, 4], 0, 0.5, 'float32', 2); // [N, L * D, H]
    const [seq, hN] = layer.apply([x, h0]) as tf.Tensor[];
    expect(seq.shape).toEqual([3, 5, 8]);
    expect(hN.shape).toEqual([3, 4, 4]);
    const m = moduleOf(kind, layer);
    const [out, h] = m.forward(x, tf.transpose(h0, [1, 0, 2]));
    expectClose(seq, out, 1e-6, 'output');
    expectClose(hN, tf.transpose(h, [1, 0, 2]), 1e-6, 'h_n');
    // apply(x, {initialState}) is the same call.
    const [seq2] = layer.apply(x, { initialState: h0 }) as tf.Tensor[];
    expect(Array.from(seq2.dataSync())).toEqual(Array.from(seq.dataSync()));
    // Without sequences: the last output of each direction, as Keras gives.
    const last = tf.sequential({ layers: [layerOf(kind, { hiddenSize: 4, bidirectional: true, inputShape: [5, 2] })] });
    const lastOutput = last.predict(x) as tf.Tensor;
    expect(lastOutput.shape).toEqual([3, 8]);
    lastOutput.dispose();
    tf.dispose([x, h0, seq, hN, out, h, seq2]);
    m.dispose();
    layer.dispose();
    last.dispose();
  });

  test('a Keras mask gives each sequence its length, as lengths does for the module', () => {
    const x = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
        [0, 0],
      ],
      [
        [5, 6],
        [0, 0],
        [0, 0],
      ],
    ]);
    const input = tf.input({ shape: [3, 2] });
    const layer = layerOf(kind, { hiddenSize: 3, bidirectional: true, returnSequences: true, seed: 5 });
    const model = tf.model({
      inputs: input,
      outputs: layer.apply(tf.layers.masking({ maskValue: 0 }).apply(input)) as tf.SymbolicTensor,
    });
    const y = model.predict(x) as tf.Tensor;
    const m = moduleOf(kind, layer);
    const [out] = m.forward(x, null, { lengths: [2, 1] });
    expectClose(y, out, 1e-6, 'output');
    tf.dispose([x, y, out]);
    m.dispose();
    model.dispose();
  });

  test('trains with model.fit (loss falls), the same steps in both gradient modes', async () => {
    // The target is the last step's first feature: within reach of every cell in a few epochs.
    const x = tf.randomNormal([16, 6, 2], 0, 1, 'float32', 7);
    const y = tf.reshape(tf.slice(x, [0, 5, 0], [16, 1, 1]), [16, 1]);
    const losses: number[][] = [];
    for (const gradient of ['manual', 'autodiff'] as const) {
      const model = tf.sequential({
        layers: [
          layerOf(kind, { hiddenSize: 8, gradient, seed: 11, inputShape: [6, 2] }),
          tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        ],
      });
      model.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' });
      const history = await model.fit(x, y, { epochs: 20, batchSize: 16, verbose: 0, shuffle: false });
      losses.push(history.history.loss as number[]);
      model.dispose();
    }
    const [manual, autodiff] = losses;
    expect(manual[manual.length - 1]).toBeLessThan(0.5 * manual[0]);
    manual.forEach((l, k) => expect(Math.abs(l - autodiff[k])).toBeLessThan(1e-4 * Math.max(1, Math.abs(l))));
    tf.dispose([x, y]);
  });

  test('saved and loaded (tf.io), it predicts bit for bit; getConfig round-trips every option', async () => {
    const model = tf.sequential({
      layers: [
        layerOf(kind, {
          hiddenSize: 5,
          numLayers: 2,
          bidirectional: true,
          dropout: 0.1,
          inputShape: [4, 2],
          name: 'rec',
        }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const x = tf.randomNormal([3, 4, 2]);
    const [a, b] = [model, loaded].map((m) => m.predict(x) as tf.Tensor);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(loaded.layers[0].getClassName()).toBe(model.layers[0].getClassName());
    const config = model.layers[0].getConfig();
    expect(loaded.layers[0].getConfig()).toEqual(config);
    if (kind === 'RNN relu') expect(config.nonlinearity).toBe('relu');
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  test('stateful: a sequence fed in chunks gives what it gives whole; resetStates starts over', () => {
    const x = tf.randomNormal([2, 6, 3], 0, 1, 'float32', 9);
    const whole = layerOf(kind, { hiddenSize: 4, returnSequences: true, seed: 13, inputShape: [null, 3] });
    const expected = whole.apply(x) as tf.Tensor;
    const streaming = layerOf(kind, {
      hiddenSize: 4,
      returnSequences: true,
      stateful: true,
      batchInputShape: [2, null, 3],
    });
    const model = tf.sequential({ layers: [streaming] });
    streaming.setWeights(whole.getWeights());
    const chunks = [0, 2, 4].map((t) => model.predict(tf.slice(x, [0, t, 0], [2, 2, 3])) as tf.Tensor);
    expectClose(tf.concat(chunks, 1), expected, 1e-6, 'streamed');
    streaming.resetStates();
    const again = model.predict(tf.slice(x, [0, 0, 0], [2, 2, 3])) as tf.Tensor;
    expect(Array.from(again.dataSync())).toEqual(Array.from(chunks[0].dataSync()));
    expect(() => streaming.resetStates([tf.zeros([2, 1, 4]), tf.zeros([2, 1, 4])])).toThrow(
      /expects 1 state\(s\), but it received 2/,
    );
    tf.dispose([x, expected, again, ...chunks]);
    model.dispose();
    whole.dispose();
  });
});

describe.each([
  [
    'GRUCell',
    () => torchGRUCell({ hiddenSize: 3, seed: 2 }),
    (i: number) => new GRUCell({ inputSize: i, hiddenSize: 3 }),
  ],
  [
    'RNNCell',
    () => torchRNNCell({ hiddenSize: 3, seed: 2, nonlinearity: 'relu' }),
    (i: number) => new RNNCell({ inputSize: i, hiddenSize: 3, nonlinearity: 'relu' }),
  ],
] as const)('torch%s', (_name, makeCell, makeModule) => {
  test('inside tf.layers.rnn it computes what the module computes step by step; [x, h] gives [h, h]', async () => {
    const cell = makeCell();
    const rnn = tf.layers.rnn({ cell, returnSequences: true });
    const x = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 3);
    const y = rnn.apply(x) as tf.Tensor;
    const m = makeModule(5);
    const dict = cell.stateDict();
    m.loadStateDict(dict);
    let h = tf.zeros([2, 3]);
    const steps: tf.Tensor[] = [];
    for (let t = 0; t < 4; t++) steps.push((h = m.forward(tf.squeeze(tf.slice(x, [0, t, 0], [2, 1, 5]), [1]), h)));
    expectClose(y, tf.stack(steps, 1), 1e-6, 'sequence');
    const out = cell.call([tf.ones([2, 5]), tf.zeros([2, 3])]);
    expect(out.length).toBe(2);
    expect(Array.from(out[0].dataSync())).toEqual(Array.from(out[1].dataSync()));
    expect(() => cell.call([tf.ones([2, 5]), tf.zeros([2, 3]), tf.zeros([2, 3])])).toThrow(
      /expected inputs \[x, h\], got 3 tensors/,
    );

    // Saved and loaded inside tf.layers.rnn, bit for bit.
    const model = tf.sequential({ layers: [tf.layers.rnn({ cell: makeCell(), inputShape: [4, 5] })] });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(
        async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }),
      ),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const [p, q] = [model, loaded].map((mm) => mm.predict(x) as tf.Tensor);
    expect(Array.from(q.dataSync())).toEqual(Array.from(p.dataSync()));
    tf.dispose([x, y, h, ...steps, ...out, ...Object.values(dict), p, q]);
    m.dispose();
    model.dispose();
    loaded.dispose();
  });
});

test('disposing a model with each layer frees every tensor it made', async () => {
  const before = tf.memory().numTensors;
  const model = tf.sequential({
    layers: [
      torchGRU({ hiddenSize: 4, returnSequences: true, inputShape: [5, 2] }),
      torchRNN({ hiddenSize: 3, returnSequences: true }),
      tf.layers.rnn({ cell: torchGRUCell({ hiddenSize: 3 }), returnSequences: true }),
      tf.layers.rnn({ cell: torchRNNCell({ hiddenSize: 2 }) }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  const x = tf.randomNormal([4, 5, 2]);
  const y = tf.zeros([4, 2]);
  await model.fit(x, y, { epochs: 2, verbose: 0 });
  tf.dispose(model.predict(x) as tf.Tensor);
  tf.dispose([x, y]);
  model.dispose();
  // The optimizer's slots are the optimizer's.
  (model.optimizer as tf.Optimizer).dispose();
  expect(tf.memory().numTensors).toBe(before);
});

describe('PyTorch weights from a safetensors file', () => {
  // The golden files are safetensors written from PyTorch (record_golden.py): the state dict under
  // `state.`, the input and outputs beside it. A batch-first case with a state: the layer's own layout.
  test.each([
    ['gru', 'batch_first_state', 'GRU'],
    ['rnn', 'batch_first_state_relu', 'RNN relu'],
  ] as const)('%s/%s loads into the tfjs layer, which predicts what PyTorch computed', (folder, name, kind) => {
    const bytes = new Uint8Array(
      fs.readFileSync(path.join(__dirname, 'fixtures', 'golden', folder, `${name}.safetensors`)),
    );
    const all = stateDictFromSafetensors(bytes);
    const fx = hiddenFixtures(folder).find((f) => f.name === name) as HiddenFixture;
    const layer = layerOf(kind, {
      hiddenSize: fx.config.hiddenSize,
      numLayers: fx.config.numLayers,
      bidirectional: fx.config.bidirectional,
      inputSize: fx.config.inputSize,
      returnSequences: true,
      returnState: true,
    });
    layer.loadStateDict(selectPrefix(all, 'state.'));
    const [x, h0] = [all['input.0'], tf.transpose(all['input.1'], [1, 0, 2])];
    const [out, hN] = layer.apply([x, h0]) as tf.Tensor[];
    expectClose(out, fx.output.data, 1e-5, 'output', fx.output.shape);
    expectClose(tf.transpose(hN, [1, 0, 2]), fx.hN.data, 1e-5, 'h_n', fx.hN.shape);
    tf.dispose([...Object.values(all), h0, out, hN]);
  });
});
