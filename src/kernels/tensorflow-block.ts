import * as tf from '@tensorflow/tfjs';

import { LSTM_BLOCK_BACKWARD, LSTM_BLOCK_FORWARD, LSTM_BLOCK_OUTPUTS } from './kernel-names';
import { LstmKernelFunc, registerKernel } from './run-kernel';

// Kernels of the `tensorflow` backend (@tensorflow/tfjs-node) that run a whole LSTM layer
// direction as one TensorFlow op each: `BlockLSTMV2` forward and `BlockLSTMGradV2` backward
// (tensorflow/core/kernels/rnn/lstm_ops.cc); their names, inputs and attributes are in
// kernel-names.ts. BlockLSTMV2 has no forget bias (V1's default of 1 would not be PyTorch's), its
// `cell_clip` of 0 turns clipping off, and the peepholes are off and given as zeros.

/** What these kernels use of tfjs-node's NodeJSKernelBackend (not in its public types). */
interface TensorflowBackend {
  binding: {
    TF_FLOAT: number;
    TF_INT64: number;
    TF_ATTR_BOOL: number;
    TF_ATTR_FLOAT: number;
    TF_ATTR_TYPE: number;
    createTensor(shape: number[], dtype: number, values: Float32Array | Int32Array): number;
    deleteTensor(id: number): void;
    executeOp(name: string, attrs: OpAttr[], inputIds: number[], numOutputs: number): unknown[];
  };
  getInputTensorIds(tensors: tf.TensorInfo[]): number[];
  createOutputTensor(metadata: unknown): tf.Tensor;
}

interface OpAttr {
  name: string;
  type: number;
  value: number | boolean;
}

/**
 * Runs a BlockLSTM op on `tensors`, after its int64 `seq_len_max` and before its three zero
 * peephole weights (which the op takes between `w` and `b`). tfjs has no int64 tensors, so those
 * inputs are made as TensorFlow handles here and freed right after the op.
 */
function executeBlockOp(
  backend: TensorflowBackend,
  name: string,
  attrs: OpAttr[],
  seqLenMax: number,
  [x, cPrev, hPrev, w, b, ...rest]: tf.TensorInfo[],
  numOutputs: number,
): tf.Tensor[] {
  const { binding } = backend;
  const hidden = b.shape[0] / 4;
  // An int64 is two int32 words, low first (little-endian, as tfjs-node's Int64Scalar assumes).
  const seqLen = binding.createTensor([], binding.TF_INT64, new Int32Array([seqLenMax, 0]));
  const peephole = binding.createTensor([hidden], binding.TF_FLOAT, new Float32Array(hidden));
  try {
    const [xId, cId, hId, wId, bId, ...restIds] = backend.getInputTensorIds([x, cPrev, hPrev, w, b, ...rest]);
    const ids = [seqLen, xId, cId, hId, wId, peephole, peephole, peephole, bId, ...restIds];
    return binding.executeOp(name, attrs, ids, numOutputs).map((m) => backend.createOutputTensor(m));
  } finally {
    binding.deleteTensor(seqLen);
    binding.deleteTensor(peephole);
  }
}

function typeAttrs(backend: TensorflowBackend): OpAttr[] {
  const { binding } = backend;
  return [
    { name: 'use_peephole', type: binding.TF_ATTR_BOOL, value: false },
    { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
  ];
}

/** Inputs x [T, N, I], h0 and c0 [N, H], w [I + H, 4H], b [4H]; outputs LSTM_BLOCK_OUTPUTS. */
const forwardKernel: LstmKernelFunc<typeof LSTM_BLOCK_FORWARD> = ({ inputs, backend, attrs }) => {
  const be = backend as unknown as TensorflowBackend;
  const { x, h0, c0, w, b } = inputs;
  const opAttrs = [{ name: 'cell_clip', type: be.binding.TF_ATTR_FLOAT, value: 0 }, ...typeAttrs(be)];
  return executeBlockOp(be, 'BlockLSTMV2', opAttrs, attrs.seqLenMax, [x, c0, h0, w, b], LSTM_BLOCK_OUTPUTS.length);
};

/** Outputs dx, dc0, dh0, dw, db (the op's order, peepholes dropped). */
const backwardKernel: LstmKernelFunc<typeof LSTM_BLOCK_BACKWARD> = ({ inputs: t, backend, attrs }) => {
  const be = backend as unknown as TensorflowBackend;
  const ordered = [t.x, t.c0, t.h0, t.w, t.b, ...LSTM_BLOCK_OUTPUTS.map((k) => t[k]), t.csGrad, t.hGrad];
  const [dx, dc0, dh0, dw, dwci, dwcf, dwco, db] = executeBlockOp(
    be,
    'BlockLSTMGradV2',
    typeAttrs(be),
    attrs.seqLenMax,
    ordered,
    8,
  );
  tf.dispose([dwci, dwcf, dwco]);
  return [dx, dc0, dh0, dw, db];
};

/** Registers both kernels for the `tensorflow` backend (once per process, see register.ts). */
export function registerBlockKernels(): void {
  if (tf.getKernel(LSTM_BLOCK_FORWARD, 'tensorflow')) return;
  registerKernel(LSTM_BLOCK_FORWARD, 'tensorflow', forwardKernel);
  registerKernel(LSTM_BLOCK_BACKWARD, 'tensorflow', backwardKernel);
}
