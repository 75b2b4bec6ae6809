import * as tf from '@tensorflow/tfjs';

import { LSTM, LSTMCell } from '../src';

// Every wrong call gets an error naming the argument, what was expected and what was received,
// with the meaning of PyTorch's message; and a failed call changes nothing and leaks nothing.

type Case = [string, () => unknown, RegExp];

const lstm = () => new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1 });
const cell = () => new LSTMCell({ inputSize: 3, hiddenSize: 4, seed: 1 });
const z = (...shape: number[]) => tf.zeros(shape);

const constructorCases: Case[] = [
  [
    'hiddenSize not an integer',
    () => new LSTM({ inputSize: 3, hiddenSize: 2.5 }),
    /LSTM: hiddenSize should be an integer, got 2\.5/,
  ],
  [
    'hiddenSize zero',
    () => new LSTM({ inputSize: 3, hiddenSize: 0 }),
    /LSTM: hiddenSize must be greater than zero, got 0/,
  ],
  [
    'inputSize negative',
    () => new LSTM({ inputSize: -1, hiddenSize: 2 }),
    /LSTM: inputSize must be greater than zero, got -1/,
  ],
  [
    'numLayers zero',
    () => new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 0 }),
    /LSTM: numLayers must be greater than zero, got 0/,
  ],
  [
    'dropout > 1',
    () => new LSTM({ inputSize: 3, hiddenSize: 2, dropout: 1.5 }),
    /dropout should be a number in range \[0, 1\].*got 1\.5/,
  ],
  [
    'dropout < 0',
    () => new LSTM({ inputSize: 3, hiddenSize: 2, dropout: -0.1 }),
    /dropout should be a number in range \[0, 1\].*got -0\.1/,
  ],
  [
    'dropout NaN',
    () => new LSTM({ inputSize: 3, hiddenSize: 2, dropout: NaN }),
    /dropout should be a number in range \[0, 1\].*got NaN/,
  ],
  [
    'projSize >= hiddenSize',
    () => new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 4 }),
    /projSize has to be smaller than hiddenSize \(4\), got 4/,
  ],
  [
    'projSize negative',
    () => new LSTM({ inputSize: 3, hiddenSize: 4, projSize: -1 }),
    /projSize should be a positive integer or zero to disable projections, got -1/,
  ],
  [
    'bias not boolean',
    () => new LSTM({ inputSize: 3, hiddenSize: 4, bias: 1 as unknown as boolean }),
    /LSTM: bias should be a boolean, got 1/,
  ],
  [
    'snake_case option',
    () => new LSTM({ inputSize: 3, hidden_size: 4 } as never),
    /unknown option hidden_size \(did you mean hiddenSize\?\)/,
  ],
  [
    'gradient mode',
    () => new LSTM({ inputSize: 3, hiddenSize: 4, gradient: 'numeric' as never }),
    /gradient should be 'manual' or 'autodiff', got "numeric"/,
  ],
  [
    'seed not finite',
    () => new LSTM({ inputSize: 3, hiddenSize: 4, seed: Infinity }),
    /LSTM: seed should be a finite number, got Infinity/,
  ],
  [
    'cell hiddenSize',
    () => new LSTMCell({ inputSize: 3, hiddenSize: -2 }),
    /LSTMCell: hiddenSize must be greater than zero, got -2/,
  ],
  [
    'cell projSize (PyTorch has none)',
    () => new LSTMCell({ inputSize: 3, hiddenSize: 4, projSize: 2 } as never),
    /LSTMCell: unknown option projSize/,
  ],
];

describe('constructor options', () => {
  test.each(constructorCases)('%s', (_name, call, message) => {
    const before = tf.memory().numTensors;
    expect(call).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });
});

