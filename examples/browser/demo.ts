/**
 * The browser demo (`npm run demo:browser`): an LSTM learns the seed exercise's memory task
 * (examples/lib/tasks.ts: store a value, forget it, read it back) live in the page, on the fastest
 * tfjs backend this browser has, with the loss curve drawn as it trains and the gates of one
 * held-out sequence drawn as a picture. `?backend=cpu|wasm|webgl` or the switch picks another.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { clipGradNorm, LSTM } from 'tfjs-lstm';
import { lstmStep } from 'tfjs-lstm/functional';

import { Rng } from '../lib/rng';
import { memoryBatch } from '../lib/tasks';

setWasmPaths('/wasm/');
tf.env().set('PROD', true);

const HIDDEN = 16;
const STEPS = 20;
const BATCH = 32;
const MAX_STEPS = 2000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>('status');
const select = $<HTMLSelectElement>('backend');
const lossCanvas = $<HTMLCanvasElement>('loss');
const gateCanvas = $<HTMLCanvasElement>('gates');

/** What the page exposes for its test (and the curious): the run's state. */
interface DemoState {
  backend: string;
  step: number;
  losses: number[];
  msPerStep: number;
  running: boolean;
}
const state: DemoState = { backend: '', step: 0, losses: [], msPerStep: 0, running: false };
(window as unknown as { demo: DemoState }).demo = state;

/** The backends this browser starts, fastest first: a GPU's webgl, else wasm; cpu always. */
async function available(): Promise<string[]> {
  const ok: string[] = [];
  let softwareGl = false;
  for (const name of ['webgl', 'wasm', 'cpu']) {
    if (!(await tf.setBackend(name).catch(() => false))) continue;
    ok.push(name);
    if (name === 'webgl') {
      const gl = (tf.backend() as unknown as { gpgpu: { gl: WebGL2RenderingContext } }).gpgpu.gl;
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      const renderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
      softwareGl = /swiftshader|llvmpipe|software/i.test(renderer);
    }
  }
  // WebGL in software (SwiftShader, llvmpipe) is slower than wasm's SIMD: then wasm goes first.
  return softwareGl && ok.includes('wasm') ? ['wasm', ...ok.filter((b) => b !== 'wasm')] : ok;
}

class Model {
  readonly rnn = new LSTM({ inputSize: 4, hiddenSize: HIDDEN, seed: 1 });
  readonly w = tf.variable(tf.randomUniform([HIDDEN, 1], -0.25, 0.25, 'float32', 2));
  readonly b = tf.variable(tf.zeros([1]));

  /** Predictions at every step: [T, N, 1]. */
  predict(x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const [out] = this.rnn.forward(x);
      const [t, n] = out.shape;
      return tf.reshape(tf.add(tf.matMul(tf.reshape(out, [t * n, HIDDEN]), this.w), this.b), [t, n, 1]);
    });
  }

  variables(): tf.Variable[] {
    return [...this.rnn.parameters(), this.w, this.b];
  }

  /** One sequence's gates, step by step, with tfjs-lstm's own cell step: [T][H] each. */
  async gates(x: tf.Tensor3D): Promise<Record<'i' | 'f' | 'o' | 'c', number[][]>> {
    const p = Object.fromEntries(this.rnn.namedParameters());
    const all = tf.tidy(() => {
      const xz = tf.add(
        tf.matMul(tf.reshape(x, [STEPS, 4]), p.weight_ih_l0, false, true),
        tf.add(p.bias_ih_l0, p.bias_hh_l0),
      );
      const kernelHh = tf.transpose(p.weight_hh_l0);
      let h = tf.zeros([1, HIDDEN]);
      let c = tf.zeros([1, HIDDEN]);
      const rows: Record<'i' | 'f' | 'o' | 'c', tf.Tensor[]> = { i: [], f: [], o: [], c: [] };
      for (let t = 0; t < STEPS; t++) {
        const s = lstmStep(tf.slice(xz, [t, 0], [1, 4 * HIDDEN]), h, c, kernelHh);
        [h, c] = [s.h, s.c];
        rows.i.push(s.i);
        rows.f.push(s.f);
        rows.o.push(s.o);
        rows.c.push(s.tanhC);
      }
      return Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, tf.concat(v, 0)])) as Record<
        string,
        tf.Tensor
      >;
    });
    const out = {} as Record<'i' | 'f' | 'o' | 'c', number[][]>;
    for (const [k, t] of Object.entries(all)) out[k as 'i'] = (await t.array()) as number[][];
    tf.dispose(Object.values(all));
    return out;
  }

  dispose(): void {
    this.rnn.dispose();
    tf.dispose([this.w, this.b]);
  }
}

