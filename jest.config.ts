import type { Config } from 'jest';
import { presentBackends } from './__tests__/setup/backends';

// Every test file runs once per tfjs backend present on this machine: `cpu` and `wasm` always,
// `tensorflow` when @tensorflow/tfjs-node is installed. Each backend is a jest project, so the
// report labels every file with the backend it ran on.
const project = (backend: string, wasmThreads = 0) => ({
  displayName: wasmThreads ? `${backend}, ${wasmThreads} threads` : backend,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup/use-backend.ts'],
  // Examples import the package by name; in the repository that is the source.
  moduleNameMapper: { '^tfjs-lstm$': '<rootDir>/src/index.ts', '^tfjs-lstm/node$': '<rootDir>/src/node.ts' },
  globals: { __TFJS_BACKEND__: backend, __WASM_THREADS__: wasmThreads },
});

// The wasm backend also runs multi-threaded (useThreadedWasm, tfjs-lstm/node), in shared memory,
// where the kernels take another build of their SIMD loops: the kernel tests, the leak tests and
// that helper's own run there too.
const projects: Config['projects'] = [
  ...presentBackends().map((backend) => project(backend)),
  {
    ...project('wasm', 2),
    testMatch: ['kernels', 'robustness', 'wasm-threads'].map((name) => `<rootDir>/__tests__/${name}.test.ts`),
  },
];

const config: Config = {
  projects,
  globalSetup: '<rootDir>/__tests__/setup/print-backends.ts',
  testTimeout: 120_000,
};

export default config;
