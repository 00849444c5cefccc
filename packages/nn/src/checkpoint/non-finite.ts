/**
 * NaN and ±Inf are valid float32 values, so a checkpoint holding them loads; a model with them
 * samples NaN. The library reports them and leaves the warning to its caller.
 */
import type { Tensor } from '@diffusion-ts/tensor';

export interface NonFiniteEntry {
  key: string;
  /** Elements that are NaN or ±Inf. */
  count: number;
  numel: number;
}

/** The tensors of `dict` that hold NaN or ±Inf, in key order, with how many of their elements do. */
export async function nonFiniteEntries(dict: Record<string, Tensor>): Promise<NonFiniteEntry[]> {
  const found: NonFiniteEntry[] = [];
  for (const key of Object.keys(dict).sort()) {
    const t = dict[key]!;
    if (t.dtype === 'int32') continue;
    let count = 0;
    for (const v of await t.data()) if (!Number.isFinite(v)) count++;
    if (count > 0) found.push({ key, count, numel: t.numel() });
  }
  return found;
}
