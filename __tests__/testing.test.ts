import * as tf from '@tensorflow/tfjs';
import { LSTMCell } from 'tfjs-lstm';
import {
  assertClose,
  checkGradients,
  compareClose,
  compareGradients,
  TensorAssertionError,
  tensorMatchers,
  TensorFunction,
} from 'tfjs-lstm/testing';
import 'tfjs-lstm/testing/jest';

// tfjs-lstm/testing: the checks the suite itself uses, public. Messages, semantics (PyTorch's
// assert_close), bad input, and that nothing leaks or is disposed behind the caller's back.

/** Runs `f` and expects it to leave tf.memory() as it found it. */
function noLeak<T>(f: () => T): T {
  const before = tf.memory().numTensors;
  const result = f();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

/** The message `f` throws (failing the test if it does not throw). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('assertClose: torch.testing.assert_close for tfjs', () => {
  test('passes within atol + rtol * |expected|, float32 defaults 1e-5 and 1.3e-6', () => {
    const a = tf.tensor([[1, 2, 1000]]);
    noLeak(() => assertClose(a, [[1 + 9e-6, 2, 1000 + 1e-5 + 1.2e-3]]));
    expect(() => assertClose(a, [[1 + 2e-5, 2, 1000]])).toThrow(TensorAssertionError);
    expect(() => assertClose(a, [[1, 2, 1000 + 1e-5 + 1.4e-3]])).toThrow(/Mismatched elements: 1 \/ 3/);
    a.dispose();
  });

  test("the message is PyTorch's: shapes, mismatches of the total, the worst element, max abs and rel", () => {
    const a = tf.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const e = thrown(() =>
      assertClose(a, [
        [1, 2, 3.001],
        [4, 5.5, 6],
      ]),
    ) as TensorAssertionError;
    expect(e).toBeInstanceOf(TensorAssertionError);
    expect(e.name).toBe('AssertionError');
    expect(e.code).toBe('ERR_ASSERTION');
    expect(e.message).toBe(
      [
        'Tensor-likes are not close!',
        '',
        'Shapes: [2, 3] (actual) and [2, 3] (expected), float32',
        'Mismatched elements: 2 / 6 (33.3%)',
        'Worst element at index (1, 1): actual 5 vs expected 5.5',
        'Greatest absolute difference: 0.5 at index (1, 1) (up to 1e-5 allowed)',
        'Greatest relative difference: 0.090909091 at index (1, 1) (up to 1.3e-6 allowed)',
      ].join('\n'),
    );
    a.dispose();
  });

  test('shape, then dtype, are checked before the values', () => {
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const i = tf.tensor([1, 2, 3, 4], [2, 2], 'int32');
    expect(() => assertClose(a, [1, 2, 3, 4])).toThrow("The values for attribute 'shape' do not match: [2, 2] != [4].");
    expect(() => assertClose(a, i)).toThrow("The values for attribute 'dtype' do not match: float32 != int32.");
    noLeak(() => assertClose(a, i, { checkDtype: false }));
    // int32 compares exactly by default, as in PyTorch
    expect(() => assertClose(i, tf.tensor([1, 2, 3, 5], [2, 2], 'int32'))).toThrow(/Mismatched elements: 1 \/ 4/);
    tf.dispose([a, i]);
  });

  test("accepts tensors, nested arrays, numbers and typed arrays (which take the other side's shape)", () => {
    const a = tf.tensor([
      [1, 2],
      [3, 4],
    ]);
    noLeak(() => {
      assertClose(a, new Float32Array([1, 2, 3, 4]));
      assertClose(new Float32Array([1, 2, 3, 4]), a);
      assertClose(
        [
          [1, 2],
          [3, 4],
        ],
        a,
      );
      assertClose(3, 3);
    });
    expect(() => assertClose(a, new Float32Array([1, 2, 3]))).toThrow("'shape' do not match: [2, 2] != [3]");
    tf.dispose(a);
  });

  test('NaN equals NaN only with equalNan; identical infinities are equal', () => {
    expect(() => assertClose([NaN, 1], [NaN, 1])).toThrow(/Mismatched elements: 1 \/ 2/);
    assertClose([NaN, 1], [NaN, 1], { equalNan: true });
    assertClose([Infinity, -Infinity], [Infinity, -Infinity]);
    expect(() => assertClose([Infinity], [-Infinity])).toThrow(/Mismatched elements: 1 \/ 1/);
    expect(() => assertClose([1e30], [Infinity])).toThrow(/Mismatched elements: 1 \/ 1/);
  });

  test('empty tensors: equal when the shapes are; a clear shape message when not', () => {
    const empty = tf.zeros([0, 3]);
    noLeak(() => assertClose(empty, new Float32Array(0)));
    expect(() => assertClose(empty, [[1, 2, 3]])).toThrow("'shape' do not match: [0, 3] != [1, 3]");
    empty.dispose();
  });

  test('bad input: disposed tensors, ragged arrays, strings, bad tolerances, each a clear message', () => {
    const gone = tf.tensor([1, 2]);
    gone.dispose();
    noLeak(() => {
      expect(() => assertClose(gone, [1, 2])).toThrow('actual is a disposed tensor (shape [2], float32)');
      expect(() => assertClose([1, 2], gone)).toThrow('expected is a disposed tensor');
      expect(() => assertClose([[1, 2], [3]], [1, 2])).toThrow(/ragged.*index \[1\] length 1, expected 2/);
      expect(() => assertClose('abc' as never, [1])).toThrow(/actual must be a tf.Tensor, a nested array/);
      expect(() => assertClose([1], [1], { rtol: -1 })).toThrow('rtol must be a number >= 0, got -1');
    });
  });

  test('disposes nothing the caller owns, creates no tensor', () => {
    const a = tf.tensor([1, 2, 3]);
    const b = tf.tensor([1, 2, 3]);
    noLeak(() => {
      assertClose(a, b);
      expect(compareClose(a, [1, 2, 4]).pass).toBe(false);
    });
    expect([a.isDisposed, b.isDisposed]).toEqual([false, false]);
    tf.dispose([a, b]);
  });

  test('name prefixes the message', () => {
    expect(() => assertClose([1], [2], { name: 'weight_ih_l0' })).toThrow(/^weight_ih_l0: Tensor-likes are not close!/);
  });
});

describe('jest matchers (tfjs-lstm/testing/jest)', () => {
  test('toBeCloseToTensor, with .not and options', () => {
    const a = tf.tensor([0.1, 0.2, 0.3]);
    noLeak(() => {
      expect(a).toBeCloseToTensor([0.1, 0.2, 0.3]);
      expect(a).toBeCloseToTensor(new Float32Array([0.1, 0.2, 0.31]), { atol: 0.02 });
      expect(a).not.toBeCloseToTensor([0.1, 0.2, 0.4]);
      expect(() => expect(a).toBeCloseToTensor([0.1, 0.2, 0.4])).toThrow(/Mismatched elements: 1 \/ 3 \(33.3%\)/);
      expect(() => expect(a).not.toBeCloseToTensor([0.1, 0.2, 0.3])).toThrow(/not.toBeCloseToTensor.*\n.*are close/);
    });
    a.dispose();
  });

  test('toHaveShape and toBeFiniteTensor', () => {
    const a = tf.tensor([
      [1, NaN, 3],
      [Infinity, 5, 6],
    ]);
    noLeak(() => {
      expect(a).toHaveShape([2, 3]);
      expect(a).not.toHaveShape([3, 2]);
      expect(() => expect(a).toHaveShape([3, 2])).toThrow(/received shape: \[2, 3\] \(float32\)/);
      expect([[1, 2]]).toHaveShape([1, 2]);
      expect(() => expect(a).toBeFiniteTensor()).toThrow(
        /2 \/ 6 elements of shape \[2, 3\] are not finite; the first at index \(0, 1\): NaN/,
      );
      expect([1, 2]).toBeFiniteTensor();
    });
    a.dispose();
  });

  test('a disposed tensor throws under .not too, instead of passing', () => {
    const gone = tf.tensor([1]);
    gone.dispose();
    expect(() => expect(gone).not.toBeCloseToTensor([1])).toThrow('actual is a disposed tensor');
    expect(() => expect(gone).not.toBeFiniteTensor()).toThrow('received is a disposed tensor');
  });

  test('tensorMatchers is the object expect.extend takes', () => {
    expect(Object.keys(tensorMatchers).sort()).toEqual(['toBeCloseToTensor', 'toBeFiniteTensor', 'toHaveShape']);
  });
});

// A matrix-vector product y = W x with a hand-written gradient, right or with a planted bug.
type Bug = 'none' | 'sign' | 'transposed';
function matVec(bug: Bug): TensorFunction {
  const f = tf.customGrad((w, x, save) => {
    (save as tf.GradSaveFunc)([w as tf.Tensor, x as tf.Tensor]);
    return {
      value: tf.matMul(w as tf.Tensor, x as tf.Tensor),
      gradFunc: (dy, [w, x]) => {
        const dw = tf.matMul(dy, x, false, true);
        // dx = W^T dy; the "transposed weight" bug uses W itself
        const dx = tf.matMul(w, dy, bug !== 'transposed', false);
        return [bug === 'sign' ? tf.neg(dw) : dw, dx];
      },
    };
  });
  return (w, x) => tf.tanh(f(w, x) as tf.Tensor);
}

// swish(x) = x sigmoid(x), whose derivative is sigmoid(x) + x sigmoid(x) (1 - sigmoid(x)).
function swish(dropTerm: boolean): TensorFunction {
  const f = tf.customGrad((x, save) => {
    (save as tf.GradSaveFunc)([x as tf.Tensor]);
    return {
      value: tf.mul(x as tf.Tensor, tf.sigmoid(x as tf.Tensor)),
      gradFunc: (dy, [x]) => {
        const s = tf.sigmoid(x);
        const full = dropTerm ? s : tf.add(s, tf.mul(x, tf.mul(s, tf.sub(1, s))));
        return tf.mul(dy, full);
      },
    };
  });
  return (x) => tf.sum(f(x) as tf.Tensor);
}

describe('checkGradients: tfjs gradients against float32 central finite differences', () => {
  let w: tf.Tensor;
  let x: tf.Tensor;
  beforeAll(() => {
    w = tf.randomNormal([3, 3], 0, 1, 'float32', 1);
    x = tf.randomNormal([3, 2], 0, 1, 'float32', 2);
  });
  afterAll(() => tf.dispose([w, x]));

  test('a right gradient passes, and the report gives per input the worst element and its relative error', () => {
    const report = noLeak(() => checkGradients(matVec('none'), [w, x], { project: true }));
    expect(report.pass).toBe(true);
    expect(report.inputs.map((r) => [r.input, r.shape, r.mismatched])).toEqual([
      [0, [3, 3], 0],
      [1, [3, 2], 0],
    ]);
    for (const r of report.inputs) expect(r.worst.relError).toBeLessThan(1e-2);
    expect(report.message).toMatch(
      /input 1 \[3, 2\]: ok; worst at index \(\d, \d\): tfjs \S+ vs finite differences \S+, relative error/,
    );
    expect([w.isDisposed, x.isDisposed]).toEqual([false, false]);
  });

  test('catches a sign error', () => {
    const e = noLeak(() => thrown(() => checkGradients(matVec('sign'), [w, x], { project: true })));
    expect(e).toBeInstanceOf(TensorAssertionError);
    expect(e.message).toMatch(/input 0 \[3, 3\]: \d+ \/ 9 elements mismatched; worst .* relative error (2|1\.99\d*)\b/);
    expect(e.message).toMatch(/input 1 \[3, 2\]: ok/);
  });

  test('catches a transposed weight (W where W^T belongs)', () => {
    const e = noLeak(() => thrown(() => checkGradients(matVec('transposed'), [w, x], { project: true })));
    expect(e.message).toMatch(/input 1 \[3, 2\]: \d+ \/ 6 elements mismatched/);
  });

  test("catches a missing term (swish without x sigmoid'(x))", () => {
    const xs = tf.tensor([-2, -0.5, 0.25, 1, 3]);
    noLeak(() => checkGradients(swish(false), [xs]));
    const report = noLeak(() => checkGradients(swish(true), [xs], { throwOnFailure: false }));
    expect(report.pass).toBe(false);
    expect(report.inputs[0].mismatched).toBe(5);
    xs.dispose();
  });

  test('cannot catch: a transposed weight when W is symmetric, a sign error where the gradient is ~0', () => {
    const symmetric = tf.tidy(() => tf.add(w, tf.transpose(w)));
    // The bug is real but invisible here: W = W^T. Test with a random, non-symmetric W.
    expect(noLeak(() => checkGradients(matVec('transposed'), [symmetric, x], { project: true })).pass).toBe(true);
    // tanh saturates at |z| ~ 10: its derivative (~1e-8) is below atol, so any sign is "right".
    const saturated = tf.tidy(() => tf.mul(x, 10));
    const big = tf.tidy(() => tf.mul(tf.eye(3), 10));
    expect(noLeak(() => checkGradients(matVec('sign'), [big, saturated], { project: true })).pass).toBe(true);
    tf.dispose([symmetric, saturated, big]);
  });

  test('cannot catch: an error below the tolerance (a term 1e-4 of the gradient)', () => {
    const slightlyWrong = tf.customGrad((x, save) => {
      (save as tf.GradSaveFunc)([x as tf.Tensor]);
      return { value: tf.square(x as tf.Tensor), gradFunc: (dy, [x]) => tf.mul(dy, tf.mul(x, 2 * (1 + 1e-4))) };
    });
    const xs = tf.tensor([0.5, -1, 2]);
    expect(noLeak(() => checkGradients((x) => tf.sum(slightlyWrong(x) as tf.Tensor), [xs])).pass).toBe(true);
    xs.dispose();
  });

  test("a float64-sized step (1e-6) drowns a right gradient in float32's rounding: why the default is 2^-8", () => {
    const big = tf.tidy(() => tf.mul(tf.randomNormal([8, 8], 0, 1, 'float32', 3), 3));
    const xs = tf.randomNormal([8, 4], 0, 1, 'float32', 4);
    const f = (w: tf.Tensor, x: tf.Tensor) => tf.sum(tf.square(tf.matMul(w, x)));
    expect(noLeak(() => checkGradients(f, [big, xs])).pass).toBe(true);
    expect(noLeak(() => checkGradients(f, [big, xs], { eps: 1e-6, throwOnFailure: false })).pass).toBe(false);
    tf.dispose([big, xs]);
  });

  test('bad input: each a clear message, no leak', () => {
    const gone = tf.tensor([1]);
    gone.dispose();
    const ints = tf.tensor([1, 2], [2], 'int32');
    const empty = tf.zeros([0, 2]);
    const nan = tf.tensor([1, NaN]);
    const ok = tf.tensor([1, 2]);
    const sum = (t: tf.Tensor) => tf.sum(t);
    noLeak(() => {
      expect(() => checkGradients(sum, [])).toThrow('checkGradients: inputs must be a non-empty array');
      expect(() => checkGradients(sum, [gone])).toThrow('checkGradients: input 0 is a disposed tensor (shape [1])');
      expect(() => checkGradients(sum, [ints])).toThrow(
        'input 0 is int32: gradients are taken with respect to float32',
      );
      expect(() => checkGradients(sum, [empty])).toThrow(
        'input 0 is empty (shape [0, 2]): it has no elements to check',
      );
      expect(() => checkGradients(sum, [nan])).toThrow('input 0 has a non-finite value, NaN at index (1,)');
      expect(() => checkGradients((t) => tf.mul(t, 2), [ok])).toThrow(
        'f returned a tensor of shape [2], not a scalar: return a scalar loss, or pass { project: true }',
      );
      expect(() => checkGradients((t) => [t] as never, [ok])).toThrow(
        'f must return one tf.Tensor (a scalar loss), got an array',
      );
      expect(() => checkGradients((t) => tf.sum(tf.log(tf.sub(t, 1))), [ok])).toThrow(
        'f returned a non-finite value, -Infinity at index ()',
      );
      // an input f does not use has a zero gradient, as finite differences find
      expect(checkGradients(() => tf.scalar(1), [ok]).inputs[0].worst).toMatchObject({ computed: 0, reference: 0 });
      expect(() => checkGradients(sum, [ok], { rtol: -1 })).toThrow('rtol must be a number >= 0');
    });
    tf.dispose([ints, empty, nan, ok]);
  });
});

describe('compareGradients: a manual backward against autodiff', () => {
  test("LSTMCell's hand-derived backward equals autodiff's, for the input and the state", () => {
    const inputs = [
      tf.randomNormal([2, 3], 0, 1, 'float32', 6),
      tf.randomNormal([2, 4], 0, 1, 'float32', 7),
      tf.randomNormal([2, 4], 0, 1, 'float32', 8),
    ];
    // The cells inside: they keep the weights they prepare for inference until disposed.
    noLeak(() => {
      const manual = new LSTMCell({ inputSize: 3, hiddenSize: 4, seed: 5, gradient: 'manual' });
      const auto = new LSTMCell({ inputSize: 3, hiddenSize: 4, seed: 5, gradient: 'autodiff' });
      const step = (cell: LSTMCell) => (x: tf.Tensor, h: tf.Tensor, c: tf.Tensor) =>
        tf.concat(cell.forward(x, [h, c]), 1);
      const report = compareGradients(step(manual), step(auto), inputs, { project: true });
      expect(report.inputs.map((r) => r.pass)).toEqual([true, true, true]);
      // and it is what the suite relies on: a finite-difference check of the same function passes
      expect(checkGradients(step(manual), inputs, { project: true }).pass).toBe(true);
      manual.dispose();
      auto.dispose();
    });
    tf.dispose(inputs);
  });

  test('reports a planted bug per input, with the worst element', () => {
    const w = tf.randomNormal([3, 3], 0, 1, 'float32', 1);
    const x = tf.randomNormal([3, 2], 0, 1, 'float32', 2);
    const reference = (w: tf.Tensor, x: tf.Tensor) => tf.tanh(tf.matMul(w, x));
    noLeak(() => compareGradients(matVec('none'), reference, [w, x], { project: true }));
    const e = noLeak(() => thrown(() => compareGradients(matVec('transposed'), reference, [w, x], { project: true })));
    expect(e.message).toMatch(/^compareGradients: the gradients differ from fReference's/);
    expect(e.message).toMatch(/input 0 \[3, 3\]: ok/);
    expect(e.message).toMatch(
      /input 1 \[3, 2\]: \d+ \/ 6 elements mismatched; worst at index \(\d, \d\): manual \S+ vs reference \S+, relative error/,
    );
    expect(() => compareGradients(matVec('none'), reference, [w, x])).toThrow(
      'fManual returned a tensor of shape [3, 2], not a scalar',
    );
    tf.dispose([w, x]);
  });
});
