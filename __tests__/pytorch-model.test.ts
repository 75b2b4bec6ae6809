import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { denseToLinearWeights, linearToDenseWeights, selectPrefix, TorchLSTM, torchLSTM } from '../src';
import { readStateDict, writeStateDict } from '../src/node';
import 'tfjs-lstm/testing/jest';
import { expectClose } from './helpers/compare';
import { Arr, toTensor } from './helpers/fixtures';

// End to end: a model trained in PyTorch (scripts/make-fixtures.py: nn.LSTM(2, 16, num_layers=2)
// and nn.Linear(16, 1) on the adding problem), shared as safetensors, runs in a tfjs model made of
// TorchLSTM and tf.layers.dense with PyTorch's predictions; its weights go back out unchanged.

const dir = path.join(__dirname, 'fixtures', 'trained');
const weightsFile = path.join(dir, 'adding.safetensors');
const info = JSON.parse(fs.readFileSync(path.join(dir, 'adding.json'), 'utf8')) as {
  input: Arr;
  target: Arr;
  prediction: Arr;
};

function hasPyTorch(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function buildModel(): { model: tf.Sequential; lstm: TorchLSTM; head: tf.layers.Layer } {
  const lstm = torchLSTM({ hiddenSize: 16, numLayers: 2, inputShape: [null, 2] });
  const head = tf.layers.dense({ units: 1 });
  return { model: tf.sequential({ layers: [lstm, head] }), lstm, head };
}

describe('a PyTorch-trained model in tfjs', () => {
  test('loads from safetensors and predicts what PyTorch predicted (1e-5)', () => {
    const sd = readStateDict(weightsFile);
    const { model, lstm, head } = buildModel();
    lstm.loadStateDict(selectPrefix(sd, 'lstm.'));
    head.setWeights(linearToDenseWeights(sd['head.weight'], sd['head.bias']));
    const x = toTensor(info.input);
    const prediction = model.predict(x) as tf.Tensor;
    expect(prediction).toHaveShape(info.prediction.shape);
    expect(prediction).toBeCloseToTensor(new Float32Array(info.prediction.data)); // PyTorch's float32 tolerances
    // The trained model really solves the task (so the comparison is of something meaningful).
    expectClose(prediction, info.target.data, 0.1, 'prediction vs target');
    tf.dispose([x, prediction, ...Object.values(sd)]);
    model.dispose();
  });

  test('exports back to safetensors byte for byte, and PyTorch loads the export', () => {
    const sd = readStateDict(weightsFile);
    const { model, lstm, head } = buildModel();
    lstm.loadStateDict(selectPrefix(sd, 'lstm.'));
    head.setWeights(linearToDenseWeights(sd['head.weight'], sd['head.bias']));

    const lstmOut = lstm.stateDict();
    const headOut = denseToLinearWeights(head.getWeights());
    const exported: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(lstmOut)) exported[`lstm.${k}`] = v;
    for (const [k, v] of Object.entries(headOut)) exported[`head.${k}`] = v;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-lstm-'));
    const file = path.join(tmp, 'exported.safetensors');
    writeStateDict(file, exported);
    // Same names, shapes and float32 values, written in the same layout: the same bytes.
    expect(Buffer.compare(fs.readFileSync(file), fs.readFileSync(weightsFile))).toBe(0);

    if (hasPyTorch()) {
      const script = path.join(__dirname, '..', 'scripts', 'make-fixtures.py');
      const out = execFileSync('/usr/bin/python3', [script, '--check-export', file]).toString();
      expect(out).toMatch(/10 tensors loaded into PyTorch/);
    } else {
      console.log('PyTorch is not installed: the live load of the export into PyTorch was skipped');
    }
    fs.rmSync(tmp, { recursive: true });
    tf.dispose([...Object.values(sd), ...Object.values(exported)]);
    model.dispose();
  });
});
