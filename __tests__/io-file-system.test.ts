import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { fileSystem } from '../src/node';

// fileSystem(dir).save writes model.json and weights.bin all or nothing: a failure at any step
// leaves the directory's files and their bytes as they were, and the model saved there before
// still loads.

/** A small model whose weights are all `value`. */
function model(value: number): tf.Sequential {
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  const weights = m.getWeights().map((w) => tf.fill(w.shape, value));
  m.setWeights(weights);
  tf.dispose(weights);
  return m;
}

/** Every file of the directory (the names sorted) with its bytes. */
function snapshot(dir: string): Record<string, number[]> {
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((name) => [name, Array.from(fs.readFileSync(path.join(dir, name)))]),
  );
}

/** Makes `fs.promises[name]` fail on its `failing`-th call (from 1); the other calls go through. */
function failOnCall(name: 'writeFile' | 'rename', failing: number): jest.SpyInstance {
  const original = fs.promises[name] as (...args: unknown[]) => Promise<void>;
  let calls = 0;
  return jest.spyOn(fs.promises, name).mockImplementation(async (...args: unknown[]) => {
    calls++;
    if (calls === failing) throw Object.assign(new Error(`EIO: i/o error, ${name}`), { code: 'EIO' });
    return original(...args);
  });
}

describe('fileSystem(dir).save is atomic', () => {
  let tmp: string;
  let spy: jest.SpyInstance | undefined;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-lstm-save-'))));
  afterEach(() => {
    spy?.mockRestore();
    spy = undefined;
    fs.rmSync(tmp, { recursive: true });
  });

  async function loadedWeights(dir: string): Promise<number[][]> {
    const loaded = await tf.loadLayersModel(fileSystem(dir));
    const values = loaded.getWeights().map((w) => Array.from(w.dataSync()));
    loaded.dispose();
    return values;
  }

  test('a successful save leaves model.json and weights.bin only, and loads back', async () => {
    const m = model(0.5);
    const dir = path.join(tmp, 'model');
    await m.save(fileSystem(dir));
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    expect(await loadedWeights(dir)).toEqual([
      [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
      [0.5, 0.5],
    ]);
    m.dispose();
  });

  test.each<[string, 'writeFile' | 'rename', number]>([
    ['writing weights.bin', 'writeFile', 1],
    ['writing model.json', 'writeFile', 2],
    ['renaming weights.bin into place', 'rename', 1],
    ['renaming model.json into place, after weights.bin', 'rename', 2],
  ])('a failure %s leaves the saved model as it was', async (_, step, call) => {
    const dir = path.join(tmp, 'model');
    const old = model(0.5);
    await old.save(fileSystem(dir));
    const before = snapshot(dir);
    const m = model(2);
    const tensors = tf.memory().numTensors;
    spy = failOnCall(step, call);
    await expect(m.save(fileSystem(dir))).rejects.toThrow(`EIO: i/o error, ${step}`);
    spy.mockRestore();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(snapshot(dir)).toEqual(before);
    expect(await loadedWeights(dir)).toEqual([
      [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
      [0.5, 0.5],
    ]);
    old.dispose();
    m.dispose();
  });

  test('a failed first save into a new directory leaves no directory behind', async () => {
    const dir = path.join(tmp, 'a', 'b');
    const m = model(1);
    spy = failOnCall('rename', 2);
    await expect(m.save(fileSystem(dir))).rejects.toThrow('EIO: i/o error, rename');
    expect(fs.readdirSync(tmp)).toEqual([]);
    m.dispose();
  });

  test('a failed save into an existing directory keeps its other files and removes only its own', async () => {
    fs.writeFileSync(path.join(tmp, 'notes.txt'), 'kept');
    const m = model(1);
    spy = failOnCall('writeFile', 2);
    await expect(m.save(fileSystem(tmp))).rejects.toThrow('EIO: i/o error, writeFile');
    expect(snapshot(tmp)).toEqual({ 'notes.txt': Array.from(Buffer.from('kept')) });
    m.dispose();
  });
});
