import { defineConfig } from 'tsup';

// One source tree, two module formats: CommonJS for `require('tfjs-lstm')`, ES modules for `import`.
// tfjs stays external so that users share one copy of tfjs-core with this package.
export default defineConfig({
  // tfjs-lstm/testing's three entries build to dist/testing/{index,jest,node}.
  entry: {
    index: 'src/index.ts',
    functional: 'src/functional.ts',
    node: 'src/node.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/jest': 'src/testing/jest.ts',
    'testing/node': 'src/testing/node.ts',
  },
  format: ['cjs', 'esm'],
  outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.mjs' }),
  dts: true,
  sourcemap: true,
  clean: true,
  // Code both entries use (safetensors, state dicts) goes in a shared chunk in CommonJS too, as
  // in ES modules: one copy, so that an error thrown from tfjs-lstm/node is instanceof the class
  // tfjs-lstm exports.
  splitting: true,
  target: 'es2020',
  tsconfig: 'tsconfig.build.json',
  external: [/^@tensorflow\//],
});
