/**
 * @diffusion-ts/tensor in one screen: broadcasting ops, reverse-mode autodiff, a float64 gradient
 * check, seeded randomness, and the op-named errors.
 *
 *   npx tsx packages/tensor/examples/autodiff.ts
 */
import { Generator, OpError, matmul, randn, softmax, tensor } from '@diffusion-ts/tensor';
import { gradcheck } from '@diffusion-ts/tensor/testing';

// Broadcasting ([2, 3] with [3]) and a reduction; backward() fills .grad of the leaves.
const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
const w = tensor([0.5, -1, 2], { requiresGrad: true });
const loss = x.mul(w).sum(1).square().mean(); // mean over rows of (Σ_j x_ij w_j)²
loss.backward();
console.log('loss', loss.item());
console.log('dL/dw', w.grad!.toArray());
console.log('dL/dx', x.grad!.toArray());

// The analytic gradients against central differences, in float64 (torch.autograd.gradcheck).
const g = new Generator(0);
const a = randn([4, 3], { dtype: 'float64', generator: g, requiresGrad: true });
const b = randn([3, 5], { dtype: 'float64', generator: g, requiresGrad: true });
console.log('gradcheck(softmax(a @ b, -1)):', gradcheck((p, q) => softmax(matmul(p, q), -1), [a, b]));

// The same seed gives the same numbers (Philox4x32-10, counter-based).
console.log('seeded draws repeat:', randn([3], { generator: new Generator(7) }).toArray(), randn([3], { generator: new Generator(7) }).toArray());

// Shape mistakes throw at the op, naming it and the shapes.
try {
  matmul(randn([2, 3]), randn([4, 5]));
} catch (e) {
  console.log(e instanceof OpError, (e as Error).message);
}
