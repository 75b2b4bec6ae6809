/**
 * tfjs-lstm: PyTorch-exact `LSTMCell` and `LSTM` for TensorFlow.js, with a hand-derived backward
 * pass, and the rest of PyTorch's recurrent family: `GRU`, `GRUCell`, `RNN`, `RNNCell`.
 */
export { LSTM } from './layers/nn/lstm';
export type { LSTMOptions, LSTMForwardOptions } from './layers/nn/lstm';
export { LSTMCell } from './layers/nn/lstm-cell';
export type { LSTMCellOptions } from './layers/nn/lstm-cell';
export { GRU } from './layers/nn/gru';
export type { GRUOptions } from './layers/nn/gru';
export { GRUCell } from './layers/nn/gru-cell';
export type { GRUCellOptions } from './layers/nn/gru-cell';
export { RNN } from './layers/nn/rnn';
export type { RNNOptions } from './layers/nn/rnn';
export { RNNCell } from './layers/nn/rnn-cell';
export type { RNNCellOptions } from './layers/nn/rnn-cell';
export type { RNNForwardOptions } from './layers/nn/rnn-base';
export type { Nonlinearity } from './layers/cell-spec';
export { Module } from './layers/nn/module';
export { TorchLSTM, torchLSTM } from './layers/tfjs/torch-lstm';
export type { TorchLSTMArgs } from './layers/tfjs/torch-lstm';
export { TorchLSTMCell, torchLSTMCell } from './layers/tfjs/torch-lstm-cell';
export type { TorchLSTMCellArgs } from './layers/tfjs/torch-lstm-cell';
export { TorchGRU, torchGRU } from './layers/tfjs/torch-gru';
export type { TorchGRUArgs } from './layers/tfjs/torch-gru';
export { TorchRNN, torchRNN } from './layers/tfjs/torch-rnn';
export type { TorchRNNArgs } from './layers/tfjs/torch-rnn';
export { TorchGRUCell, torchGRUCell } from './layers/tfjs/torch-gru-cell';
export type { TorchGRUCellArgs } from './layers/tfjs/torch-gru-cell';
export { TorchRNNCell, torchRNNCell } from './layers/tfjs/torch-rnn-cell';
export type { TorchRNNCellArgs } from './layers/tfjs/torch-rnn-cell';
export { KerasGRU } from './layers/tfjs/keras-gru';
export type { KerasGRUArgs } from './layers/tfjs/keras-gru';
export { registerKerasRecurrent, unregisterKerasRecurrent } from './layers/tfjs/register-keras';
export { gruToKerasWeights, kerasToGRUWeights } from './io/keras-gru';
// The functional ops (lstmStep, lstmForward, lstmBackward, lstmDirection, lstmStack, dropout) are
// in 'tfjs-lstm/functional' (src/functional.ts), each in its own tensor scope.
export type { GradientMode } from './dispatch/lstm-direction';
export { clipGradNorm, clipGradNormAsync, clipGradValue } from './train/clip';
export type { ClipGradNormOptions, GradientSet } from './train/clip';
export { detach, detachState } from './train/detach';
export { gradientFlow, gradientFlowAsync } from './train/gradient-flow';
export type { FlowReport, GradientFlowResult } from './train/gradient-flow';
export type { FlowLabel } from './dispatch/flow-recording';
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
