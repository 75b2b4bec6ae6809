/**
 * The adding problem (Hochreiter and Schmidhuber, 1997) at sequence length 100: add the two
 * values marked in a long sequence. A model that cannot carry the first value across half the
 * sequence is stuck at the trivial baseline (always answer 1: mean squared error 1/6); an LSTM
 * gets through, typically after a long plateau. Writes the loss curve and the gradient-flow
 * report as SVG plots.
 *
 *   npx tsx examples/train-adding.ts [--backend cpu|wasm|tensorflow] [--epochs 20] [--length 100] [--seed 2] [--cell lstm|gru]
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { flag, setupBackend } from './backend';
import { CellKind, cellFlag, SequenceRegressor } from './lib/model';
import { plotFlow, plotLoss } from './lib/plot';
import { Rng } from './lib/rng';
import { ADDING_BASELINE_MSE, addingBatch } from './lib/tasks';
import { train, TrainResult } from './lib/train';

export interface AddingOptions {
  epochs?: number;
  stepsPerEpoch?: number;
  length?: number;
  seed?: number;
  hiddenSize?: number;
  batchSize?: number;
  learningRate?: number;
  quiet?: boolean;
  /** The recurrent layer: 'lstm' (the default) or 'gru'. */
  cell?: CellKind;
}

export interface AddingResult extends TrainResult {
  /** Mean squared error on 512 held-out sequences, and the trivial baseline's. */
  testMse: number;
  baselineMse: number;
}

/** Trains on the adding problem and evaluates on held-out sequences. Deterministic for a seed. */
export function trainAdding(options: AddingOptions = {}): AddingResult {
  const seed = options.seed ?? 2;
  const length = options.length ?? 100;
  const rng = new Rng(seed);
  const model = new SequenceRegressor({ inputSize: 2, hiddenSize: options.hiddenSize ?? 32, seed, cell: options.cell });
  const result = train({
    steps: (options.epochs ?? 20) * (options.stepsPerEpoch ?? 100),
    learningRate: options.learningRate ?? 0.003,
    variables: model.variables(),
    label: `adding problem, T=${length}`,
    quiet: options.quiet,
    loss: () =>
      tf.tidy(() => {
        const { x, y } = addingBatch(rng, options.batchSize ?? 64, length);
        return tf.mean(tf.square(tf.sub(model.lastStep(x), y))) as tf.Scalar;
      }),
  });
  const test = addingBatch(new Rng(seed + 1000), 512, length);
  const testMse = tf.tidy(() => tf.mean(tf.square(tf.sub(model.lastStep(test.x), test.y))).dataSync()[0]);
  tf.dispose([test.x, test.y]);
  model.dispose();
  return { ...result, testMse, baselineMse: ADDING_BASELINE_MSE };
}

async function main(): Promise<void> {
  const backend = await setupBackend();
  const length = Number(flag('length') ?? 100);
  const cell = cellFlag(flag('cell'));
  console.log(`adding problem, sequence length ${length}, ${cell.toUpperCase()}, on the '${backend}' backend`);
  const result = trainAdding({ epochs: Number(flag('epochs') ?? 20), length, seed: Number(flag('seed') ?? 2), cell });
  console.log(
    `held-out mean squared error ${result.testMse.toFixed(5)} vs the trivial baseline's ${result.baselineMse.toFixed(4)} ` +
      `(${(result.baselineMse / result.testMse).toFixed(1)}x lower), ${result.seconds.toFixed(1)} s`,
  );
  const out = flag('out') ?? path.join('runs', 'adding');
  const files = [
    await plotLoss(result.losses, path.join(out, 'loss.svg'), `Adding problem, T=${length}: training loss`, {
      value: ADDING_BASELINE_MSE,
      label: 'baseline (always 1)',
    }),
    await plotFlow(result.flow[0], path.join(out, 'gradient-flow.svg'), `Adding problem, T=${length}: gradient flow`),
  ];
  console.log(`plots: ${files.join(', ')}`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
