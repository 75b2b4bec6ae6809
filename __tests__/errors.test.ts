import * as tf from '@tensorflow/tfjs';

import {
  LSTM,
  LSTMCell,
  SafetensorsError,
  stateDictFromSafetensors,
  TorchLSTM,
  torchLSTM,
  TorchLSTMCell,
  torchLSTMCell,
  writeSafetensors,
} from '../src';

// Every wrong call gets an error naming the argument, what was expected and what was received,
// with the meaning of PyTorch's message; and a failed call changes nothing and leaks nothing.
// A layer inside someone's model must never corrupt their training or crash their process with
// an unclear error. One case per check, for the modules and the tfjs layers alike.
//
// The checks run before any kernel, and tf.memory() counts tensors in the engine, above the
// backend: this file runs on one backend (ONE_PROJECT in jest.config.ts).

type Case = [string, () => unknown, RegExp];

const lstm = () => new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1 });
const cell = () => new LSTMCell({ inputSize: 3, hiddenSize: 4, seed: 1 });
const z = (...shape: number[]) => tf.zeros(shape);
const values = (t: tf.Tensor) => Array.from(t.dataSync());
const memory = () => [tf.memory().numTensors, tf.memory().numBytes];

/** Expects `call` to throw `message` without leaving a tensor or a byte behind. */
function expectCleanThrow(call: () => unknown, message: RegExp): void {
  const before = memory();
  expect(call).toThrow(message);
  expect(memory()).toEqual(before);
}

/**
 * Expects `call(m)` to throw `message`, leaving no tensor behind (the arguments are made inside
 * the call, so they are counted in with tidy) and the parameters as they were.
 */
function expectRejected<M>(m: M, parameters: (m: M) => tf.Tensor[], call: (m: M) => unknown, message: RegExp) {
  const before = parameters(m).map(values);
  expectCleanThrow(() => tf.tidy(() => void call(m)), message);
  expect(parameters(m).map(values)).toEqual(before);
}

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
    'numLayers not an integer',
    () => new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 1.5 }),
    /numLayers should be an integer, got 1\.5/,
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
  [
    'TorchLSTM: dropout < 0',
    () => torchLSTM({ hiddenSize: 4, dropout: -1 }),
    /TorchLSTM: dropout should be a number in range \[0, 1\]/,
  ],
  [
    'TorchLSTM: projSize >= hiddenSize',
    () => torchLSTM({ hiddenSize: 4, projSize: 9 }),
    /TorchLSTM: projSize has to be smaller than hiddenSize \(4\), got 9/,
  ],
  [
    'TorchLSTM: snake_case option',
    () => torchLSTM({ hidden_size: 4 } as never),
    /unknown option hidden_size \(did you mean hiddenSize\?\)/,
  ],
  [
    'TorchLSTMCell: hiddenSize not an integer',
    () => torchLSTMCell({ hiddenSize: 2.5 }),
    /TorchLSTMCell: hiddenSize should be an integer, got 2\.5/,
  ],
];

