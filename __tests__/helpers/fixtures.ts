import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { readSafetensors } from '../../src/io/safetensors';

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

// PyTorch's records: golden files written by python/record_golden.py (scripts/make-fixtures.py,
// `npm run fixtures`), the format users record their own models in (docs/testing.md). They are read
// with the package's own safetensors reader into plain arrays, which the browser tests hand to
// their page as they are.
const dir = path.join(__dirname, '..', 'fixtures', 'golden');

interface GoldenRecord {
  name: string;
  options: Record<string, number | boolean | string>;
  /** Tensor by name, as plain arrays. */
  tensors: Record<string, Arr>;
  /** Each tensor's safetensors dtype (F32, I64). */
  dtypes: Record<string, string>;
  inputs: string[];
  outputs: string[];
}

function readGolden(folder: string, file: string): GoldenRecord {
  const { tensors, metadata } = readSafetensors(new Uint8Array(fs.readFileSync(path.join(dir, folder, file))));
  if (metadata.format !== 'tfjs-lstm-golden/1') throw new Error(`${folder}/${file}: not a golden file`);
  const arrays: Record<string, Arr> = {};
  const dtypes: Record<string, string> = {};
  for (const [key, entry] of Object.entries(tensors)) {
    arrays[key] = { shape: entry.shape, data: Array.from(entry.data) };
    dtypes[key] = entry.dtype;
  }
  return {
    name: file.replace(/\.safetensors$/, ''),
    options: JSON.parse(metadata.options) as GoldenRecord['options'],
    tensors: arrays,
    dtypes,
    inputs: JSON.parse(metadata.inputs) as string[],
    outputs: JSON.parse(metadata.outputs) as string[],
  };
}

function records(folder: string): GoldenRecord[] {
  return fs
    .readdirSync(path.join(dir, folder))
    .filter((f) => f.endsWith('.safetensors'))
    .sort()
    .map((f) => readGolden(folder, f));
}

/** The state dict, and its gradients, by PyTorch's names. */
function byPrefix(g: GoldenRecord, prefix: string): Record<string, Arr> {
  const out: Record<string, Arr> = {};
  for (const [key, value] of Object.entries(g.tensors))
    if (key.startsWith(prefix)) out[key.slice(prefix.length)] = value;
  return out;
}

/**
 * The inputs of a module call, as recorded: the input, then for the packed LSTM the lengths (an
 * integer vector), then the state (h, c) if given.
 */
function callInputs(g: GoldenRecord): { x: string; lengths: string | null; h: string | null; c: string | null } {
  const [x, ...rest] = g.inputs;
  const lengths = rest.length % 2 === 1 ? (rest.shift() as string) : null;
  return { x, lengths, h: rest[0] ?? null, c: rest[1] ?? null };
}

const grad = (g: GoldenRecord, name: string | null): Arr | null => (name ? (g.tensors[`grad.${name}`] ?? null) : null);

/** PyTorch's nn.LSTM results (golden/lstm/*.safetensors). */
export function lstmFixtures(): LSTMFixture[] {
  return records('lstm').map((g) => {
    const o = g.options;
    const inputs = callInputs(g);
    const [output, hN, cN] = g.outputs;
    const weight = (name: string) => g.tensors[`loss_weight.${name.slice('output.'.length)}`];
    return {
      name: g.name,
      config: {
        inputSize: Number(o.input_size),
        hiddenSize: Number(o.hidden_size),
        numLayers: Number(o.num_layers),
        bias: Boolean(o.bias),
        batchFirst: Boolean(o.batch_first),
        bidirectional: Boolean(o.bidirectional),
        projSize: Number(o.proj_size),
      },
      params: byPrefix(g, 'state.'),
      input: g.tensors[inputs.x],
      hx: inputs.h && inputs.c ? { h: g.tensors[inputs.h], c: g.tensors[inputs.c] } : null,
      lengths: inputs.lengths ? g.tensors[inputs.lengths].data : null,
      output: g.tensors[output],
      hN: g.tensors[hN],
      cN: g.tensors[cN],
      lossWeights: { output: weight(output), hN: weight(hN), cN: weight(cN) },
      grads: {
        params: byPrefix(g, 'grad.state.'),
        input: grad(g, inputs.x) as Arr,
        h0: grad(g, inputs.h),
        c0: grad(g, inputs.c),
      },
    };
  });
}

