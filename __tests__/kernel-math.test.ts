import * as tf from '@tensorflow/tfjs';

import { matMulJs } from '../src/kernels/matmul-js';
import { TANH_SMALL_LIMIT, tanhJs, tanhSmall } from '../src/kernels/tanh';

// The kernels' own scalar maths, in plain JavaScript on any backend: their matrix product against
// the cpu backend's, their tanh against Math.tanh. It runs once (ONE_PROJECT in jest.config.ts);
// the kernels themselves run on every backend in kernels.test.ts.

describe('matMulJs', () => {
  test.each([
    [32, 128, 512],
    [5, 50, 7],
    [1, 1, 1],
    [9, 97, 3],
    [4, 48, 4],
    [1, 192, 512], // a batch-1 step: the single-row path
    [3, 70, 13],
  ])('%i x %i x %i: the cpu backend matMul, bit for bit', (m, k, n) => {
    const a = tf.randomNormal([m, k], 0, 1, 'float32', m + k);
    const b = tf.randomNormal([k, n], 0, 1, 'float32', k + n);
    const c = matMulJs(a.dataSync() as Float32Array, b.dataSync() as Float32Array, m, k, n);
    expect(tf.getBackend()).toBe('cpu'); // ONE_PROJECT runs this file in the cpu project
    const expected = tf.matMul(a, b).dataSync();
    expect(Array.from(c)).toEqual(Array.from(expected));
  });
});

describe('tanhSmall', () => {
  test('is tanh to 1.6e-10 relative on |x| < 0.625', () => {
    let worst = 0;
    for (let k = 1; k <= 100000; k++) {
      const x = (k / 100000) * TANH_SMALL_LIMIT;
      for (const v of [x, -x]) worst = Math.max(worst, Math.abs(tanhSmall(v) - Math.tanh(v)) / Math.abs(Math.tanh(v)));
    }
    expect(worst).toBeLessThan(1.6e-10);
    expect(Object.is(tanhSmall(-0), -0)).toBe(true);
  });

  test('tanhJs rounds to the float32 tanh rounds to, but for rare ties', () => {
    let differ = 0;
    const n = 200000;
    for (let k = 0; k < n; k++) {
      // Spread over magnitudes from 1e-8 to 20, both signs.
      const x = Math.fround((k % 2 ? -1 : 1) * 20 * Math.pow(10, -8 * ((k * 0.618034) % 1)));
      if (Math.fround(tanhJs(x)) !== Math.fround(Math.tanh(x))) differ++;
    }
    expect(differ / n).toBeLessThan(1e-3);
    expect([tanhJs(NaN), tanhJs(1e4), tanhJs(-1e4), tanhJs(Infinity)]).toEqual([NaN, 1, -1, 1]);
  });
});
