/**
 * The browser tests: `npm run test:browser` (which builds dist/ first). Bundles page.ts with
 * esbuild as an app would (tfjs-lstm by name, from dist/), serves it on 127.0.0.1, opens it in
 * Debian's Chromium, headless, through playwright-core, and runs the page's checks on every tfjs
 * backend the browser offers; then opens the demo page (examples/browser/) and checks it trains.
 * Prints each check as it finishes and closes with `N passed, N failed`; exits 1 on any failure.
 *
 *   npx tsx __tests__/browser/run.ts [--backends webgl,wasm,cpu] [--no-demo] [--update-screenshot]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BrowserContext, Page } from 'playwright-core';

import { serveDemo } from '../../examples/browser/serve';
import { hiddenFixtures, lstmFixtures, SEED_EXERCISE_TORCH64 } from '../helpers/fixtures';
import { bundle, nodeUses } from './bundle';
import { CHROMIUM_FLAGS, launch } from './chromium';
import type { CheckResult, Probe, SuiteInput } from './page';
import { serve } from './serve';

const root = path.join(__dirname, '..', '..');
const args = process.argv.slice(2);
const only = args.includes('--backends') ? args[args.indexOf('--backends') + 1].split(',') : null;
// The demo's screenshot: docs/browser-demo.png with --update-screenshot, else a temporary file.
const SCREENSHOT = args.includes('--update-screenshot')
  ? path.join(root, 'docs', 'browser-demo.png')
  : path.join(os.tmpdir(), 'tfjs-lstm-browser-demo.png');
const results: CheckResult[] = [];

function print(r: CheckResult): void {
  results.push(r);
  const time = `${(r.ms / 1000).toFixed(1)} s`;
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} [${r.backend}] ${r.name} (${time}${r.detail ? `; ${r.detail}` : ''})`);
  if (r.error) console.log(`       ${r.error}`);
}

async function timed(backend: string, name: string, body: () => Promise<string | void>): Promise<void> {
  const start = performance.now();
  try {
    const detail = await body();
    print({ backend, name, ok: true, ms: performance.now() - start, detail: detail || undefined });
  } catch (e) {
    print({
      backend,
      name,
      ok: false,
      ms: performance.now() - start,
      error: e instanceof Error ? e.message : String(e),
    });
  }
}

/** Console errors and uncaught exceptions of a page, as failures. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`console.error: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}

const PAGE_HTML = `<!doctype html><meta charset="utf-8"><title>tfjs-lstm browser tests</title><link rel="icon" href="data:,">
<script type="module" src="/page.js"></script><p>tfjs-lstm browser tests</p>`;

interface DemoState {
  backend: string;
  step: number;
  losses: number[];
  msPerStep: number;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/**
 * The demo page: it picks a backend and trains; the loss falls (the mean of the last 20 steps'
 * losses under half that of the first 20) within 300 steps; the backend switch restarts it on
 * cpu, which trains too; the page logs no console error. Leaves a screenshot in docs/.
 */
