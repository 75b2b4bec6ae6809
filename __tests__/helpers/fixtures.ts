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

/**
 * PyTorch 1.13's gradients in float64 (`nn.LSTM(4, 1).double()`, batch-first) for the
 * seed_exercise_part3 fixture's weights, input and loss: the exact answer that the fixture's float32
 * gradients approximate (see docs/bptt.md, "Saturated gates", for why float32 results differ more
 * here than elsewhere).
 */
export const SEED_EXERCISE_TORCH64: { params: Record<string, number[]>; input: number[] } = (() => {
  const all: Record<string, number[]> = {
    weight_ih_l0: [
      5.206208611268055e-6, -1.5326883646004702e-48, 2.7804194590353393e-5, 1.4641036299267436e-5, 2.383760270261176e-6,
      -1.4903564833569173e-39, 3.1641502360581726e-5, 1.7012631315421455e-5, -0.0036221553815645384,
      -0.0011855846573636494, 1.5333072559768466e-5, -0.0011729991159188107, 0.0002630187031114746,
      7.090805869233352e-5, 0.0, 1.2360185000224731e-5,
    ],
    weight_hh_l0: [5.58103040427824e-10, 4.096309758797263e-10, -4.5011572885034995e-9, -1.8174829232071163e-9],
    bias_ih_l0: [1.4641036299267433e-5, 1.7012631315421455e-5, -0.0011729991159188109, 1.2360185000224731e-5],
    bias_hh_l0: [1.4641036299267433e-5, 1.7012631315421448e-5, -0.0011729991159188107, 1.2360185000224731e-5],
    input: [
      -2.056048179283198e-6, -0.00037283306030865785, -1.6812808670023343e-7, 3.7300118839535806e-5,
      -0.0010634618718876772, 0.0, 0.00042306416812963436, -4.2306416812963435e-5, -3.4574912567982455e-7,
      -0.0009587038917040742, -0.0019526164024108198, 0.00019374161767847484, -0.00014453644422256695, 0.0,
      0.0016321828947643447, -0.00016321828947643446, -3.4573380996695604e-7, -0.0014476659816118915,
      -0.003902002838713359, 0.0003397798728623341, -2.0552063690166577e-6, -0.001348610687206996, 0.0,
      -6.032498655617919e-5, 1.5196711851443117e-50, 1.4903564848896055e-37, 2.7477006861232653e-42,
      1.4903290048173676e-38, 2.241365874659485e-5, 0.0, 0.005035558806339373, -0.0005035558806339373,
      1.7388278928785126e-5, 0.007293180382300508, 0.0, 9.869806425846255e-5,
    ],
  };
  const { input, ...params } = all;
  return { params, input };
})();
