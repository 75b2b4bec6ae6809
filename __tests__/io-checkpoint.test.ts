import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import {
  LSTM,
  SafetensorsError,
  selectPrefix,
  stateDictFromSafetensors,
  stateDictToSafetensors,
  writeSafetensors,
} from '../src';
import { readStateDict, writeStateDict } from '../src/node';

// A whole PyTorch checkpoint, as `safetensors.torch.save_file(model.state_dict(), ...)` writes it
// for an LSTM followed by a BatchNorm: float weights, the BatchNorm's I64 `num_batches_tracked`,
// and (as some models keep) a BOOL mask. The file is built here byte by byte in the reference
// writer's layout (dtypes by decreasing alignment, then names), independently of the writer.

const LSTM_OPTIONS = { inputSize: 2, hiddenSize: 1 } as const;

/** Little-endian float32 bytes. */
const f32le = (values: number[]): number[] => Array.from(new Uint8Array(Float32Array.from(values).buffer));
/** Little-endian int64 bytes. */
function i64le(value: bigint): number[] {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigInt64(0, value, true);
  return Array.from(new Uint8Array(view.buffer));
}

/** The checkpoint's bytes, with `numBatches` as its I64 value. */
function checkpoint(numBatches: bigint): Uint8Array {
  // LSTM(2, 1): weight_ih [4, 2], weight_hh [4, 1], two biases [4].
  const entries: [string, string, number[], number[]][] = [
    ['bn.num_batches_tracked', 'I64', [], i64le(numBatches)],
    ['bn.bias', 'F32', [1], f32le([0.125])],
    ['bn.running_mean', 'F32', [1], f32le([-0.5])],
    ['lstm.bias_hh_l0', 'F32', [4], f32le([0.1, 0.2, 0.3, 0.4])],
    ['lstm.bias_ih_l0', 'F32', [4], f32le([-0.1, -0.2, -0.3, -0.4])],
    ['lstm.weight_hh_l0', 'F32', [4, 1], f32le([1, 2, 3, 4])],
    ['lstm.weight_ih_l0', 'F32', [4, 2], f32le([1, -1, 2, -2, 3, -3, 4, -4])],
    ['mask', 'BOOL', [3], [1, 0, 1]],
  ];
  let offset = 0;
  const fields = entries.map(([name, dtype, shape, bytes]) => {
    const field = `"${name}":{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${offset},${offset + bytes.length}]}`;
    offset += bytes.length;
    return field;
  });
  const header = `{"__metadata__":{"format":"pt"},${fields.join(',')}}`;
  const padded = header.padEnd(header.length + ((8 - (header.length % 8)) % 8), ' ');
  const out = new Uint8Array(8 + padded.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded.length), true);
  out.set(new TextEncoder().encode(padded), 8);
  out.set(
    entries.flatMap(([, , , bytes]) => bytes),
    8 + padded.length,
  );
  return out;
}

