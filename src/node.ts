/**
 * tfjs-lstm's Node.js helpers, which use the file system and worker threads:
 * `import { fileSystem, readStateDict, useThreadedWasm, writeStateDict } from 'tfjs-lstm/node'`.
 */
export { fileSystem } from './io/file-system';
export { readStateDict, writeStateDict } from './io/state-dict-files';
export { useThreadedWasm } from './node/wasm-threads';
