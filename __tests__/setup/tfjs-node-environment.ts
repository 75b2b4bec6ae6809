import { TestEnvironment } from 'jest-environment-node';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';

/**
 * Jest's node environment with the typed-array constructors of Node's own realm, for the
 * `tensorflow` project. tfjs-node's addon makes the arrays that `dataSync()` returns in Node's
 * realm, while tfjs-core, loaded inside the test's realm, checks `x instanceof Float32Array`
 * against that realm's constructor (in `tf.io.concatenateTypedArrays`, when a model is saved):
 * outside jest there is one realm and the check holds; here it failed with "Unsupported
 * TypedArray subtype: Float32Array".
 */
export default class TfjsNodeEnvironment extends TestEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const shared = ['ArrayBuffer', 'Float32Array', 'Int32Array', 'Uint8Array', 'Float64Array'] as const;
    Object.assign(this.global, Object.fromEntries(shared.map((name) => [name, globalThis[name]])));
  }
}
