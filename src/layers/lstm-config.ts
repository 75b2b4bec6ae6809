import type * as tf from '@tensorflow/tfjs';

import { LSTMWeights } from '../ops/weights';
import { checkBoolean, checkDropout, checkInteger, checkProjSize } from './checks';

/**
 * The options that fix an LSTM's parameters and computation, shared by the `LSTM` module and the
 * `TorchLSTM` tfjs layer: checking them, PyTorch's parameter names and shapes, and the weights of
 * one layer and direction.
 */
export interface LSTMArchitecture {
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bias: boolean;
  dropout: number;
  bidirectional: boolean;
  projSize: number;
}

/** Checks the options (PyTorch's checks and messages) and fills in PyTorch's defaults. */
export function checkArchitecture(
  owner: string,
  options: Partial<Record<keyof LSTMArchitecture, unknown>>,
): LSTMArchitecture {
  const hiddenSize = checkInteger(owner, 'hiddenSize', options.hiddenSize, 1);
  const arch: LSTMArchitecture = {
    inputSize: checkInteger(owner, 'inputSize', options.inputSize, 1),
    hiddenSize,
    numLayers: checkInteger(owner, 'numLayers', options.numLayers ?? 1, 1),
    bias: checkBoolean(owner, 'bias', options.bias ?? true),
    dropout: checkDropout(owner, options.dropout ?? 0),
    bidirectional: checkBoolean(owner, 'bidirectional', options.bidirectional ?? false),
    projSize: checkProjSize(owner, options.projSize ?? 0, hiddenSize),
  };
  if (arch.dropout > 0 && arch.numLayers === 1) {
    console.warn(
      `${owner}: dropout option adds dropout after all but last recurrent layer, so non-zero dropout ` +
        `expects numLayers greater than 1, but got dropout=${arch.dropout} and numLayers=${arch.numLayers}`,
    );
  }
  return arch;
}

export function numDirections(arch: LSTMArchitecture): number {
  return arch.bidirectional ? 2 : 1;
}

/** Size of h: projSize when projecting, else hiddenSize. */
export function outputSize(arch: LSTMArchitecture): number {
  return arch.projSize > 0 ? arch.projSize : arch.hiddenSize;
}

function suffix(layer: number, dir: number): string {
  return `_l${layer}${dir === 1 ? '_reverse' : ''}`;
}

/**
 * PyTorch's parameter names and shapes, in `named_parameters()` order: per layer, per direction,
 * weight_ih, weight_hh, bias_ih, bias_hh, weight_hr.
 *
 * ```ts
 * parameterShapes({inputSize: 2, hiddenSize: 3, numLayers: 1, bias: false, dropout: 0,
 *                  bidirectional: false, projSize: 0});
 * // [['weight_ih_l0', [12, 2]], ['weight_hh_l0', [12, 3]]]
 * ```
 */
export function parameterShapes(arch: LSTMArchitecture): [string, number[]][] {
  const h = arch.hiddenSize;
  const p = outputSize(arch);
  const shapes: [string, number[]][] = [];
  for (let layer = 0; layer < arch.numLayers; layer++) {
    const layerInput = layer === 0 ? arch.inputSize : p * numDirections(arch);
    for (let dir = 0; dir < numDirections(arch); dir++) {
      const sfx = suffix(layer, dir);
      shapes.push([`weight_ih${sfx}`, [4 * h, layerInput]], [`weight_hh${sfx}`, [4 * h, p]]);
      if (arch.bias) shapes.push([`bias_ih${sfx}`, [4 * h]], [`bias_hh${sfx}`, [4 * h]]);
      if (arch.projSize > 0) shapes.push([`weight_hr${sfx}`, [arch.projSize, h]]);
    }
  }
  return shapes;
}

/** The weights of one layer and direction, looked up by PyTorch name. */
export function directionWeights(
  arch: LSTMArchitecture,
  get: (name: string) => tf.Tensor,
  layer: number,
  dir: number,
): LSTMWeights {
  const sfx = suffix(layer, dir);
  const w: LSTMWeights = { weightIh: get(`weight_ih${sfx}`), weightHh: get(`weight_hh${sfx}`) };
  if (arch.bias) {
    w.biasIh = get(`bias_ih${sfx}`);
    w.biasHh = get(`bias_hh${sfx}`);
  }
  if (arch.projSize > 0) w.weightHr = get(`weight_hr${sfx}`);
  return w;
}
