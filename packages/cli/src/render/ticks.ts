/**
 * Axis domains and tick marks: "nice" linear ticks at 1, 2 or 5 × 10^k (Heckbert 1990, "Nice numbers
 * for graph labels"), and logarithmic ticks at powers of ten.
 */

export interface AxisTicks {
  /** The axis domain in data units; `lo < hi`. */
  lo: number;
  hi: number;
  /** Labelled tick positions in data units, ascending, inside [lo, hi]. */
  ticks: number[];
  labels: string[];
  /** Unlabelled minor ticks (2..9 × 10^k on log axes; none on linear axes). */
  minor: number[];
}

/** m × 10^e as a double with a single rounding (dividing by an exact power of ten when e < 0). */
const scaled = (m: number, e: number): number => (e >= 0 ? m * 10 ** e : m / 10 ** -e);

/** The nice step (1, 2 or 5 × 10^e) nearest to `rough`, as [mantissa, exponent]. */
function niceStep(rough: number): [number, number] {
  let e = Math.floor(Math.log10(rough));
  const f = rough / 10 ** e;
  let m = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  if (m === 10) {
    m = 1;
    e += 1;
  }
  return [m, e];
}

function compactExponential(v: number, digits: number): string {
  return v.toExponential(digits).replace(/\.?0+e/, 'e').replace('e+', 'e');
}

const magnitude = (v: number): number => Math.floor(Math.log10(Math.abs(v)));

/**
 * Labels for ticks on a grid of step m × 10^e: enough digits to tell neighbours apart, no more.
 * Very large or very small numbers use compact exponential notation (`2.5e6`, `3e-5`) on the whole axis.
 */
function formatTicks(ticks: readonly number[], e: number): string[] {
  const maxAbs = Math.max(...ticks.map(Math.abs));
  const exponential = (maxAbs > 0 && magnitude(maxAbs) >= 6) || e <= -5;
  return ticks.map((v) => {
    if (v === 0) return '0';
    return exponential ? compactExponential(v, Math.max(0, magnitude(v) - e)) : v.toFixed(Math.max(0, -e));
  });
}

/**
 * Linear ticks covering [min, max]. Without `fixed`, the domain widens to the nearest ticks (as
 * d3's `nice()`); with `fixed`, the domain is exactly [min, max] and ticks fall inside it.
 * About `target` ticks are produced (at least 2 when the domain is widened).
 */
export function linearTicks(min: number, max: number, target: number, fixed = false): AxisTicks {
  if (!(min < max) || !Number.isFinite(max - min)) throw new RangeError(`linearTicks: need finite min < max, got [${min}, ${max}]`);
  const [m, e] = niceStep((max - min) / Math.max(1, target));
  const step = scaled(m, e);
  const at = (k: number): number => scaled(k * m, e) + 0; // + 0 turns -0 into 0
  let first = Math.round(min / step), last = Math.round(max / step);
  // Step outward (or inward, for a fixed domain) until the ends bracket the data exactly.
  if (fixed) {
    while (at(first) < min) first++;
    while (at(last) > max) last--;
  } else {
    while (at(first) > min) first--;
    while (at(last) < max) last++;
  }
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(at(k));
  const lo = fixed ? min : ticks[0]!;
  const hi = fixed ? max : ticks[ticks.length - 1]!;
  return { lo, hi, ticks, labels: formatTicks(ticks, e), minor: [] };
}

function formatPowerOfTen(k: number): string {
  if (k >= 0 && k <= 4) return String(10 ** k);
  if (k < 0 && k >= -3) return scaled(1, k).toFixed(-k);
  return `1e${k}`;
}

/**
 * Logarithmic ticks covering [min, max] (both > 0). Without `fixed`, the domain widens to whole
 * decades. Labels sit on powers of ten, thinned to about `target`; minor ticks at 2..9 × 10^k when
 * the axis spans few enough decades for them to be readable.
 */
export function logTicks(min: number, max: number, target: number, fixed = false): AxisTicks {
  if (!(min > 0) || !(min < max) || !Number.isFinite(max)) throw new RangeError(`logTicks: need 0 < min < max < Infinity, got [${min}, ${max}]`);
  const kMin = Math.floor(Math.log10(min) + 1e-12), kMax = Math.ceil(Math.log10(max) - 1e-12);
  const lo = fixed ? min : scaled(1, kMin);
  const hi = fixed ? max : scaled(1, Math.max(kMax, kMin + 1));
  const stride = Math.max(1, Math.ceil((kMax - kMin + 1) / Math.max(1, target)));
  const ticks: number[] = [], labels: string[] = [], minor: number[] = [];
  for (let k = kMin; k <= kMax; k++) {
    const v = scaled(1, k);
    if (k % stride === 0 && v >= lo && v <= hi) {
      ticks.push(v);
      labels.push(formatPowerOfTen(k));
    }
    if (kMax - kMin <= 6) {
      for (let j = 2; j <= 9; j++) {
        const w = scaled(j, k);
        if (w >= lo && w <= hi) minor.push(w);
      }
    }
  }
  if (ticks.length < 2) {
    // Less than a decade inside a fixed domain: label its ends instead.
    return { lo, hi, ticks: [lo, hi], labels: [lo, hi].map((v) => String(Number(v.toPrecision(3)))), minor };
  }
  return { lo, hi, ticks, labels, minor };
}
