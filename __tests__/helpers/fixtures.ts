import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

/** A tensor as the fixture script writes it: flat row-major data and its shape. */
export interface Arr {
  shape: number[];
  data: number[];
}

export interface LSTMFixture {
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

export interface CellFixture extends Omit<LSTMFixture, 'config' | 'output' | 'lengths' | 'lossWeights'> {
  config: { inputSize: number; hiddenSize: number; bias: boolean };
  lossWeights: { hN: Arr; cN: Arr };
}

const dir = path.join(__dirname, '..', 'fixtures');

function load<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as T;
}

/** PyTorch's nn.LSTM results (scripts/make-fixtures.py). */
export function lstmFixtures(): LSTMFixture[] {
  return load<{ cases: LSTMFixture[] }>('lstm.json').cases;
}

/** PyTorch's nn.LSTMCell results, and the seed exercise's part 2 loop. */
export function cellFixtures(): {
  cases: CellFixture[];
  seedExercisePart2: { output: number[]; hN: number; cN: number };
} {
  return load('lstm-cell.json');
}

export function toTensor(a: Arr): tf.Tensor {
  return tf.tensor(a.data, a.shape, 'float32');
}

/** A trainable variable holding the fixture's values (so tf.variableGrads reports its gradient). */
export function toVariable(a: Arr): tf.Variable {
  return tf.tidy(() => tf.variable(toTensor(a)));
}
