/**
 * tfjs-lstm's Node.js helpers, which use the file system and worker threads:
 * `import { fileSystem, readStateDict, useThreadedWasm, writeStateDict } from 'tfjs-lstm/node'`.
 */
export { fileSystem } from './node/file-system';
export { readStateDict, writeStateDict } from './node/state-dict-files';
export { useThreadedWasm } from './node/wasm-threads';
