// How far a backend's float32 tanh and sigmoid are from correctly rounded, in units in the last
// place (ulps), at the pre-activations of the seed exercise, and what that does to the derivative
// the backward pass computes from the activation (1 - tanh(z)^2, sigmoid(z) * (1 - sigmoid(z))).
// docs/bptt.md, "Saturated gates", quotes its output.
//
//   npx tsx scripts/activation-ulps.ts --backend tensorflow
import * as tf from '@tensorflow/tfjs';

import { setupBackend } from '../examples/backend';

/** The spacing of float32 values at v. */
function ulp(v: number): number {
  const f = new Float32Array([Math.abs(v)]);
  const bits = new Int32Array(f.buffer);
  bits[0] += 1;
  return f[0] - Math.abs(v);
}

async function main(): Promise<void> {
  const backend = await setupBackend();
  const z = [1, 2, 3, 4, 6, 10];
  const [t, s] = tf.tidy(() => [tf.tanh(tf.tensor1d(z)).dataSync(), tf.sigmoid(tf.tensor1d(z)).dataSync()]);
  console.log(`backend ${backend}`);
  console.log('z    tanh error (ulps)  error in 1-tanh^2  sigmoid error (ulps)  error in s(1-s)');
  z.forEach((v, k) => {
    const [tanh, sigmoid] = [Math.tanh(v), 1 / (1 + Math.exp(-v))];
    const dTanh = (1 - t[k] * t[k]) / (1 - tanh * tanh) - 1;
    const dSigmoid = (s[k] * (1 - s[k])) / (sigmoid * (1 - sigmoid)) - 1;
    console.log(
      [
        String(v).padEnd(4),
        ((t[k] - tanh) / ulp(tanh)).toFixed(2).padStart(17),
        dTanh.toExponential(1).padStart(18),
        ((s[k] - sigmoid) / ulp(sigmoid)).toFixed(2).padStart(21),
        dSigmoid.toExponential(1).padStart(16),
      ].join(' '),
    );
  });
}

void main();