describe('constructor options', () => {
  test.each(constructorCases)('%s', (_name, call, message) => expectCleanThrow(call, message));
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
    'lengths a 2-D tensor',
    (m) => m.forward(z(5, 2, 3), null, { lengths: tf.ones([2, 1]) }),
    /lengths should be 1-D, got a 2-D tensor/,
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
  [
    'disposed state (a streaming loop that freed the state before passing it)',
    (m) => {
      const c = z(1, 2, 4);
      c.dispose();
      return m.forward(z(5, 2, 3), [z(1, 2, 4), c]);
    },
    /LSTM: hx\[1\] is a disposed tensor/,
  ],
];

describe('LSTM.forward', () => {
  test.each(forwardCases)('%s', (_name, call, message) => {
    const m = lstm();
    expectRejected(m, (m) => m.parameters(), call, message);
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
  [
    'disposed state (a streaming loop that freed the state before passing it)',
    (m) => {
      const h = z(2, 4);
      h.dispose();
      return m.forward(z(2, 3), [h, z(2, 4)]);
    },
    /LSTMCell: hx\[0\] is a disposed tensor/,
  ],
];

describe('LSTMCell.forward', () => {
  test.each(cellCases)('%s', (_name, call, message) => {
    const m = cell();
    expectRejected(m, (m) => m.parameters(), call, message);
    m.dispose();
  });
});

/** A built TorchLSTM (two layers, input size 3, hidden size 4). */
function torchLSTMLayer(): TorchLSTM {
  const layer = torchLSTM({ hiddenSize: 4, numLayers: 2, inputSize: 3, returnSequences: true, seed: 1 });
  tf.dispose(layer.apply(z(1, 2, 3)) as tf.Tensor);
  return layer;
}
/** A built TorchLSTMCell (input size 3, hidden size 4). */
function torchLSTMCellLayer(): TorchLSTMCell {
  const layer = torchLSTMCell({ hiddenSize: 4, inputSize: 3, seed: 1 });
  tf.dispose(layer.apply([z(1, 3), z(1, 4), z(1, 4)]) as tf.Tensor[]);
  return layer;
}

const layerCases: [string, () => TorchLSTM | TorchLSTMCell, (m: TorchLSTM | TorchLSTMCell) => unknown, RegExp][] = [
  [
    'TorchLSTM: input rank 2',
    torchLSTMLayer,
    (m) => m.apply(z(2, 3)),
    /TorchLSTM: Expected input to be 3-D but received 2-D tensor/,
  ],
  [
    'TorchLSTM: input feature size',
    torchLSTMLayer,
    (m) => m.apply(z(2, 5, 6)),
    /TorchLSTM: input\.size\(-1\) must be equal to input_size\. Expected 3, got 6/,
  ],
  [
    'TorchLSTM: input dtype',
    torchLSTMLayer,
    (m) => m.apply(tf.zeros([2, 5, 3], 'int32')),
    /TorchLSTM: input must have the type float32, got type int32/,
  ],
  [
    'TorchLSTM: state shape',
    torchLSTMLayer,
    (m) => m.apply([z(2, 5, 3), z(2, 4), z(2, 2, 4)]),
    /TorchLSTM: Expected h0 size \[2, 2, 4\] \(batch-major\), got \[2, 4\]/,
  ],
  [
    'TorchLSTM: two inputs',
    torchLSTMLayer,
    (m) => m.apply([z(2, 5, 3), z(2, 2, 4)]),
    /expected inputs \[x\] or \[x, h0, c0\], got 2 tensors/,
  ],
  [
    'TorchLSTMCell: no state',
    torchLSTMCellLayer,
    (m) => m.apply(z(2, 3)),
    /TorchLSTMCell: expected inputs \[x, h, c\], got one tensor/,
  ],
  [
    'TorchLSTMCell: batch mismatch',
    torchLSTMCellLayer,
    (m) => m.apply([z(2, 3), z(3, 4), z(3, 4)]),
    /Input batch size 2 doesn't match hidden0 batch size 3/,
  ],
];

describe('the tfjs layers, applied', () => {
  test.each(layerCases)('%s', (_name, make, call, message) => {
    const layer = make();
    expectRejected(layer, (m) => m.getWeights(), call, message);
    layer.dispose();
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

  test('a truncated safetensors file: a SafetensorsError before anything is made or loaded', () => {
    // The reader's own checks, one case each, are in safetensors.test.ts; this is the path from a
    // file to a module.
    const source = lstm();
    const sd = source.stateDict();
    const bytes = writeSafetensors(
      Object.fromEntries(
        Object.entries(sd).map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() as Float32Array }]),
      ),
    );
    tf.dispose(Object.values(sd));
    source.dispose();
    const target = lstm();
    const load = (m: LSTM) => m.loadStateDict(stateDictFromSafetensors(bytes.slice(0, -10)));
    expectRejected(target, (m) => m.parameters(), load, /safetensors: /);
    expect(() => load(target)).toThrow(SafetensorsError);
    target.dispose();
  });
});

// Issue 18, items 6 and 7: a configuration too big to allocate fails at once with the options
// named, a failed allocation leaves nothing behind, and misspelled or wrong-typed options of a call
// are rejected as the constructors reject them.

describe('sizes are checked before anything is allocated', () => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      'LSTM: one parameter bigger than a tensor can hold',
      () => new LSTM({ inputSize: 1, hiddenSize: 50000 }),
      /^LSTM: hiddenSize=50000 needs 4 \* 50000 \* 50000 = 10000000000 elements in weight_hh_l0 \(40 GB of float32\), more than a tensor can hold \(at most 2147483647 elements\)$/,
    ],
    [
      'LSTM: inputSize too big for weight_ih_l0',
      () => new LSTM({ inputSize: 2 ** 31, hiddenSize: 1 }),
      /^LSTM: hiddenSize=1 with inputSize=2147483648 needs 4 \* 1 \* 2147483648 = 8589934592 elements in weight_ih_l0 \(34 GB of float32\)/,
    ],
    [
      'LSTM: projected recurrent weights',
      () => new LSTM({ inputSize: 1, hiddenSize: 2 ** 20, projSize: 2 ** 11, numLayers: 2, bidirectional: true }),
      /^LSTM: hiddenSize=1048576 with projSize=2048 needs 4 \* 1048576 \* 2048 = 8589934592 elements in weight_hh_l0 \(34 GB of float32\)/,
    ],
    [
      'LSTM: every parameter fits, all of them do not',
      () => new LSTM({ inputSize: 1, hiddenSize: 16384 }),
      /^LSTM: inputSize=1, hiddenSize=16384, numLayers=1, bias=true, bidirectional=false, projSize=0 need 1073938432 parameter elements in all \(4\.3 GB of float32\), more than the 1073741824 \(4\.3 GB\) one module may hold/,
    ],
    [
      'LSTM: a million layers',
      () => new LSTM({ inputSize: 1, hiddenSize: 8, numLayers: 1e6 }),
      /^LSTM: numLayers=1000000 with bidirectional=false, bias=true, projSize=0 needs 1000000 \* 4 = 4000000 parameter tensors, more than the 100000 one module may have/,
    ],
    [
      'LSTMCell: one parameter bigger than a tensor can hold',
      () => new LSTMCell({ inputSize: 1, hiddenSize: 50000 }),
      /^LSTMCell: hiddenSize=50000 needs 4 \* 50000 \* 50000 = 10000000000 elements in weight_hh \(40 GB of float32\)/,
    ],
    [
      'TorchLSTM: at construction when the sizes are known',
      () => torchLSTM({ hiddenSize: 50000 }),
      /^TorchLSTM: hiddenSize=50000 needs 4 \* 50000 \* 50000 = 10000000000 elements in weight_hh_l0/,
    ],
    [
      'TorchLSTM: a million layers, before the input size is known',
      () => torchLSTM({ hiddenSize: 8, numLayers: 1e6 }),
      /^TorchLSTM: numLayers=1000000 with bidirectional=false, bias=true, projSize=0 needs 1000000 \* 4 = 4000000 parameter tensors/,
    ],
    [
      'TorchLSTM: when built on an input too wide',
      () => torchLSTM({ hiddenSize: 8 }).apply(tf.input({ shape: [null, 2 ** 28] })),
      /^TorchLSTM: hiddenSize=8 with inputSize=268435456 needs 4 \* 8 \* 268435456 = 8589934592 elements in weight_ih_l0 \(34 GB of float32\)/,
    ],
    [
      'TorchLSTMCell: at construction',
      () => torchLSTMCell({ hiddenSize: 50000 }),
      /^TorchLSTMCell: hiddenSize=50000 needs 4 \* 50000 \* 50000 = 10000000000 elements in weight_hh/,
    ],
    [
      'TorchLSTMCell: when built on an input too wide',
      () => tf.layers.rnn({ cell: torchLSTMCell({ hiddenSize: 8 }) }).apply(tf.input({ shape: [null, 2 ** 28] })),
      /^TorchLSTMCell: hiddenSize=8 with inputSize=268435456 needs 4 \* 8 \* 268435456 = 8589934592 elements in weight_ih/,
    ],
  ];
  test.each(cases)('%s: a RangeError naming the options, nothing left behind', (_name, call, message) => {
    expectCleanThrow(call, message);
    expect(call).toThrow(RangeError);
  });
});

