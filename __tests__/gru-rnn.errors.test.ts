import * as tf from '@tensorflow/tfjs';

import { GRU, GRUCell, RNN, RNNCell, torchGRU, torchGRUCell, torchRNN } from '../src';

// GRU, GRUCell, RNN and RNNCell check what the LSTM checks, with the same style of message
// (PyTorch's, in this package's argument names), and a failed call changes nothing and leaks
// nothing. The checks run before any kernel: this file runs on one backend (ONE_PROJECT in
// jest.config.ts).

const z = (...shape: number[]) => tf.zeros(shape);
const memory = () => [tf.memory().numTensors, tf.memory().numBytes];

/** Expects `call` (its tensors made inside, counted in by tidy) to throw `message`, leaking nothing. */
function expectCleanThrow(call: () => unknown, message: RegExp): void {
  const before = memory();
  expect(() => tf.tidy(() => void call())).toThrow(message);
  expect(memory()).toEqual(before);
}

describe('constructor options', () => {
  test.each([
    [
      'GRU projSize: PyTorch reason',
      () => new GRU({ inputSize: 3, hiddenSize: 4, projSize: 2 } as never),
      /GRU: projSize argument is only supported for LSTM, not RNN or GRU/,
    ],
    [
      'RNN proj_size: PyTorch reason',
      () => new RNN({ inputSize: 3, hiddenSize: 4, proj_size: 2 } as never),
      /RNN: proj_size argument is only supported for LSTM, not RNN or GRU/,
    ],
    [
      'RNN nonlinearity',
      () => new RNN({ inputSize: 3, hiddenSize: 4, nonlinearity: 'sigmoid' as never }),
      /RNN: Unknown nonlinearity "sigmoid". Select from 'tanh' or 'relu'/,
    ],
    [
      'RNNCell nonlinearity',
      () => new RNNCell({ inputSize: 3, hiddenSize: 4, nonlinearity: 'gelu' as never }),
      /RNNCell: Unknown nonlinearity "gelu"/,
    ],
    [
      'GRU unknown option with hint',
      () => new GRU({ inputSize: 3, hiddenSize: 4, num_layers: 2 } as never),
      /GRU: unknown option num_layers \(did you mean numLayers\?\)/,
    ],
    [
      'GRU nonlinearity is RNN only',
      () => new GRU({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu' } as never),
      /GRU: unknown option nonlinearity/,
    ],
    [
      'GRUCell hiddenSize',
      () => new GRUCell({ inputSize: 3, hiddenSize: 0 }),
      /GRUCell: hiddenSize must be greater than zero, got 0/,
    ],
    [
      'RNN numLayers',
      () => new RNN({ inputSize: 3, hiddenSize: 4, numLayers: 1.5 }),
      /RNN: numLayers should be an integer, got 1\.5/,
    ],
    [
      'GRU dropout',
      () => new GRU({ inputSize: 3, hiddenSize: 4, dropout: 2 }),
      /GRU: dropout should be a number in range \[0, 1\]/,
    ],
    ['GRU gradient', () => new GRU({ inputSize: 3, hiddenSize: 4, gradient: 'numeric' as never }), /GRU: gradient/],
    [
      'RNN too large, sizes named without projSize',
      () => new RNN({ inputSize: 1, hiddenSize: 100000 }),
      /RNN: hiddenSize=100000 needs 100000 \* 100000 = 10000000000 elements in weight_hh_l0/,
    ],
    [
      'GRU too large: 3 gates',
      () => new GRU({ inputSize: 1, hiddenSize: 60000 }),
      /GRU: hiddenSize=60000 needs 3 \* 60000 \* 60000 = 10800000000 elements in weight_hh_l0/,
    ],
  ] as [string, () => unknown, RegExp][])('%s', (_name, call, message) => expectCleanThrow(call, message));
});

describe('GRU and RNN forward', () => {
  const make = [
    ['GRU', () => new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1 })],
    ['RNN', () => new RNN({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1, nonlinearity: 'relu' })],
  ] as const;
  describe.each(make)('%s', (name, build) => {
    // Built in beforeAll, once the test setup has picked the backend.
    let m: GRU | RNN;
    beforeAll(() => (m = build()));
    afterAll(() => m.dispose());
    test.each([
      [
        'input rank',
        () => m.forward(z(3)),
        new RegExp(`${name}: Expected input to be 2-D or 3-D but received 1-D tensor`),
      ],
      [
        'input size',
        () => m.forward(z(5, 2, 4)),
        new RegExp(`${name}: input.size\\(-1\\) must be equal to input_size. Expected 3, got 4`),
      ],
      [
        'input dtype',
        () => m.forward(tf.zeros([5, 2, 3], 'int32')),
        new RegExp(`${name}: input must have the type float32, got type int32`),
      ],
      [
        'hx as an LSTM pair',
        () => m.forward(z(5, 2, 3), [z(2, 2, 4), z(2, 2, 4)] as never),
        new RegExp(`${name}: hx should be a tf.Tensor, got array of length 2`),
      ],
      [
        'hx rank',
        () => m.forward(z(5, 2, 3), z(2, 4)),
        new RegExp(`${name}: For batched 3-D input, hx should also be 3-D but got 2-D tensor`),
      ],
      [
        'hx rank unbatched',
        () => m.forward(z(5, 3), z(2, 1, 4)),
        new RegExp(`${name}: For unbatched 2-D input, hx should also be 2-D but got 3-D tensor`),
      ],
      [
        'hx shape',
        () => m.forward(z(5, 2, 3), z(1, 2, 4)),
        new RegExp(`${name}: Expected hidden size \\[2, 2, 4\\], got \\[1, 2, 4\\]`),
      ],
      ['lengths too long', () => m.forward(z(5, 2, 3), null, { lengths: [6, 2] }), new RegExp(`${name}`)],
      [
        'lengths unbatched',
        () => m.forward(z(5, 3), null, { lengths: [5] }),
        new RegExp(`${name}: lengths needs batched 3-D input`),
      ],
      [
        'unknown forward option',
        () => m.forward(z(5, 2, 3), null, { length: [5, 5] } as never),
        new RegExp(`${name}.forward: unknown option length \\(did you mean lengths\\?\\)`),
      ],
    ] as [string, () => unknown, RegExp][])(
      '%s: an error naming it, nothing changed or leaked',
      (_case, call, message) => {
        const before = m.namedParameters().map(([, v]) => Array.from(v.dataSync()));
        expectCleanThrow(call, message);
        expect(m.namedParameters().map(([, v]) => Array.from(v.dataSync()))).toEqual(before);
      },
    );
    test('after dispose', () => {
      const gone = build();
      gone.dispose();
      expectCleanThrow(() => gone.forward(z(5, 2, 3)), new RegExp(`${name} has been disposed`));
    });
  });
});