function drawLoss(losses: number[]): void {
  const ctx = lossCanvas.getContext('2d') as CanvasRenderingContext2D;
  const { width: W, height: H } = lossCanvas;
  const pad = { l: 52, r: 12, t: 24, b: 28 };
  ctx.clearRect(0, 0, W, H);
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillStyle = '#222';
  ctx.fillText('training loss (mean squared error, log scale)', pad.l, 15);
  if (losses.length < 2) return;
  const lo = Math.log10(Math.max(1e-5, Math.min(...losses)));
  const hi = Math.log10(Math.max(...losses));
  const [yMin, yMax] = [Math.floor(lo), Math.ceil(hi) === Math.floor(lo) ? Math.floor(lo) + 1 : Math.ceil(hi)];
  const n = Math.max(losses.length, 200);
  const X = (k: number) => pad.l + (k / (n - 1)) * (W - pad.l - pad.r);
  const Y = (v: number) => pad.t + ((yMax - Math.log10(Math.max(v, 1e-5))) / (yMax - yMin)) * (H - pad.t - pad.b);
  ctx.strokeStyle = '#ddd';
  ctx.fillStyle = '#555';
  for (let e = yMin; e <= yMax; e++) {
    ctx.beginPath();
    ctx.moveTo(pad.l, Y(10 ** e));
    ctx.lineTo(W - pad.r, Y(10 ** e));
    ctx.stroke();
    ctx.fillText(`1e${e}`, 8, Y(10 ** e) + 4);
  }
  ctx.fillText(`${losses.length} steps`, W - pad.r - 70, H - 8);
  const line = (values: number[], color: string, width: number) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    values.forEach((v, k) => (k ? ctx.lineTo(X(k), Y(v)) : ctx.moveTo(X(k), Y(v))));
    ctx.stroke();
    ctx.lineWidth = 1;
  };
  line(losses, '#9ecae1', 1);
  let avg = losses[0];
  line(
    losses.map((v) => (avg = 0.95 * avg + 0.05 * v)),
    '#08519c',
    2,
  );
}

/** The held-out sequence, its predictions and the gates as heat maps: rows are units, columns steps. */
function drawGates(x: number[][], target: number[], pred: number[], g: Record<'i' | 'f' | 'o' | 'c', number[][]>) {
  const ctx = gateCanvas.getContext('2d') as CanvasRenderingContext2D;
  const { width: W, height: H } = gateCanvas;
  ctx.clearRect(0, 0, W, H);
  ctx.font = '12px system-ui, sans-serif';
  const left = 118;
  const cell = Math.floor((W - left - 10) / STEPS);
  ctx.fillStyle = '#222';
  ctx.fillText('one held-out sequence, step by step', left, 15);
  const labels: [string, (t: number) => string, string][] = [
    ['value', (t) => x[t][0].toFixed(1), '#222'],
    ['op', (t) => (x[t][1] === 1 ? 'S' : x[t][1] === -1 ? 'F' : x[t][2] ? 'R' : ''), '#b15928'],
    ['target (R)', (t) => (x[t][2] ? target[t].toFixed(1) : ''), '#222'],
    ['prediction (R)', (t) => (x[t][2] ? pred[t].toFixed(1) : ''), '#08519c'],
  ];
  ctx.font = '9px system-ui, sans-serif';
  labels.forEach(([name, text, color], row) => {
    const y = 34 + row * 15;
    ctx.fillStyle = '#555';
    ctx.fillText(name, 8, y);
    ctx.fillStyle = color;
    for (let t = 0; t < STEPS; t++) ctx.fillText(text(t), left + t * cell + 1, y);
  });
  ctx.fillStyle = '#555';
  ctx.fillText('S store, F forget, R read', left, 94);
  const panels: [string, number[][], (v: number) => string][] = [
    ['input gate i', g.i, (v) => `hsl(210, 70%, ${97 - 62 * v}%)`],
    ['forget gate f', g.f, (v) => `hsl(140, 55%, ${97 - 62 * v}%)`],
    ['output gate o', g.o, (v) => `hsl(30, 80%, ${97 - 55 * v}%)`],
    ['tanh(c)', g.c, (v) => (v >= 0 ? `hsl(0, 70%, ${97 - 55 * v}%)` : `hsl(230, 70%, ${97 + 55 * v}%)`)],
  ];
  const rowH = Math.max(3, Math.floor((H - 110 - panels.length * 18) / (panels.length * HIDDEN)));
  let y = 106;
  for (const [name, values, color] of panels) {
    ctx.fillStyle = '#222';
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillText(name, 8, y + (HIDDEN * rowH) / 2 + 4);
    for (let t = 0; t < STEPS; t++) {
      for (let u = 0; u < HIDDEN; u++) {
        ctx.fillStyle = color(values[t][u]);
        ctx.fillRect(left + t * cell, y + u * rowH, cell - 1, rowH);
      }
    }
    y += HIDDEN * rowH + 18;
  }
  ctx.fillStyle = '#555';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText(
    'rows: the 16 units; columns: the steps above. Gates: darker = nearer 1. tanh(c): red > 0, blue < 0',
    8,
    y + 4,
  );
}

