/** The tfjs backends the test suite runs on: those whose packages are installed here. */
export type BackendName = 'cpu' | 'wasm' | 'tensorflow';

export function hasTfjsNode(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

export function presentBackends(): BackendName[] {
  const backends: BackendName[] = ['cpu', 'wasm'];
  if (hasTfjsNode()) backends.push('tensorflow');
  return backends;
}