describe('GRUCell and RNNCell forward', () => {
  const make = [
    ['GRUCell', () => new GRUCell({ inputSize: 3, hiddenSize: 4, seed: 1 })],
    ['RNNCell', () => new RNNCell({ inputSize: 3, hiddenSize: 4, seed: 1 })],
  ] as const;
  describe.each(make)('%s', (name, build) => {
    let m: GRUCell | RNNCell;
    beforeAll(() => (m = build()));
    afterAll(() => m.dispose());
    test.each([
      [
        'input rank',
        () => m.forward(z(1, 2, 3)),
        new RegExp(`${name}: Expected input to be 1-D or 2-D but received 3-D tensor`),
      ],
      ['input size', () => m.forward(z(2, 5)), new RegExp(`${name}`)],
      [
        'hx rank',
        () => m.forward(z(2, 3), z(4)),
        new RegExp(`${name}: For batched 2-D input, hx should also be 2-D but got 1-D tensor`),
      ],
      [
        'hx batch',
        () => m.forward(z(2, 3), z(3, 4)),
        new RegExp(`${name}: Input batch size 2 doesn't match hidden0 batch size 3`),
      ],
      [
        'hx size',
        () => m.forward(z(2, 3), z(2, 5)),
        new RegExp(`${name}: hidden0 has inconsistent hidden_size: got 5, expected 4`),
      ],
      [
        'hx disposed',
        () => {
          const h = z(2, 4);
          h.dispose();
          return m.forward(z(2, 3), h);
        },
        new RegExp(`${name}: hx is a disposed tensor`),
      ],
    ] as [string, () => unknown, RegExp][])(
      '%s: an error naming it, nothing changed or leaked',
      (_case, call, message) => {
        expectCleanThrow(call, message);
      },
    );
  });
});

describe('state dicts', () => {
  test('a GRU state dict does not load into an RNN (shapes named), and changes nothing', () => {
    const gru = new GRU({ inputSize: 3, hiddenSize: 4, seed: 1 });
    const rnn = new RNN({ inputSize: 3, hiddenSize: 4, seed: 2 });
    const dict = gru.stateDict();
    const before = rnn.namedParameters().map(([, v]) => Array.from(v.dataSync()));
    expect(() => rnn.loadStateDict(dict)).toThrow(
      /loading state_dict for RNN:\n\tsize mismatch for weight_ih_l0: copying a param with shape \[12, 3\] from checkpoint, the shape in current model is \[4, 3\]/,
    );
    expect(rnn.namedParameters().map(([, v]) => Array.from(v.dataSync()))).toEqual(before);
    tf.dispose(Object.values(dict));
    gru.dispose();
    rnn.dispose();
  });
});

describe('the tfjs layers', () => {
  test.each([
    [
      'torchGRU projSize: PyTorch reason',
      () => torchGRU({ hiddenSize: 4, projSize: 2 } as never),
      /TorchGRU: projSize argument is only supported for LSTM, not RNN or GRU/,
    ],
    [
      'torchRNN nonlinearity',
      () => torchRNN({ hiddenSize: 4, nonlinearity: 'gelu' as never }),
      /TorchRNN: Unknown nonlinearity "gelu"/,
    ],
    [
      'torchGRUCell unknown option',
      () => torchGRUCell({ hiddenSize: 4, units: 4 } as never),
      /TorchGRUCell: unknown option units/,
    ],
    [
      'torchGRU given an LSTM state pair',
      () => torchGRU({ hiddenSize: 4, inputSize: 3 }).apply([z(2, 5, 3), z(2, 1, 4), z(2, 1, 4)]),
      /TorchGRU: expected inputs \[x\] or \[x, h0\], got 3 tensors/,
    ],
    [
      'torchRNN state of the wrong shape',
      () => torchRNN({ hiddenSize: 4, inputSize: 3, numLayers: 2 }).apply([z(2, 5, 3), z(2, 1, 4)]),
      /TorchRNN: Expected h0 size \[2, 2, 4\] \(batch-major\), got \[2, 1, 4\]/,
    ],
  ] as [string, () => unknown, RegExp][])('%s', (_name, call, message) => expect(call).toThrow(message));
});