let generation = 0;
let current: Promise<void> = Promise.resolve();

/** Stops the run in progress (at the end of its step) and trains anew on `backend`. */
function restart(backend: string): Promise<void> {
  const run = ++generation;
  current = current.then(() => train(backend, run));
  return current;
}

async function train(backend: string, run: number): Promise<void> {
  if (run !== generation) return;
  await tf.setBackend(backend);
  await tf.ready();
  Object.assign(state, { backend, step: 0, losses: [], msPerStep: 0, running: true });
  select.value = backend;
  const rng = new Rng(1);
  const model = new Model();
  const optimizer = tf.train.adam(0.01);
  const held = memoryBatch(new Rng(7), 1, STEPS);
  const heldX = (await held.x.array()).map((s) => s[0]);
  const heldY = (await held.y.data()) as Float32Array;
  const start = performance.now();
  try {
    while (run === generation && state.step < MAX_STEPS) {
      const { x, y } = memoryBatch(rng, BATCH, STEPS);
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.square(tf.sub(model.predict(x), y))) as tf.Scalar,
        model.variables(),
      );
      clipGradNorm(grads, 1, { asTensor: true }).dispose(); // no synchronous read: fine on any backend
      optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      const loss = (await value.data())[0];
      tf.dispose([x, y, value, ...Object.values(grads)]);
      state.losses.push(loss);
      state.step++;
      state.msPerStep = (performance.now() - start) / state.step;
      if (state.step % 10 === 0 || state.step === 1) {
        drawLoss(state.losses);
        status.textContent =
          `backend ${backend} · step ${state.step} · loss ${loss.toFixed(5)} · ` +
          `${state.msPerStep.toFixed(1)} ms per training step (batch ${BATCH}, ${STEPS} steps, hidden ${HIDDEN})`;
      }
      if (state.step % 50 === 0 || state.step === 1) {
        const p = model.predict(held.x);
        const pred = (await p.data()) as Float32Array;
        p.dispose();
        drawGates(heldX, Array.from(heldY), Array.from(pred), await model.gates(held.x));
      }
      await tf.nextFrame();
    }
  } finally {
    model.dispose();
    optimizer.dispose();
    tf.dispose([held.x, held.y]);
    if (run === generation) state.running = false;
  }
}

async function main(): Promise<void> {
  const backends = await available();
  for (const b of ['webgl', 'wasm', 'cpu']) {
    const option = document.createElement('option');
    option.value = b;
    option.textContent = backends.includes(b) ? b : `${b} (not available)`;
    option.disabled = !backends.includes(b);
    select.append(option);
  }
  select.addEventListener('change', () => void restart(select.value));
  $<HTMLButtonElement>('restart').addEventListener('click', () => void restart(select.value));
  const requested = new URLSearchParams(location.search).get('backend');
  await restart(requested && backends.includes(requested) ? requested : backends[0]);
}

main().catch((e) => {
  status.textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
  console.error(e);
});
