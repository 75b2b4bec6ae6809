import * as tf from '@tensorflow/tfjs';

import { LSTM_CELL, parameterNames } from '../layers/cell-spec';

/**
 * Conversion between PyTorch's LSTM parameters and tfjs-layers' (Keras') `tf.layers.lstm` weights.
 *
 * Both stack the gates in the order i, f, g (Keras calls it c), o. Keras keeps
 * `kernel` [I, 4H] = W_ih^T, `recurrentKernel` [H, 4H] = W_hh^T and one `bias` [4H]; PyTorch has two
 * biases that enter z as a sum, so b = b_ih + b_hh one way, and b_ih = b, b_hh = 0 the other.
 * Keras has no projections. Keras' default recurrent activation is `hardSigmoid`, which changes the
 * numbers: only an LSTM with `recurrentActivation: 'sigmoid'` computes what PyTorch computes.
 */

/** Which layer and direction of a (possibly stacked, bidirectional) LSTM state dict. */
export interface DirectionKey {
  /** Default 0. */
  layer?: number;
  /** The reverse direction (`_reverse` names). Default false. */
  reverse?: boolean;
}

function names({ layer = 0, reverse = false }: DirectionKey) {
  const n = parameterNames(layer, reverse);
  return { ih: n.weightIh, hh: n.weightHh, bih: n.biasIh, bhh: n.biasHh, hr: n.weightHr };
}

/**
 * One direction of one layer of a PyTorch LSTM state dict as Keras LSTM weights
 * `[kernel, recurrentKernel, bias]` (no bias when the state dict has none), ready for
 * `kerasLayer.setWeights`.
 *
 * ```ts
 * const sd = rnn.stateDict();
 * kerasLstm.setWeights(lstmToKerasWeights(sd, {layer: 0}));
 * ```
 */
export function lstmToKerasWeights(dict: Record<string, tf.Tensor>, key: DirectionKey = {}): tf.Tensor[] {
  const n = names(key);
  if (!dict[n.ih] || !dict[n.hh]) {
    throw new Error(
      `lstmToKerasWeights: the state dict has no ${n.ih} and ${n.hh}; keys: ${Object.keys(dict).join(', ')}`,
    );
  }
  if (dict[n.hr]) {
    throw new Error(`lstmToKerasWeights: ${n.hr} is a projection, which Keras' LSTM does not have`);
  }
  return tf.tidy(() => {
    const weights = [tf.transpose(dict[n.ih]), tf.transpose(dict[n.hh])];
    if (dict[n.bih] && dict[n.bhh]) weights.push(tf.add(dict[n.bih], dict[n.bhh]));
    return weights;
  });
}

/**
 * Keras LSTM weights `[kernel, recurrentKernel, bias?]` as one direction of one layer of a PyTorch
 * state dict: `weight_ih` and `weight_hh` transposed, `bias_ih` = bias and `bias_hh` = 0.
 *
 * ```ts
 * rnn.loadStateDict(kerasToLSTMWeights(kerasLstm.getWeights()));
 * ```
 */
export function kerasToLSTMWeights(weights: tf.Tensor[], key: DirectionKey = {}): Record<string, tf.Tensor> {
  if (weights.length !== 2 && weights.length !== 3) {
    throw new Error(`kerasToLSTMWeights: expected [kernel, recurrentKernel, bias?], got ${weights.length} tensors`);
  }
  const [kernel, recurrent, bias] = weights;
  const units = recurrent.shape[0];
  const rows = LSTM_CELL.gateCount * units;
  if (recurrent.rank !== 2 || recurrent.shape[1] !== rows || kernel.rank !== 2 || kernel.shape[1] !== rows) {
    throw new Error(
      `kerasToLSTMWeights: expected kernel [I, 4H] and recurrentKernel [H, 4H], got [${kernel.shape}] and [${recurrent.shape}]`,
    );
  }
  const n = names(key);
  return tf.tidy(() => {
    const dict: Record<string, tf.Tensor> = { [n.ih]: tf.transpose(kernel), [n.hh]: tf.transpose(recurrent) };
    if (bias) {
      dict[n.bih] = tf.clone(bias);
      dict[n.bhh] = tf.zerosLike(bias);
    }
    return dict;
  });
}

/**
 * `kerasToLSTMWeights` under its first name, kept so that code written against it still runs.
 *
 * @deprecated Use `kerasToLSTMWeights`: the package spells LSTM in capitals in every other name.
 */
export const kerasToLstmWeights = kerasToLSTMWeights;

interface KerasLSTMConfig {
  units: number;
  activation: string;
  recurrentActivation: string;
  useBias: boolean;
}

/** The Keras LSTM layers behind `layer`: itself, or the two of a `tf.layers.bidirectional` wrapper. */
export function kerasLSTMLayers(layer: tf.layers.Layer): tf.layers.Layer[] {
  const className = layer.getClassName();
  if (className === 'LSTM') return [layer];
  if (className === 'Bidirectional') {
    const wrapper = layer as unknown as { forwardLayer: tf.layers.Layer; backwardLayer: tf.layers.Layer };
    if (wrapper.forwardLayer.getClassName() !== 'LSTM') {
      throw new Error(
        `expected tf.layers.bidirectional around an LSTM, got one around ${wrapper.forwardLayer.getClassName()}`,
      );
    }
    if (layer.getConfig().mergeMode !== 'concat') {
      console.warn(
        `tfjs-lstm: this Bidirectional wrapper merges with '${layer.getConfig().mergeMode}', not 'concat' as PyTorch`,
      );
    }
    return [wrapper.forwardLayer, wrapper.backwardLayer];
  }
  throw new Error(`expected a tf.layers.lstm (or tf.layers.bidirectional around one), got ${className}`);
}

