/**
 * Peak resident memory of the U-Net training step, one library per process so they share nothing:
 * `tsx bench/rss.ts ours|peer <steps> [poolMiB]` builds the model, runs the steps and prints
 * {"side", "steps", "maxRssMiB"} (the process's peak RSS, model and runtime included); `poolMiB`
 * bounds the wasm engine's pool of output buffers (default 512; 0 turns it off), for measuring it.
 * `peakRss(side, steps)` runs that child from the benchmark.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * This process's peak resident set in bytes: VmHWM of /proc/self/status on Linux, the high-water
 * mark of this process's own memory since its exec. Not `process.resourceUsage().maxRSS`: Linux
 * carries ru_maxrss across fork and exec, so a child spawned by a 600 MiB parent reports at least
 * the parent's resident set (measured: 672 MiB for a bare `node -e` under a 700 MB parent, 39 MiB
 * alone), which put 568 MiB in a bench run where the step alone peaks under 400.
 */
export function peakRssBytes(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm !== null) return Number(hwm[1]) * 1024;
  } catch { /* not Linux: fall back */ }
  return process.resourceUsage().maxRSS * 1024;
}

export interface RssResult {
  readonly side: 'ours' | 'peer';
  readonly steps: number;
  readonly maxRssMiB: number;
}

export function peakRss(side: 'ours' | 'peer', steps: number): RssResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), side, String(steps)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as RssResult;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const side = process.argv[2] as 'ours' | 'peer', steps = Number(process.argv[3] ?? 3);
  if (side === 'ours') {
    const { ourUNet } = await import('./unet.ts');
    if (process.argv[4] !== undefined) {
      const { outputPool } = await import('@diffusion-ts/tensor/internal');
      outputPool.setMaxBytes(Number(process.argv[4]) * 2 ** 20);
    }
    const u = ourUNet('wasm');
    for (let i = 0; i < steps; i++) u.trainStep();
  } else {
    const { initPeer } = await import('./peer.ts');
    const { peerTrainer } = await import('./peer-unet.ts');
    await initPeer();
    const p = peerTrainer();
    for (let i = 0; i < steps; i++) p.trainStep();
  }
  console.log(JSON.stringify({ side, steps, maxRssMiB: Number((peakRssBytes() / 2 ** 20).toFixed(1)) }));
}
