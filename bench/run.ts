/**
 * `npm run bench`: times a forward pass and a training step (forward, backward, Adam update) of
 * tfjs-lstm's LSTM, then its GRU, with the manual and the autodiff gradient, of tfjs-layers'
 * `tf.layers.lstm` / `tf.layers.gru` (recurrentActivation 'sigmoid', the same sizes, backend and
 * batch-major input; tfjs-layers' GRU is reset_after=False, the same cost) and, where it is
 * installed, of PyTorch's `nn.LSTM` / `nn.GRU` on the same machine. Reports medians, ratios and
 * peak tensor memory.
 *
 * The variants run in interleaved rounds (one of each per round), so that a slow patch of the
 * machine slows all of them alike and the ratios stay fair; within a round, each timed call
 * follows an untimed one of the same variant.
 *
 * On a machine with more than one core, wasm also runs multi-threaded (`useThreadedWasm`, one
 * thread per core, at most 8), in a second process (a process has one wasm build): tfjs-lstm's
 * manual variant and tf.layers.lstm, as the rows "wasm, N threads".
 *
 *   npm run bench                                   # every backend present, batch 32, seq 100, in 64, hidden 128
 *   npm run bench -- --backends wasm --repeats 15
 *   npm run bench -- --cells gru --backends wasm     # only the GRU table (--cells lstm,gru is the default)
 *   npm run bench -- --backends wasm --threads 2    # only the wasm backend on 2 threads
 *   npm run bench -- --scaling                      # how tfjs-lstm's time grows with T and H (wasm)
 *   npm run bench -- --streaming                    # only the streaming rows (bench/streaming.ts)
 *   npm run bench -- --no-streaming                 # without them
 *
 * The streaming rows (bench/streaming.ts) follow: one step at batch 1, T = 100 at batch 1 and
 * batch 32 on wasm (one thread and every core) and cpu, beside tf.layers and, where
 * `npm run bench:peers` installed them, onnxruntime-web and onnxruntime-node on the same weights.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { GRU, LSTM } from '../src';
import { FUSED_KERNELS_FLAG, SIMD_LOOPS_FLAG } from '../src/kernels/flags';
import { flag, setupBackend } from '../examples/backend';
import { hasTfjsNode } from '../test-utils/tfjs-node';
import { peakTensorBytes } from '../test-utils/peak-memory';
import { Runtimes, StreamRow, streamingRows, streamingTable } from './streaming';

/** The recurrent cell a table times: tfjs-lstm's LSTM or GRU, against tf.layers' and PyTorch's. */
type Cell = 'lstm' | 'gru';

interface Sizes {
  batch: number;
  steps: number;
  inputSize: number;
  hidden: number;
}

interface Variant {
  name: string;
  forward: () => void;
  train: () => void;
  dispose: () => void;
}

