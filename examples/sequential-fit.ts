/**
 * TorchLSTM as a drop-in tfjs layer: a tf.sequential model trained with model.fit on a toy task
 * (predict the running mean of a noisy signal), saved to disk and loaded back.
 *
 *   npx tsx examples/sequential-fit.ts [--backend cpu|wasm|tensorflow] [--epochs 20]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { torchLSTM } from 'tfjs-lstm';
import { fileSystem } from 'tfjs-lstm/node';

import { flag, setupBackend } from './backend';

async function main(): Promise<void> {
  const backend = await setupBackend();
  const epochs = Number(flag('epochs') ?? 20);

  // 256 sequences of 20 steps; the target is the mean of the first channel.
  const x = tf.randomNormal([256, 20, 3], 0, 1, 'float32', 1);
  const y = tf.mean(tf.slice(x, [0, 0, 0], [256, 20, 1]), 1);

  const model = tf.sequential({
    layers: [
      torchLSTM({ hiddenSize: 32, inputShape: [null, 3] }), // PyTorch's nn.LSTM(3, 32), batch-major
      tf.layers.dense({ units: 1 }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  model.summary();

  console.log(`training on the '${backend}' backend`);
  await model.fit(x, y, {
    epochs,
    batchSize: 32,
    validationSplit: 0.25,
    verbose: 0,
    callbacks: {
      onEpochEnd: (epoch, logs) =>
        console.log(`epoch ${epoch + 1}: loss ${logs?.loss.toFixed(4)}, val_loss ${logs?.val_loss.toFixed(4)}`),
    },
  });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-lstm-example-'));
  await model.save(fileSystem(dir));
  const loaded = await tf.loadLayersModel(fileSystem(dir));
  const sample = tf.slice(x, [0, 0, 0], [4, 20, 3]);
  const a = (model.predict(sample) as tf.Tensor).dataSync();
  const b = (loaded.predict(sample) as tf.Tensor).dataSync();
  console.log(`saved to ${dir} and loaded back: predictions identical = ${a.every((v, k) => v === b[k])}`);
  console.log(`targets     ${Array.from(tf.slice(y, [0, 0], [4, 1]).dataSync(), (v) => v.toFixed(3)).join(' ')}`);
  console.log(`predictions ${Array.from(a, (v) => v.toFixed(3)).join(' ')}`);
  fs.rmSync(dir, { recursive: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
