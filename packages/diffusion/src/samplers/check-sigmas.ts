/** Argument check shared by the sigma-space samplers (internal). */

/** Throw a RangeError naming `fn` unless `sigmas` has ≥ 2 finite, non-negative entries, the first positive. */
export function checkSigmas(fn: string, sigmas: ArrayLike<number>): void {
  if (sigmas.length < 2) throw new RangeError(`${fn}: need at least 2 noise levels (one step), got ${sigmas.length}`);
  for (let i = 0; i < sigmas.length; i++) {
    const s = sigmas[i]!;
    if (!(s >= 0) || !Number.isFinite(s)) throw new RangeError(`${fn}: sigmas[${i}] = ${s} is not a finite non-negative number`);
  }
  if (!(sigmas[0]! > 0)) throw new RangeError(`${fn}: the first noise level must be positive, got ${sigmas[0]}`);
}
