/**
 * tfjs-lstm: PyTorch-exact `LSTMCell` and `LSTM` for TensorFlow.js, with a hand-derived backward
 * pass.
 */
export { LSTM } from './layers/nn/lstm';
export type { LSTMOptions, LSTMForwardOptions } from './layers/nn/lstm';
export { LSTMCell } from './layers/nn/lstm-cell';
export type { LSTMCellOptions } from './layers/nn/lstm-cell';
export { Module } from './layers/nn/module';
export { TorchLSTM, torchLSTM } from './layers/tfjs/torch-lstm';
export type { TorchLSTMArgs } from './layers/tfjs/torch-lstm';
export { TorchLSTMCell, torchLSTMCell } from './layers/tfjs/torch-lstm-cell';
export type { TorchLSTMCellArgs } from './layers/tfjs/torch-lstm-cell';
export { lstmStack, dropout } from './ops/lstm-stack';
export type { StackOptions, StackResult } from './ops/lstm-stack';
export { lstmStep } from './ops/cell-step';
export type { StepResult } from './ops/cell-step';
export { lstmForward, lstmBackward } from './ops/bptt';
export type { SequenceOptions, StepCache, ForwardResult, Gradients } from './ops/bptt';
export { lstmLayer } from './ops/lstm-layer';
export type { GradientMode, LayerOptions, LayerResult } from './ops/lstm-layer';
export type { LSTMWeights } from './ops/weights';
export { clipGradNorm, clipGradNormAsync, clipGradValue } from './train/clip';
export type { ClipGradNormOptions, GradientSet } from './train/clip';
export { detach, detachState } from './train/detach';
export { gradientFlow, gradientFlowAsync } from './train/gradient-flow';
export type { FlowReport, GradientFlowResult } from './train/gradient-flow';
export type { FlowLabel } from './ops/flow-recorder';
export { setFusedKernels } from './kernels/register';
export type { StateDict, StateDictValue, NestedArray, LoadResult } from './io/state-dict';
export {
  copyFromKerasLSTM,
  copyToKerasLSTM,
  denseToLinearWeights,
  kerasToLSTMWeights,
  kerasToLstmWeights,
  linearToDenseWeights,
  lstmToKerasWeights,
} from './io/keras';
export type { DirectionKey, HasStateDict } from './io/keras';
export { selectPrefix, stateDictFromSafetensors, stateDictToJSON, stateDictToSafetensors } from './io/formats';
export { readSafetensors, writeSafetensors, SafetensorsError } from './io/safetensors';
export type {
  SafetensorsDtype,
  SafetensorsEntry,
  SafetensorsFile,
  SafetensorsFloatDtype,
  SafetensorsInput,
  SafetensorsIntDtype,
  SafetensorsWriteDtype,
} from './io/safetensors';
