import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';

/**
 * A tiny static server for the browser tests and the demo, on 127.0.0.1 only: `files` are served
 * from memory (the esbuild output, the page's HTML), `dirs` map a URL prefix to a directory
 * (tfjs-backend-wasm's .wasm files, the fixtures). Nothing outside those directories is served.
 */
export interface Served {
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
};

export function serve(
  files: Map<string, Uint8Array | string>,
  dirs: Record<string, string> = {},
  port = 0,
): Promise<Served> {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const send = (status: number, body: Uint8Array | string, file = url) => {
      res.writeHead(status, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(body);
    };
    const key = url.endsWith('/') ? `${url}index.html` : url;
    const inMemory = files.get(key);
    if (inMemory !== undefined) return send(200, inMemory, key);
    for (const [prefix, dir] of Object.entries(dirs)) {
      if (!url.startsWith(prefix)) continue;
      const file = path.resolve(dir, `.${url.slice(prefix.length - 1)}`);
      if (!file.startsWith(path.resolve(dir) + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) break;
      return send(200, fs.readFileSync(file), file);
    }
    send(404, `not found: ${url}`, '.txt');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve({
        url: `http://127.0.0.1:${bound}/`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