describe('a whole PyTorch checkpoint, with integer and bool tensors', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-lstm-io-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true }));

  test('reads every tensor: floats as float32, I64 as int32, BOOL as bool', () => {
    const before = tf.memory().numTensors;
    const sd = stateDictFromSafetensors(checkpoint(BigInt(1200)));
    expect(Object.keys(sd).sort()).toEqual([
      'bn.bias',
      'bn.num_batches_tracked',
      'bn.running_mean',
      'lstm.bias_hh_l0',
      'lstm.bias_ih_l0',
      'lstm.weight_hh_l0',
      'lstm.weight_ih_l0',
      'mask',
    ]);
    const n = sd['bn.num_batches_tracked'];
    expect([n.dtype, n.shape, n.arraySync()]).toEqual(['int32', [], 1200]);
    expect([sd.mask.dtype, sd.mask.shape, Array.from(sd.mask.dataSync())]).toEqual(['bool', [3], [1, 0, 1]]);
    expect([sd['bn.bias'].dtype, sd['bn.bias'].arraySync()]).toEqual(['float32', [0.125]]);
    expect(tf.memory().numTensors).toBe(before + 8);
    tf.dispose(Object.values(sd));
    expect(tf.memory().numTensors).toBe(before);
  });

  test('written back, the checkpoint is the same bytes: num_batches_tracked stays I64', () => {
    const original = checkpoint(BigInt(1200));
    const sd = stateDictFromSafetensors(original);
    expect(Array.from(stateDictToSafetensors(sd, { format: 'pt' }))).toEqual(Array.from(original));
    // Through files too, and through selectPrefix, which passes the same tensors on.
    const file = path.join(tmp, 'model.safetensors');
    writeStateDict(file, selectPrefix(sd, ''), { format: 'pt' });
    expect(Array.from(fs.readFileSync(file))).toEqual(Array.from(original));
    const again = readStateDict(file);
    expect(Array.from(stateDictToSafetensors(again, { format: 'pt' }))).toEqual(Array.from(original));
    tf.dispose([...Object.values(sd), ...Object.values(again)]);
  });

  test('int32 and bool tensors made in tfjs are written as I32 and BOOL', () => {
    const dict = { steps: tf.scalar(-7, 'int32'), mask: tf.tensor1d([true, false]), w: tf.tensor1d([0.5]) };
    const bytes = stateDictToSafetensors(dict);
    const size = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + size)))).toEqual({
      w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      steps: { dtype: 'I32', shape: [], data_offsets: [4, 8] },
      mask: { dtype: 'BOOL', shape: [2], data_offsets: [8, 10] },
    });
    expect(Array.from(bytes.subarray(8 + size))).toEqual([...f32le([0.5]), 0xf9, 0xff, 0xff, 0xff, 1, 0]);
    tf.dispose(Object.values(dict));
  });

  test('a tensor safetensors cannot hold is an error naming it', () => {
    const dict = { names: tf.tensor1d(['a'], 'string') };
    expect(() => stateDictToSafetensors(dict)).toThrow(SafetensorsError);
    expect(() => stateDictToSafetensors(dict)).toThrow(
      'safetensors: cannot write tensor "names": dtype string has no safetensors dtype (expected float32, int32 or bool)',
    );
    tf.dispose(Object.values(dict));
  });

  test('an I64 value int32 cannot hold is an error naming the key and the value, and leaves no tensor', () => {
    const before = tf.memory().numTensors;
    const bytes = checkpoint(BigInt(2) ** BigInt(40));
    expect(() => stateDictFromSafetensors(bytes)).toThrow(SafetensorsError);
    expect(() => stateDictFromSafetensors(bytes)).toThrow(
      /^safetensors: tensor "bn\.num_batches_tracked" \(I64, shape \[\]\) holds 1099511627776 at flat index 0, which int32/,
    );
    const file = path.join(tmp, 'model.safetensors');
    fs.writeFileSync(file, bytes);
    expect(() => readStateDict(file)).toThrow(/"bn\.num_batches_tracked" \(I64, shape \[\]\) holds 1099511627776/);
    expect(tf.memory().numTensors).toBe(before);
  });

  test("selectPrefix picks the LSTM's weights out of the checkpoint, which then load exactly", () => {
    const sd = stateDictFromSafetensors(checkpoint(BigInt(1200)));
    const rnn = new LSTM({ ...LSTM_OPTIONS, seed: 1 });
    const lstmPart = selectPrefix(sd, 'lstm.');
    expect(Object.keys(lstmPart).sort()).toEqual(['bias_hh_l0', 'bias_ih_l0', 'weight_hh_l0', 'weight_ih_l0']);
    expect(rnn.loadStateDict(lstmPart)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const loaded = rnn.stateDict();
    for (const [name, t] of Object.entries(lstmPart)) {
      expect({ name, values: Array.from(loaded[name].dataSync()) }).toEqual({ name, values: Array.from(t.dataSync()) });
    }
    tf.dispose([...Object.values(sd), ...Object.values(loaded)]);
    rnn.dispose();
  });

  test.each<[string, () => tf.Tensor]>([
    ['int32', () => tf.tensor1d([1, 2, 3, 4], 'int32')],
    ['bool', () => tf.tensor1d([true, false, true, false], 'bool')],
  ])('an %s tensor for a float parameter is an error in PyTorch style, and changes nothing', (dtype, make) => {
    const rnn = new LSTM({ ...LSTM_OPTIONS, seed: 1 });
    const sd = rnn.stateDict();
    const wrong = make();
    const before = rnn.stateDict();
    const tensorsBefore = tf.memory().numTensors;
    expect(() => rnn.loadStateDict({ ...sd, bias_ih_l0: wrong })).toThrow(
      `Error(s) in loading state_dict for LSTM:\n\tstate_dict value for bias_ih_l0: expected a float32 tensor, got dtype ${dtype}`,
    );
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const after = rnn.stateDict();
    for (const name of Object.keys(before)) {
      expect({ name, values: Array.from(after[name].dataSync()) }).toEqual({
        name,
        values: Array.from(before[name].dataSync()),
      });
    }
    tf.dispose([wrong, ...Object.values(sd), ...Object.values(before), ...Object.values(after)]);
    rnn.dispose();
  });

  test('loading the whole checkpoint, strict, names the keys that are not the LSTM’s', () => {
    const sd = stateDictFromSafetensors(checkpoint(BigInt(1200)));
    const rnn = new LSTM({ ...LSTM_OPTIONS, seed: 1 });
    const before = tf.memory().numTensors;
    expect(() => rnn.loadStateDict(sd)).toThrow(/Unexpected key\(s\) in state_dict: "bn\.num_batches_tracked", /);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(sd));
    rnn.dispose();
  });

  test('writeSafetensors input from a checkpoint keeps the reference layout (the reader agrees)', () => {
    const bytes = writeSafetensors({ n: { shape: [], data: [5], dtype: 'I64' }, w: { shape: [1], data: [1] } });
    const sd = stateDictFromSafetensors(bytes);
    expect([sd.n.dtype, sd.n.arraySync(), sd.w.dtype]).toEqual(['int32', 5, 'float32']);
    expect(Array.from(stateDictToSafetensors(sd))).toEqual(Array.from(bytes));
    tf.dispose(Object.values(sd));
  });
});