interface Row {
  backend: string;
  variant: string;
  forwardMs: number;
  trainMs: number;
  peakMB?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function timed(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

/** A forward and a training step of `apply` over `vars`, on loss = mean(output^2). */
function variant(
  name: string,
  apply: (x: tf.Tensor) => tf.Tensor,
  vars: tf.Variable[],
  x: tf.Tensor,
  free: () => void,
  kernels: { fused?: boolean; simd?: boolean } = {},
): Variant {
  const opt = tf.train.adam(1e-3);
  const withKernels = (f: () => void) => () => {
    tf.env().set(FUSED_KERNELS_FLAG, kernels.fused ?? true);
    tf.env().set(SIMD_LOOPS_FLAG, kernels.simd ?? true);
    try {
      f();
    } finally {
      tf.env().set(FUSED_KERNELS_FLAG, true);
      tf.env().set(SIMD_LOOPS_FLAG, true);
    }
  };
  return {
    name,
    forward: withKernels(() => tf.tidy(() => void apply(x).dataSync())),
    train: withKernels(() =>
      tf.tidy(() => {
        const loss = opt.minimize(() => tf.mean(tf.square(apply(x))) as tf.Scalar, true, vars);
        loss?.dataSync();
      }),
    ),
    dispose: () => {
      opt.dispose();
      free();
    },
  };
}

/**
 * Which variants run besides tfjs-lstm's manual one: all (the other tfjs-lstm paths and
 * tf.layers.lstm), tf.layers.lstm only (the threaded wasm run), or none (scaling).
 */
type Peers = 'all' | 'tf.layers' | 'none';

function makeVariants(backend: string, sizes: Sizes, x: tf.Tensor, peers: Peers, cell: Cell): Variant[] {
  const variants: Variant[] = [];
  const withPeers = peers === 'all';
  const Module = cell === 'gru' ? GRU : LSTM;
  for (const gradient of withPeers ? (['manual', 'autodiff'] as const) : (['manual'] as const)) {
    const rnn = new Module({
      inputSize: sizes.inputSize,
      hiddenSize: sizes.hidden,
      batchFirst: true,
      gradient,
      seed: 1,
    });
    variants.push(
      variant(
        `tfjs-lstm (${gradient})`,
        (input) => rnn.forward(input)[0],
        rnn.parameters(),
        x,
        () => rnn.dispose(),
      ),
    );
  }
  if (withPeers) {
    const rnn = new Module({ inputSize: sizes.inputSize, hiddenSize: sizes.hidden, batchFirst: true, seed: 1 });
    const apply = (input: tf.Tensor) => rnn.forward(input)[0];
    if (backend === 'wasm' && cell === 'lstm') {
      // Before the SIMD loops: the fused kernels with their element-wise loops in JavaScript.
      const name = 'tfjs-lstm (manual, JS loops)';
      variants.push(variant(name, apply, rnn.parameters(), x, () => undefined, { simd: false }));
    }
    // Before the fused kernels: the same manual BPTT on composed tfjs ops (the other backends' path).
    const composed = { fused: false };
    variants.push(
      variant('tfjs-lstm (manual, composed ops)', apply, rnn.parameters(), x, () => rnn.dispose(), composed),
    );
  }
  if (peers !== 'none') {
    // tf.layers.gru is reset_after=False (tfjs-layers has no other): a GRU of the same sizes and cost.
    const layer = tf.layers[cell]({ units: sizes.hidden, returnSequences: true, recurrentActivation: 'sigmoid' });
    tf.tidy(() => void layer.apply(tf.zeros([1, sizes.steps, sizes.inputSize]))); // builds the weights
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    variants.push(
      variant(
        `tf.layers.${cell}`,
        (input) => layer.apply(input) as tf.Tensor,
        vars,
        x,
        () => layer.dispose(),
      ),
    );
  }
  return variants;
}

async function benchBackend(
  backend: string,
  sizes: Sizes,
  repeats: number,
  peers: Peers = 'all',
  cell: Cell = 'lstm',
): Promise<Row[]> {
  await setupBackend(backend); // multi-threaded with --threads N (wasm only)
  const threads = Number(flag('threads') ?? 0);
  const x = tf.randomNormal([sizes.batch, sizes.steps, sizes.inputSize], 0, 1, 'float32', 1);
  const variants = makeVariants(backend, sizes, x, peers, cell);
  const times = variants.map(() => ({ forward: [] as number[], train: [] as number[] }));
  for (let round = -1; round < repeats; round++) {
    variants.forEach((v, k) => {
      // Each call is timed right after an untimed one of the same kind, as in a training loop
      // (and as the PyTorch script times): timed cold, after another variant has swept the caches
      // and the wasm heap, a 100 ms step measured 10-20% slower. Before the untimed call, a full
      // garbage collection (npm run bench passes --expose-gc), so that no variant pays for
      // collecting another's garbage.
      collectGarbage();
      v.forward();
      const f = timed(v.forward);
      collectGarbage();
      v.train();
      const t = timed(v.train);
      if (round >= 0) {
        times[k].forward.push(f);
        times[k].train.push(t);
      }
    });
  }
  const rows = await Promise.all(
    variants.map(async (v, k) => {
      const peak = peakTensorBytes(() => v.train());
      return {
        backend: threads ? `${backend}, ${threads} threads` : backend,
        variant: v.name,
        forwardMs: median(times[k].forward),
        trainMs: median(times[k].train),
        peakMB: peak / 2 ** 20,
      };
    }),
  );
  variants.forEach((v) => v.dispose());
  x.dispose();
  return rows;
}

/** wasm and cpu, and tensorflow where @tensorflow/tfjs-node is installed (scripts/install-tfjs-node.sh). */
function presentBackends(): string[] {
  if (hasTfjsNode()) return ['wasm', 'cpu', 'tensorflow'];
  console.log('tensorflow backend: @tensorflow/tfjs-node is not installed; its rows are skipped');
  return ['wasm', 'cpu'];
}

function torchTimes(
  sizes: Sizes,
  repeats: number,
  threads: number,
  cell: Cell,
): { version: string; threads: number; forward: number[]; train: number[] } | null {
  const python = '/usr/bin/python3';
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const args = [sizes.batch, sizes.steps, sizes.inputSize, sizes.hidden, repeats, threads].map(String);
  const script = path.join(__dirname, 'torch_bench.py');
  const r = JSON.parse(execFileSync(python, [script, ...args, cell]).toString());
  return { version: r.torch, threads: r.threads, forward: r.forwardMs, train: r.trainMs };
}

function table(rows: Row[], torch: Row[], cell: Cell): string {
  // The ratio to PyTorch is against its faster configuration on this machine.
  const best = torch.length ? torch.reduce((a, b) => (b.trainMs < a.trainMs ? b : a)) : null;
  const peerName = `tf.layers.${cell}`;
  const lines = [
    `| backend | variant | forward ms | training step ms | peak tensor MB | forward vs ${peerName} | training vs ${peerName} | training / fastest PyTorch |`,
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const peer = rows.find((p) => p.backend === r.backend && p.variant === peerName) as Row;
    const fwd = `${(peer.forwardMs / r.forwardMs).toFixed(2)}x`;
    const train = `${(peer.trainMs / r.trainMs).toFixed(2)}x`;
    const vsTorch = best ? `${(r.trainMs / best.trainMs).toFixed(2)}` : 'n/a';
    lines.push(
      `| ${r.backend} | ${r.variant} | ${r.forwardMs.toFixed(1)} | ${r.trainMs.toFixed(1)} | ${r.peakMB?.toFixed(1)} | ${fwd} | ${train} | ${vsTorch} |`,
    );
  }
  for (const t of torch) {
    const vsTorch = best ? (t.trainMs / best.trainMs).toFixed(2) : '';
    lines.push(
      `| ${t.backend} | ${t.variant} | ${t.forwardMs.toFixed(1)} | ${t.trainMs.toFixed(1)} | | | | ${vsTorch} |`,
    );
  }
  return lines.join('\n');
}

async function scaling(base: Sizes, repeats: number, backend: string): Promise<string> {
  const lines = ['| T | H | forward ms | training step ms | training ms per step of T |', '|---:|---:|---:|---:|---:|'];
  const cases = [
    ...[100, 400, 1600].map((steps) => ({ ...base, steps })),
    ...[64, 256, 512].map((hidden) => ({ ...base, hidden })),
  ];
  for (const sizes of cases) {
    const [row] = await benchBackend(backend, sizes, repeats, 'none');
    lines.push(
      `| ${sizes.steps} | ${sizes.hidden} | ${row.forwardMs.toFixed(1)} | ${row.trainMs.toFixed(1)} | ${(row.trainMs / sizes.steps).toFixed(3)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The rows of wasm on every core (at most 8), from a second process of this script, since one
 * process has one wasm build: none on a single core, without wasm, or in that process itself.
 */
function threadedWasmRows(backends: string[], sizes: Sizes, repeats: number, cell: Cell): Row[] {
  const threads = Math.min(os.cpus().length, 8);
  if (flag('threads') !== undefined || !backends.includes('wasm') || threads < 2) return [];
  const { batch, steps, inputSize, hidden } = sizes;
  const args = [batch, steps, inputSize, hidden, repeats, threads].map(String);
  const script = [...process.execArgv, __filename, '--backends', 'wasm', '--rows-json', '--cells', cell];
  ['batch', 'steps', 'input', 'hidden', 'repeats', 'threads'].forEach((name, k) => script.push(`--${name}`, args[k]));
  const out = execFileSync(process.execPath, script, { stdio: ['ignore', 'pipe', 'inherit'] }).toString();
  return JSON.parse(out.trim().split('\n').pop() as string) as Row[];
}

/** The streaming rows of `backends` (wasm and cpu among them), wasm also on every core (a second process). */
async function streamingReport(backends: string[], repeats: number): Promise<string> {
  const rows: StreamRow[] = [];
  const notes = new Set<string>();
  for (const backend of backends.filter((b) => b === 'wasm' || b === 'cpu')) {
    await setupBackend(backend);
    const r = await streamingRows(backend, 1, repeats);
    rows.push(...r.rows);
    r.notes.forEach((n) => notes.add(n));
  }
  const threads = Math.min(os.cpus().length, 8);
  if (backends.includes('wasm') && threads > 1) {
    // Two processes: tfjs on the multi-threaded wasm backend, then ONNX Runtime (see `Runtimes`).
    for (const runtimes of ['tfjs', 'ort']) {
      const script = [...process.execArgv, __filename, '--streaming-json', runtimes, '--threads', String(threads)];
      script.push('--repeats', String(repeats));
      const out = execFileSync(process.execPath, script, { stdio: ['ignore', 'pipe', 'inherit'] }).toString();
      const r = JSON.parse(out.trim().split('\n').pop() as string) as { rows: StreamRow[]; notes: string[] };
      rows.push(...r.rows);
      r.notes.forEach((n) => notes.add(n));
    }
  }
  return `Streaming: input 64, hidden 128, one layer; medians of ${repeats} rounds\n\n${streamingTable(rows)}\n\n${[...notes].join('\n\n')}`;
}

/**
 * One cell's table: tfjs-lstm's module against tf.layers' layer on each backend (and wasm on every
 * core), and PyTorch's module with 1 and 2 threads.
 */
async function cellReport(cell: Cell, backends: string[], sizes: Sizes, repeats: number): Promise<string> {
  console.log(cell.toUpperCase());
  // PyTorch runs, with 1 and with 2 threads, before each block of tfjs rows (a backend, then
  // the threaded wasm) and after the last; its medians pool all those runs, so that they span
  // the same stretch of time as the tfjs rows (this machine's speed drifts within minutes).
  const torchRuns: NonNullable<ReturnType<typeof torchTimes>>[][] = [[], []];
  const sampleTorch = () =>
    [1, 2].forEach((threads, k) => {
      const run = torchTimes(sizes, repeats, threads, cell);
      if (!run) return;
      torchRuns[k].push(run);
      console.log(
        `PyTorch, ${threads} thread(s): forward ${median(run.forward).toFixed(1)} ms, training ${median(run.train).toFixed(1)} ms`,
      );
    });
  const rows: Row[] = [];
  for (const backend of backends) {
    sampleTorch();
    rows.push(...(await benchBackend(backend, sizes, repeats, 'all', cell)));
  }
  sampleTorch();
  const threaded = threadedWasmRows(backends, sizes, repeats, cell);
  if (threaded.length) sampleTorch();
  rows.push(...threaded);
  const module = cell === 'gru' ? 'GRU' : 'LSTM';
  const torch: Row[] = torchRuns
    .filter((runs) => runs.length)
    .map((runs) => ({
      backend: `cpu, ${runs[0].threads} thread${runs[0].threads > 1 ? 's' : ''}`,
      variant: `PyTorch ${runs[0].version} nn.${module}`,
      forwardMs: median(runs.flatMap((r) => r.forward)),
      trainMs: median(runs.flatMap((r) => r.train)),
    }));
  if (!torch.length)
    console.log('PyTorch: not installed (apt-get install -y python3-torch libopenblas0-pthread); its rows are skipped');
  return `${module}\n\n${table(rows, torch, cell)}`;
}

async function main(): Promise<void> {
  const sizes: Sizes = {
    batch: Number(flag('batch') ?? 32),
    steps: Number(flag('steps') ?? 100),
    inputSize: Number(flag('input') ?? 64),
    hidden: Number(flag('hidden') ?? 128),
  };
  const repeats = Number(flag('repeats') ?? 9);
  const cells = (flag('cells') ?? 'lstm,gru').split(',') as Cell[];
  const describe = `batch ${sizes.batch}, sequence ${sizes.steps}, input ${sizes.inputSize}, hidden ${sizes.hidden}; medians of ${repeats}`;
  let report: string;
  if (process.argv.includes('--streaming-json')) {
    // the second and third processes of streamingReport: on `--threads` threads
    const threads = Number(flag('threads'));
    const runtimes = flag('streaming-json') as Runtimes;
    await setupBackend('wasm');
    console.log(JSON.stringify(await streamingRows(`wasm, ${threads} threads`, threads, repeats, runtimes)));
    return;
  }
  if (process.argv.includes('--rows-json')) {
    // the second process of threadedWasmRows
    console.log(JSON.stringify(await benchBackend('wasm', sizes, repeats, 'tf.layers', cells[0])));
    return;
  }
  if (process.argv.includes('--streaming')) {
    const backends = (flag('backends') ?? 'wasm,cpu').split(',');
    report = await streamingReport(backends, repeats);
  } else if (process.argv.includes('--scaling')) {
    const backend = flag('backends') ?? 'wasm';
    report = `tfjs-lstm (manual) on ${backend}, batch ${sizes.batch}, input ${sizes.inputSize}; medians of ${repeats}\n\n${await scaling(sizes, repeats, backend)}`;
  } else {
    console.log(describe);
    const backends = (flag('backends') ?? presentBackends().join(',')).split(',');
    const sections: string[] = [];
    for (const cell of cells) sections.push(await cellReport(cell, backends, sizes, repeats));
    report = `${describe}\n\n${sections.join('\n\n')}`;
    if (cells.includes('lstm') && !process.argv.includes('--no-streaming')) {
      report += `\n\n${await streamingReport(backends, repeats)}`;
    }
  }
  console.log(`\n${report}`);
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'latest.md'), `${report}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
