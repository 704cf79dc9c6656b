// The dot product every vector scan here runs (intent head, prototype distance, item similarity,
// the recommender's scalar fallback): four accumulators, so V8 keeps four independent add chains.

/** Dot product of a[ao..ao+n) and b[bo..bo+n). */
export function dotAt(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 3 < n; d += 4) {
    s0 += a[ao + d]! * b[bo + d]!;
    s1 += a[ao + d + 1]! * b[bo + d + 1]!;
    s2 += a[ao + d + 2]! * b[bo + d + 2]!;
    s3 += a[ao + d + 3]! * b[bo + d + 3]!;
  }
  for (; d < n; d++) s0 += a[ao + d]! * b[bo + d]!;
  return s0 + s1 + s2 + s3;
}

/** Dot product of two whole vectors (the cosine when both are L2-normalized, as every embedding here is). */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return dotAt(a, 0, b, 0, a.length);
}
