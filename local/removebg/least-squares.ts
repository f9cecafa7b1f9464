/** Terms of the background surface: 1, u, v, u², u·v, v². */
export const TERMS = 6;

export const basis = (u: number, v: number, out: Float64Array): void => {
  out[0] = 1;
  out[1] = u;
  out[2] = v;
  out[3] = u * u;
  out[4] = u * v;
  out[5] = v * v;
};

/**
 * Weighted least squares for three channels at once via the normal equations (6×6, tiny).
 * Every term but the constant gets a small ridge penalty: when the samples cannot tell terms
 * apart (say only the top and bottom edges are usable, where v² ≡ 1), the fit then prefers a
 * flat surface to an arbitrary split that would extrapolate wildly into the interior.
 */
export function solveQuadratic(
  samples: { u: number; v: number; value: readonly number[]; weight: number }[],
): Float64Array {
  const n = TERMS;
  const a = new Float64Array(n * n);
  const b = new Float64Array(n * 3);
  const phi = new Float64Array(n);
  let total = 0;
  for (const s of samples) {
    basis(s.u, s.v, phi);
    total += s.weight;
    for (let r = 0; r < n; r += 1) {
      const wr = s.weight * (phi[r] as number);
      for (let c = 0; c < n; c += 1) add(a, r * n + c, wr * (phi[c] as number));
      for (let k = 0; k < 3; k += 1) add(b, r * 3 + k, wr * (s.value[k] as number));
    }
  }
  for (let r = 1; r < n; r += 1) add(a, r * n + r, total * 1e-3);
  return gaussSolve(a, b, n);
}

/** Gaussian elimination with partial pivoting; returns coefficients laid out channel-major (3 × n). */
function gaussSolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let col = 0; col < n; col += 1) {
    let pivot = col;
    for (let r = col + 1; r < n; r += 1) {
      if (Math.abs(a[r * n + col] as number) > Math.abs(a[pivot * n + col] as number)) pivot = r;
    }
    if (pivot !== col) {
      for (let c = 0; c < n; c += 1) swap(a, col * n + c, pivot * n + c);
      for (let k = 0; k < 3; k += 1) swap(b, col * 3 + k, pivot * 3 + k);
    }
    const diagonal = a[col * n + col] as number;
    if (Math.abs(diagonal) < 1e-12) continue;
    for (let r = 0; r < n; r += 1) {
      if (r === col) continue;
      const factor = (a[r * n + col] as number) / diagonal;
      if (factor === 0) continue;
      for (let c = col; c < n; c += 1) add(a, r * n + c, -factor * (a[col * n + c] as number));
      for (let k = 0; k < 3; k += 1) add(b, r * 3 + k, -factor * (b[col * 3 + k] as number));
    }
  }
  const out = new Float64Array(3 * n);
  for (let r = 0; r < n; r += 1) {
    const diagonal = a[r * n + r] as number;
    for (let k = 0; k < 3; k += 1)
      out[k * n + r] = Math.abs(diagonal) < 1e-12 ? 0 : (b[r * 3 + k] as number) / diagonal;
  }
  return out;
}

const add = (array: Float64Array, i: number, value: number): void => {
  array[i] = (array[i] as number) + value;
};

const swap = (array: Float64Array, i: number, j: number): void => {
  const t = array[i] as number;
  array[i] = array[j] as number;
  array[j] = t;
};
