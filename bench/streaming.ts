/**
 * The streaming rows of `npm run bench`: what one prediction costs when it is small, where the
 * fixed cost of each call, not arithmetic, decides. Three works, input 64, hidden 128, one layer:
 *
 * - one step at batch 1, the state carried from call to call (a sensor reading, an audio frame);
 * - one sequence of T = 100 at batch 1;
 * - batch 32, T = 100 (the training benchmark's forward).
 *
 * Runtimes, each given the same PyTorch weights and each call's output read back to JavaScript:
 * tfjs-lstm (`LSTMCell.forward` for the step, `LSTM.forward` for sequences), tfjs-layers
 * (`tf.layers.lstmCell` / `tf.layers.lstm`, recurrentActivation sigmoid, on the same backend), and,
 * where `npm run bench:peers` installed them, onnxruntime-web (its wasm, in Node) and
 * onnxruntime-node running `torch.onnx.export` of the same `nn.LSTM` (scripts/export-onnx.py).
 * Runtimes run interleaved, in rounds, after a longer untimed round; each reports the median over
 * rounds of its mean per call.
 * The agreement line gives each runtime's largest difference from PyTorch's own output on the
 * golden file's input.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import * as tf from '@tensorflow/tfjs';

import { LSTM, LSTMCell } from '../src';
import { loadGolden } from '../src/testing/node';

const INPUT = 64;
const HIDDEN = 128;
const MODELS = path.join(__dirname, 'models');
const PEERS = path.join(__dirname, 'peers', 'node_modules');

export interface StreamRow {
  backend: string;
  work: string;
  runtime: string;
  ms: number;
}

interface Work {
  name: string;
  steps: number;
  batch: number;
  /** Calls per timed run (a round). */
  calls: number;
  /** Calls of the untimed first round. */
  warmup: number;
}

const WORKS: Work[] = [
  { name: 'one step, batch 1', steps: 1, batch: 1, calls: 2000, warmup: 10000 },
  { name: 'T=100, batch 1', steps: 100, batch: 1, calls: 40, warmup: 200 },
  { name: 'batch 32, T=100', steps: 100, batch: 32, calls: 2, warmup: 2 },
];

/** A runtime set up for one work: `call` runs one call (carrying the state for the step). */
interface Runner {
  runtime: string;
  call: () => Promise<void> | void;
  dispose: () => void;
}

/** ONNX Runtime's JavaScript API, as both packages share it (onnxruntime-common). */
interface Ort {
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options?: object): Promise<OrtSession> };
  env?: { wasm: { numThreads: number } };
}
interface OrtTensor {
  data: Float32Array;
  dims: readonly number[];
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
}

/** The PyTorch weights and reference run (scripts/export-onnx.py), or null without them. */
function golden() {
  const file = path.join(MODELS, 'lstm-i64-h128.safetensors');
  return fs.existsSync(file) ? loadGolden(file) : null;
}

/** onnxruntime-web and -node from bench/peers, each null where not installed. */
async function loadOrt(threads: number): Promise<{ name: string; ort: Ort; options: object }[]> {
  const found: { name: string; ort: Ort; options: object }[] = [];
  const web = path.join(PEERS, 'onnxruntime-web', 'dist', 'ort.node.min.mjs');
  if (fs.existsSync(web)) {
    const ort = (await import(pathToFileURL(web).href)) as Ort;
    if (ort.env) ort.env.wasm.numThreads = threads;
    found.push({ name: 'onnxruntime-web', ort, options: { executionProviders: ['wasm'] } });
  }
  const node = path.join(PEERS, 'onnxruntime-node');
  if (fs.existsSync(node)) {
    const ort = require(node) as Ort;
    found.push({ name: 'onnxruntime-node', ort, options: { intraOpNumThreads: threads, interOpNumThreads: 1 } });
  }
  return found;
}

/** tfjs-lstm's modules and tf.layers' with the golden weights (or seeded random ones). */
function tfjsModels(weights: Record<string, tf.Tensor> | null) {
  const lstm = new LSTM({ inputSize: INPUT, hiddenSize: HIDDEN, seed: 1 });
  if (weights) lstm.loadStateDict(weights);
  const cell = new LSTMCell({ inputSize: INPUT, hiddenSize: HIDDEN });
  const dict = lstm.stateDict();
  cell.loadStateDict(Object.fromEntries(Object.entries(dict).map(([k, v]) => [k.replace(/_l0$/, ''), v])));
  // Keras' layout: kernel W_ih^T, recurrent kernel W_hh^T, one bias; the gate order i, f, c, o is PyTorch's.
  const keras = tf.tidy(() => [
    tf.transpose(dict.weight_ih_l0),
    tf.transpose(dict.weight_hh_l0),
    tf.add(dict.bias_ih_l0, dict.bias_hh_l0),
  ]);
  tf.dispose(Object.values(dict));
  const layersCell = tf.layers.lstmCell({ units: HIDDEN, recurrentActivation: 'sigmoid' });
  layersCell.build([null, INPUT]);
  layersCell.setWeights(keras);
  const layersLstm = tf.layers.lstm({ units: HIDDEN, recurrentActivation: 'sigmoid', returnSequences: true });
  tf.tidy(() => void layersLstm.apply(tf.zeros([1, 1, INPUT])));
  layersLstm.setWeights(keras);
  tf.dispose(keras);
  return { lstm, cell, layersCell, layersLstm };
}

