/** Inverted dropout (Srivastava et al. 2014): zero entries with probability p, scale the rest by 1/(1−p). */
import type { Tensor } from '../tensor-core.ts';
import type { Generator } from '../random.ts';
import { lt, mul } from '../ops/index.ts';
import { rand } from '../creation.ts';
import { OpError } from '../shape.ts';

export interface DropoutOptions {
  /** When false (evaluation), dropout is the identity. Default true. */
  training?: boolean;
  generator?: Generator;
}

export function dropout(x: Tensor, p: number, { training = true, generator }: DropoutOptions = {}): Tensor {
  if (!(p >= 0 && p <= 1)) throw new OpError('dropout', `probability must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const keep = lt(rand(x.shape, { dtype: x.dtype, generator }).to(x.backend), 1 - p);
  return mul(x, mul(keep, 1 / (1 - p)));
}
