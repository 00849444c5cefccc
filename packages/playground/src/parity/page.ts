/**
 * parity.html: the browser parity run. Starts the gpu backend (`?engine=webgl2|webgpu`, else WebGPU
 * then WebGL2), counts the calls of each gpu kernel, runs every case of cases.ts on gpu and on js with
 * the Node suite's comparison (test/parity-core.ts), and exposes the result as `window.parity` for the
 * browser test (packages/playground/src/webgl2.test.ts), and as text on the page.
 */
import * as T from '@diffusion-ts/tensor';
import { parityMismatches } from '../../../../test/parity-core.ts';
import { parityCases } from './cases.ts';

export interface ParityReport {
  done: boolean;
  error: string | null;
  info: T.GpuInfo | null;
  /** `getBackend().device` of the gpu backend. */
  device: string;
  /** Each case and the mismatches found (none when gpu agrees with js). */
  cases: { name: string; mismatches: string[] }[];
  /** Kernels of the contract that no case called on gpu. */
  uncalled: string[];
}

/** The backend's storage and transfer members; every other function member is a compute kernel. */
const transfers = new Set(['upload', 'readSync', 'read', 'dispose', 'share']);

/** Wrap each compute kernel of `kernels` in place to count its calls. */
function countCalls(kernels: T.Kernels): Map<string, number> {
  const calls = new Map<string, number>();
  const table = kernels as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(table)) {
    if (typeof value !== 'function' || transfers.has(key)) continue;
    calls.set(key, 0);
    table[key] = (...args: unknown[]) => {
      calls.set(key, calls.get(key)! + 1);
      return (value as (...a: unknown[]) => unknown).apply(kernels, args);
    };
  }
  return calls;
}

const report: ParityReport = { done: false, error: null, info: null, device: '', cases: [], uncalled: [] };
(globalThis as { parity?: ParityReport }).parity = report;
const out = document.getElementById('report')!;

try {
  const engine = new URL(location.href).searchParams.get('engine') ?? undefined;
  report.info = await T.initGpu({ engine: engine as T.InitGpuOptions['engine'] });
  T.setBackend('gpu');
  const gpu = T.getBackend();
  T.setBackend('js');
  report.device = gpu.device ?? '';
  const calls = countCalls(gpu);
  for (const c of parityCases()) {
    report.cases.push({ name: c.name, mismatches: await parityMismatches('gpu', c.name, c.inputs, c.f, c.options) });
    out.textContent = `${report.device}: ${report.cases.length} cases run`;
  }
  report.uncalled = [...calls].filter(([, n]) => n === 0).map(([k]) => k);
} catch (error) {
  report.error = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
}
report.done = true;
const failed = report.cases.filter((c) => c.mismatches.length > 0);
out.textContent = report.error ?? [
  `gpu backend: ${report.device}`,
  `${report.cases.length} cases, ${failed.length} with mismatches; kernels no case called: ${report.uncalled.join(', ') || 'none'}`,
  ...failed.flatMap((c) => c.mismatches),
].join('\n');
