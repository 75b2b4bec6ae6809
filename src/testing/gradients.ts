import * as tf from '@tensorflow/tfjs';

import { mulberry32 } from '../util/random';
import { TensorAssertionError } from './assertion-error';
import { toleranceText } from './close';
import { indexText, shapeText, unravel } from './tensor-like';

/** A function of tensors whose gradients are checked: returns a scalar (or see `project`). */
export type TensorFunction = (...inputs: tf.Tensor[]) => tf.Tensor;

/** Options shared by `checkGradients` and `compareGradients`. */
export interface GradientOptions {
  /** Relative tolerance of each gradient element against the reference's. */
  rtol?: number;
  /** Absolute tolerance of each gradient element. */
  atol?: number;
  /**
   * Reduce a non-scalar output `y` to the scalar `sum(y * P)`, where P is a fixed tensor of `y`'s
   * shape with standard normal entries from a seeded generator (`seed`). The gradient of that
   * scalar is the vector-Jacobian product with P: every output element counts, each with its own
   * weight, so that errors cannot cancel as they may in a plain sum. Default false: a non-scalar
   * output is an error.
   */
  project?: boolean;
  /** The seed of the projection P. Default 0. */
  seed?: number;
  /** Throw a TensorAssertionError on failure (default), or only return the report. */
  throwOnFailure?: boolean;
}

/** Options of `checkGradients`; see docs/testing.md for why these defaults. */
export interface CheckGradientsOptions extends GradientOptions {
  /**
   * The finite-difference step, relative: element x moves by eps * max(1, |x|) each way. Default
   * 2^-8 (about float32's machine epsilon to the power 1/3).
   */
  eps?: number;
}

/** How one input's gradient compared. */
export interface InputGradientReport {
  /** The input's position in `inputs`. */
  input: number;
  shape: number[];
  size: number;
  /** The elements outside atol + rtol * |reference|. */
  mismatched: number;
  /** The greatest |computed - reference|. */
  maxAbsError: number;
  /**
   * The element furthest beyond its allowance (or closest to it, when all pass), with its values
   * and relative error |computed - reference| / |reference|.
   */
  worst: { index: number[]; computed: number; reference: number; absError: number; relError: number };
  pass: boolean;
}

/** The result of `checkGradients` or `compareGradients`. */
export interface GradientReport {
  pass: boolean;
  /** Per input, in the order of `inputs`. */
  inputs: InputGradientReport[];
  /** A summary, one line per input: the message thrown on failure. */
  message: string;
}

function num(x: number): string {
  return Number.isFinite(x) && !Number.isInteger(x) ? String(Number(x.toPrecision(6))) : String(x);
}

function fail(operator: string, message: string): never {
  throw new TypeError(`${operator}: ${message}`);
}

function checkInputs(operator: string, inputs: readonly tf.Tensor[]): void {
  if (!Array.isArray(inputs) || inputs.length === 0) {
    fail(operator, 'inputs must be a non-empty array of float32 tensors, the arguments of f');
  }
  inputs.forEach((x, i) => {
    if (!(x instanceof tf.Tensor)) fail(operator, `input ${i} is not a tf.Tensor`);
    if (x.isDisposed) fail(operator, `input ${i} is a disposed tensor (shape ${shapeText(x.shape)})`);
    if (x.dtype !== 'float32')
      fail(operator, `input ${i} is ${x.dtype}: gradients are taken with respect to float32 inputs`);
    if (x.size === 0) fail(operator, `input ${i} is empty (shape ${shapeText(x.shape)}): it has no elements to check`);
    const data = x.dataSync();
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      fail(operator, `input ${i} has a non-finite value, ${data[bad]} at index ${indexText(unravel(bad, x.shape))}`);
    }
  });
}

