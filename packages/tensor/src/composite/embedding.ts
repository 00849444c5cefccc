/** Embedding lookup: rows of a table selected by integer ids. */
import type { Tensor } from '../tensor-core.ts';
import { reshape } from '../ops/index.ts';
import { fmt, OpError } from '../shape.ts';
import { indexSelect } from './layout.ts';

/** weight [numEmbeddings, dim] indexed by int32 ids of any shape → [...ids.shape, dim]. */
export function embedding(ids: Tensor, weight: Tensor): Tensor {
  if (weight.ndim !== 2) throw new OpError('embedding', `weight must be [numEmbeddings, dim], got ${fmt(weight.shape)}`);
  if (ids.dtype !== 'int32') throw new OpError('embedding', `ids must be int32, got ${ids.dtype}${fmt(ids.shape)}`);
  const rows = indexSelect(weight, 0, reshape(ids, [-1]));
  return reshape(rows, [...ids.shape, weight.shape[1]!]);
}
