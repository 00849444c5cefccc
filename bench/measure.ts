/**
 * Timing with benchmark.js: each side of a case is a `Benchmark` run for `maxTime` seconds after
 * its own warm-up cycles; we keep every sample (seconds per call) and summarise with the median
 * and the interquartile spread, which shrug off the outliers a shared machine produces.
 */
import Benchmark from 'benchmark';

export interface Timing {
  /** Seconds per call, every sample benchmark.js kept. */
  readonly samples: number[];
  /**
   * Process CPU seconds per wall second while it ran (all threads): how many cores the process
   * actually got. On an idle machine about 1 for one thread, 2 for two; lower means contention.
   */
  readonly cores: number;
}

export interface Summary {
  readonly median: number;
  /** 25th and 75th percentiles. */
  readonly q1: number;
  readonly q3: number;
  readonly count: number;
}

/** Time `fn` (synchronous) with benchmark.js for about `maxTime` seconds, and at least `minSamples` samples. */
export function time(name: string, fn: () => void, maxTime: number, minSamples = 5): Timing {
  const bench = new Benchmark(name, fn, { maxTime, minSamples, initCount: 1 });
  const cpu0 = process.cpuUsage(), wall0 = performance.now();
  bench.run({ async: false });
  const cpu = process.cpuUsage(cpu0), wall = (performance.now() - wall0) / 1000;
  if (bench.error) throw bench.error as Error;
  return { samples: [...bench.stats.sample], cores: (cpu.user + cpu.system) / 1e6 / wall };
}

/**
 * Time `fn` (asynchronous: a call ends when its promise resolves) with benchmark.js's deferred mode,
 * for about `maxTime` seconds and at least `minSamples` samples. A rejected call fails the timing.
 */
export async function timeAsync(name: string, fn: () => Promise<void>, maxTime: number, minSamples = 5): Promise<Timing> {
  let failure: unknown = null;
  const bench = new Benchmark(name, {
    defer: true,
    fn(deferred: { resolve(): void }) {
      fn().then(() => deferred.resolve(), (error: unknown) => { failure ??= error; deferred.resolve(); });
    },
    maxTime, minSamples, initCount: 1,
  });
  const cpu0 = process.cpuUsage(), wall0 = performance.now();
  await new Promise<void>((resolve) => { bench.on('complete', () => resolve()); bench.run({ async: true }); });
  const cpu = process.cpuUsage(cpu0), wall = (performance.now() - wall0) / 1000;
  if (failure !== null) throw failure instanceof Error ? failure : new Error(String(failure));
  if (bench.error) throw bench.error as Error;
  return { samples: [...bench.stats.sample], cores: (cpu.user + cpu.system) / 1e6 / wall };
}

export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Median and quartiles of `values` (already converted to the unit reported, e.g. GFLOP/s). */
export function summarise(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), q1: quantile(sorted, 0.25), q3: quantile(sorted, 0.75), count: sorted.length };
}
