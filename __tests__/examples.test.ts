import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { trainAdding } from '../examples/train-adding';
import { trainMemory } from '../examples/train-memory';

// The examples the README points to run, with short settings: they stay true. They are the
// library's users, so they run on one backend (the wasm project, jest.config.ts): the library
// itself is checked on every backend by the other files.

declare const __TFJS_BACKEND__: string;

const root = path.join(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

function run(script: string, ...args: string[]): string {
  return execFileSync(tsx, [path.join('examples', script), '--backend', __TFJS_BACKEND__, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe(`examples on ${__TFJS_BACKEND__}`, () => {
  let out: string;
  beforeAll(() => (out = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-lstm-examples-'))));
  afterAll(() => fs.rmSync(out, { recursive: true }));

  test('sequential-fit: trains, saves, reloads with identical predictions', () => {
    expect(run('sequential-fit.ts', '--epochs', '2')).toMatch(/loaded back: predictions identical = true/);
  });

  test('sequential-fit on 2 threads (--threads 2), and exits', () => {
    const log = run('sequential-fit.ts', '--epochs', '2', '--threads', '2');
    expect(log).toMatch(/wasm backend on 2 threads/);
    expect(log).toMatch(/loaded back: predictions identical = true/);
  });

  test('pytorch-weights: the PyTorch-trained model answers 0.9 + 0.6 near 1.5', () => {
    const answer = Number(/the PyTorch-trained model in tfjs says ([\d.]+)/.exec(run('pytorch-weights.ts'))?.[1]);
    expect(Math.abs(answer - 1.5)).toBeLessThan(0.1);
  });

  test('train-memory --cell gru trains a GRU, with its gradient-flow plot', () => {
    const log = run('train-memory.ts', '--epochs', '2', '--cell', 'gru', '--out', path.join(out, 'memory-gru'));
    expect(log).toMatch(/memory task, GRU/);
    for (const file of ['memory-gru/loss.svg', 'memory-gru/gradient-flow.svg']) {
      expect(fs.readFileSync(path.join(out, file), 'utf8')).toMatch(/^<svg /);
    }
  });

  test('train-memory and train-adding write their plots', () => {
    run('train-memory.ts', '--epochs', '2', '--out', path.join(out, 'memory'));
    run('train-adding.ts', '--epochs', '1', '--length', '20', '--out', path.join(out, 'adding'));
    for (const file of ['memory/loss.svg', 'memory/gradient-flow.svg', 'adding/loss.svg', 'adding/gradient-flow.svg']) {
      expect(fs.readFileSync(path.join(out, file), 'utf8')).toMatch(/^<svg /);
    }
  });

  test('streaming: a reading at a time agrees with the whole sequences, and answers the questions', () => {
    const log = run('streaming.ts', '--questions', '5');
    const [moduleGap, modelGap] = /at once: ([\d.e+-]+) \(module\), ([\d.e+-]+) \(model\)/
      .exec(log)!
      .slice(1)
      .map(Number);
    expect(Math.max(moduleGap, modelGap)).toBeLessThan(1e-6);
    expect(Number(/largest error over the 5 questions: ([\d.]+)/.exec(log)?.[1])).toBeLessThan(0.2);
  });

  test('truncated-bptt: the loss falls over the stream', () => {
    const [first, last] = /loss ([\d.]+) \(first 10 chunks\) -> ([\d.]+)/
      .exec(run('truncated-bptt.ts', '--chunks', '150'))!
      .slice(1)
      .map(Number);
    expect(last).toBeLessThan(first / 2);
  });
});

describe('the demo tasks, short and deterministic, in this process', () => {
  test('the memory task reaches low error in 300 steps', () => {
    const result = trainMemory({ epochs: 6, stepsPerEpoch: 50, seed: 1, quiet: true });
    expect(result.losses[299]).toBeLessThan(0.05 * result.losses[0]);
    expect(result.accuracy).toBeGreaterThan(0.9);
    // A fixed seed repeats exactly.
    const again = trainMemory({ epochs: 1, stepsPerEpoch: 20, seed: 1, quiet: true });
    expect(again.losses).toEqual(result.losses.slice(0, 20));
  });

  test('the adding problem at length 20 beats the trivial baseline 10x', () => {
    const result = trainAdding({
      epochs: 6,
      stepsPerEpoch: 100,
      length: 20,
      hiddenSize: 16,
      learningRate: 0.01,
      seed: 3,
      quiet: true,
    });
    expect(result.testMse).toBeLessThan(result.baselineMse / 10);
  });

  test('a GRU (--cell gru) learns both: the adding problem 10x below the baseline, the memory loss 10x down', () => {
    const adding = trainAdding({
      epochs: 6,
      stepsPerEpoch: 100,
      length: 20,
      hiddenSize: 16,
      learningRate: 0.01,
      seed: 3,
      quiet: true,
      cell: 'gru',
    });
    expect(adding.testMse).toBeLessThan(adding.baselineMse / 10);
    const memory = trainMemory({ epochs: 6, stepsPerEpoch: 50, seed: 1, quiet: true, cell: 'gru' });
    expect(memory.losses[299]).toBeLessThan(0.1 * memory.losses[0]);
    // The gradient-flow report of a GRU: dL/dh_t and the update gate at each step, no dL/dc_t.
    const [flow] = memory.flow;
    expect([flow.dhNorm.length, flow.dcNorm.length, flow.forgetMean.length]).toEqual([20, 0, 20]);
  });
});