/** Standard normal numbers from a seeded generator (Box-Muller on mulberry32). */
function normals(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const u = 1 - rand(); // (0, 1]
    out[k] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

/**
 * The scalar function whose gradients are taken: f itself when it returns a scalar, else (with
 * `project`) sum(f(x) * P). Checks f's output once, at the given inputs.
 */
class ScalarLoss {
  private projection: tf.Tensor | null = null;
  private readonly shape: number[];

  constructor(
    private readonly operator: string,
    private readonly label: string,
    private readonly f: TensorFunction,
    inputs: readonly tf.Tensor[],
    options: GradientOptions,
  ) {
    if (typeof f !== 'function') fail(operator, `${label} must be a function of the input tensors, got ${typeof f}`);
    this.shape = tf.tidy(() => {
      const y: unknown = f(...inputs);
      if (!(y instanceof tf.Tensor)) {
        const what = Array.isArray(y) ? 'an array' : y === null ? 'null' : typeof y;
        fail(operator, `${label} must return one tf.Tensor (a scalar loss), got ${what}`);
      }
      if (y.dtype !== 'float32')
        fail(operator, `${label} returned a ${y.dtype} tensor; gradients need a float32 output`);
      if (y.size !== 1 && !options.project) {
        fail(
          operator,
          `${label} returned a tensor of shape ${shapeText(y.shape)}, not a scalar: return a scalar loss, or pass ` +
            '{ project: true } to check the gradient of sum(f(...) * P) for a fixed random P',
        );
      }
      if (y.size === 0) fail(operator, `${label} returned an empty tensor (shape ${shapeText(y.shape)})`);
      const values = y.dataSync();
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        fail(
          operator,
          `${label} returned a non-finite value, ${values[bad]} at index ${indexText(unravel(bad, y.shape))}`,
        );
      }
      return y.shape.slice();
    });
    if (this.shape.length > 0 && options.project) {
      const n = this.shape.reduce((a, b) => a * b, 1);
      this.projection = tf.tensor(normals(n, options.seed ?? 0), this.shape, 'float32');
    }
  }

  /** The scalar loss at `xs` (call inside tf.tidy or tf.grads). */
  value(xs: tf.Tensor[]): tf.Scalar {
    const y = this.f(...xs);
    if (
      !(y instanceof tf.Tensor) ||
      y.shape.length !== this.shape.length ||
      y.shape.some((d, k) => d !== this.shape[k])
    ) {
      fail(this.operator, `${this.label} returned a different shape on another call (first ${shapeText(this.shape)})`);
    }
    return (this.projection ? tf.sum(tf.mul(y, this.projection)) : tf.reshape(y, [])) as tf.Scalar;
  }

  /** The gradients of the loss with respect to each input, as float64 copies. */
  gradients(inputs: readonly tf.Tensor[]): Float64Array[] {
    const grads = tf.tidy(() => {
      // The engine's own call, to allow inputs that f does not use (their gradient is zero):
      // tf.grads throws for those, and leaks a tensor when it does.
      const xs = inputs.slice();
      const { grads } = tf.engine().gradients(() => this.value(xs), xs, undefined, true);
      return xs.map((x, i) => grads[i] ?? tf.zerosLike(x));
    });
    try {
      return grads.map((g) => Float64Array.from(g.dataSync()));
    } finally {
      tf.dispose(grads);
    }
  }

  dispose(): void {
    this.projection?.dispose();
    this.projection = null;
  }
}

function compare(
  operator: string,
  title: string,
  inputs: readonly tf.Tensor[],
  computed: Float64Array[],
  reference: Float64Array[],
  rtol: number,
  atol: number,
  names: { computed: string; reference: string },
): GradientReport {
  const reports = inputs.map((x, i): InputGradientReport => {
    const c = computed[i];
    const r = reference[i];
    let mismatched = 0;
    let maxAbsError = 0;
    let worst = 0;
    let worstRatio = -1;
    for (let k = 0; k < c.length; k++) {
      const diff = Math.abs(c[k] - r[k]);
      const allowed = atol + rtol * Math.abs(r[k]);
      if (!(diff <= allowed)) mismatched++;
      if (!(diff <= maxAbsError)) maxAbsError = diff;
      const ratio = Number.isNaN(diff) ? Infinity : diff / allowed;
      if (ratio > worstRatio) [worst, worstRatio] = [k, ratio];
    }
    const absError = Math.abs(c[worst] - r[worst]);
    const relError = absError === 0 ? 0 : absError / Math.abs(r[worst]);
    return {
      input: i,
      shape: x.shape.slice(),
      size: c.length,
      mismatched,
      maxAbsError,
      worst: { index: unravel(worst, x.shape), computed: c[worst], reference: r[worst], absError, relError },
      pass: mismatched === 0,
    };
  });
  const pass = reports.every((r) => r.pass);
  const lines = [
    `${operator}: ${pass ? 'the gradients agree with' : 'the gradients differ from'} ${title} ` +
      `(|${names.computed} - ${names.reference}| <= ${toleranceText(atol)} + ${toleranceText(rtol)} * |${names.reference}|)`,
    ...reports.map(
      (r) =>
        `  input ${r.input} ${shapeText(r.shape)}: ${r.pass ? 'ok' : `${r.mismatched} / ${r.size} elements mismatched`}; ` +
        `worst at index ${indexText(r.worst.index)}: ${names.computed} ${num(r.worst.computed)} vs ` +
        `${names.reference} ${num(r.worst.reference)}, relative error ${num(r.worst.relError)}`,
    ),
  ];
  return { pass, inputs: reports, message: lines.join('\n') };
}

function finish(report: GradientReport, operator: string, options: GradientOptions): GradientReport {
  if (!report.pass && (options.throwOnFailure ?? true)) {
    throw new TensorAssertionError(report.message, {
      operator,
      actual: 'gradients computed by tfjs',
      expected: operator === 'checkGradients' ? 'central finite differences' : 'the reference gradients',
    });
  }
  return report;
}

function tolerance(operator: string, key: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !(v >= 0)) fail(operator, `${key} must be a number >= 0, got ${String(v)}`);
  return v;
}

