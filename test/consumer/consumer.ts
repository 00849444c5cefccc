// A TypeScript user's code, checked with `tsc --noEmit` against the .d.ts files the tarballs ship.
import { Generator, availableBackends, randn, setBackend, type Tensor } from '@diffusion-ts/tensor';
import { MLP, type Module } from '@diffusion-ts/nn';
import { edmPrecond, karrasSigmas, sampleEuler, type Denoiser, type StepInfo } from '@diffusion-ts/diffusion';

setBackend(availableBackends()[0]!);
const mlp: Module = new MLP({ dataDim: 2, hiddenDim: 16, generator: new Generator(0) });
const D = edmPrecond((x: Tensor, cNoise: Tensor) => (mlp as MLP).forward(x, cNoise), { sigmaData: 1 });
const denoise: Denoiser = (x, sigma) => D(x, sigma);
const sigmas: ArrayLike<number> = karrasSigmas(4);
const seen: number[] = [];
const out: Tensor = sampleEuler(denoise, randn([2, 2]).mul(sigmas[0]!), sigmas, { onStep: (info: StepInfo) => seen.push(info.sigma ?? info.i) });
export const shape: readonly number[] = out.shape;
// @ts-expect-error: the shipped types reject a wrong argument
sampleEuler(denoise, 'not a tensor', sigmas);
