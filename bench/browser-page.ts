/**
 * The browser bench's page (bundled by bench/browser.ts as an app would bundle tfjs-lstm): on one
 * tfjs backend, the forward pass and the training step (forward, backward, Adam on
 * mean(output^2)) of tfjs-lstm's LSTM (or GRU, `cell: 'gru'`) and of tf.layers.lstm (gru)
 * (recurrentActivation sigmoid), the same sizes, interleaved in rounds, each timed call after an
 * untimed one; and one streaming step (LSTMCell or GRUCell, batch 1). For the GRU also its
 * composed ops (the flag TFJSLSTM_FUSED_KERNELS off), the "before" of its webgl program. Results
 * read back with `data()`, so that a GPU backend's time is counted.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { GRU, GRUCell, LSTM, LSTMCell } from 'tfjs-lstm';

export interface BenchSizes {
  batch: number;
  steps: number;
  inputSize: number;
  hidden: number;
  /** Default 'lstm'. */
  cell?: 'lstm' | 'gru';
}

export interface BrowserRow {
  backend: string;
  variant: string;
  forwardMs: number;
  trainMs: number;
}

declare global {
  interface Window {
    bench: { run(backend: string, sizes: BenchSizes, repeats: number): Promise<BrowserRow[]> };
  }
}

setWasmPaths('/wasm/');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(f: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

interface Variant {
  name: string;
  forward(): Promise<void>;
  train(): Promise<void>;
  dispose(): void;
}

function variant(
  name: string,
  apply: (x: tf.Tensor) => tf.Tensor,
  vars: tf.Variable[],
  x: tf.Tensor,
  fused = true,
): Variant {
  const opt = tf.train.adam(1e-3);
  // The kernels' flag for this variant's calls (tfjs reads it at each dispatch).
  const withFlag = async (f: () => Promise<void>) => {
    tf.env().set('TFJSLSTM_FUSED_KERNELS', fused);
    try {
      await f();
    } finally {
      tf.env().set('TFJSLSTM_FUSED_KERNELS', true);
    }
  };
  return {
    name,
    forward: () =>
      withFlag(async () => {
        const y = tf.tidy(() => apply(x));
        await y.data();
        y.dispose();
      }),
    train: () =>
      withFlag(async () => {
        const cost = opt.minimize(() => tf.mean(tf.square(apply(x))) as tf.Scalar, true, vars);
        await cost?.data();
        cost?.dispose();
      }),
    dispose: () => opt.dispose(),
  };
}

async function run(backend: string, sizes: BenchSizes, repeats: number): Promise<BrowserRow[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  await tf.ready();
  const x = tf.randomNormal([sizes.batch, sizes.steps, sizes.inputSize], 0, 1, 'float32', 1);
  const cell = sizes.cell ?? 'lstm';
  const options = { inputSize: sizes.inputSize, hiddenSize: sizes.hidden, batchFirst: true, seed: 1 };
  const rnn = cell === 'gru' ? new GRU(options) : new LSTM(options);
  const layer = tf.layers[cell]({ units: sizes.hidden, returnSequences: true, recurrentActivation: 'sigmoid' });
  tf.tidy(() => void layer.apply(tf.zeros([1, sizes.steps, sizes.inputSize])));
  const apply = (input: tf.Tensor) => rnn.forward(input)[0];
  const variants = [
    variant('tfjs-lstm (manual)', apply, rnn.parameters(), x),
    ...(cell === 'gru' ? [variant('tfjs-lstm (manual, composed ops)', apply, rnn.parameters(), x, false)] : []),
    variant(
      `tf.layers.${cell}`,
      (input) => layer.apply(input) as tf.Tensor,
      layer.trainableWeights.map((w) => w.read() as tf.Variable),
      x,
    ),
  ];
  const times = variants.map(() => ({ forward: [] as number[], train: [] as number[] }));
  for (let round = -1; round < repeats; round++) {
    for (const [k, v] of variants.entries()) {
      await v.forward();
      const f = await timed(() => v.forward());
      await v.train();
      const t = await timed(() => v.train());
      if (round >= 0) {
        times[k].forward.push(f);
        times[k].train.push(t);
      }
    }
  }
  const rows = variants.map((v, k) => ({
    backend,
    variant: v.name,
    forwardMs: median(times[k].forward),
    trainMs: median(times[k].train),
  }));

  // One streaming step: LSTMCell (GRUCell) at batch 1, the state carried, h read back.
  const cellOptions = { inputSize: sizes.inputSize, hiddenSize: sizes.hidden, seed: 2 };
  const stepper = cell === 'gru' ? new GRUCell(cellOptions) : new LSTMCell(cellOptions);
  const x1 = tf.randomNormal([1, sizes.inputSize], 0, 1, 'float32', 3);
  let state: tf.Tensor[] =
    cell === 'gru' ? [tf.zeros([1, sizes.hidden])] : [tf.zeros([1, sizes.hidden]), tf.zeros([1, sizes.hidden])];
  const step = async () => {
    const next =
      stepper instanceof GRUCell
        ? [stepper.forward(x1, state[0])]
        : stepper.forward(x1, state as [tf.Tensor, tf.Tensor]);
    await next[0].data();
    tf.dispose(state);
    state = next;
  };
  for (let k = 0; k < 200; k++) await step();
  const stepMs: number[] = [];
  for (let round = 0; round < repeats; round++)
    stepMs.push(
      (await timed(async () => {
        for (let k = 0; k < 50; k++) await step();
      })) / 50,
    );
  const stepName = cell === 'gru' ? 'GRUCell' : 'LSTMCell';
  rows.push({ backend, variant: `tfjs-lstm, one ${stepName} step, batch 1`, forwardMs: median(stepMs), trainMs: NaN });

  tf.dispose([x, x1, ...state]);
  variants.forEach((v) => v.dispose());
  rnn.dispose();
  stepper.dispose();
  layer.dispose();
  return rows;
}

window.bench = { run };