type Models = ReturnType<typeof tfjsModels>;

/** The runners of one work: tfjs-lstm, tf.layers, then each ONNX Runtime found. */
async function runners(work: Work, models: Models, sessions: { name: string; session: OrtSession; ort: Ort }[]) {
  const { steps, batch } = work;
  const x = tf.randomNormal([steps, batch, INPUT], 0, 1, 'float32', 2);
  const xBatchMajor = tf.transpose(x, [1, 0, 2]);
  const xValues = x.dataSync() as Float32Array;
  const list: Runner[] = [];
  if (steps === 1) {
    const x2 = tf.reshape(x, [batch, INPUT]);
    let state = [tf.zeros([batch, HIDDEN]), tf.zeros([batch, HIDDEN])];
    list.push({
      runtime: 'tfjs-lstm',
      call: () => {
        const next = models.cell.forward(x2, state as [tf.Tensor, tf.Tensor]);
        next[0].dataSync();
        tf.dispose(state);
        state = next;
      },
      dispose: () => tf.dispose([...state, x2]),
    });
    let layersState = [tf.zeros([batch, HIDDEN]), tf.zeros([batch, HIDDEN])];
    list.push({
      runtime: 'tf.layers',
      call: () => {
        // Keras' cells return [h, h, c]: the output is the new h.
        const [, h, c] = tf.tidy(() => models.layersCell.call([x2, ...layersState], {}) as tf.Tensor[]);
        h.dataSync();
        tf.dispose(layersState);
        layersState = [h, c];
      },
      dispose: () => tf.dispose(layersState),
    });
  } else {
    list.push({
      runtime: 'tfjs-lstm',
      call: () => {
        const [output, [h, c]] = models.lstm.forward(x);
        output.dataSync();
        tf.dispose([output, h, c]);
      },
      dispose: () => undefined,
    });
    list.push({
      runtime: 'tf.layers',
      call: () => {
        const output = models.layersLstm.apply(xBatchMajor) as tf.Tensor;
        output.dataSync();
        output.dispose();
      },
      dispose: () => undefined,
    });
  }
  for (const { name, session, ort } of sessions) {
    const feeds: Record<string, OrtTensor> = {
      input: new ort.Tensor('float32', xValues, [steps, batch, INPUT]),
      h0: new ort.Tensor('float32', new Float32Array(batch * HIDDEN), [1, batch, HIDDEN]),
      c0: new ort.Tensor('float32', new Float32Array(batch * HIDDEN), [1, batch, HIDDEN]),
    };
    list.push({
      runtime: name,
      call: async () => {
        const out = await session.run(feeds);
        // The step carries its state; a sequence starts from zeros each time.
        if (steps === 1) [feeds.h0, feeds.c0] = [out.hn, out.cn];
      },
      dispose: () => undefined,
    });
  }
  return { list, dispose: () => tf.dispose([x, xBatchMajor]) };
}

