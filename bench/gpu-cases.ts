/**
 * The cases of the gpu benchmark (`npm run bench -- --backend gpu`): matmul 1024, conv2d 3×3
 * forward + both gradients on the kernel cases' two shapes, the U-Net training step and the U-Net
 * sampling throughput (denoiser evaluations). Each is core-cases.ts's or network-cases.ts's case,
 * built once per side, so that each side is set up, timed and torn down on its own and one side's
 * failure leaves the others' figures:
 *   gpu          ours on the `gpu` backend (gpu.js kernels and our WGSL tiles, WebGPU)
 *   tfjs-webgpu  TensorFlow.js's WebGPU backend, on the same adapter, in the same process
 *   wasm         ours on the `wasm` engine (the CPU), for information
 */
import type { Kernels } from '@diffusion-ts/tensor';
import { findBackend } from '@diffusion-ts/tensor/internal';
import { convCase, matmulCase } from './core-cases.ts';
import type { BenchCase, Sides } from './core-cases.ts';
import { unetCase } from './network-cases.ts';
import type { UNetSides } from './network-cases.ts';

export const sideNames = ['gpu', 'tfjs-webgpu', 'wasm'] as const;
export type SideName = (typeof sideNames)[number];

/** One library's side of a case: the case built for that side alone, and which of its calls to time. */
export interface Side {
  readonly name: SideName;
  readonly bench: BenchCase;
  run(): void | Promise<void>;
}

export interface GpuCase {
  readonly name: string;
  readonly unit: string;
  readonly work: number;
  readonly scale: number;
  readonly slow: boolean;
  /** A function per side, so a side whose engine did not start builds nothing. */
  readonly sides: Readonly<Record<SideName, () => Side>>;
}

/** The sizes: the issue's, or `tiny` ones that only smoke-test the harness (their figures mean nothing). */
const sizes = {
  full: { matmul: 1024, convs: [[8, 64, 32, 32], [8, 128, 16, 16]], batch: 8, sampleBatch: 16 },
  tiny: { matmul: 128, convs: [[1, 16, 8, 8]], batch: 1, sampleBatch: 1 },
} as const;

/** The gpu benchmark's cases; the `gpu` side needs `initGpu()` first, `tfjs-webgpu` `initPeerWebGPU()`. */
export function gpuCases({ tiny = false } = {}): GpuCase[] {
  const s = sizes[tiny ? 'tiny' : 'full'];
  const gpu = (): Kernels => findBackend('gpu', 'bench');
  // Each kernel case three ways: our gpu kernels, the peer alone, our wasm kernels (default `kernels`).
  const kernelCase = (make: (sides: Sides) => BenchCase): GpuCase => {
    return {
      ...about(make({ kernels: null, peer: false })),
      sides: {
        gpu: () => ours('gpu', make({ kernels: gpu(), peer: false })),
        'tfjs-webgpu': () => peer(make({ kernels: null, peer: true })),
        wasm: () => ours('wasm', make({ peer: false })),
      },
    };
  };
  const networkCase = (kind: 'train' | 'sample'): GpuCase => {
    const make = (sides: UNetSides): BenchCase => unetCase(kind, { batch: s.batch, sampleBatch: s.sampleBatch, ...sides });
    return {
      ...about(make({ backend: null, peer: false })),
      sides: {
        gpu: () => ours('gpu', make({ backend: 'gpu', peer: false })),
        'tfjs-webgpu': () => peer(make({ backend: null, peer: true })),
        wasm: () => ours('wasm', make({ backend: 'wasm', peer: false })),
      },
    };
  };
  return [
    kernelCase((sides) => matmulCase(s.matmul, sides)),
    ...s.convs.map(([n, c, h, w]) => kernelCase((sides) => convCase([n, c, h, w], true, sides))),
    networkCase('train'),
    networkCase('sample'),
  ];
}

/** What a case is (name, unit, work), from a case built with no sides. */
const about = ({ name, unit, work, scale, slow = false }: BenchCase) => ({ name, unit, work, scale, slow });
const ours = (name: SideName, bench: BenchCase): Side => ({ name, bench, run: () => bench.ours() });
const peer = (bench: BenchCase): Side => ({ name: 'tfjs-webgpu', bench, run: () => bench.peer!() });
