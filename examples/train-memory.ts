/**
 * Learn the seed exercise's task from data. Its hand-set weights solve "store x[0] when x[1] = 1,
 * forget when x[1] = -1, output the stored value when x[2] = 1" with rounded gates; here an LSTM
 * and a linear head learn it from random sequences with the hand-derived gradient, then solve
 * held-out sequences. Writes the loss curve and the gradient-flow report as SVG plots.
 *
 *   npx tsx examples/train-memory.ts [--backend cpu|wasm|tensorflow] [--epochs 12] [--seed 1] [--out runs/memory] [--cell lstm|gru]
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { flag, setupBackend } from './backend';
import { CellKind, cellFlag, SequenceRegressor } from './lib/model';
import { plotFlow, plotLoss } from './lib/plot';
import { Rng } from './lib/rng';
import { memoryBatch } from './lib/tasks';
import { train, TrainResult } from './lib/train';

export interface MemoryOptions {
  epochs?: number;
  stepsPerEpoch?: number;
  seed?: number;
  hiddenSize?: number;
  steps?: number;
  batchSize?: number;
  quiet?: boolean;
  /** The recurrent layer: 'lstm' (the default) or 'gru'. */
  cell?: CellKind;
}

export interface MemoryResult extends TrainResult {
  /** On held-out sequences: the share of read steps answered within 0.1, and the mean error. */
  accuracy: number;
  meanAbsError: number;
  /** A few held-out read steps with something stored: [stored value, prediction]. */
  examples: [number, number][];
}

/** Trains on the memory task and evaluates on held-out sequences. Deterministic for a seed. */
export function trainMemory(options: MemoryOptions = {}): MemoryResult {
  const seed = options.seed ?? 1;
  const steps = options.steps ?? 20;
  const batchSize = options.batchSize ?? 32;
  const rng = new Rng(seed);
  const model = new SequenceRegressor({ inputSize: 4, hiddenSize: options.hiddenSize ?? 16, seed, cell: options.cell });
  const result = train({
    steps: (options.epochs ?? 12) * (options.stepsPerEpoch ?? 50),
    learningRate: 0.01,
    variables: model.variables(),
    label: 'memory task',
    quiet: options.quiet,
    loss: () =>
      tf.tidy(() => {
        const { x, y } = memoryBatch(rng, batchSize, steps);
        return tf.mean(tf.square(tf.sub(model.everyStep(x), y))) as tf.Scalar;
      }),
  });

  // Held out: new sequences from a generator the training never saw.
  const test = memoryBatch(new Rng(seed + 1000), 256, steps);
  const prediction = model.everyStep(test.x);
  const [pred, target, reads] = [prediction, test.y, tf.slice(test.x, [0, 0, 2], [steps, 256, 1])].map((t) =>
    t.dataSync(),
  );
  const errors: number[] = [];
  const examples: [number, number][] = [];
  reads.forEach((r, k) => {
    if (!r) return;
    errors.push(Math.abs(pred[k] - target[k]));
    if (examples.length < 6 && target[k] !== 0) examples.push([target[k], pred[k]]);
  });
  tf.dispose([test.x, test.y, prediction]);
  model.dispose();
  return {
    ...result,
    accuracy: errors.filter((e) => e < 0.1).length / errors.length,
    meanAbsError: errors.reduce((a, b) => a + b, 0) / errors.length,
    examples,
  };
}

export async function report(result: MemoryResult, out: string): Promise<void> {
  const first = result.losses.slice(0, 10).reduce((a, b) => a + b, 0) / 10;
  const last = result.losses.slice(-10).reduce((a, b) => a + b, 0) / 10;
  console.log(
    `loss ${first.toFixed(4)} -> ${last.toFixed(5)} in ${result.losses.length} steps (${result.seconds.toFixed(1)} s)`,
  );
  console.log(
    `held-out read steps answered within 0.1: ${(100 * result.accuracy).toFixed(1)}%, mean error ${result.meanAbsError.toFixed(4)}`,
  );
  console.log(`  stored   predicted`);
  for (const [stored, predicted] of result.examples)
    console.log(`  ${stored.toFixed(2).padStart(6)}   ${predicted.toFixed(3).padStart(8)}`);
  const files = [
    await plotLoss(result.losses, path.join(out, 'loss.svg'), 'Memory task: training loss'),
    await plotFlow(
      result.flow[0],
      path.join(out, 'gradient-flow.svg'),
      'Memory task: gradient flow through time (last step)',
    ),
  ];
  console.log(`plots: ${files.join(', ')}`);
}

async function main(): Promise<void> {
  const backend = await setupBackend();
  const cell = cellFlag(flag('cell'));
  console.log(`memory task, ${cell.toUpperCase()}, on the '${backend}' backend`);
  const result = trainMemory({ epochs: Number(flag('epochs') ?? 12), seed: Number(flag('seed') ?? 1), cell });
  await report(result, flag('out') ?? path.join('runs', 'memory'));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
