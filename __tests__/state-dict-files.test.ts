import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { LSTM, selectPrefix, stateDictFromSafetensors, stateDictToJSON, writeSafetensors } from '../src';
import { readStateDict, writeStateDict } from '../src/node';

const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

describe('state dict files', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-lstm-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true }));

  test.each(['weights.safetensors', 'weights.json'])('%s: stateDict -> file -> loadStateDict is bit-exact', (name) => {
    const a = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, projSize: 2, bidirectional: true, seed: 1 });
    const b = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, projSize: 2, bidirectional: true, seed: 2 });
    const file = path.join(tmp, name);
    const sd = a.stateDict();
    writeStateDict(file, sd);
    const loaded = readStateDict(file);
    b.loadStateDict(loaded);
    const back = b.stateDict();
    expect(Object.keys(back)).toEqual(Object.keys(sd));
    for (const k of Object.keys(sd)) expect({ k, bits: bits(back[k]) }).toEqual({ k, bits: bits(sd[k]) });
    tf.dispose([...Object.values(sd), ...Object.values(loaded), ...Object.values(back)]);
    a.dispose();
    b.dispose();
  });

  test('the JSON file holds nested arrays, as Python writes them with tolist()', () => {
    const file = path.join(tmp, 'w.json');
    writeStateDict(file, {
      bias: tf.tensor1d([1, 2]),
      weight: tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
    });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      bias: [1, 2],
      weight: [
        [1, 2],
        [3, 4],
      ],
    });
    expect(stateDictToJSON({ s: tf.scalar(3) })).toEqual({ s: 3 });
  });

  test('half-precision safetensors are converted to float32 on load', () => {
    // F16 1.0 = 0x3c00, -2.0 = 0xc000; written by hand (header, then two little-endian halves).
    const header = JSON.stringify({ w: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } });
    const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
    const bytes = new Uint8Array(8 + padded.length + 4);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(padded.length), true);
    bytes.set(Buffer.from(padded), 8);
    bytes.set([0x00, 0x3c, 0x00, 0xc0], 8 + padded.length);
    const sd = stateDictFromSafetensors(bytes);
    expect(sd.w.dtype).toBe('float32');
    expect(Array.from(sd.w.dataSync())).toEqual([1, -2]);
  });

  test('a PyTorch model state dict: the LSTM under a prefix', () => {
    const full = { 'lstm.weight': 1, 'lstm.bias': 2, 'head.weight': 3 };
    expect(selectPrefix(full, 'lstm.')).toEqual({ weight: 1, bias: 2 });
  });

  test('errors name the problem', () => {
    expect(() => writeStateDict(path.join(tmp, 'w.pt'), {})).toThrow(
      /expected a \.safetensors or \.json file, got ".*w\.pt"/,
    );
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ w: [[1, 2], [3]] }));
    const before = tf.memory().numTensors;
    expect(() => readStateDict(bad)).toThrow(/state_dict value for w: nested arrays are ragged at depth 1/);
    expect(tf.memory().numTensors).toBe(before);
    fs.writeFileSync(bad, '[1, 2]');
    expect(() => readStateDict(bad)).toThrow(/expected a JSON object of parameter name to nested arrays/);
    const truncated = path.join(tmp, 'bad.safetensors');
    fs.writeFileSync(truncated, writeSafetensors({ w: { shape: [4], data: [1, 2, 3, 4] } }).slice(0, -3));
    expect(() => readStateDict(truncated)).toThrow(/safetensors: /);
  });
});
