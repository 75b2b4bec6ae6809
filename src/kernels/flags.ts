import * as tf from '@tensorflow/tfjs';

/**
 * The kernels' switches, as tfjs environment flags: set with `tf.env().set(name, false)` (or in a
 * browser with the URL parameter `?tfjsflags=TFJSLSTM_FUSED_KERNELS:false`), read on each call.
 * Registered when this package loads; both default to true.
 */

/**
 * Whether the fused kernels run (src/kernels/ on `cpu` and `wasm`, TensorFlow's BlockLSTM ops on
 * `tensorflow`). False runs everything on composed tfjs ops: the path other backends take, the
 * kernels' test oracle and the benchmark's "before".
 */
export const FUSED_KERNELS_FLAG = 'TFJSLSTM_FUSED_KERNELS';

/**
 * Whether the `wasm` kernels run their element-wise loops in WebAssembly SIMD (where it has SIMD).
 * False runs their JavaScript loops: the path of a WebAssembly without SIMD.
 */
export const SIMD_LOOPS_FLAG = 'TFJSLSTM_SIMD_LOOPS';

tf.env().registerFlag(FUSED_KERNELS_FLAG, () => true);
tf.env().registerFlag(SIMD_LOOPS_FLAG, () => true);
