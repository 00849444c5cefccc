/**
 * @diffusion-ts/tensor/webgpu-node: WebGPU for Node, through Dawn (the `webgpu` npm package).
 * Kept out of the main entry so that browsers and bundlers never see a native module.
 *
 *   import { installNodeWebGPU } from '@diffusion-ts/tensor/webgpu-node';
 *   installNodeWebGPU();
 *   await initGpu();
 *
 * On a machine without a GPU, run under `scripts/with-gpu-env` (Mesa's lavapipe, a CPU Vulkan driver).
 */
import { create, globals } from 'webgpu';

/** Install WebGPU's globals (GPUBufferUsage, …) and `navigator.gpu` backed by Dawn, once. */
export function installNodeWebGPU(): void {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu !== undefined) return;
  Object.assign(globalThis, globals);
  if (g.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  g.navigator!.gpu = create([]);
}