const forwardCases: [string, (m: LSTM) => unknown, RegExp][] = [
  ['input rank 4', (m) => m.forward(z(1, 2, 3, 3)), /LSTM: Expected input to be 2-D or 3-D but received 4-D tensor/],
  ['input rank 1', (m) => m.forward(z(3)), /Expected input to be 2-D or 3-D but received 1-D tensor/],
  [
    'input feature size',
    (m) => m.forward(z(5, 2, 6)),
    /input\.size\(-1\) must be equal to input_size\. Expected 3, got 6/,
  ],
  ['input dtype', (m) => m.forward(tf.zeros([5, 2, 3], 'int32')), /input must have the type float32, got type int32/],
  ['input not a tensor', (m) => m.forward([[1, 2, 3]] as never), /LSTM: input should be a tf\.Tensor, got array/],
  ['empty sequence', (m) => m.forward(z(0, 2, 3)), /Expected sequence length to be larger than 0/],
  [
    'h_0 batch mismatch',
    (m) => m.forward(z(5, 2, 3), [z(2, 3, 4), z(2, 2, 4)]),
    /Expected hidden\[0\] \(h_0\) size \[2, 2, 4\], got \[2, 3, 4\]/,
  ],
  [
    'c_0 layers mismatch',
    (m) => m.forward(z(5, 2, 3), [z(2, 2, 4), z(1, 2, 4)]),
    /Expected hidden\[1\] \(c_0\) size \[2, 2, 4\], got \[1, 2, 4\]/,
  ],
  [
    'h_0 hidden size',
    (m) => m.forward(z(5, 2, 3), [z(2, 2, 5), z(2, 2, 4)]),
    /Expected hidden\[0\] \(h_0\) size \[2, 2, 4\], got \[2, 2, 5\]/,
  ],
  [
    '2-D state for batched input',
    (m) => m.forward(z(5, 2, 3), [z(2, 4), z(2, 4)]),
    /For batched 3-D input, hx and cx should also be 3-D but got \(2-D, 2-D\) tensors/,
  ],
  [
    '3-D state for unbatched input',
    (m) => m.forward(z(5, 3), [z(2, 1, 4), z(2, 1, 4)]),
    /For unbatched 2-D input, hx and cx should also be 2-D but got \(3-D, 3-D\) tensors/,
  ],
  [
    'state not a pair',
    (m) => m.forward(z(5, 2, 3), [z(2, 2, 4)] as never),
    /hx should be a pair \[h_0, c_0\] of tensors, got array of length 1/,
  ],
  [
    'state dtype',
    (m) => m.forward(z(5, 2, 3), [tf.zeros([2, 2, 4], 'int32'), z(2, 2, 4)]),
    /hx\[0\] must have the type float32, got type int32/,
  ],
  [
    'lengths count',
    (m) => m.forward(z(5, 2, 3), null, { lengths: [5] }),
    /Expected lengths to have one entry per batch entry \(2\), got 1/,
  ],
  ['length zero', (m) => m.forward(z(5, 2, 3), null, { lengths: [5, 0] }), /lengths\[1\] must be in \[1, 5\].*got 0/],
  [
    'length past the sequence',
    (m) => m.forward(z(5, 2, 3), null, { lengths: [6, 2] }),
    /lengths\[0\] must be in \[1, 5\].*got 6/,
  ],
  [
    'length NaN',
    (m) => m.forward(z(5, 2, 3), null, { lengths: [NaN, 2] }),
    /lengths\[0\] should be an integer, got NaN/,
  ],
  [
    'length fractional',
    (m) => m.forward(z(5, 2, 3), null, { lengths: [2.5, 2] }),
    /lengths\[0\] should be an integer, got 2\.5/,
  ],
  [
    'lengths with unbatched input',
    (m) => m.forward(z(5, 3), null, { lengths: [5] }),
    /lengths needs batched 3-D input/,
  ],
  [
    'disposed input',
    (m) => {
      const x = z(5, 2, 3);
      x.dispose();
      return m.forward(x);
    },
    /LSTM: input is a disposed tensor/,
  ],
];

describe('LSTM.forward', () => {
  test.each(forwardCases)('%s', (_name, call, message) => {
    const m = lstm();
    const before = tf.memory().numTensors;
    // The arguments are made inside the call, so count them in with tidy.
    expect(() => tf.tidy(() => void call(m))).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });
});

const cellCases: [string, (m: LSTMCell) => unknown, RegExp][] = [
  ['input rank 3', (m) => m.forward(z(1, 2, 3)), /LSTMCell: Expected input to be 1-D or 2-D but received 3-D tensor/],
  ['input size', (m) => m.forward(z(2, 5)), /LSTMCell: input has inconsistent input_size: got 5, expected 3/],
  [
    'batch mismatch',
    (m) => m.forward(z(2, 3), [z(3, 4), z(3, 4)]),
    /Input batch size 2 doesn't match hidden0 batch size 3/,
  ],
  [
    'hidden size',
    (m) => m.forward(z(2, 3), [z(2, 4), z(2, 5)]),
    /hidden1 has inconsistent hidden_size: got 5, expected 4/,
  ],
  [
    '2-D state, unbatched input',
    (m) => m.forward(z(3), [z(1, 4), z(1, 4)]),
    /For unbatched 1-D input, hx and cx should also be 1-D but got \(2-D, 2-D\) tensors/,
  ],
  ['dtype', (m) => m.forward(tf.zeros([2, 3], 'bool')), /input must have the type float32, got type bool/],
];

