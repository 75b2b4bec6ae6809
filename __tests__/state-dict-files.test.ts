import fs = require('fs'); // the module object itself, so that jest.spyOn can replace its functions
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import {
  LSTM,
  selectPrefix,
  stateDictFromSafetensors,
  stateDictToJSON,
  stateDictToSafetensors,
  writeSafetensors,
} from '../src';
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
  test('JSON keys named like Object.prototype members (__proto__, constructor, toString) are entries', () => {
    const file = path.join(tmp, 'special.json');
    // Written as text: an object literal with a "__proto__" key would set its prototype instead.
    fs.writeFileSync(file, '{"__proto__": [1, 2], "constructor": [[3], [4]], "toString": 5, "w": [6]}');
    const before = tf.memory().numTensors;
    const sd = readStateDict(file);
    expect(Object.keys(sd).sort()).toEqual(['__proto__', 'constructor', 'toString', 'w']);
    expect(Object.getPrototypeOf(sd)).toBeNull();
    const values = (name: string) => Object.getOwnPropertyDescriptor(sd, name)?.value as tf.Tensor;
    expect(values('__proto__').arraySync()).toEqual([1, 2]);
    expect(values('constructor').arraySync()).toEqual([[3], [4]]);
    expect(values('toString').arraySync()).toBe(5);
    expect(tf.memory().numTensors).toBe(before + 4);
    tf.dispose(Object.values(sd));
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a ragged value after a __proto__ key leaves no tensor behind', () => {
    const file = path.join(tmp, 'special.json');
    fs.writeFileSync(file, '{"__proto__": [1, 2], "w": [[1], [2, 3]]}');
    const before = tf.memory().numTensors;
    expect(() => readStateDict(file)).toThrow(/state_dict value for w: nested arrays are ragged at depth 1/);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a name the file does not hold reads as undefined, even one of Object.prototype', () => {
    const json = path.join(tmp, 'w.json');
    const safetensors = path.join(tmp, 'w.safetensors');
    fs.writeFileSync(json, '{"lstm.w": [1]}');
    fs.writeFileSync(safetensors, writeSafetensors({ 'lstm.w': { shape: [1], data: [1] } }));
    const before = tf.memory().numTensors;
    const dicts = [readStateDict(json), readStateDict(safetensors)];
    for (const sd of [...dicts, selectPrefix(dicts[0], 'lstm.'), stateDictToJSON(dicts[1])]) {
      for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
        expect({ name, value: (sd as Record<string, unknown>)[name] }).toEqual({ name, value: undefined });
      }
    }
    tf.dispose(dicts.flatMap((sd) => Object.values(sd)));
    expect(tf.memory().numTensors).toBe(before);
  });

  test('selectPrefix and stateDictToJSON keep a __proto__ key as a key', () => {
    const full = JSON.parse('{"lstm.__proto__": 1, "lstm.constructor": 2, "head.w": 3}') as Record<string, number>;
    const selected = selectPrefix(full, 'lstm.');
    expect(Object.keys(selected).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(selected, '__proto__')?.value).toBe(1);
    const t = tf.tensor1d([7]);
    const dict = Object.create(null) as Record<string, tf.Tensor>;
    dict.__proto__ = t;
    expect(JSON.stringify(stateDictToJSON(dict))).toBe('{"__proto__":[7]}');
    const file = path.join(tmp, 'proto.json');
    writeStateDict(file, dict);
    const back = readStateDict(file);
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value.arraySync()).toEqual([7]);
    tf.dispose([t, ...Object.values(back)]);
  });

  describe('writeStateDict replaces the file only once the new one is complete', () => {
    const oldBytes = writeSafetensors({ w: { shape: [2], data: [1, 2] } });
    const newDict = () => ({ w: tf.tensor1d([3, 4]), v: tf.tensor2d([[5]]) });
    let spies: jest.SpyInstance[] = [];
    afterEach(() => {
      spies.forEach((spy) => spy.mockRestore());
      spies = [];
    });

    test.each(['w.safetensors', 'w.json'])('%s: a write that fails halfway leaves the old file', (name) => {
      const file = path.join(tmp, name);
      fs.writeFileSync(file, oldBytes);
      const write = fs.writeFileSync;
      // The disk fills up after half the bytes: the partial file is there, then the error.
      spies.push(
        jest.spyOn(fs, 'writeFileSync').mockImplementation((target, data) => {
          const bytes = data as Uint8Array;
          write(target, bytes.subarray(0, bytes.length >> 1));
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }),
      );
      const dict = newDict();
      const before = tf.memory().numTensors;
      expect(() => writeStateDict(file, dict)).toThrow(/ENOSPC/);
      expect(tf.memory().numTensors).toBe(before);
      expect(fs.readdirSync(tmp)).toEqual([name]);
      expect(Array.from(fs.readFileSync(file))).toEqual(Array.from(oldBytes));
      tf.dispose(Object.values(dict));
    });

    test('a rename that fails leaves the old file and no temporary', () => {
      const file = path.join(tmp, 'w.safetensors');
      fs.writeFileSync(file, oldBytes);
      spies.push(
        jest.spyOn(fs, 'renameSync').mockImplementation(() => {
          throw Object.assign(new Error('EACCES: permission denied, rename'), { code: 'EACCES' });
        }),
      );
      const dict = newDict();
      expect(() => writeStateDict(file, dict)).toThrow(/EACCES/);
      expect(fs.readdirSync(tmp)).toEqual(['w.safetensors']);
      expect(Array.from(fs.readFileSync(file))).toEqual(Array.from(oldBytes));
      tf.dispose(Object.values(dict));
    });

    test('a write that succeeds leaves the new file alone in the directory', () => {
      const file = path.join(tmp, 'w.safetensors');
      fs.writeFileSync(file, oldBytes);
      const dict = newDict();
      writeStateDict(file, dict);
      expect(fs.readdirSync(tmp)).toEqual(['w.safetensors']);
      expect(Array.from(fs.readFileSync(file))).toEqual(Array.from(stateDictToSafetensors(dict)));
      tf.dispose(Object.values(dict));
    });
  });
});
