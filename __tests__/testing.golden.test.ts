// The README's "Testing your own models" example, verbatim (__tests__/readme.test.ts checks that
// it is), against the golden file python/record_golden.py wrote from PyTorch's nn.LSTM(3, 4,
// num_layers=2) (`/usr/bin/python3 python/record_golden.py --example <file>`). Below it, what the
// example does not show: input gradients, leaks, and bad files.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// README example: begin
import * as tf from '@tensorflow/tfjs';
import { LSTM } from 'tfjs-lstm';
import 'tfjs-lstm/testing/jest';
import { loadGolden } from 'tfjs-lstm/testing/node';

test("the LSTM gives PyTorch's outputs and gradients", () => {
  const golden = loadGolden('__tests__/fixtures/golden/lstm.safetensors'); // python/record_golden.py
  const rnn = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2 });
  rnn.loadStateDict(golden.state);
  const [x, h0, c0] = golden.inputs;
  const [output, [hN, cN]] = rnn.forward(x, [h0, c0]);
  golden.assertOutputs([output, [hN, cN]]); // each within PyTorch's float32 tolerances, or a message naming it
  expect(hN).toBeCloseToTensor(golden.outputs[1], { rtol: 1e-5, atol: 1e-6 }); // one by one, with a matcher

  // The gradients of the loss the file recorded (loss="projection"), parameter by parameter:
  const { grads } = tf.variableGrads(() => golden.loss(rnn.forward(x, [h0, c0])));
  golden.assertGrads({ state: Object.fromEntries(rnn.namedParameters().map(([name, p]) => [name, grads[p.name]])) });
  tf.dispose([output, hN, cN, ...Object.values(grads)]);
  rnn.dispose();
  golden.dispose();
});
// README example: end

const file = path.join(__dirname, 'fixtures', 'golden', 'lstm.safetensors');

describe('loadGolden', () => {
  test('reads what record_golden wrote: state, inputs, outputs, loss weights, gradients, metadata', () => {
    const before = tf.memory().numTensors;
    const golden = loadGolden(file);
    expect(Object.keys(golden.state)).toEqual([
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
      'weight_ih_l1',
      'weight_hh_l1',
      'bias_ih_l1',
      'bias_hh_l1',
    ]);
    expect(golden.inputs.map((t) => t.shape)).toEqual([
      [5, 2, 3],
      [2, 2, 4],
      [2, 2, 4],
    ]);
    expect(golden.outputs.map((t) => t.shape)).toEqual([
      [5, 2, 4],
      [2, 2, 4],
      [2, 2, 4],
    ]);
    expect(golden.metadata).toMatchObject({ format: 'tfjs-lstm-golden/1', loss: 'projection', training: 'True' });
    expect(golden.metadata.module).toBe('LSTM(3, 4, num_layers=2)');
    expect(golden.grads?.inputs.map((t) => t?.shape)).toEqual([
      [5, 2, 3],
      [2, 2, 4],
      [2, 2, 4],
    ]);
    golden.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test("the input gradients are PyTorch's too", () => {
    const golden = loadGolden(file);
    const rnn = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2 });
    rnn.loadStateDict(golden.state);
    const before = tf.memory().numTensors;
    const dInputs = tf.grads((x, h0, c0) => golden.loss(rnn.forward(x, [h0, c0])))(golden.inputs);
    golden.assertGrads({ inputs: dInputs });
    tf.dispose(dInputs);
    expect(tf.memory().numTensors).toBe(before);
    rnn.dispose();
    golden.dispose();
  });

  test('a wrong output or gradient fails with a message naming it', () => {
    const golden = loadGolden(file);
    const wrong = tf.tidy(() => golden.outputs.map((t, k) => (k === 2 ? tf.add(t, 1e-3) : t.clone())));
    expect(() => golden.assertOutputs(wrong)).toThrow(
      /^output\.1\.1: Tensor-likes are not close!\n[^]*Mismatched elements: 16 \/ 16/,
    );
    expect(() => golden.assertOutputs(wrong.slice(0, 2))).toThrow(
      /holds 3 outputs \(output.0, output.1.0, output.1.1\), got 2/,
    );
    const dw = tf.zerosLike(golden.state.weight_ih_l0);
    expect(() => golden.assertGrads({ state: { weight_ih_l0: dw } })).toThrow(
      /^grad weight_ih_l0: Tensor-likes are not close!/,
    );
    expect(() => golden.assertGrads({ state: { nope: dw } })).toThrow(/holds no gradient of "nope"/);
    tf.dispose([...wrong, dw]);
    golden.dispose();
  });

  test('a safetensors file that is not a golden file: a clear message, no leak', () => {
    const before = tf.memory().numTensors;
    expect(() => loadGolden(path.join(__dirname, 'fixtures', 'trained', 'adding.safetensors'))).toThrow(
      /not a golden file \(its metadata has no "format": "tfjs-lstm-golden\/1"\)/,
    );
    // metadata listing a tensor the file lacks
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-'));
    const bytes = fs.readFileSync(file);
    const size = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = bytes
      .subarray(8, 8 + size)
      .toString()
      .replace('\\"input.1.1\\"]', '\\"input.1.1\\", \\"input.9\\"]'); // the list is JSON in a JSON string
    const out = Buffer.alloc(8);
    out.writeBigUInt64LE(BigInt(Buffer.byteLength(header)));
    fs.writeFileSync(
      path.join(dir, 'bad.safetensors'),
      Buffer.concat([out, Buffer.from(header), bytes.subarray(8 + size)]),
    );
    expect(() => loadGolden(path.join(dir, 'bad.safetensors'))).toThrow(
      /lists the tensor "input.9", which the file does not hold/,
    );
    fs.rmSync(dir, { recursive: true });
    expect(tf.memory().numTensors).toBe(before);
  });
});