/** Each runtime's largest difference from PyTorch's output on the golden file's input. */
async function agreement(
  g: NonNullable<ReturnType<typeof golden>>,
  models: Models,
  sessions: { name: string; session: OrtSession; ort: Ort }[],
): Promise<string> {
  const [x, h0, c0] = g.inputs;
  const expected = g.outputs[0].dataSync();
  const maxDiff = (values: ArrayLike<number>) => {
    let worst = 0;
    for (let k = 0; k < expected.length; k++) worst = Math.max(worst, Math.abs(values[k] - expected[k]));
    return worst.toExponential(1);
  };
  const parts: string[] = [];
  const ours = models.lstm.forward(x, [h0, c0]).flat();
  parts.push(`tfjs-lstm ${maxDiff(ours[0].dataSync())}`);
  tf.dispose(ours);
  const theirs = tf.tidy(() => {
    const states = [h0, c0].map((s) => tf.squeeze(s, [0]));
    const out = models.layersLstm.apply(tf.transpose(x, [1, 0, 2]), { initialState: states }) as tf.Tensor;
    return tf.transpose(out, [1, 0, 2]);
  });
  parts.push(`tf.layers ${maxDiff(theirs.dataSync())}`);
  theirs.dispose();
  for (const { name, session, ort } of sessions) {
    const feed = (t: tf.Tensor) => new ort.Tensor('float32', t.dataSync() as Float32Array, t.shape);
    const out = await session.run({ input: feed(x), h0: feed(h0), c0: feed(c0) });
    parts.push(`${name} ${maxDiff(out.output.data)}`);
  }
  return `largest difference from PyTorch's output (golden input [5, 2, 64]): ${parts.join(', ')}`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Which runtimes a process runs: all of them, or only tfjs (tfjs-lstm and tf.layers) or only ONNX
 * Runtime. The multi-threaded rows take two processes: onnxruntime-web loaded beside the
 * multi-threaded wasm backend breaks that backend's heap views (its own kernels would read the
 * wrong memory; tfjs-lstm's SIMD loops check, and throw).
 */
export type Runtimes = 'all' | 'tfjs' | 'ort';

/**
 * The streaming rows on the current tfjs backend, `label` naming it (with its threads), with the
 * ONNX runtimes on `threads` threads; and the agreement line. Notes what is missing.
 */
export async function streamingRows(
  label: string,
  threads: number,
  repeats: number,
  runtimes: Runtimes = 'all',
): Promise<{ rows: StreamRow[]; notes: string[] }> {
  const notes: string[] = [];
  const g = golden();
  if (!g) notes.push('no bench/models/ (npm run bench:peers makes them): random weights, no ONNX Runtime rows');
  const models = tfjsModels(g ? g.state : null);
  const sessions: { name: string; session: OrtSession; ort: Ort }[] = [];
  if (g && runtimes !== 'tfjs') {
    const found = await loadOrt(threads);
    if (!found.length)
      notes.push('onnxruntime-web and -node are not installed (npm run bench:peers): their rows are skipped');
    const model = new Uint8Array(fs.readFileSync(path.join(MODELS, 'lstm-i64-h128.onnx')));
    for (const { name, ort, options } of found) {
      sessions.push({ name, ort, session: await ort.InferenceSession.create(model, options) });
    }
  }
  if (g && runtimes === 'all') notes.push(await agreement(g, models, sessions));
  const rows: StreamRow[] = [];
  for (const work of WORKS) {
    const made = await runners(work, models, sessions);
    const list = made.list.filter((r) => runtimes === 'all' || (runtimes === 'ort') === r.runtime.startsWith('onnx'));
    const dispose = () => {
      made.list.forEach((r) => r.dispose());
      made.dispose();
    };
    const times = list.map(() => [] as number[]);
    for (let round = -1; round < repeats; round++) {
      for (const [k, r] of list.entries()) {
        // The first round warms up: a streaming step reaches its steady speed (JIT, allocator) only
        // after thousands of calls, in every runtime.
        const calls = round < 0 ? work.warmup : work.calls;
        const t0 = performance.now();
        for (let c = 0; c < calls; c++) await r.call();
        if (round >= 0) times[k].push((performance.now() - t0) / work.calls);
      }
    }
    list.forEach((r, k) => rows.push({ backend: label, work: work.name, runtime: r.runtime, ms: median(times[k]) }));
    dispose();
  }
  [models.lstm, models.cell, models.layersLstm].forEach((m) => m.dispose());
  // Layer.dispose refuses a layer that was built but never applied: its weights directly.
  models.layersCell.weights.forEach((w) => w.dispose());
  g?.dispose();
  return { rows, notes };
}

/** The rows as a table: ms per call, and each runtime's time over onnxruntime-web's and tf.layers'. */
export function streamingTable(rows: StreamRow[]): string {
  const lines = [
    '| backend | work | runtime | ms per call | / onnxruntime-web | / tf.layers |',
    '|---|---|---|---:|---:|---:|',
  ];
  for (const r of rows) {
    const same = (runtime: string) =>
      rows.find((p) => p.backend === r.backend && p.work === r.work && p.runtime === runtime);
    const ratio = (peer?: StreamRow) => (peer ? `${(r.ms / peer.ms).toFixed(2)}x` : 'n/a');
    lines.push(
      `| ${r.backend} | ${r.work} | ${r.runtime} | ${r.ms < 1 ? r.ms.toFixed(4) : r.ms.toFixed(2)} | ${ratio(same('onnxruntime-web'))} | ${ratio(same('tf.layers'))} |`,
    );
  }
  return lines.join('\n');
}
