/**
 * The exercise tfjs-lstm started from (../shared/seed-exercise.md, also in the README): one tiny
 * LSTM (input 4, hidden 1, hand-set weights) computed three ways, printed beside PyTorch's numbers.
 *
 *   npm start                      # or: npx tsx examples/seed-exercise.ts --backend cpu
 */
import * as tf from '@tensorflow/tfjs';
import { LSTM, LSTMCell } from 'tfjs-lstm';

import * as path from 'path';

import { setupBackend } from './backend';
import { report, trainMemory } from './train-memory';

/** Nine steps of input 4: x[0] is the value, x[1] = 1 stores it, x[2] = 1 reads it out. */
export const X = [
  [1, 0, 0, 1],
  [3, 1, 0, 1],
  [2, 0, 0, 1],
  [4, 1, 0, 1],
  [2, 0, 0, 1],
  [1, 0, 1, 1],
  [3, -1, 0, 1],
  [6, 1, 0, 1],
  [1, 0, 1, 1],
];

/** The hand-set weights in PyTorch's layout: rows i, f, g, o. */
export const WEIGHT_IH = [
  [0, 100, 0, -10], // input gate: open when x[1] = 1
  [0, 100, 0, 10], // forget gate: keep unless x[1] = -1
  [1, 0, 0, 0], // candidate: the value x[0]
  [0, 0, 100, -10], // output gate: open when x[2] = 1
];

/** What PyTorch 1.13 prints for parts 2 and 3, with both biases zero (the seed exercise). */
export const PYTORCH = {
  output: [1.5696e-9, 3.4481e-5, 3.4481e-5, 4.3747e-5, 4.3747e-5, 0.963624, 0.0, 3.4575e-5, 0.761584],
  hN: 0.761584,
  cN: 0.999977,
};

const dot = (w: number[], x: number[]) => w.reduce((s, wk, k) => s + wk * x[k], 0);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Part 1: the operator by hand, with rounded (0 or 1) sigmoid gates: the "ideal" LSTM. */
export function part1(): number[] {
  const [wi, wf, wg, wo] = WEIGHT_IH;
  let c = 0;
  return X.map((x) => {
    const g = Math.tanh(dot(wg, x));
    const i = Math.round(sigmoid(dot(wi, x)));
    const f = Math.round(sigmoid(dot(wf, x)));
    const o = Math.round(sigmoid(dot(wo, x)));
    c = f * c + i * g;
    return Math.round(o * Math.tanh(c) * 100) / 100 + 0; // + 0 turns -0 into 0
  });
}

const stateDict = {
  weight_ih: WEIGHT_IH,
  weight_hh: [[0], [0], [0], [0]],
  bias_ih: [0, 0, 0, 0],
  bias_hh: [0, 0, 0, 0],
};

export interface Run {
  output: number[];
  hN: number;
  cN: number;
}

/** Part 2: `LSTMCell` in a loop over time, h and c carried by hand. */
export function part2(): Run {
  const cell = new LSTMCell({ inputSize: 4, hiddenSize: 1 });
  cell.loadStateDict(stateDict);
  let state: [tf.Tensor, tf.Tensor] | undefined;
  const output: number[] = [];
  for (const row of X) {
    const x = tf.tensor2d([row]);
    const next = cell.forward(x, state);
    tf.dispose([x, ...(state ?? [])]);
    state = next;
    output.push(next[0].dataSync()[0]);
  }
  const [h, c] = state as [tf.Tensor, tf.Tensor];
  const run = { output, hN: h.dataSync()[0], cN: c.dataSync()[0] };
  tf.dispose([h, c]);
  cell.dispose();
  return run;
}

/** Part 3: `LSTM` with `batchFirst` on the whole sequence at once. */
export function part3(): Run {
  const rnn = new LSTM({ inputSize: 4, hiddenSize: 1, batchFirst: true });
  rnn.loadStateDict(Object.fromEntries(Object.entries(stateDict).map(([k, v]) => [`${k}_l0`, v])));
  const x = tf.tensor3d([X]); // [batch 1, 9 steps, 4]
  const [output, [hN, cN]] = rnn.forward(x);
  const run = { output: Array.from(output.dataSync()), hN: hN.dataSync()[0], cN: cN.dataSync()[0] };
  tf.dispose([x, output, hN, cN]);
  rnn.dispose();
  return run;
}

const fmt = (v: number) => (v === 0 ? '0' : Math.abs(v) < 1e-3 ? v.toExponential(4) : v.toFixed(6)).padStart(12);
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, k) => Math.abs(v - b[k])));

async function main(): Promise<void> {
  const backend = await setupBackend();
  console.log(`tfjs-lstm: the seed exercise, on the tfjs '${backend}' backend\n`);

  const p1 = part1();
  const expected1 = [0, 0, 0, 0, 0, 0.96, 0, 0, 0.76];
  console.log('Part 1: the operator by hand, rounded sigmoid gates');
  console.log(`  y         = [${p1.join(', ')}]`);
  console.log(`  exercise  = [${expected1.join(', ')}]   ${maxDiff(p1, expected1) === 0 ? 'same' : 'DIFFERENT'}\n`);

  const p2 = part2();
  const p3 = part3();
  console.log('Parts 2 and 3: real sigmoid gates, zero biases');
  console.log(`  step  x              ${'LSTMCell'.padStart(12)}${'LSTM'.padStart(12)}${'PyTorch 1.13'.padStart(14)}`);
  X.forEach((x, t) => {
    const xs = `[${x.join(',')}]`.padEnd(13);
    console.log(
      `  ${String(t + 1).padStart(4)}  ${xs}${fmt(p2.output[t])}${fmt(p3.output[t])}  ${fmt(PYTORCH.output[t])}`,
    );
  });
  console.log(`  h_n${' '.repeat(17)}${fmt(p2.hN)}${fmt(p3.hN)}  ${fmt(PYTORCH.hN)}`);
  console.log(`  c_n${' '.repeat(17)}${fmt(p2.cN)}${fmt(p3.cN)}  ${fmt(PYTORCH.cN)}`);
  const d23 = maxDiff([...p2.output, p2.hN, p2.cN], [...p3.output, p3.hN, p3.cN]);
  const dTorch = maxDiff([...p3.output, p3.hN, p3.cN], [...PYTORCH.output, PYTORCH.hN, PYTORCH.cN]);
  console.log(`\n  max |LSTMCell - LSTM| = ${d23}`);
  console.log(`  max |LSTM - PyTorch|  = ${dTorch.toExponential(2)} (PyTorch's numbers as printed, 6 digits)`);

  console.log('\nAnd learned from data: an LSTM (hidden 16) and a linear head trained on random sequences');
  console.log('of the same store / forget / read task, with the hand-derived gradient:\n');
  const result = trainMemory({ epochs: 8, quiet: true });
  await report(result, path.join('runs', 'memory'));
  console.log('(the full run, with a progress bar: npx tsx examples/train-memory.ts)');
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
