/**
 * `npm run build:wasm`: assembles src/kernels/simd/lstm-simd.wat (WebAssembly text) into
 * src/kernels/simd/lstm-simd-binary.ts, the module's bytes as base64, which the package loads at
 * run time. The assembler (wabt) is a development dependency only; a test checks that the
 * committed binary is what this script makes of the committed text.
 *
 *   npm run build:wasm            # rewrite the binary
 *   npm run build:wasm -- --check # exit 1 if it is out of date
 */
import * as fs from 'fs';
import * as path from 'path';

import { assembledSource, BINARY_PATH } from './lstm-simd-module';

async function main(): Promise<void> {
  const source = await assembledSource();
  if (process.argv.includes('--check')) {
    const current = fs.readFileSync(BINARY_PATH, 'utf8');
    if (current !== source) {
      console.error(`${path.relative(process.cwd(), BINARY_PATH)} is out of date: run npm run build:wasm`);
      process.exit(1);
    }
    console.log('lstm-simd-binary.ts is up to date');
    return;
  }
  fs.writeFileSync(BINARY_PATH, source);
  console.log(`wrote ${path.relative(process.cwd(), BINARY_PATH)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