describe('LSTMCell.forward', () => {
  test.each(cellCases)('%s', (_name, call, message) => {
    const m = cell();
    const before = tf.memory().numTensors;
    expect(() => tf.tidy(() => void call(m))).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });
});

const sd = () => {
  const source = lstm();
  const dict = source.stateDict();
  source.dispose();
  return dict;
};
const loadCases: [string, (dict: Record<string, unknown>) => void, RegExp][] = [
  ['missing key', (d) => delete d.bias_hh_l1, /Missing key\(s\) in state_dict: "bias_hh_l1"\./],
  ['unexpected key', (d) => (d.weight_ih_l2 = [1]), /Unexpected key\(s\) in state_dict: "weight_ih_l2"\./],
  [
    'size mismatch',
    (d) => (d.weight_hh_l0 = tf.zeros([16, 3])),
    /size mismatch for weight_hh_l0: copying a param with shape \[16, 3\] from checkpoint, the shape in current model is \[16, 4\]\./,
  ],
  [
    'flat of the wrong size',
    (d) => (d.bias_ih_l0 = new Float32Array(15)),
    /size mismatch for bias_ih_l0: copying a param with shape \[15\]/,
  ],
  [
    'ragged nested arrays',
    (d) =>
      (d.weight_hh_l0 = [
        [1, 2, 3, 4],
        [1, 2],
      ]),
    /state_dict value for weight_hh_l0: nested arrays are ragged at depth 1/,
  ],
  [
    'not numbers',
    (d) => (d.bias_ih_l0 = Array(16).fill('a')),
    /state_dict value for bias_ih_l0: expected numbers, got string/,
  ],
  [
    'wrong dtype',
    (d) => (d.bias_ih_l0 = tf.zeros([16], 'bool')),
    /state_dict value for bias_ih_l0: expected a float32 tensor, got dtype bool/,
  ],
  [
    'not an object value',
    (d) => (d.bias_ih_l0 = 'zeros'),
    /state_dict value for bias_ih_l0: expected a tf\.Tensor, nested number arrays or a Float32Array, got string/,
  ],
];

describe('loadStateDict', () => {
  test.each(loadCases)('%s: a clear error and nothing half-loaded', (_name, spoil, message) => {
    const target = lstm();
    const dict: Record<string, unknown> = sd();
    // Change every good value, so that any partial load would show.
    for (const [k, v] of Object.entries(dict)) {
      dict[k] = tf.add(v as tf.Tensor, 1);
      (v as tf.Tensor).dispose();
    }
    const before = target.parameters().map((p) => Array.from(p.dataSync()));
    spoil(dict);
    const count = tf.memory().numTensors;
    expect(() => target.loadStateDict(dict as never)).toThrow(message);
    expect(tf.memory().numTensors).toBe(count);
    expect(target.parameters().map((p) => Array.from(p.dataSync()))).toEqual(before);
    tf.dispose(Object.values(dict).filter((v): v is tf.Tensor => v instanceof tf.Tensor));
    target.dispose();
  });

  test('all problems are listed at once, as PyTorch does', () => {
    const target = lstm();
    const dict: Record<string, unknown> = sd();
    delete dict.weight_ih_l0;
    dict.extra = [0];
    dict.bias_hh_l1 = [0];
    expect(() => target.loadStateDict(dict as never)).toThrow(
      /^Error\(s\) in loading state_dict for LSTM:\n\tUnexpected key\(s\) in state_dict: "extra"\.\n\tMissing key\(s\) in state_dict: "weight_ih_l0"\.\n\tsize mismatch for bias_hh_l1/,
    );
    target.dispose();
  });

  test('not an object', () => {
    const target = cell();
    expect(() => target.loadStateDict(tf.zeros([2]) as never)).toThrow(/LSTMCell\.loadStateDict: expected an object/);
    target.dispose();
  });
});
