/** torch.nn.SiLU. */
import { silu, type Tensor } from '@diffusion-ts/tensor';
import { Module } from '../module.ts';

/** SiLU(x) = x·σ(x) (Elfwing et al. 2018; "swish" in Ho et al.'s DDPM code). No parameters. */
export class SiLU extends Module {
  /** x: any shape → same shape */
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}