/** PyTorch's nn.LSTMCell results (golden/lstm-cell/*.safetensors), and the seed exercise's part 2 loop. */
export function cellFixtures(): {
  cases: CellFixture[];
  seedExercisePart2: { output: number[]; hN: number; cN: number };
} {
  const all = records('lstm-cell');
  const part2 = all.find((g) => g.name === 'seed_exercise_part2');
  if (!part2) throw new Error('golden/lstm-cell/seed_exercise_part2.safetensors is missing');
  const [output, hN, cN] = part2.outputs.map((name) => part2.tensors[name].data);
  const cases = all
    .filter((g) => g !== part2)
    .map((g) => {
      const o = g.options;
      const inputs = callInputs(g);
      const [hN, cN] = g.outputs;
      const weight = (name: string) => g.tensors[`loss_weight.${name.slice('output.'.length)}`];
      return {
        name: g.name,
        config: { inputSize: Number(o.input_size), hiddenSize: Number(o.hidden_size), bias: Boolean(o.bias) },
        params: byPrefix(g, 'state.'),
        input: g.tensors[inputs.x],
        hx: inputs.h && inputs.c ? { h: g.tensors[inputs.h], c: g.tensors[inputs.c] } : null,
        hN: g.tensors[hN],
        cN: g.tensors[cN],
        lossWeights: { hN: weight(hN), cN: weight(cN) },
        grads: {
          params: byPrefix(g, 'grad.state.'),
          input: grad(g, inputs.x) as Arr,
          h0: grad(g, inputs.h),
          c0: grad(g, inputs.c),
        },
      };
    });
  return { cases, seedExercisePart2: { output, hN: hN[0], cN: cN[0] } };
}

/** A recorded nn.GRU or nn.RNN call (golden/gru, golden/rnn): one state h. */
export interface HiddenFixture {
  name: string;
  config: {
    inputSize: number;
    hiddenSize: number;
    numLayers: number;
    bias: boolean;
    batchFirst: boolean;
    bidirectional: boolean;
    /** RNN's 'tanh' or 'relu'; absent for GRU. */
    nonlinearity?: 'tanh' | 'relu';
  };
  params: Record<string, Arr>;
  input: Arr;
  h0: Arr | null;
  lengths: number[] | null;
  output: Arr;
  hN: Arr;
  lossWeights: { output: Arr; hN: Arr };
  grads: { params: Record<string, Arr>; input: Arr; h0: Arr | null };
}

/** A recorded nn.GRUCell or nn.RNNCell step (golden/gru-cell, golden/rnn-cell). */
export interface HiddenCellFixture {
  name: string;
  config: { inputSize: number; hiddenSize: number; bias: boolean; nonlinearity?: 'tanh' | 'relu' };
  params: Record<string, Arr>;
  input: Arr;
  h0: Arr | null;
  h: Arr;
  lossWeight: Arr;
  grads: { params: Record<string, Arr>; input: Arr; h0: Arr | null };
}

/** RNN's nonlinearity from its recorded options (nn.RNN's mode, nn.RNNCell's nonlinearity). */
function nonlinearityOf(o: GoldenRecord['options']): { nonlinearity?: 'tanh' | 'relu' } {
  if (o.mode === 'RNN_RELU' || o.nonlinearity === 'relu') return { nonlinearity: 'relu' };
  if (o.mode === 'RNN_TANH' || o.nonlinearity === 'tanh') return { nonlinearity: 'tanh' };
  return {};
}

/** PyTorch's nn.GRU or nn.RNN results: `folder` is 'gru' or 'rnn'. Inputs: x, [lengths (I64)], [h0]. */
export function hiddenFixtures(folder: 'gru' | 'rnn'): HiddenFixture[] {
  return records(folder).map((g) => {
    const o = g.options;
    const [x, ...rest] = g.inputs;
    const lengths = rest[0] && g.dtypes[rest[0]] === 'I64' ? (rest.shift() as string) : null;
    const h = rest[0] ?? null;
    const [output, hN] = g.outputs;
    const weight = (name: string) => g.tensors[`loss_weight.${name.slice('output.'.length)}`];
    return {
      name: g.name,
      config: {
        inputSize: Number(o.input_size),
        hiddenSize: Number(o.hidden_size),
        numLayers: Number(o.num_layers),
        bias: Boolean(o.bias),
        batchFirst: Boolean(o.batch_first),
        bidirectional: Boolean(o.bidirectional),
        ...nonlinearityOf(o),
      },
      params: byPrefix(g, 'state.'),
      input: g.tensors[x],
      h0: h ? g.tensors[h] : null,
      lengths: lengths ? g.tensors[lengths].data : null,
      output: g.tensors[output],
      hN: g.tensors[hN],
      lossWeights: { output: weight(output), hN: weight(hN) },
      grads: { params: byPrefix(g, 'grad.state.'), input: grad(g, x) as Arr, h0: grad(g, h) },
    };
  });
}

