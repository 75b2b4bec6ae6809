/**
 * `npm run bench:browser`: the forward pass and training step of tfjs-lstm against
 * tf.layers.lstm in a real browser (Debian's Chromium, headless, through playwright-core, as the
 * browser tests run it: WebGL there is SwiftShader, software, not a GPU), on each backend the
 * browser offers, one page per backend; and one LSTMCell streaming step. The page
 * (bench/browser-page.ts) is bundled with esbuild from the built package (dist/), as an app would.
 *
 *   npm run bench:browser                                         # webgl, wasm, cpu; batch 8, seq 50, in 32, hidden 64
 *   npm run bench:browser -- --backends webgl --batch 32 --steps 100 --input 64 --hidden 128 --repeats 5
 *   npm run bench:browser -- --cell gru --backends webgl   # the GRU (its webgl program, and its composed ops)
 */
import * as fs from 'fs';
import * as path from 'path';

import { bundle } from '../__tests__/browser/bundle';
import { CHROMIUM_FLAGS, launch } from '../__tests__/browser/chromium';
import { serve } from '../__tests__/browser/serve';
import { flag } from '../examples/backend';
import type { BenchSizes, BrowserRow } from './browser-page';

const root = path.join(__dirname, '..');

const PAGE_HTML = `<!doctype html><meta charset="utf-8"><title>tfjs-lstm browser bench</title><link rel="icon" href="data:,">
<script type="module" src="/bench.js"></script><p>tfjs-lstm browser bench</p>`;

function table(rows: BrowserRow[], cell: 'lstm' | 'gru'): string {
  const peerName = `tf.layers.${cell}`;
  const lines = [
    `| backend | variant | forward ms | training step ms | forward vs ${peerName} | training vs ${peerName} |`,
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const peer = rows.find((p) => p.backend === r.backend && p.variant === peerName);
    const ratio = (a?: number, b?: number) => (a && b && Number.isFinite(b) ? `${(a / b).toFixed(2)}x` : '');
    const train = Number.isFinite(r.trainMs) ? r.trainMs.toFixed(1) : '';
    lines.push(
      `| ${r.backend} | ${r.variant} | ${r.forwardMs < 1 ? r.forwardMs.toFixed(3) : r.forwardMs.toFixed(1)} | ${train} | ${r.trainMs ? ratio(peer?.forwardMs, r.forwardMs) : ''} | ${ratio(peer?.trainMs, r.trainMs)} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const sizes: BenchSizes = {
    batch: Number(flag('batch') ?? 8),
    steps: Number(flag('steps') ?? 50),
    inputSize: Number(flag('input') ?? 32),
    hidden: Number(flag('hidden') ?? 64),
    cell: flag('cell') === 'gru' ? 'gru' : 'lstm',
  };
  const cell = sizes.cell ?? 'lstm';
  const repeats = Number(flag('repeats') ?? 5);
  const backends = (flag('backends') ?? 'webgl,wasm,cpu').split(',');
  const { files } = await bundle(path.join(__dirname, 'browser-page.ts'), 'bench');
  files.set('/index.html', PAGE_HTML);
  const server = await serve(files, {
    '/wasm/': path.join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
  });
  const browser = await launch();
  const rows: BrowserRow[] = [];
  try {
    for (const backend of backends) {
      // A page per backend, as a page has one tfjs.
      const page = await browser.context.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => 'bench' in window);
      const got = await page.evaluate(({ b, s, r }) => window.bench.run(b, s, r), { b: backend, s: sizes, r: repeats });
      console.log(table(got, cell).split('\n').slice(2).join('\n'));
      rows.push(...got);
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const describe =
    `Chromium (${CHROMIUM_FLAGS.filter((f) => f.includes('swiftshader')).join(' ')}: WebGL in software), ` +
    `${cell.toUpperCase()}, batch ${sizes.batch}, sequence ${sizes.steps}, input ${sizes.inputSize}, hidden ${sizes.hidden}; medians of ${repeats}`;
  const report = `${describe}\n\n${table(rows, cell)}`;
  console.log(`\n${report}`);
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'browser.md'), `${report}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
