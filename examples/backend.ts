import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { useThreadedWasm } from 'tfjs-lstm/node';

import { hasTfjsNode } from '../test-utils/tfjs-node';

/** The value of a `--name value` (or `--name=value`) command-line flag, if given. */
export function flag(name: string, argv: string[] = process.argv.slice(2)): string | undefined {
  const k = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (k < 0) return undefined;
  return argv[k].includes('=') ? argv[k].slice(argv[k].indexOf('=') + 1) : argv[k + 1];
}

export { hasTfjsNode };

/**
 * Picks the backend for an example: `--backend cpu|wasm|tensorflow`, else the fastest present
 * (tensorflow when @tensorflow/tfjs-node is installed, else wasm). With `--threads N`, the wasm
 * backend runs multi-threaded (`useThreadedWasm`).
 */
export async function setupBackend(requested = flag('backend'), threads = flag('threads')): Promise<string> {
  const backend = requested ?? (hasTfjsNode() ? 'tensorflow' : 'wasm');
  if (backend === 'tensorflow') require('@tensorflow/tfjs-node');
  tf.env().set('PROD', true); // no "install tfjs-node" banner from the cpu backend
  if (threads !== undefined) {
    if (backend !== 'wasm') throw new Error(`--threads is for the wasm backend, not '${backend}'`);
    console.log(`wasm backend on ${await useThreadedWasm(Number(threads))} threads`);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`could not initialise the tfjs backend '${backend}'`);
  await tf.ready();
  return tf.getBackend();
}
