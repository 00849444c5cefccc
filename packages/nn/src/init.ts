/**
 * Parameter initialisation as PyTorch does it by default, always from an explicit generator.
 * torch.nn.Linear and Conv2d use kaiming_uniform_(a = √5), i.e. U(−1/√fanIn, 1/√fanIn) for the
 * weight, and the same bound for the bias.
 */
import { rand, zeros, type Generator, type Tensor } from '@diffusion-ts/tensor';

export interface InitOptions {
  generator: Generator;
}

/** U(−bound, bound) of the given shape. */
export const uniform = (shape: readonly number[], bound: number, { generator }: InitOptions): Tensor =>
  rand(shape, { generator }).mul(2 * bound).sub(bound);

/** PyTorch's default for Linear/Conv weights and biases: U(−1/√fanIn, 1/√fanIn). */
export const fanInUniform = (shape: readonly number[], fanIn: number, options: InitOptions): Tensor =>
  uniform(shape, fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0, options);

/** Xavier/Glorot uniform with a gain: U(±gain·√(6/(fanIn + fanOut))). */
export const xavierUniform = (shape: readonly number[], fanIn: number, fanOut: number, gain: number, options: InitOptions): Tensor =>
  uniform(shape, gain * Math.sqrt(6 / (fanIn + fanOut)), options);

/** Zeros: the "zero_module" output layers of the diffusion U-Nets start at exactly 0. */
export const zeroInit = (shape: readonly number[]): Tensor => zeros(shape);
