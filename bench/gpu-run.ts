/**
 * The gpu benchmark, `npm run bench -- --backend gpu [--quick] [--only <text>] [--tiny]`: the cases
 * of gpu-cases.ts on our `gpu` backend, TensorFlow.js's WebGPU backend (same adapter, same process)
 * and our `wasm` engine. Under `scripts/with-gpu-env` the adapter is Mesa's llvmpipe, a rasteriser
 * running on the CPU: its figures say nothing about GPUs, and every figure is printed and written
 * with the adapter that produced it.
 *
 * Protocol, the same for both WebGPU libraries: ops are queued synchronously, and a timed call ends
 * with an awaited read of its results (`await t.data()`), the only way to observe a device finish.
 * Sides are set up together, then timed one after another in interleaved rounds with benchmark.js;
 * after each side's turn, work it may have left queued is drained outside the clock (`settle`).
 * A side that fails (to start, to set up, or in a call) is reported with its error; the run goes on.
 *
 * Writes bench/results/gpu-<adapter>.json (not with --only) and prints a markdown table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initGpu, shutdownGpu, type Kernels } from '@diffusion-ts/tensor';
import { findBackend } from '@diffusion-ts/tensor/internal';
import { checkGpuAgreement } from './check.ts';
import { installNodeWebGPU } from '@diffusion-ts/tensor/webgpu-node';
import { gpuCases, sideNames } from './gpu-cases.ts';
import type { Side, SideName } from './gpu-cases.ts';
import { summarise, time, timeAsync } from './measure.ts';
import type { Summary } from './measure.ts';
import { initPeerWebGPU, peerDescription, tf } from './peer.ts';
import type { AdapterInfo } from './peer.ts';

export interface GpuBenchOptions {
  readonly quick: boolean;
  /** Only the cases whose name contains this text; nothing is written. */
  readonly only: string | null;
  /** Smoke-test sizes (matmul 128, one small conv, U-Net batch 1): checks the harness, measures nothing. */
  readonly tiny: boolean;
}

/** A side's figure, or why there is none; either way with the engine that would have produced it. */
type Figure = { readonly adapter: string } & ((Summary & { readonly cores: number }) | { readonly error: string });

interface CaseResult {
  readonly case: string;
  readonly unit: string;
  readonly sides: Record<SideName, Figure>;
  /** ours-gpu / tfjs-webgpu (the issue's target: ≥ 1) and ours-gpu / ours-wasm (information); higher is better. */
  readonly ratios: { readonly 'gpu/tfjs-webgpu': number | null; readonly 'gpu/wasm': number | null };
}