/** Warns where a Keras LSTM will not compute what PyTorch computes with the same weights. */
export function warnIfNotPyTorchActivations(layer: tf.layers.Layer): void {
  const config = layer.getConfig() as unknown as KerasLSTMConfig;
  if (config.recurrentActivation !== 'sigmoid') {
    console.warn(
      `tfjs-lstm: ${layer.name} uses recurrentActivation '${config.recurrentActivation}' (tf.layers.lstm's default is ` +
        `'hardSigmoid'); PyTorch's gates use 'sigmoid', so results will differ. Create it with recurrentActivation: 'sigmoid'.`,
    );
  }
  if (config.activation !== 'tanh') {
    console.warn(`tfjs-lstm: ${layer.name} uses activation '${config.activation}'; PyTorch's LSTM uses 'tanh'.`);
  }
}

/** Anything with PyTorch-named LSTM parameters: `LSTM`, `TorchLSTM`. */
export interface HasStateDict {
  stateDict(): Record<string, tf.Tensor>;
  loadStateDict(dict: Record<string, tf.Tensor>, options?: { strict?: boolean }): unknown;
}

/**
 * Copies layer `layer` (both directions when bidirectional) of a PyTorch-style LSTM into a
 * tfjs-layers `tf.layers.lstm` (or `tf.layers.bidirectional` around one), which must already have
 * weights of matching sizes (be part of a model, or have been applied once: tfjs' RNN layers
 * rebuild their weights on the first apply after a bare `build()`). Warns when the Keras layer's
 * activations are not PyTorch's.
 *
 * ```ts
 * const keras = tf.layers.lstm({units: 20, recurrentActivation: 'sigmoid', returnSequences: true});
 * keras.apply(tf.zeros([1, 1, 10]));
 * copyToKerasLSTM(rnn, keras);
 * ```
 */
export function copyToKerasLSTM(source: HasStateDict, target: tf.layers.Layer, options: { layer?: number } = {}): void {
  const layers = kerasLSTMLayers(target);
  layers.forEach(warnIfNotPyTorchActivations);
  const dict = source.stateDict();
  try {
    const weights = layers.flatMap((_, dir) => lstmToKerasWeights(dict, { layer: options.layer, reverse: dir === 1 }));
    try {
      target.setWeights(weights);
    } finally {
      tf.dispose(weights);
    }
  } finally {
    tf.dispose(Object.values(dict));
  }
}

/**
 * Copies a tfjs-layers `tf.layers.lstm` (or `tf.layers.bidirectional` around one) into layer
 * `layer` of a PyTorch-style LSTM; the other layers are left as they are. Warns when the Keras
 * layer's activations are not PyTorch's.
 *
 * ```ts
 * copyFromKerasLSTM(kerasLayer, rnn);
 * ```
 */
export function copyFromKerasLSTM(
  source: tf.layers.Layer,
  target: HasStateDict,
  options: { layer?: number } = {},
): void {
  const layers = kerasLSTMLayers(source);
  layers.forEach(warnIfNotPyTorchActivations);
  const dicts = layers.map((l, dir) =>
    kerasToLSTMWeights(l.getWeights(), { layer: options.layer, reverse: dir === 1 }),
  );
  const merged = Object.assign({}, ...dicts) as Record<string, tf.Tensor>;
  try {
    target.loadStateDict(merged, { strict: false });
  } finally {
    tf.dispose(Object.values(merged));
  }
}

/**
 * PyTorch's `nn.Linear` parameters (`weight` [out, in], `bias` [out]) as `tf.layers.dense` weights
 * `[kernel [in, out], bias]`, for the head of a model brought over from PyTorch.
 *
 * ```ts
 * dense.setWeights(linearToDenseWeights(sd['head.weight'], sd['head.bias']));
 * ```
 */
export function linearToDenseWeights(weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor[] {
  if (weight.rank !== 2) throw new Error(`linearToDenseWeights: weight should be 2-D [out, in], got [${weight.shape}]`);
  return tf.tidy(() => (bias ? [tf.transpose(weight), tf.clone(bias)] : [tf.transpose(weight)]));
}

/**
 * `tf.layers.dense` weights `[kernel, bias?]` as PyTorch `nn.Linear` parameters `{weight, bias}`:
 * the kernel [in, out] transposed to the weight [out, in].
 *
 * ```ts
 * const { weight, bias } = denseToLinearWeights(denseLayer.getWeights());
 * ```
 */
export function denseToLinearWeights(weights: tf.Tensor[]): Record<string, tf.Tensor> {
  const [kernel, bias] = weights;
  return tf.tidy(() => {
    const linear: Record<string, tf.Tensor> = { weight: tf.transpose(kernel) };
    if (bias) linear.bias = tf.clone(bias);
    return linear;
  });
}
