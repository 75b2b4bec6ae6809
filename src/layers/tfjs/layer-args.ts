import type * as tf from '@tensorflow/tfjs';

import { optionNames } from '../options';

/** The arguments every tfjs layer takes (`name`, `inputShape`, ...). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** A tfjs-layers shape: null for unknown dimensions (the batch, a variable time length). */
export type Shape = (number | null)[];

/** What tfjs' deserialization adds to a saved config besides the layer's own arguments. */
interface DeserializedArgs extends LayerArgs {
  customObjects?: unknown;
}

/** Keras' base layer arguments, and what tfjs' deserialization adds to a saved config. */
export const KERAS_LAYER_ARGS = optionNames<DeserializedArgs>()([
  'inputShape',
  'batchInputShape',
  'batchSize',
  'dtype',
  'name',
  'trainable',
  'weights',
  'inputDType',
  'customObjects',
]);

/** The shape of the first input, when a layer is given the shapes of several. */
export function firstShape(inputShape: Shape | Shape[]): Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
}

/** What a layer's `apply` takes: tensors, or symbolic tensors while a model is built. */
type ApplyInputs = tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[];

/**
 * Keras' `initialState` keyword as extra inputs, as tfjs-layers' RNNs take it: `apply(x,
 * {initialState})` becomes `apply([x, ...initialState], rest)`. The arguments for `super.apply`.
 *
 * ```ts
 * override apply(inputs, kwargs) { return super.apply(...initialStateAsInputs(inputs, kwargs)); }
 * ```
 */
export function initialStateAsInputs(
  inputs: ApplyInputs,
  kwargs?: Record<string, unknown>,
): [ApplyInputs, Record<string, unknown> | undefined] {
  const given = kwargs?.initialState as tf.Tensor | tf.SymbolicTensor | (tf.Tensor | tf.SymbolicTensor)[] | undefined;
  if (!given) return [inputs, kwargs];
  const rest = { ...kwargs };
  delete rest.initialState;
  const all = [...(Array.isArray(inputs) ? inputs : [inputs]), ...(Array.isArray(given) ? given : [given])];
  return [all as tf.Tensor[], rest];
}