/** Run the gpu benchmark; resolves with the process's exit code (2 when our gpu backend did not start). */
export async function runGpuBench({ quick, only, tiny }: GpuBenchOptions): Promise<number> {
  const rounds = quick || tiny ? 1 : 3, maxTime = quick || tiny ? 0.5 : 2;
  const command = `npm run bench -- --backend gpu${quick ? ' --quick' : ''}${tiny ? ' --tiny' : ''}${only !== null ? ` --only '${only}'` : ''}`;
  const loadAtStart = os.loadavg();

  // The engines. Each failure becomes the reason on every figure of that side.
  installNodeWebGPU();
  const none = { adapter: 'none', label: 'none', info: {} };
  const engines: Record<SideName, { adapter: string; label: string; info: AdapterInfo; failure: string | null }> = {
    gpu: await initGpu().then(ourAdapter).then((info) => ({ ...named(info), info: plain(info), failure: null }), (e: unknown) => ({ ...none, failure: `our gpu backend did not start: ${message(e)}` })),
    'tfjs-webgpu': await initPeerWebGPU().then((info) => ({ ...named(info), info: plain(info), failure: null }), (e: unknown) => ({ ...none, failure: `TF.js webgpu did not start: ${message(e)}` })),
    wasm: { adapter: `cpu: ${os.cpus()[0]?.model ?? 'unknown'} (wasm engine, ${os.availableParallelism()} cores)`, label: 'cpu', info: {}, failure: null },
  };
  const started = engines.gpu.failure === null ? engines.gpu : engines['tfjs-webgpu'];
  const software = /llvmpipe|lavapipe|swiftshader|software/i.test(`${engines.gpu.adapter} ${engines['tfjs-webgpu'].adapter}`);
  const sameAdapter = engines.gpu.failure === null && engines['tfjs-webgpu'].failure === null ? engines.gpu.adapter === engines['tfjs-webgpu'].adapter : null;
  const label = Object.fromEntries(sideNames.map((n) => [n, engines[n].label])) as Record<SideName, string>;

  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), node: process.version,
    platform: `${os.platform()} ${os.arch()}`, loadAverageAtStart: round2(loadAtStart),
    peer: engines['tfjs-webgpu'].failure === null ? peerDescription() : 'TensorFlow.js webgpu: did not start',
  };
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.platform}; load average at start ${machine.loadAverageAtStart.join(' ')}`);
  for (const side of sideNames) console.log(`${side.padEnd(12)} ${engines[side].failure ?? engines[side].adapter}`);
  if (sameAdapter === false) console.log('WARNING: our gpu backend and TF.js webgpu run on different adapters; their ratio compares two devices');
  if (software) console.log('NOTE: a software adapter (a CPU rasteriser): these figures measure the CPU, and say nothing about GPUs');
  // Before timing: both libraries must compute the same numbers, or the comparison means nothing.
  let check: string | null = null;
  if (engines.gpu.failure === null && engines['tfjs-webgpu'].failure === null) {
    check = await checkGpuAgreement(findBackend('gpu', 'bench') as Kernels<unknown>).then(
      (d) => `ours (gpu) and TF.js webgpu agree on conv2d, its two gradients and matmul to ${d.toExponential(1)} (relative)${d <= 1e-3 ? '' : ': MORE THAN 1e-3, the comparison is suspect'}`,
      (e: unknown) => `the agreement check failed: ${message(e)}`);
    console.log(`check: ${check}`);
  }
  if (tiny) console.log('NOTE: --tiny sizes: a smoke test of the harness; the figures mean nothing');
  console.log(`${rounds} round(s), ~${maxTime} s per side per round; each call ends with an awaited read of its results\n`);

  const results: CaseResult[] = [];
  /** The report so far (after every case, so a run cut short by a timeout keeps what it measured). */
  const write = (complete: boolean): string => {
    const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
    const file = path.join(dir, `gpu-${slug(started.label)}${tiny ? '-tiny' : ''}.json`);
    mkdirSync(dir, { recursive: true });
    const report = {
      command, date: new Date().toISOString(), mode: tiny ? 'tiny' : quick ? 'quick' : 'full', complete,
      adapters: Object.fromEntries(sideNames.map((n) => [n, engines[n].failure ?? engines[n].adapter])),
      adapterInfo: { gpu: engines.gpu.info, 'tfjs-webgpu': engines['tfjs-webgpu'].info },
      sameAdapter, software, check, machine, loadAverageAtEnd: round2(os.loadavg()),
      protocol: 'each timed call ends with an awaited read of its results; rates are work per second (median and quartiles of benchmark.js samples)',
      cases: results,
    };
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
    return file;
  };
  const cases = gpuCases({ tiny }).filter((c) => only === null || c.name.includes(only));
  for (const c of cases) {
    const failures = new Map<SideName, string>();
    const samples = new Map<SideName, { rates: number[]; cores: number[] }>();
    const sides: Side[] = [];
    const fail = (side: SideName, stage: string, e: unknown): void => { if (!failures.has(side)) failures.set(side, `${stage}: ${message(e)}`); };
    for (const name of sideNames) {
      const failure = engines[name].failure;
      if (failure !== null) { failures.set(name, failure); continue; }
      try {
        const side = c.sides[name]();
        sides.push(side);
        side.bench.setup();
      } catch (e) { fail(name, 'setup', e); }
    }
    const live = (): Side[] => sides.filter((s) => !failures.has(s.name));
    // Warm-up outside the clock (compiles shaders, tiers up wasm); tells asynchronous sides apart.
    const isAsync = new Map<SideName, boolean>();
    for (const side of live()) {
      try {
        for (let i = 0; i < (c.slow ? (quick || tiny ? 1 : 2) : 3); i++) {
          const r = side.run();
          isAsync.set(side.name, r instanceof Promise);
          await r;
        }
        await side.bench.settle?.();
      } catch (e) { fail(side.name, 'warm-up', e); }
    }
    const [caseTime, minSamples] = c.slow ? [quick || tiny ? 0.1 : 2, quick || tiny ? 2 : 4] : [maxTime, 5];
    const rate = (seconds: number): number => c.work / seconds / c.scale;
    for (let r = 0; r < rounds; r++) {
      for (const side of live()) {
        try {
          const title = `${c.name} ${side.name}`;
          const t = isAsync.get(side.name)
            ? await timeAsync(title, () => side.run() as Promise<void>, caseTime, minSamples)
            : time(title, () => { side.run(); }, caseTime, minSamples);
          await side.bench.settle?.();
          const s = samples.get(side.name) ?? { rates: [], cores: [] };
          s.rates.push(...t.samples.map(rate));
          s.cores.push(t.cores);
          samples.set(side.name, s);
        } catch (e) { fail(side.name, 'timed call', e); }
      }
    }
    for (const side of sides) {
      try { side.bench.teardown(); } catch (e) { fail(side.name, 'teardown', e); }
    }

    const figure = (name: SideName): Figure => {
      const a = engines[name].adapter, s = samples.get(name), error = failures.get(name);
      if (error !== undefined || s === undefined) return { adapter: a, error: error ?? 'no samples' };
      const sum = summarise(s.rates);
      return { adapter: a, ...roundSummary(sum), cores: Number((s.cores.reduce((x, y) => x + y, 0) / s.cores.length).toFixed(2)) };
    };
    const figures = Object.fromEntries(sideNames.map((n) => [n, figure(n)])) as Record<SideName, Figure>;
    const ratio = (a: Figure, b: Figure): number | null => ('median' in a && 'median' in b ? round4(a.median / b.median) : null);
    const result: CaseResult = {
      case: c.name, unit: c.unit, sides: figures,
      ratios: { 'gpu/tfjs-webgpu': ratio(figures.gpu, figures['tfjs-webgpu']), 'gpu/wasm': ratio(figures.gpu, figures.wasm) },
    };
    results.push(result);
    const width = 24 + Math.max(...sideNames.map((n) => label[n].length));
    if (results.length === 1) console.log(`${'case'.padEnd(40)} ${sideNames.map((n) => n.padEnd(width)).join(' ')} ${'unit'.padEnd(8)} gpu/tfjs-webgpu  gpu/wasm`);
    const cell = (n: SideName): string => { const f = figures[n]; return 'median' in f ? `${spread(f)} @${label[n]}` : 'failed'; };
    console.log(`${c.name.padEnd(40)} ${sideNames.map((n) => cell(n).padEnd(width)).join(' ')} ${c.unit.padEnd(8)} ${times(result.ratios['gpu/tfjs-webgpu']).padEnd(16)} ${times(result.ratios['gpu/wasm'])}`);
    if (only === null) write(false);
  }

  const errors = results.flatMap((r) => sideNames.flatMap((n) => { const f = r.sides[n]; return 'error' in f ? [`${r.case}, ${n}: ${f.error}`] : []; }));
  if (errors.length > 0) console.log(`\nfailed:\n${[...new Set(errors)].map((e) => `  ${e.slice(0, 600)}`).join('\n')}`);
  const loadAtEnd = os.loadavg();
  console.log(`\n${markdown(results, label)}`);
  console.log(`\nload average at end: ${round2(loadAtEnd).join(' ')}`);

  if (only === null) console.log(`wrote ${path.relative(process.cwd(), write(true))}`);

  await closeEngines();
  return engines.gpu.failure === null ? 0 : 2;
}

/** Release both WebGPU devices (an open device keeps Node running). */
async function closeEngines(): Promise<void> {
  if (tf.getBackend() === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: { destroy?(): void } }).device;
    tf.removeBackend('webgpu');
    device?.destroy?.();
  }
  await shutdownGpu();
}

/** The results as a markdown table, every figure with its adapter (for bench/README.md). */
function markdown(results: readonly CaseResult[], label: Record<SideName, string>): string {
  const cell = (f: Figure, n: SideName): string => ('median' in f ? `${spread(f)} (${label[n]})` : 'failed');
  return [
    '| case | ours, gpu | TF.js webgpu | ours, wasm | unit | gpu / TF.js webgpu | gpu / wasm |',
    '|---|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.case} | ${sideNames.map((n) => cell(r.sides[n], n)).join(' | ')} | ${r.unit} | ${times(r.ratios['gpu/tfjs-webgpu'])} | ${times(r.ratios['gpu/wasm'])} |`),
  ].join('\n');
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 500);
const fmt = (v: number): string => v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3);
const spread = (s: Summary): string => `${fmt(s.median)} [${fmt(s.q1)}–${fmt(s.q3)}]`;
const times = (r: number | null): string => (r === null ? '—' : `${r.toFixed(2)}×`);
const round2 = (v: readonly number[]): number[] => v.map((x) => Number(x.toFixed(2)));
const round4 = (v: number): number => Number(v.toPrecision(4));
const roundSummary = (s: Summary): Summary => ({ median: round4(s.median), q1: round4(s.q1), q3: round4(s.q3), count: s.count });
/**
 * What WebGPU says of the adapter our gpu backend runs on: `navigator.gpu.requestAdapter()` with no
 * options, as gpu.js asks (the default adapter), after `initGpu` has named it.
 */