describe('an allocation that fails partway leaves nothing behind', () => {
  /** Lets `ok` variables be made, then fails the next one as an exhausted memory would. */
  function failVariableAfter(ok: number): jest.SpyInstance {
    const engine = tf.engine();
    const make = engine.makeVariable.bind(engine);
    let made = 0;
    return jest.spyOn(engine, 'makeVariable').mockImplementation((...args) => {
      if (made++ === ok) throw new RangeError('Array buffer allocation failed');
      return make(...args);
    });
  }

  const cases: [string, () => unknown, RegExp][] = [
    [
      'LSTM',
      () => new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2 }),
      /^LSTM: could not allocate bias_ih_l0 \[16\] \(64 B of float32\) for inputSize=3, hiddenSize=4, numLayers=2, bias=true, bidirectional=false, projSize=0: Array buffer allocation failed$/,
    ],
    [
      'LSTMCell',
      () => new LSTMCell({ inputSize: 3, hiddenSize: 4 }),
      /^LSTMCell: could not allocate bias_ih \[16\] \(64 B of float32\) for inputSize=3, hiddenSize=4, bias=true: Array buffer allocation failed$/,
    ],
    [
      'TorchLSTM',
      () => torchLSTM({ hiddenSize: 4, numLayers: 2 }).build([null, null, 3]),
      /^TorchLSTM: could not allocate bias_ih_l0 \[16\] \(64 B of float32\) for inputSize=3, hiddenSize=4, numLayers=2, .*: Array buffer allocation failed$/,
    ],
    [
      'TorchLSTMCell',
      () => torchLSTMCell({ hiddenSize: 4 }).build([null, 3]),
      /^TorchLSTMCell: could not allocate bias_ih \[16\] \(64 B of float32\) for inputSize=3, hiddenSize=4, bias=true: Array buffer allocation failed$/,
    ],
  ];
  test.each(cases)('%s: the parameters made are disposed, the error names the options', (_name, call, message) => {
    const spy = failVariableAfter(2);
    try {
      expectCleanThrow(call, message);
    } finally {
      spy.mockRestore();
    }
  });

  test('a tfjs layer whose build failed builds again', () => {
    const layer = torchLSTM({ hiddenSize: 4, inputSize: 3 });
    const spy = failVariableAfter(1);
    expect(() => layer.build([null, null, 3])).toThrow(/could not allocate weight_hh_l0/);
    spy.mockRestore();
    expect(layer.weights).toEqual([]);
    const before = memory();
    layer.build([null, null, 3]);
    expect(layer.weights.map((w) => w.shape)).toEqual([[16, 3], [16, 4], [16], [16]]);
    // Layer.dispose refuses a layer never applied; its weights are disposed one by one.
    layer.weights.forEach((w) => w.dispose());
    expect(memory()).toEqual(before);
  });
});

