import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor } from '@diffusion-ts/tensor';
import { Embedding } from './embedding.ts';
import { gradcheckModule } from '../testing/modules.ts';

describe('Embedding', () => {
  it('looks up rows of its weight for int32 ids of any shape', () => {
    const layer = new Embedding({ numEmbeddings: 5, embeddingDim: 3, generator: new Generator(0) });
    const ids = tensor([[4, 0], [2, 4]], { dtype: 'int32' });
    const y = layer.forward(ids);
    assert.deepEqual(y.shape, [2, 2, 3]);
    const w = layer.weight.toArray() as number[][], out = y.toArray() as number[][][];
    assert.deepEqual(out, [[w[4], w[0]], [w[2], w[4]]]);
  });

  it('initialises N(0, 1) as PyTorch does', () => {
    const w = Array.from(new Embedding({ numEmbeddings: 100, embeddingDim: 100, generator: new Generator(1) }).weight.dataSync());
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const variance = w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length;
    // 10⁴ draws: the sample mean has sd 0.01 and the sample variance sd ≈ 0.014.
    assert.ok(Math.abs(mean) < 0.05 && Math.abs(variance - 1) < 0.07, `mean ${mean}, variance ${variance}`);
  });

  it('gradcheck wrt the table (repeated ids accumulate)', () => {
    const g = new Generator(2);
    const layer = new Embedding({ numEmbeddings: 4, embeddingDim: 3, generator: g });
    const ids = tensor([1, 3, 1], { dtype: 'int32' });
    gradcheckModule(layer, [], () => layer.forward(ids), g);
  });
});
