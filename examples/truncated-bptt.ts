/**
 * Truncated backpropagation through time on a long stream: 16 parallel streams of 20,000 steps,
 * a delayed echo of a random signal (the target at step t is the input at step t - 5), learned in
 * chunks of 40 steps. Each chunk starts from the state the previous chunk ended in, detached (what
 * PyTorch users write as `h.detach()`), so no gradient crosses a cut and memory stays that of one
 * chunk however long the stream.
 *
 *   npx tsx examples/truncated-bptt.ts [--backend cpu|wasm|tensorflow] [--chunks 500]
 */
import * as tf from '@tensorflow/tfjs';
import { detachState, type LSTM } from 'tfjs-lstm';

import { flag, setupBackend } from './backend';
import { SequenceRegressor } from './lib/model';
import { progress } from './lib/progress';
import { Rng } from './lib/rng';

const STREAMS = 16;
const CHUNK = 40;
const DELAY = 5;

async function main(): Promise<void> {
  const backend = await setupBackend();
  const chunks = Number(flag('chunks') ?? 500);
  const rng = new Rng(Number(flag('seed') ?? 1));
  const stream = Float32Array.from({ length: (chunks * CHUNK + DELAY) * STREAMS }, () => rng.uniform(-1, 1));
  // Step s of stream b is stream[s * STREAMS + b]; the first DELAY steps only feed the echo.
  const chunkAt = (k: number) =>
    tf.tidy(() => {
      const from = DELAY + k * CHUNK;
      const x = tf.tensor3d(stream.subarray(from * STREAMS, (from + CHUNK) * STREAMS), [CHUNK, STREAMS, 1]);
      const y = tf.tensor3d(stream.subarray((from - DELAY) * STREAMS, (from - DELAY + CHUNK) * STREAMS), [
        CHUNK,
        STREAMS,
        1,
      ]);
      return { x, y };
    });

  const model = new SequenceRegressor({ inputSize: 1, hiddenSize: 24, seed: 1 });
  const lstm = model.rnn as LSTM; // the default cell, whose state is [h, c]
  const optimizer = tf.train.adam(0.01);
  let state: [tf.Tensor, tf.Tensor] | null = null;
  const bar = progress(`truncated BPTT on '${backend}'`, chunks);
  const losses: number[] = [];
  for (let k = 0; k < chunks; k++) {
    const { x, y } = chunkAt(k);
    const loss = optimizer.minimize(() => {
      const [out, next] = lstm.forward(x, state);
      const [steps, batch, h] = out.shape;
      const pred = tf.add(tf.matMul(tf.reshape(out, [steps * batch, h]), model.headWeight), model.headBias);
      // The next chunk starts where this one ended, with no gradient flowing back across the cut.
      tf.dispose(state ?? []);
      state = detachState(next as [tf.Tensor, tf.Tensor]).map((t) => tf.keep(t)) as [tf.Tensor, tf.Tensor];
      return tf.mean(tf.square(tf.sub(pred, tf.reshape(y, [steps * batch, 1])))) as tf.Scalar;
    }, true) as tf.Scalar;
    losses.push(loss.dataSync()[0]);
    bar.update(k + 1, losses[k]);
    tf.dispose([x, y, loss]);
  }
  bar.stop();
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  console.log(
    `echo of the input ${DELAY} steps back, over ${chunks * CHUNK} steps in chunks of ${CHUNK}: ` +
      `loss ${mean(losses.slice(0, 10)).toFixed(4)} (first 10 chunks) -> ${mean(losses.slice(-10)).toFixed(5)} (last 10); ` +
      `predicting 0 would score ${(1 / 3).toFixed(4)}`,
  );
  tf.dispose(state ?? []);
  model.dispose();
  optimizer.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