/**
 * Checks the gradients tfjs computes for `f` (through its `tf.customGrad` or tfjs' autodiff)
 * against central finite differences in float32, element by element: (L(x + h) - L(x - h)) / 2h
 * with h = eps * max(1, |x|). Defaults eps 2^-8, rtol 1e-2, atol 1e-3: float32 finite differences
 * are accurate to about 1e-4 of the function's scale, so this catches gradients that are wrong by
 * more than about 1% (a sign error, a missing term, a transposed weight), not subtler ones
 * (docs/testing.md says why and shows both). `f` must return a scalar, or a tensor with
 * `{ project: true }`. Every tensor it makes is disposed; the inputs are not.
 *
 * Cost: two evaluations of `f` per input element.
 *
 * @throws TensorAssertionError naming, per input, the worst element and its relative error;
 *   TypeError for bad input (disposed, empty, non-float32 or non-finite inputs, f not returning a
 *   finite float32 scalar)
 *
 * @example
 * ```ts
 * import { checkGradients } from 'tfjs-lstm/testing';
 *
 * const mySoftplus = tf.customGrad((x, save) => {
 *   (save as tf.GradSaveFunc)([x as tf.Tensor]);
 *   return { value: tf.softplus(x as tf.Tensor), gradFunc: (dy, [x]) => tf.mul(dy, tf.sigmoid(x)) };
 * });
 * const report = checkGradients((x) => tf.sum(mySoftplus(x) as tf.Tensor), [tf.tensor([-1, 0.5, 2])]);
 * report.inputs[0].worst.relError; // about 1e-5
 * ```
 */
export function checkGradients(
  f: TensorFunction,
  inputs: readonly tf.Tensor[],
  options: CheckGradientsOptions = {},
): GradientReport {
  const operator = 'checkGradients';
  checkInputs(operator, inputs);
  const rtol = tolerance(operator, 'rtol', options.rtol, 1e-2);
  const atol = tolerance(operator, 'atol', options.atol, 1e-3);
  const eps = options.eps ?? 2 ** -8;
  if (!(eps > 0)) fail(operator, `eps must be a number > 0, got ${String(eps)}`);
  const loss = new ScalarLoss(operator, 'f', f, inputs, options);
  try {
    const computed = loss.gradients(inputs);
    const reference = inputs.map((x, i) => {
      const base = Float32Array.from(x.dataSync());
      const fd = new Float64Array(base.length);
      const at = (values: Float32Array): number =>
        tf.tidy(() => {
          const xs = inputs.slice();
          xs[i] = tf.tensor(values, x.shape, 'float32');
          return loss.value(xs).dataSync()[0];
        });
      for (let k = 0; k < base.length; k++) {
        const v = base[k];
        const h = eps * Math.max(1, Math.abs(v));
        // The steps as float32 holds them: the difference quotient divides by the step actually taken.
        const plus = Math.fround(v + h);
        const minus = Math.fround(v - h);
        base[k] = plus;
        const up = at(base);
        base[k] = minus;
        const down = at(base);
        base[k] = v;
        fd[k] = (up - down) / (plus - minus);
      }
      return fd;
    });
    const report = compare(operator, 'central finite differences', inputs, computed, reference, rtol, atol, {
      computed: 'tfjs',
      reference: 'finite differences',
    });
    return finish(report, operator, options);
  } finally {
    loss.dispose();
  }
}

/**
 * Compares the gradients of two functions of the same inputs element by element: a manual
 * backward (a `tf.customGrad`) against tfjs' autodiff of the same forward, the check this
 * package's hand-derived LSTM backward is built on. Both are reduced by the same projection P
 * when they return non-scalars (`{ project: true }`). Defaults rtol 1e-4, atol 1e-5: the two
 * differ only by float32 rounding in a different order of operations.
 *
 * @throws TensorAssertionError naming, per input, the worst element and its relative error;
 *   TypeError for bad input, as `checkGradients`
 *
 * @example
 * ```ts
 * import { compareGradients } from 'tfjs-lstm/testing';
 *
 * const manual = (x: tf.Tensor) => tf.sum(mySoftplus(x) as tf.Tensor);
 * const reference = (x: tf.Tensor) => tf.sum(tf.softplus(x));
 * compareGradients(manual, reference, [tf.randomNormal([3, 4])]);
 * ```
 */
export function compareGradients(
  fManual: TensorFunction,
  fReference: TensorFunction,
  inputs: readonly tf.Tensor[],
  options: GradientOptions = {},
): GradientReport {
  const operator = 'compareGradients';
  checkInputs(operator, inputs);
  const rtol = tolerance(operator, 'rtol', options.rtol, 1e-4);
  const atol = tolerance(operator, 'atol', options.atol, 1e-5);
  const manual = new ScalarLoss(operator, 'fManual', fManual, inputs, options);
  try {
    const reference = new ScalarLoss(operator, 'fReference', fReference, inputs, options);
    try {
      const report = compare(
        operator,
        "fReference's",
        inputs,
        manual.gradients(inputs),
        reference.gradients(inputs),
        rtol,
        atol,
        { computed: 'manual', reference: 'reference' },
      );
      return finish(report, operator, options);
    } finally {
      reference.dispose();
    }
  } finally {
    manual.dispose();
  }
}
