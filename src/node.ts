/**
 * tfjs-lstm's Node.js helpers (they use the file system): `import { fileSystem } from 'tfjs-lstm/node'`.
 */
export { fileSystem } from './io/file-system';
