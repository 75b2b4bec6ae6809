import type { Config } from 'jest';
import { presentBackends } from './__tests__/setup/backends';

// Every test file runs once per tfjs backend present on this machine: `cpu` and `wasm` always,
// `tensorflow` when @tensorflow/tfjs-node is installed. Each backend is a jest project, so the
// report labels every file with the backend it ran on.
const projects: Config['projects'] = presentBackends().map((backend) => ({
  displayName: backend,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup/use-backend.ts'],
  // Examples import the package by name; in the repository that is the source.
  moduleNameMapper: { '^tfjs-lstm$': '<rootDir>/src/index.ts', '^tfjs-lstm/node$': '<rootDir>/src/node.ts' },
  globals: { __TFJS_BACKEND__: backend },
}));

const config: Config = {
  projects,
  globalSetup: '<rootDir>/__tests__/setup/print-backends.ts',
  testTimeout: 120_000,
};

export default config;