/** PyTorch's nn.GRUCell or nn.RNNCell results: `folder` is 'gru-cell' or 'rnn-cell'. */
export function hiddenCellFixtures(folder: 'gru-cell' | 'rnn-cell'): HiddenCellFixture[] {
  return records(folder).map((g) => {
    const o = g.options;
    const [x, h = null] = g.inputs;
    const [out] = g.outputs;
    return {
      name: g.name,
      config: {
        inputSize: Number(o.input_size),
        hiddenSize: Number(o.hidden_size),
        bias: Boolean(o.bias),
        ...nonlinearityOf(o),
      },
      params: byPrefix(g, 'state.'),
      input: g.tensors[x],
      h0: h ? g.tensors[h] : null,
      h: g.tensors[out],
      lossWeight: g.tensors['loss_weight.'],
      grads: { params: byPrefix(g, 'grad.state.'), input: grad(g, x) as Arr, h0: grad(g, h) },
    };
  });
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
 * seed_exercise_part3 golden file's weights, input and loss weights (its float32 values, exactly):
 * the exact answer that the file's float32 gradients approximate (see docs/bptt.md, "Saturated
 * gates", for why float32 results differ more here than elsewhere). Computed by reading the golden
 * file in Python and running the float64 module on its tensors (scripts/seed-exercise-torch64.py).
 */
export const SEED_EXERCISE_TORCH64: { params: Record<string, number[]>; input: number[] } = (() => {
  const all: Record<string, number[]> = {
    weight_ih_l0: [
      5.206209092009908e-6, -1.5326883955365936e-48, 2.780419520477932e-5, 1.4641036835843624e-5, 2.3837608750699543e-6,
      -1.4903565134386045e-39, 3.164150313853789e-5, 1.7012632006803926e-5, -0.003622155400831625,
      -0.001185584664059445, 1.533307289860358e-5, -0.0011729991222920043, 0.00026301869277242066, 7.09080570896107e-5,
      0.0, 1.2360182971199563e-5,
    ],
    weight_hh_l0: [5.581030592851084e-10, 4.0963099872712586e-10, -4.501157306565682e-9, -1.8174829490944692e-9],
    bias_ih_l0: [1.4641036835843628e-5, 1.7012632006803926e-5, -0.0011729991222920043, 1.2360182971199563e-5],
    bias_hh_l0: [1.4641036835843626e-5, 1.701263200680392e-5, -0.0011729991222920043, 1.2360182971199558e-5],
    input: [
      -2.056048191423944e-6, -0.00037283306251019736, -1.6812808308650643e-7, 3.730011905932838e-5,
      -0.0010634618781804519, 0.0, 0.00042306417697737407, -4.230641769773741e-5, -3.457491277258234e-7,
      -0.0009587038973772836, -0.0019526163978731163, 0.00019374161721570963, -0.00014453644507799352, 0.0,
      0.0016321828749965455, -0.00016321828749965456, -3.45733812013082e-7, -0.0014476659901794854,
      -0.0039020028858849118, 0.00033977987728109067, -2.0552063811794643e-6, -0.0013486106951881363, 0.0,
      -6.032498691318526e-5, 1.5196712158176932e-50, 1.4903565149712928e-37, 2.7477007190272663e-42,
      1.4903290348987257e-38, 2.2413659199000524e-5, 0.0, 0.00503555865698715, -0.0005035558656987151,
      1.7388279279783043e-5, 0.0072931805295198575, 0.0, 9.869806625077102e-5,
    ],
  };
  const { input, ...params } = all;
  return { params, input };
})();
