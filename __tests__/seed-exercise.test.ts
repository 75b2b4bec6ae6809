import * as tf from '@tensorflow/tfjs';

import { part1, part2, part3, PYTORCH } from '../examples/seed-exercise';
import { relativeError } from './helpers/compare';
import { cellFixtures, lstmFixtures } from './helpers/fixtures';

// The numbers of ../shared/seed-exercise.md, the package's first regression tests.
describe('the seed exercise', () => {
  test('part 1, rounded gates by hand, prints [0,0,0,0,0,0.96,0,0,0.76]', () => {
    expect(part1()).toEqual([0, 0, 0, 0, 0, 0.96, 0, 0, 0.76]);
  });

  test('parts 2 (LSTMCell loop) and 3 (LSTM, batchFirst) agree exactly', () => {
    const before = tf.memory().numTensors;
    const p2 = part2();
    const p3 = part3();
    expect(p2.output).toEqual(p3.output);
    expect([p2.hN, p2.cN]).toEqual([p3.hN, p3.cN]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('part 3 matches the numbers PyTorch prints (6 significant digits)', () => {
    const p3 = part3();
    p3.output.forEach((v, t) => {
      const expected = PYTORCH.output[t];
      // 6 significant digits as printed; 1e-9 absolute for the exact 0.0 PyTorch prints at step 7.
      expect(Math.abs(v - expected)).toBeLessThanOrEqual(Math.max(Math.abs(expected) * 5e-5, 1e-9));
    });
    // h_n and c_n are printed to 6 decimals, so each stands for an interval of +-5e-7; a float32
    // result one step (6e-8) from PyTorch's can round to the neighbouring printed value (on
    // tensorflow, h_n is 0.76158452, PyTorch's 0.76158446). So: within that half unit, plus the
    // 1e-6 relative that float32 results of two implementations may differ by (the next test
    // compares at full precision).
    const printed = (v: number, shown: number) => Math.abs(v - shown) <= 5e-7 + 1e-6 * Math.abs(shown);
    expect({ hN: p3.hN, ok: printed(p3.hN, PYTORCH.hN) }).toEqual({ hN: p3.hN, ok: true });
    expect({ cN: p3.cN, ok: printed(p3.cN, PYTORCH.cN) }).toEqual({ cN: p3.cN, ok: true });
  });

  test("parts 2 and 3 match PyTorch's float32 results to float32 precision", () => {
    const torch3 = lstmFixtures().find((fx) => fx.name === 'seed_exercise_part3');
    const torch2 = cellFixtures().seedExercisePart2;
    const p2 = part2();
    const p3 = part3();
    expect(
      relativeError([...p3.output, p3.hN, p3.cN], [...torch3!.output.data, ...torch3!.hN.data, ...torch3!.cN.data]),
    ).toBeLessThan(1e-6);
    expect(relativeError([...p2.output, p2.hN, p2.cN], [...torch2.output, torch2.hN, torch2.cN])).toBeLessThan(1e-6);
  });
});
