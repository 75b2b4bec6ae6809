/**
 * The browser demo: builds examples/browser/demo.ts with esbuild (tfjs-lstm by name, from dist/:
 * run `npm run build` first) and serves it on 127.0.0.1.
 *
 *   npm run demo:browser [-- --port 8080]
 */
import * as fs from 'fs';
import * as path from 'path';

import { bundle } from '../../__tests__/browser/bundle';
import { serve, Served } from '../../__tests__/browser/serve';

const root = path.join(__dirname, '..', '..');

/** Builds the demo and serves it (port 0: any free port). */
export async function serveDemo(port = 0): Promise<Served> {
  const { files } = await bundle(path.join(__dirname, 'demo.ts'), 'demo');
  files.set('/index.html', fs.readFileSync(path.join(__dirname, 'index.html')));
  return serve(files, { '/wasm/': path.join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') }, port);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const port = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 8080;
  serveDemo(port).then(
    (served) => console.log(`tfjs-lstm demo: ${served.url} (Ctrl-C stops it)`),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
