import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

// The built package (dist/, made by `npm run build`, which `npm ci` runs through `prepare`) loads
// by its name through package.json "exports", with require() and with import, and has types.
const root = path.join(__dirname, '..');

describe('the built package', () => {
  test('dist/ has CommonJS, ES modules and type declarations', () => {
    for (const file of ['index.cjs', 'index.mjs', 'index.d.ts', 'index.d.mts', 'node.cjs', 'node.mjs', 'node.d.ts']) {
      expect({ file, exists: fs.existsSync(path.join(root, 'dist', file)) }).toEqual({ file, exists: true });
    }
  });

  test.each(['consumer.cjs', 'consumer.mjs'])('%s loads tfjs-lstm by name', (script) => {
    const out = execFileSync(process.execPath, [path.join(__dirname, 'package', script)], { cwd: root }).toString();
    expect(JSON.parse(out.trim().split('\n').pop() as string)).toMatchObject({
      shape: [4, 1, 3],
      cell: 'function',
      layer: 'function',
      node: 'function',
    });
  });

  test('runs on the multi-threaded wasm backend from tfjs-lstm/node, and exits by itself', () => {
    const script = path.join(__dirname, 'package', 'consumer-threads.mjs');
    // execFileSync returns when the process exits; the timeout fails the test if it does not
    const out = execFileSync(process.execPath, [script], { cwd: root, timeout: 60_000 }).toString();
    expect(JSON.parse(out.trim().split('\n').pop() as string)).toEqual({
      format: 'esm',
      backend: 'wasm',
      threads: 2,
      shape: [4, 1, 3],
    });
  });
});
