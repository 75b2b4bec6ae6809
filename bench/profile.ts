/**
 * Where a training step's and a forward pass's time goes, kernel by kernel: every kernel of the
 * backend is wrapped with a timer, and the totals per call are printed. Nested kernels count in
 * their callers too (the fused forward's total includes the _FusedMatMul and Sigmoid it runs).
 * The same layer and sizes as `npm run bench`.
 *
 *   npx tsx bench/profile.ts                 # wasm
 *   npx tsx bench/profile.ts --threads 2     # wasm, multi-threaded (useThreadedWasm)
 *   npx tsx bench/profile.ts --backend cpu --steps 5
 *   npx tsx bench/profile.ts --backend tensorflow  # BlockLSTMV2 / BlockLSTMGradV2 as TfjsLstmBlock*
 */
import * as tf from '@tensorflow/tfjs';

import { LSTM } from '../src';
import { flag, setupBackend } from '../examples/backend';

type KernelFunc = tf.KernelConfig['kernelFunc'];

/** Wraps each kernel of `backend` so that its time adds up in the returned map. */
function timeKernels(backend: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const config of tf.getKernelsForBackend(backend)) {
    const run: KernelFunc = config.kernelFunc;
    (config as { kernelFunc: KernelFunc }).kernelFunc = (args) => {
      const t0 = performance.now();
      const out = run(args);
      totals.set(config.kernelName, (totals.get(config.kernelName) ?? 0) + performance.now() - t0);
      return out;
    };
  }
  return totals;
}

/** The backend kernels that multiply matrices (nested in the fused kernels' totals). */
const PRODUCTS = ['BatchMatMul', '_FusedMatMul', 'MatMul'];

function report(label: string, ms: number, totals: Map<string, number>, calls: number): void {
  const products = PRODUCTS.reduce((sum, name) => sum + (totals.get(name) ?? 0), 0);
  const outside = products > 0 ? `, ${((ms - products) / calls).toFixed(1)} ms of it outside the matrix products` : '';
  console.log(`${label}: ${(ms / calls).toFixed(1)} ms per call${outside}`);
  [...totals]
    .sort((a, b) => b[1] - a[1])
    .filter(([, t]) => t / calls >= 0.05)
    .forEach(([name, t]) => console.log(`  ${name.padEnd(22)} ${(t / calls).toFixed(2).padStart(8)} ms`));
  totals.clear();
}

async function main(): Promise<void> {
  const backend = await setupBackend(flag('backend') ?? 'wasm');
  const calls = Number(flag('steps') ?? 20);
  const rnn = new LSTM({ inputSize: 64, hiddenSize: 128, batchFirst: true, seed: 1 });
  const x = tf.randomNormal([32, 100, 64], 0, 1, 'float32', 1);
  const opt = tf.train.adam(1e-3);
  const train = () =>
    tf.tidy(() => {
      const loss = opt.minimize(() => tf.mean(tf.square(rnn.forward(x)[0])) as tf.Scalar, true, rnn.parameters());
      loss?.dataSync();
    });
  const forward = () => tf.tidy(() => void rnn.forward(x)[0].dataSync());
  for (let k = 0; k < 5; k++) {
    train();
    forward();
  }
  const totals = timeKernels(backend);
  let t0 = performance.now();
  for (let k = 0; k < calls; k++) train();
  report(`${backend} training step`, performance.now() - t0, totals, calls);
  t0 = performance.now();
  for (let k = 0; k < calls; k++) forward();
  report(`${backend} forward`, performance.now() - t0, totals, calls);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
