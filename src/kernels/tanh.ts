/**
 * tanh for the kernels' JavaScript loops, accurate to float32 (float64 arithmetic, one rounding
 * on store). For |x| < 0.625 an odd polynomial x P(x^2), relative error below 1.6e-10, which is
 * cheaper than Math.tanh and needs no exp; above, 1 - 2 / (e^{2|x|} + 1), which cannot cancel
 * there. The wasm kernels also use the polynomial where the vectorised 2 sigmoid(2x) - 1 would
 * cancel.
 *
 * The coefficients are a relative-error least-squares fit of tanh(x)/x, degree 6 in x^2, on 4000
 * Chebyshev nodes of [0, 0.625]:
 *
 *   s = np.cos(np.linspace(0, np.pi, 4000)) * 0.5 + 0.5; u = (s * 0.625) ** 2; x = np.sqrt(u)
 *   f = np.tanh(x) / x; V = np.vander(u, 7, increasing=True)
 *   c = np.linalg.lstsq(V / f[:, None], np.ones_like(f))[0]
 */
export const TANH_SMALL_LIMIT = 0.625;

// Bound once: a global lookup per call is slow where the global object is not an ordinary one.
const { abs, exp } = Math;

/**
 * P's coefficients, c0..c6 (of x^0..x^12 in x P(x^2)). The single source: scripts/lstm-simd-module.ts
 * writes them into lstm-simd.wat's polynomial where it says `{tanh.c0}`..`{tanh.c6}`.
 */
export const TANH_SMALL_COEFFICIENTS = [
  0.9999999999379401, -0.3333333051901511, 0.1333320197788876, -0.05394650644719464, 0.02169988864604198,
  -0.008176141035071752, 0.0021422132692878538,
] as const;

const [C0, C1, C2, C3, C4, C5, C6] = TANH_SMALL_COEFFICIENTS;

/** tanh(x) for |x| < 0.625. */
export function tanhSmall(x: number): number {
  const u = x * x;
  return x * (C0 + u * (C1 + u * (C2 + u * (C3 + u * (C4 + u * (C5 + u * C6))))));
}

/** tanh(x) for any x (NaN stays NaN; beyond |x| = 9.1 the float32 result is +-1). */
export function tanhJs(x: number): number {
  const a = abs(x);
  if (a < TANH_SMALL_LIMIT) return tanhSmall(x);
  if (a > 9.1) return x > 0 ? 1 : -1;
  const t = 1 - 2 / (exp(2 * a) + 1);
  return x < 0 ? -t : t;
}
