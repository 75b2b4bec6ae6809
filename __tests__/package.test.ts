import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as esbuild from 'esbuild';

import { torchLSTM } from '../src';
import { fileSystem } from '../src/node';

// The package as a user gets it: packed by `npm pack` (which builds dist/ afresh through
// `prepare`, so nothing here trusts a dist/ left from before) and unpacked into an app's
// node_modules, beside this repository's tfjs. It loads by its name through package.json
// "exports", with require() and with import, and has types.
const root = path.join(__dirname, '..');
let installed: string; // <tmp>/node_modules/tfjs-lstm, the unpacked tarball
const apps: string[] = [];

/** A fresh app folder whose node_modules holds the packed tfjs-lstm and this repository's tfjs (and types). */
function makeApp(prefix: string): string {
  const app = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  apps.push(app);
  fs.mkdirSync(path.join(app, 'node_modules'));
  fs.symlinkSync(installed, path.join(app, 'node_modules', 'tfjs-lstm'), 'dir');
  for (const scope of ['@tensorflow', '@types']) {
    fs.symlinkSync(path.join(root, 'node_modules', scope), path.join(app, 'node_modules', scope), 'dir');
  }
  return app;
}

beforeAll(() => {
  const packed = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-lstm-pack-'));
  apps.push(packed);
  execFileSync('npm', ['pack', '--silent', '--pack-destination', packed], { cwd: root, stdio: 'ignore' });
  const tarball = fs.readdirSync(packed).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${packed}`);
  fs.mkdirSync(path.join(packed, 'node_modules'));
  execFileSync('tar', ['-xzf', path.join(packed, tarball), '-C', path.join(packed, 'node_modules')]);
  installed = path.join(packed, 'node_modules', 'tfjs-lstm');
  fs.renameSync(path.join(packed, 'node_modules', 'package'), installed);
  // Node resolves the package's own imports from where it really lies: tfjs beside it there too.
  fs.symlinkSync(
    path.join(root, 'node_modules', '@tensorflow'),
    path.join(packed, 'node_modules', '@tensorflow'),
    'dir',
  );
}, 180_000);

afterAll(() => apps.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** Runs one of __tests__/package/'s consumer scripts from an app that installed the package. */
function runConsumer(script: string, timeout?: number): unknown {
  const app = makeApp('tfjs-lstm-consumer-');
  fs.copyFileSync(path.join(__dirname, 'package', script), path.join(app, script));
  const out = execFileSync(process.execPath, [path.join(app, script)], { cwd: app, timeout }).toString();
  return JSON.parse(out.trim().split('\n').pop() as string);
}

describe('the built package', () => {
  test('dist/ has CommonJS, ES modules and type declarations', () => {
    const testing = ['index', 'jest', 'node'].flatMap((e) =>
      ['cjs', 'mjs', 'd.ts', 'd.mts'].map((x) => `testing/${e}.${x}`),
    );
    for (const file of [
      'index.cjs',
      'index.mjs',
      'index.d.ts',
      'index.d.mts',
      'node.cjs',
      'node.mjs',
      'node.d.ts',
      'functional.cjs',
      'functional.mjs',
      'functional.d.ts',
      'functional.d.mts',
      ...testing,
    ]) {
      expect({ file, exists: fs.existsSync(path.join(installed, 'dist', file)) }).toEqual({ file, exists: true });
    }
  });

  test.each(['consumer.cjs', 'consumer.mjs'])('%s loads tfjs-lstm by name', (script) => {
    expect(runConsumer(script)).toMatchObject({
      shape: [4, 1, 3],
      cell: 'function',
      layer: 'function',
      node: 'function',
      sameClass: true,
      functional: { newTensors: 7, returned: 7, inMain: false },
    });
  });

  test.each(['testing-consumer.cjs', 'testing-consumer.mjs'])(
    '%s loads tfjs-lstm/testing by name and asserts',
    (script) => {
      expect(runConsumer(script)).toEqual({
        format: script.endsWith('.mjs') ? 'esm' : 'cjs',
        message: 'Tensor-likes are not close!',
        gradient: true,
        golden: 'function',
        sameClass: true,
      });
    },
  );

  test('runs on the multi-threaded wasm backend from tfjs-lstm/node, and exits by itself', () => {
    // execFileSync returns when the process exits; the timeout fails the test if it does not
    expect(runConsumer('consumer-threads.mjs', 60_000)).toEqual({
      format: 'esm',
      backend: 'wasm',
      threads: 2,
      shape: [4, 1, 3],
    });
  });
});

// Bundlers drop a module whose package says it has no side effects when nothing of it is used:
// `import 'tfjs-lstm'` registers the layers with tfjs, and an app that only loads a saved model
// needs exactly that. Bundled with esbuild (tfjs external, as apps share it), from the package as
// an app's node_modules holds it.
describe('bundled with esbuild, an app that only imports the package loads a saved TorchLSTM model', () => {
  let work: string;
  const input = [
    [
      [0.5, -1],
      [2, 0.25],
      [-0.75, 1],
    ],
  ];
  let expected: number[][];

  beforeAll(async () => {
    work = makeApp('tfjs-lstm-bundle-');
    const model = tf.sequential({
      layers: [torchLSTM({ hiddenSize: 4, inputShape: [null, 2], seed: 3 }), tf.layers.dense({ units: 1 })],
    });
    await model.save(fileSystem(path.join(work, 'model')));
    const y = model.predict(tf.tensor(input)) as tf.Tensor;
    expected = (await y.array()) as number[][];
    y.dispose();
    model.dispose();
  });
  test.each(['app.mjs', 'app.cjs'])('%s', (app) => {
    // In the app's own folder: from this repository esbuild would take tsconfig.json's paths.
    fs.copyFileSync(path.join(__dirname, 'package', 'bundle', app), path.join(work, app));
    const outfile = path.join(work, `bundle-${app}`);
    const result = esbuild.buildSync({
      entryPoints: [path.join(work, app)],
      absWorkingDir: work,
      bundle: true,
      platform: 'node',
      format: app.endsWith('.mjs') ? 'esm' : 'cjs',
      external: ['@tensorflow/*'],
      outfile,
      logLevel: 'silent',
    });
    // esbuild warns "Ignoring this import because ... was marked as having no side effects".
    expect(result.warnings.map((w) => w.text)).toEqual([]);
    const out = execFileSync(process.execPath, [outfile, path.join(work, 'model'), JSON.stringify(input)], {
      cwd: work,
    }).toString();
    const predicted = JSON.parse(out.trim().split('\n').pop() as string) as number[][];
    expect(predicted).toHaveLength(1);
    predicted[0].forEach((v, k) => expect(v).toBeCloseTo(expected[0][k], 5));
  });
});

// tfjs-lstm/testing runs in browsers: no Node built-in anywhere in what it imports (esbuild fails
// to resolve one for the browser), and no jest (only tfjs-lstm/testing/jest uses the runner's
// expect, and it imports nothing of jest either). Its types resolve for ESM and CommonJS users
// (node16 resolution, through package.json "exports"), the matchers on jest's expect included.
describe('tfjs-lstm/testing from outside', () => {
  let work: string;
  beforeAll(() => {
    work = makeApp('tfjs-lstm-testing-');
  });

  test.each(['tfjs-lstm/testing', 'tfjs-lstm/testing/jest'])('%s bundles for the browser', (entry) => {
    fs.writeFileSync(path.join(work, 'browser.mjs'), `import * as t from '${entry}';\nconsole.log(Object.keys(t));\n`);
    const result = esbuild.buildSync({
      entryPoints: [path.join(work, 'browser.mjs')],
      absWorkingDir: work,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      external: ['@tensorflow/*'],
      write: false,
      logLevel: 'silent',
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((file) => /node_modules\/(jest|expect|@jest)\//.test(file))).toEqual([]);
  });

  test.each(['mts', 'cts'])('types: a .%s consumer type-checks, and a wrong option does not', (ext) => {
    const file = path.join(work, `consumer.${ext}`);
    fs.writeFileSync(
      file,
      [
        "import * as tf from '@tensorflow/tfjs';",
        "import { assertClose, checkGradients, GradientReport } from 'tfjs-lstm/testing';",
        "import 'tfjs-lstm/testing/jest';",
        "import { Golden, loadGolden } from 'tfjs-lstm/testing/node';",
        'const t: tf.Tensor = tf.ones([2]);',
        'assertClose(t, [1, 1], { rtol: 0, atol: 0 });',
        'const report: GradientReport = checkGradients((x) => tf.sum(x), [t]);',
        'const golden: Golden = loadGolden("golden.safetensors");',
        'expect(t).toBeCloseToTensor(golden.outputs[0], { rtol: 1e-5 });',
        'expect(t).not.toHaveShape([3]);',
        'expect(t).toBeFiniteTensor();',
        '// @ts-expect-error: rtol is a number',
        "assertClose(t, [1, 1], { rtol: '1' });",
        'export { report };',
      ].join('\n'),
    );
    const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
    const args = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2020'];
    const run = spawnSync(tsc, [...args, '--types', 'jest,node', '--skipLibCheck', file], {
      cwd: work,
      encoding: 'utf8',
    });
    expect(run.stdout + run.stderr).toBe('');
  });
});
