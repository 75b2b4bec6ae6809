import * as path from 'path';
import { builtinModules } from 'module';
import * as esbuild from 'esbuild';

const root = path.join(__dirname, '..', '..');

/**
 * Bundles a browser entry as an app's bundler would: `tfjs-lstm` resolves by name through
 * package.json "exports" to the built ES modules in dist/ (not to src/: the tsconfig passed here
 * has no `paths`), tfjs and its wasm backend from node_modules. Returns the output files by URL
 * path ('/page.js', '/page.js.map') and esbuild's metafile.
 */
export async function bundle(
  entry: string,
  name: string,
): Promise<{ files: Map<string, Uint8Array | string>; metafile: esbuild.Metafile }> {
  const outdir = path.join(root, '.browser-bundle');
  const result = await esbuild.build({
    entryPoints: { [name]: entry },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    sourcemap: true,
    minify: false,
    write: false,
    metafile: true,
    outdir,
    absWorkingDir: root,
    tsconfig: path.join(__dirname, 'tsconfig.json'),
    logLevel: 'warning',
  });
  const files = new Map<string, Uint8Array | string>();
  for (const file of result.outputFiles) files.set(`/${path.relative(outdir, file.path)}`, file.contents);
  return { files, metafile: result.metafile };
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * What of Node a browser bundle would need: Node built-in modules bundled or left as imports
 * (esbuild marks a module the "browser" field of a dependency disables as `(disabled):`, which is
 * not a use), tfjs-lstm's Node-only entry, and, in tfjs-lstm's own bundled files, the globals
 * `Buffer` and `process` and calls of `require`. Empty when the bundle is clean.
 */
export function nodeUses(metafile: esbuild.Metafile, read: (file: string) => string): string[] {
  const found: string[] = [];
  for (const [input, info] of Object.entries(metafile.inputs)) {
    if (BUILTINS.has(input)) found.push(`bundled Node module ${input}`);
    for (const imp of info.imports) {
      if (imp.external && BUILTINS.has(imp.path)) found.push(`${input} imports Node's ${imp.path}`);
    }
  }
  for (const output of Object.values(metafile.outputs)) {
    for (const imp of output.imports) {
      if (BUILTINS.has(imp.path)) found.push(`the bundle imports Node's ${imp.path}`);
    }
  }
  const own = Object.keys(metafile.inputs).filter((input) => input.startsWith('dist/'));
  if (own.length === 0) found.push('no file of dist/ in the bundle: tfjs-lstm did not resolve to its build');
  for (const input of own) {
    if (/^dist\/node\./.test(input)) found.push(`${input}: the Node-only entry tfjs-lstm/node`);
    const text = read(path.join(root, input));
    for (const [label, pattern] of [
      ['Buffer', /(?<![\w$.])Buffer\s*[.(]/],
      ['process', /(?<![\w$.])process\s*[.[]|typeof\s+process\b/],
      ['require()', /(?<![\w$.])require\s*\(/],
      ["'fs'/'path' imports", /from\s*["'](node:)?(fs|path|os|crypto|child_process)["']/],
    ] as const) {
      if (pattern.test(text)) found.push(`${input} uses ${label}`);
    }
  }
  return found;
}
