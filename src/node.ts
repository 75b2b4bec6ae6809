/**
 * tfjs-lstm's Node.js helpers, which use the file system:
 * `import { fileSystem, readStateDict, writeStateDict } from 'tfjs-lstm/node'`.
 */
export { fileSystem } from './io/file-system';
export { readStateDict, writeStateDict } from './io/state-dict-files';