async function demo(context: BrowserContext): Promise<void> {
  const served = await serveDemo();
  const page = await context.newPage();
  const errors = watchErrors(page);
  const read = () => page.evaluate(() => (window as unknown as { demo: DemoState }).demo);
  try {
    await page.goto(served.url);
    let first: DemoState | null = null;
    await timed('demo', 'examples/browser: trains on the fastest backend, the loss falls', async () => {
      await page.waitForFunction(() => (window as unknown as { demo: DemoState }).demo.step >= 300, null, {
        timeout: 120_000,
        polling: 500,
      });
      first = await read();
      const [start, end] = [mean(first.losses.slice(0, 20)), mean(first.losses.slice(280, 300))];
      if (!(end < 0.5 * start)) throw new Error(`loss ${start} -> ${end} on ${first.backend}: did not halve`);
      await page.screenshot({ path: SCREENSHOT });
      return `${first.backend}, loss ${start.toFixed(4)} -> ${end.toFixed(4)} in 300 steps, ${first.msPerStep.toFixed(1)} ms/step; ${SCREENSHOT}`;
    });
    await timed('demo', 'examples/browser: the backend switch restarts training on cpu', async () => {
      await page.selectOption('#backend', 'cpu');
      await page.waitForFunction(
        () => {
          const d = (window as unknown as { demo: DemoState }).demo;
          return d.backend === 'cpu' && d.step >= 20;
        },
        null,
        { timeout: 60_000, polling: 250 },
      );
      const now = await read();
      return `cpu: ${now.step} steps, ${now.msPerStep.toFixed(1)} ms/step`;
    });
    print({
      backend: 'demo',
      name: 'no console error or uncaught exception in the demo page',
      ok: errors.length === 0,
      ms: 0,
      error: errors.join('; ') || undefined,
    });
  } finally {
    await page.close();
    await served.close();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const { files, metafile } = await bundle(path.join(__dirname, 'page.ts'), 'page');
  files.set('/index.html', PAGE_HTML);
  await timed('bundle', 'esbuild bundle of tfjs-lstm (dist/), tfjs, tfjs-backend-wasm: no Node built-ins', async () => {
    const found = nodeUses(metafile, (file) => fs.readFileSync(file, 'utf8'));
    if (found.length) throw new Error(found.join('; '));
    const own = Object.keys(metafile.inputs).filter((k) => k.startsWith('dist/'));
    return `tfjs-lstm from ${own.join(', ')}`;
  });

  const server = await serve(files, {
    '/wasm/': path.join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
  });
  const browser = await launch();
  try {
    // The GRU's and RNN's fixtures that cover their options (layers, bidirectional, lengths,
    // batch-first, unbatched, states, relu), beside every LSTM fixture.
    const hidden = (
      [
        ['gru', ['lengths_bidirectional_state', 'batch_first_state', 'unbatched_bidirectional', 'no_bias']],
        ['rnn', ['lengths_bidirectional_state_relu', 'two_layers_state']],
      ] as const
    ).flatMap(([folder, names]) =>
      hiddenFixtures(folder)
        .filter((fx) => (names as readonly string[]).includes(fx.name))
        .map((fixture) => ({ folder, fixture })),
    );
    const input: SuiteInput = { fixtures: lstmFixtures(), hidden, seedTorch64: SEED_EXERCISE_TORCH64 };
    const open = async () => {
      const page = await browser.context.newPage();
      const errors = watchErrors(page);
      await page.exposeFunction('reportResult', (r: CheckResult) => print(r));
      await page.goto(server.url);
      await page.waitForFunction(() => 'suite' in window);
      return { page, errors };
    };

    const first = await open();
    const probe: Probe = await first.page.evaluate(() => window.suite.probe());
    await first.page.close();
    console.log(`Chromium: ${probe.userAgent.match(/Chrome\/[\d.]+/)?.[0]}, flags: ${CHROMIUM_FLAGS.join(' ')}`);
    console.log(`tfjs backends: ${JSON.stringify(probe.backends)}; WebGPU: ${probe.webgpu}`);
    if (probe.webgl) console.log(`webgl: ${JSON.stringify(probe.webgl)}`);

    const wanted = ['webgl', 'wasm', 'cpu', 'webgpu'].filter((b) => (only ? only.includes(b) : probe.backends[b]));
    for (const backend of wanted) {
      if (!probe.backends[backend]) {
        print({ backend, name: 'backend available', ok: false, ms: 0, error: `${backend} is not offered` });
        continue;
      }
      const { page, errors } = await open();
      const start = performance.now();
      try {
        await page.evaluate(({ b, i }) => window.suite.run(b, i), { b: backend, i: input });
      } catch (e) {
        errors.push(`the run stopped: ${e instanceof Error ? e.message : String(e)}`);
      }
      print({
        backend,
        name: 'no console error or uncaught exception in the page',
        ok: errors.length === 0,
        ms: performance.now() - start,
        error: errors.join('; ') || undefined,
      });
      await page.close();
    }
    if (wanted.includes('webgl') && probe.backends.webgl) {
      // webgl again with float16 textures, in a fresh page (tfjs reads the flag as the backend starts).
      const { page, errors } = await open();
      const start = performance.now();
      try {
        await page.evaluate((i) => window.suite.runHalf(i), input);
      } catch (e) {
        errors.push(`the run stopped: ${e instanceof Error ? e.message : String(e)}`);
      }
      print({
        backend: 'webgl-f16',
        name: 'no console error or uncaught exception in the page',
        ok: errors.length === 0,
        ms: performance.now() - start,
        error: errors.join('; ') || undefined,
      });
      await page.close();
    }
    if (!args.includes('--no-demo')) await demo(browser.context);
    const ran = [...new Set(results.map((r) => r.backend))].filter((b) => b !== 'bundle' && b !== 'demo');
    console.log(`browser backends run: ${ran.join(', ')}`);
  } finally {
    await browser.close();
    await server.close();
  }

  const failed = results.filter((r) => !r.ok).length;
  console.log(`browser tests: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