describe('call options are checked as constructor options are', () => {
  const rnn = () => new LSTM({ inputSize: 3, hiddenSize: 4, seed: 1 });
  const x = () => tf.zeros([4, 2, 3]);
  const cases: [string, (m: LSTM) => unknown, RegExp][] = [
    [
      'a misspelled forward option',
      (m) => m.forward(x(), null, { length: [4, 1] } as never),
      /^LSTM\.forward: unknown option length \(did you mean lengths\?\); known options: lengths$/,
    ],
    [
      'forward options not an object',
      (m) => m.forward(x(), null, 'lengths' as never),
      /^LSTM\.forward: expected an options object, got "lengths"$/,
    ],
    [
      'forward options an array',
      (m) => m.forward(x(), null, [4, 1] as never),
      /^LSTM\.forward: expected an options object, got array of length 2$/,
    ],
    [
      'forward options a tensor (a state passed flat)',
      (m) => m.forward(x(), null, tf.zeros([1, 2, 4]) as never),
      /^LSTM\.forward: expected an options object, got a tf\.Tensor$/,
    ],
    [
      'forward options null',
      (m) => m.forward(x(), null, null as never),
      /^LSTM\.forward: expected an options object, got null$/,
    ],
    [
      'a misspelled loadStateDict option',
      (m) => m.loadStateDict(m.stateDict(), { strct: false } as never),
      /^LSTM\.loadStateDict: unknown option strct \(did you mean strict\?\); known options: strict$/,
    ],
    [
      'loadStateDict strict not a boolean',
      (m) => m.loadStateDict(m.stateDict(), { strict: 'no' } as never),
      /^LSTM\.loadStateDict: strict should be a boolean, got "no"$/,
    ],
  ];
  test.each(cases)('%s', (_name, call, message) => {
    const m = rnn();
    const weights = m.parameters().map((p) => Array.from(p.dataSync()));
    // The arguments are made inside the call, so count them in with tidy.
    expectCleanThrow(() => tf.tidy(() => void call(m)), message);
    expect(m.parameters().map((p) => Array.from(p.dataSync()))).toEqual(weights);
    m.dispose();
  });

  test('the tfjs layers check loadStateDict options too', () => {
    const layer = torchLSTM({ hiddenSize: 4, inputSize: 3 });
    layer.build([null, null, 3]);
    expectCleanThrow(
      () => tf.tidy(() => void layer.loadStateDict(layer.stateDict(), { strickt: true } as never)),
      /^TorchLSTM\.loadStateDict: unknown option strickt \(did you mean strict\?\)/,
    );
    layer.weights.forEach((w) => w.dispose());
  });

  test.each([
    ['a string', 'no', /^LSTM\.train: training mode is expected to be boolean, got "no"$/],
    ['a number', 0, /^LSTM\.train: training mode is expected to be boolean, got 0$/],
    ['null', null, /^LSTM\.train: training mode is expected to be boolean, got null$/],
  ])('train(%s): a TypeError, and the mode is unchanged', (_name, mode, message) => {
    const m = rnn();
    for (const training of [true, false]) {
      m.train(training);
      expect(() => m.train(mode as never)).toThrow(message);
      expect(() => m.train(mode as never)).toThrow(TypeError);
      expect(m.training).toBe(training);
    }
    m.dispose();
  });

  test('train() and eval() still switch the mode', () => {
    const m = rnn();
    expect(m.eval().training).toBe(false);
    expect(m.train().training).toBe(true);
    m.dispose();
  });
});
