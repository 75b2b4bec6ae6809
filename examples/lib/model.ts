import * as tf from '@tensorflow/tfjs';
import { GRU, LSTM, LSTMOptions } from 'tfjs-lstm';

/** The recurrent layer of a model: PyTorch's LSTM (the default) or GRU. */
export type CellKind = 'lstm' | 'gru';

/** The `--cell` flag's value, checked. */
export function cellFlag(value: string | undefined): CellKind {
  if (value === undefined || value === 'lstm' || value === 'gru') return value ?? 'lstm';
  throw new Error(`--cell should be lstm or gru, got ${value}`);
}

/**
 * An LSTM (or GRU) and a linear head, the way one writes it in PyTorch: `head(lstm(x))`, on every
 * step or on the last one.
 */
export class SequenceRegressor {
  readonly rnn: LSTM | GRU;
  readonly headWeight: tf.Variable;
  readonly headBias: tf.Variable;

  constructor({ cell = 'lstm', ...options }: LSTMOptions & { seed: number; cell?: CellKind }) {
    this.rnn = cell === 'gru' ? new GRU(options) : new LSTM(options);
    const h = this.rnn.outputSize * this.rnn.numDirections;
    const bound = 1 / Math.sqrt(h); // nn.Linear's initialisation
    this.headWeight = tf.variable(tf.randomUniform([h, 1], -bound, bound, 'float32', options.seed + 1));
    this.headBias = tf.variable(tf.randomUniform([1], -bound, bound, 'float32', options.seed + 2));
  }

  /** Predictions at every step, [T, N, 1]. */
  everyStep(x: tf.Tensor3D): tf.Tensor {
    return tf.tidy(() => {
      const [out] = this.rnn.forward(x);
      const [steps, batch, h] = out.shape;
      return tf.reshape(tf.add(tf.matMul(tf.reshape(out, [steps * batch, h]), this.headWeight), this.headBias), [
        steps,
        batch,
        1,
      ]);
    });
  }

  /** The prediction after the last step, [N, 1]. */
  lastStep(x: tf.Tensor3D): tf.Tensor {
    return tf.tidy(() => {
      const [out] = this.rnn.forward(x);
      const [steps, batch, h] = out.shape;
      const last = tf.reshape(tf.slice(out, [steps - 1, 0, 0], [1, batch, h]), [batch, h]);
      return tf.add(tf.matMul(last, this.headWeight), this.headBias);
    });
  }

  variables(): tf.Variable[] {
    return [...this.rnn.parameters(), this.headWeight, this.headBias];
  }

  dispose(): void {
    this.rnn.dispose();
    tf.dispose([this.headWeight, this.headBias]);
  }
}
