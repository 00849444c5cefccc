/**
 * Small float64 helpers that reproduce NumPy / Python semantics bit for bit where the reference
 * implementations depend on them. Internal to the package (not re-exported from index.ts).
 */

/**
 * `np.linspace(start, stop, num)` (endpoint=True) exactly as NumPy computes it:
 * y[i] = i * ((stop - start) / (num - 1)) + start, with the last entry set to `stop`;
 * for num = 1 the single entry is `start`.
 */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 0) return out;
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const delta = stop - start;
  const step = delta / (num - 1);
  for (let i = 0; i < num; i++) {
    // NumPy's special case for a step that underflows to 0 (gh-5437): divide first, then scale.
    out[i] = (step === 0 ? (i / (num - 1)) * delta : i * step) + start;
  }
  out[num - 1] = stop;
  return out;
}

/** Python's `round(x)` and `torch.round`: round half to even (banker's rounding). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // rounds half up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Throw a RangeError naming `fn` unless `value` is a positive integer. */
export function checkPositiveInteger(fn: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${fn}: ${name} must be a positive integer, got ${value}`);
  }
}

/** Throw a RangeError naming `fn` unless `value` is a finite number in [lo, hi] (open ends when asked). */
export function checkInRange(
  fn: string,
  name: string,
  value: number,
  lo: number,
  hi: number,
  { loOpen = false, hiOpen = false }: { loOpen?: boolean; hiOpen?: boolean } = {},
): void {
  const ok =
    Number.isFinite(value) && (loOpen ? value > lo : value >= lo) && (hiOpen ? value < hi : value <= hi);
  if (!ok) {
    const range = `${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}`;
    throw new RangeError(`${fn}: ${name} must be in ${range}, got ${value}`);
  }
}