async function ourAdapter(): Promise<AdapterInfo> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<{ info?: AdapterInfo } | null> } } }).navigator?.gpu;
  return (await gpu?.requestAdapter())?.info ?? {};
}

/**
 * The adapter's name in full (description, device, vendor, architecture: Dawn's description names
 * the driver, `llvmpipe: Mesa 25.0.7 …` or `NVIDIA: 550.…`, and its device the model) and a short
 * label for table cells: the device (`llvmpipe-llvm-15-0-6-256-bits`, `nvidia-h100-80gb-hbm3`).
 */
function named({ description, device, vendor, architecture }: AdapterInfo): { adapter: string; label: string } {
  const adapter = [description, device && device !== description ? `device ${device}` : '', vendor, architecture].filter((s) => s).join(', ') || 'unknown adapter';
  return { adapter, label: slug(device || description || 'unknown') };
}
/** GPUAdapterInfo's fields are getters on its prototype, which JSON.stringify skips: copy them. */
const plain = ({ description, device, vendor, architecture }: AdapterInfo): AdapterInfo => ({ description, device, vendor, architecture });
/** A file-name form of a name: `llvmpipe (LLVM 15.0.6, 256 bits)` → `llvmpipe-llvm-15-0-6-256-bits`. */
const slug = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48).replace(/-$/, '') || 'unknown';
