import * as tf from '@tensorflow/tfjs';

import { LSTM, LSTMCell, torchLSTM, torchLSTMCell } from '../src';

// Issue 18, items 6 and 7: a configuration too big to allocate fails at once with the options
// named, a failed allocation leaves nothing behind, and misspelled or wrong-typed options of a call
// are rejected as the constructors reject them. Every failed call changes nothing and leaks nothing.

const memory = () => [tf.memory().numTensors, tf.memory().numBytes];

/** Expects `call` to throw `message` without leaving a tensor or a byte behind. */
function expectCleanThrow(call: () => unknown, message: RegExp): void {
  const before = memory();
  expect(call).toThrow(message);
  expect(memory()).toEqual(before);
}

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
