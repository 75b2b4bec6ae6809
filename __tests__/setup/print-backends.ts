import { hasTfjsNode, presentBackends } from './backends';

export default function printBackends(): void {
  const note = hasTfjsNode() ? '' : ' (tensorflow skipped: @tensorflow/tfjs-node is not installed)';
  process.stdout.write(
    `\ntfjs-lstm tests run on backends: ${presentBackends().join(', ')}${note}; the gradient and training tests on cpu-stock (tfjs' stock kernels only: the composed path); and the kernel, leak and useThreadedWasm tests on wasm with 2 threads\n`,
  );
}
