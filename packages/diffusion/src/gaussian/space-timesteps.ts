/**
 * Respaced (strided) sampling schedules of Nichol & Dhariwal 2021 (Section 4, "Improving Sampling Speed"),
 * exactly as openai/improved-diffusion `respace.py` (`space_timesteps`, `SpacedDiffusion`).
 */
import { roundHalfEven } from '../schedules/numeric.ts';

/** Python's int() on a section count: optional sign and surrounding whitespace, decimal digits. */
function parseCount(text: string, whole: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(text)) {
    throw new RangeError(`spaceTimesteps: cannot parse section count '${text}' in '${whole}'`);
  }
  return Number.parseInt(text, 10);
}

/**
 * Which of the original `T` timesteps to keep, as improved-diffusion's `space_timesteps(T, sections)`.
 *
 * - `sections` as counts (or a comma-separated string like "10,15,20"): the T steps are cut into
 *   len(sections) nearly equal parts (the first T mod len parts one step longer), and part i keeps
 *   sections[i] steps at fractional stride (size − 1)/(count − 1), accumulated in float64 and rounded
 *   half to even (Python's round), so each part keeps its first and last step.
 *   For T = 300 and [10, 15, 20]: 10 steps of 0..99, 15 of 100..199, 20 of 200..299.
 * - `"ddimN"`: the fixed integer stride of DDIM, the smallest stride s in 1..T−1 with
 *   len(range(0, T, s)) = N, i.e. [0, s, 2s, …].
 *
 * Errors (RangeError here, ValueError in the reference): a section asking for more steps than it has;
 * "ddimN" with no such integer stride (including N = 1, as the reference searches only s < T);
 * unparsable counts. Additions to the reference: negative counts (the reference silently keeps no step
 * for them), an empty list and a non-positive-integer T are rejected.
 * @returns the kept timesteps, sorted ascending, without duplicates
 */
export function spaceTimesteps(T: number, sections: readonly number[] | string): number[] {
  if (!Number.isSafeInteger(T) || T < 1) {
    throw new RangeError(`spaceTimesteps: T must be a positive integer, got ${T}`);
  }
  let counts: readonly number[];
  if (typeof sections === 'string') {
    if (sections.startsWith('ddim')) return ddimTimesteps(T, parseCount(sections.slice('ddim'.length), sections), 'spaceTimesteps');
    counts = sections.split(',').map((part) => parseCount(part, sections));
  } else {
    counts = sections;
  }
  if (counts.length === 0) throw new RangeError('spaceTimesteps: sections must not be empty');
  const sizePer = Math.floor(T / counts.length);
  const extra = T % counts.length;
  const kept = new Set<number>();
  let start = 0;
  counts.forEach((count, i) => {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(`spaceTimesteps: section counts must be non-negative integers, got ${count}`);
    }
    const size = sizePer + (i < extra ? 1 : 0);
    if (size < count) {
      throw new RangeError(`spaceTimesteps: cannot divide section of ${size} steps into ${count}`);
    }
    const fracStride = count <= 1 ? 1 : (size - 1) / (count - 1);
    let cur = 0;
    for (let k = 0; k < count; k++) {
      kept.add(start + roundHalfEven(cur));
      cur += fracStride; // accumulated, not k * stride: the reference's rounding depends on it
    }
    start += size;
  });
  return [...kept].sort((a, b) => a - b);
}

/**
 * DDIM's strided timesteps: the smallest integer stride s in 1..T−1 with len(range(0, T, s)) = n,
 * i.e. [0, s, 2s, …] (improved-diffusion's `space_timesteps(T, "ddimN")`, without the string).
 * @throws RangeError when no integer stride gives exactly n steps (n = 1 included, as the reference
 *   searches only s < T)
 */
export function ddimTimesteps(T: number, n: number, op = 'ddimTimesteps'): number[] {
  if (!Number.isSafeInteger(T) || T < 1) throw new RangeError(`${op}: T must be a positive integer, got ${T}`);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${op}: the number of steps must be a positive integer, got ${n}`);
  for (let stride = 1; stride < T; stride++) {
    if (Math.ceil(T / stride) === n) return Array.from({ length: n }, (_, k) => k * stride);
  }
  throw new RangeError(`${op}: cannot create exactly ${n} steps from ${T} with an integer stride`);
}

/** A respaced process: its betas and, for each of its steps, the original timestep it stands for. */
export interface RespacedBetas {
  betas: Float64Array;
  /** timestepMap[k] is the original timestep of respaced step k (what the model is conditioned on). */
  timestepMap: number[];
}

/**
 * The betas of the process that visits only `useTimesteps`, as improved-diffusion's `SpacedDiffusion`:
 * β'_k = 1 − ᾱ_{t_k}/ᾱ_{t_{k−1}} (with ᾱ before the first kept step taken as 1), so the respaced
 * process has exactly the original ᾱ at every kept step, and hence the same marginals q(x_t | x_0)
 * (Eq. 4 of Ho et al. 2020; Section 4 of Nichol & Dhariwal 2021).
 * Steps outside [0, T) or non-integers are rejected (the reference ignores them silently).
 */
export function respaceBetas(betas: ArrayLike<number>, useTimesteps: Iterable<number>): RespacedBetas {
  const T = betas.length;
  const use = new Set<number>();
  for (const t of useTimesteps) {
    if (!Number.isInteger(t) || t < 0 || t >= T) {
      throw new RangeError(`respaceBetas: timesteps must be integers in [0, ${T}), got ${t}`);
    }
    use.add(t);
  }
  if (use.size === 0) throw new RangeError('respaceBetas: useTimesteps must not be empty');
  const newBetas: number[] = [];
  const timestepMap: number[] = [];
  let alphaCumprod = 1;
  let lastAlphaCumprod = 1;
  for (let i = 0; i < T; i++) {
    alphaCumprod *= 1 - betas[i]!; // np.cumprod(1 - betas), sequentially
    if (use.has(i)) {
      newBetas.push(1 - alphaCumprod / lastAlphaCumprod);
      lastAlphaCumprod = alphaCumprod;
      timestepMap.push(i);
    }
  }
  return { betas: Float64Array.from(newBetas), timestepMap };
}
