/**
 * `npm run bench`: times a forward pass and a training step (forward, backward, Adam update) of
 * tfjs-lstm's LSTM with the manual and the autodiff gradient, of tfjs-layers' `tf.layers.lstm`
 * (recurrentActivation 'sigmoid', the same sizes and backend) and, where it is installed, of
 * PyTorch on the same machine. Reports medians and the ratios between them.
 *
 *   npm run bench                                   # wasm and cpu, batch 32, seq 100, in 64, hidden 128
 *   npm run bench -- --backends wasm --repeats 20
 *   npm run bench -- --batch 16 --steps 400 --hidden 256
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { LSTM } from '../src';
import { flag, setupBackend } from '../examples/backend';

interface Sizes {
  batch: number;
  steps: number;
  inputSize: number;
  hidden: number;
}

interface Row {
  backend: string;
  variant: string;
  forwardMs: number;
  trainMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeIt(f: () => void, repeats: number): Promise<number> {
  for (let k = 0; k < 2; k++) f();
  const times: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** A forward and a training step of a model `apply` over `vars`, on loss = mean(output^2). */
async function measure(apply: (x: tf.Tensor) => tf.Tensor, vars: tf.Variable[], sizes: Sizes, repeats: number) {
  const x = tf.randomNormal([sizes.batch, sizes.steps, sizes.inputSize], 0, 1, 'float32', 1);
  const opt = tf.train.adam(1e-3);
  const forward = () => tf.tidy(() => void apply(x).dataSync());
  const train = () =>
    tf.tidy(() => {
      const loss = opt.minimize(() => tf.mean(tf.square(apply(x))) as tf.Scalar, true, vars);
      loss?.dataSync();
    });
  const forwardMs = await timeIt(forward, repeats);
  const trainMs = await timeIt(train, repeats);
  opt.dispose();
  x.dispose();
  return { forwardMs, trainMs };
}

async function benchBackend(backend: string, sizes: Sizes, repeats: number): Promise<Row[]> {
  await setupBackend(backend);
  const rows: Row[] = [];
  for (const gradient of ['manual', 'autodiff'] as const) {
    const rnn = new LSTM({ inputSize: sizes.inputSize, hiddenSize: sizes.hidden, batchFirst: true, gradient, seed: 1 });
    const r = await measure((x) => rnn.forward(x)[0], rnn.parameters(), sizes, repeats);
    rows.push({ backend, variant: `tfjs-lstm (${gradient})`, ...r });
    rnn.dispose();
  }
  const layer = tf.layers.lstm({ units: sizes.hidden, returnSequences: true, recurrentActivation: 'sigmoid' });
  tf.tidy(() => void layer.apply(tf.zeros([1, sizes.steps, sizes.inputSize]))); // builds the weights
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const r = await measure((x) => layer.apply(x) as tf.Tensor, vars, sizes, repeats);
  rows.push({ backend, variant: 'tf.layers.lstm', ...r });
  layer.dispose();
  return rows;
}

function benchTorch(sizes: Sizes, repeats: number): Row | null {
  const python = '/usr/bin/python3';
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    console.log('PyTorch: not installed (apt-get install -y python3-torch libopenblas0-pthread); its row is skipped');
    return null;
  }
  const args = [sizes.batch, sizes.steps, sizes.inputSize, sizes.hidden, repeats, 2].map(String);
  const out = execFileSync(python, [path.join(__dirname, 'torch_bench.py'), ...args]).toString();
  const r = JSON.parse(out) as { torch: string; threads: number; forwardMs: number[]; trainMs: number[] };
  return {
    backend: `cpu, ${r.threads} threads`,
    variant: `PyTorch ${r.torch}`,
    forwardMs: median(r.forwardMs),
    trainMs: median(r.trainMs),
  };
}

function table(rows: Row[], torch: Row | null): string {
  const lines = [
    '| backend | variant | forward ms | training step ms | training vs tf.layers.lstm | training vs PyTorch |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const peer = rows.find((p) => p.backend === r.backend && p.variant === 'tf.layers.lstm') as Row;
    const vsLayers = `${(peer.trainMs / r.trainMs).toFixed(2)}x faster`;
    const vsTorch = torch ? `${(r.trainMs / torch.trainMs).toFixed(2)}x slower` : 'n/a';
    lines.push(
      `| ${r.backend} | ${r.variant} | ${r.forwardMs.toFixed(1)} | ${r.trainMs.toFixed(1)} | ${vsLayers} | ${vsTorch} |`,
    );
  }
  if (torch)
    lines.push(
      `| ${torch.backend} | ${torch.variant} | ${torch.forwardMs.toFixed(1)} | ${torch.trainMs.toFixed(1)} | | |`,
    );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const sizes: Sizes = {
    batch: Number(flag('batch') ?? 32),
    steps: Number(flag('steps') ?? 100),
    inputSize: Number(flag('input') ?? 64),
    hidden: Number(flag('hidden') ?? 128),
  };
  const repeats = Number(flag('repeats') ?? 7);
  const backends = (flag('backends') ?? 'wasm,cpu').split(',');
  console.log(
    `batch ${sizes.batch}, sequence ${sizes.steps}, input ${sizes.inputSize}, hidden ${sizes.hidden}; medians of ${repeats}`,
  );
  const rows: Row[] = [];
  for (const backend of backends) rows.push(...(await benchBackend(backend, sizes, repeats)));
  const torch = benchTorch(sizes, repeats);
  const report = table(rows, torch);
  console.log(`\n${report}`);
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'latest.md'), `${report}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
