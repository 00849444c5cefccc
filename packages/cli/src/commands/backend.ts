/** Choosing the tensor backend from the command line. */
import { availableBackends, getBackend, initGpu, setBackend, shutdownGpu, type BackendName } from '@diffusion-ts/tensor';
import { UsageError } from '../args.ts';
import { CliError } from '../errors.ts';
import type { Io } from '../io.ts';

export const backendNames = ['js', 'wasm', 'gpu'] as const satisfies readonly BackendName[];
export type CliBackendName = (typeof backendNames)[number];

/**
 * Make `name` the tensor backend. For `gpu` this starts WebGPU (Dawn in Node) and prints (to stderr)
 * which engine and adapter run the kernels, e.g. `backend: gpu (webgpu: llvmpipe …)`: llvmpipe is Mesa's software
 * rasteriser on the CPU, whose figures say nothing about GPUs. Pair it with `releaseBackend()`.
 */
export async function chooseBackend(name: CliBackendName, io: Pick<Io, 'err'>): Promise<void> {
  if (name === 'gpu') {
    const { installNodeWebGPU } = await import('@diffusion-ts/tensor/webgpu-node');
    try {
      installNodeWebGPU();
      await initGpu();
    } catch (e) {
      throw new CliError(`--backend gpu: no WebGPU adapter started: ${(e as Error).message} (on a machine without a GPU, run under scripts/with-gpu-env)`);
    }
  }
  if (!availableBackends().includes(name)) throw new UsageError(`--backend ${name} is not available here; available: ${availableBackends().join(', ')}`);
  setBackend(name);
  const { device } = getBackend();
  if (device !== undefined) io.err.write(`backend: ${name} (${device})\n`);
}

/** Shut the gpu device down at the end of a command (Node does not exit while one is open); a no-op elsewhere. */
export async function releaseBackend(name: CliBackendName): Promise<void> {
  if (name === 'gpu') await shutdownGpu();
}
