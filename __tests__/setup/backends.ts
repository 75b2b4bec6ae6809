import { hasTfjsNode } from '../../test-utils/tfjs-node';

/** The tfjs backends the test suite runs on: those whose packages are installed here. */
export type BackendName = 'cpu' | 'wasm' | 'tensorflow';

export { hasTfjsNode };

export function presentBackends(): BackendName[] {
  const backends: BackendName[] = ['cpu', 'wasm'];
  if (hasTfjsNode()) backends.push('tensorflow');
  return backends;
}
