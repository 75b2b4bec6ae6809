import * as tf from '@tensorflow/tfjs';
import { LSTM, LSTMOptions } from 'tfjs-lstm';

/**
 * An LSTM and a linear head, the way one writes it in PyTorch: `head(lstm(x))`, on every step or
 * on the last one.
 */
export class SequenceRegressor {
  readonly rnn: LSTM;
  readonly headWeight: tf.Variable;
  readonly headBias: tf.Variable;

  constructor(options: LSTMOptions & { seed: number }) {
    this.rnn = new LSTM(options);
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
