/**
 * Whether @tensorflow/tfjs-node (the `tensorflow` backend) is installed: the one check the test
 * suite's projects, the bench's backend list and the examples' default backend share.
 *
 * ```ts
 * const backends = hasTfjsNode() ? ['cpu', 'wasm', 'tensorflow'] : ['cpu', 'wasm'];
 * ```
 */
export function hasTfjsNode(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}
