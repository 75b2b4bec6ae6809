import type { Config } from 'jest';
import { presentBackends } from './__tests__/setup/backends';

// Every test file runs once per tfjs backend present on this machine: `cpu` and `wasm` always,
// `tensorflow` when @tensorflow/tfjs-node is installed. Each backend is a jest project, so the
// report labels every file with the backend it ran on.
const project = (backend: string, wasmThreads = 0) => ({
  displayName: wasmThreads ? `${backend}, ${wasmThreads} threads` : backend,
  // tfjs-node's arrays come from Node's realm: its project shares those constructors.
  testEnvironment: backend === 'tensorflow' ? '<rootDir>/__tests__/setup/tfjs-node-environment.ts' : 'node',
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  // tsconfig.json sets isolatedModules, so ts-jest transpiles each file alone without type-checking
  // it: `npm run typecheck` checks the types of the whole tree once, instead of again per project.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup/use-backend.ts'],
  // Examples import the package by name; in the repository that is the source.
  moduleNameMapper: {
    '^tfjs-lstm$': '<rootDir>/src/index.ts',
    '^tfjs-lstm/functional$': '<rootDir>/src/functional.ts',
    '^tfjs-lstm/node$': '<rootDir>/src/node.ts',
    '^tfjs-lstm/testing$': '<rootDir>/src/testing/index.ts',
    '^tfjs-lstm/testing/jest$': '<rootDir>/src/testing/jest.ts',
    '^tfjs-lstm/testing/node$': '<rootDir>/src/testing/node.ts',
  },
  globals: { __TFJS_BACKEND__: backend, __WASM_THREADS__: wasmThreads },
});

// tfjs' CPU backend under another name with only its stock kernels (helpers/stock-backend.ts):
// the composed path that tensorflow, webgl and webgpu take, tested on every machine. The files
// that exercise gradients and training run there.
const STOCK_FILES = [
  'gradients',
  'train',
  'empty-batch',
  'lstm.fixtures',
  'lstm-cell.fixtures',
  'gru-rnn.fixtures',
  'seed-exercise',
  'torch-lstm.layer',
];

// Files that run in one project only. In `cpu`, those that use no tfjs backend or use it for
// nothing that can differ between backends: the float64 reference, the safetensors codec, the
// SIMD loops on their own memory, the kernels' scalar maths, argument checks (they run before any
// kernel, and tf.memory() counts in the engine), the built package and the README, tested from
// outside. In `wasm`, the examples: they are the library's users, run as scripts.
const ONE_PROJECT: Record<string, string> = {
  reference: 'cpu',
  safetensors: 'cpu',
  simd: 'cpu',
  'kernel-math': 'cpu',
  errors: 'cpu',
  'gru-rnn.errors': 'cpu',
  package: 'cpu',
  readme: 'cpu',
  examples: 'wasm',
};

const projects: Config['projects'] = [
  ...presentBackends().map((backend) => ({
    ...project(backend),
    testPathIgnorePatterns: Object.entries(ONE_PROJECT)
      .filter(([, only]) => only !== backend)
      .map(([name]) => `<rootDir>/__tests__/${name}\\.test\\.ts$`),
  })),
  {
    ...project('cpu-stock'),
    displayName: 'cpu-stock (stock kernels only)',
    testMatch: STOCK_FILES.map((name) => `<rootDir>/__tests__/${name}.test.ts`),
  },
  // The wasm backend also runs multi-threaded (useThreadedWasm, tfjs-lstm/node), in shared memory,
  // where the kernels take another build of their SIMD loops: what threads change runs there, the
  // kernels against the composed ops, one short leak loop through them, and that helper's own tests.
  {
    ...project('wasm', 2),
    testMatch: ['kernels', 'gru-rnn.kernels', 'leaks', 'wasm-threads'].map(
      (name) => `<rootDir>/__tests__/${name}.test.ts`,
    ),
  },
];

const config: Config = {
  projects,
  globalSetup: '<rootDir>/__tests__/setup/print-backends.ts',
  testTimeout: 120_000,
};

export default config;
