/**
 * The soak case: does memory stay flat over thousands of U-Net training steps? `tsx bench/soak.ts
 * <steps> <at…>` runs the bench U-Net's training step (bench/unet.ts, `wasm`, batch 8, as the CLI's
 * trainer runs it) `steps` times in its own process and prints one JSON line after each step listed
 * in `at`: {"step", "rssMiB" (resident now), "maxRssMiB" (peak so far), "heapMiB" (V8's used heap),
 * "seconds"}. `soak(steps, at)` runs that child from the benchmark (`npm run bench -- --soak`) and
 * returns the lines, `onLine` seeing each as it arrives (2,000 steps take over half an hour here).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { peakRssBytes } from './rss.ts';

export interface SoakPoint {
  readonly step: number;
  readonly rssMiB: number;
  readonly maxRssMiB: number;
  readonly heapMiB: number;
  readonly seconds: number;
}

export function soak(steps: number, at: readonly number[], onLine?: (p: SoakPoint) => void): Promise<SoakPoint[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), String(steps), ...at.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const points: SoakPoint[] = [];
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const p = JSON.parse(line) as SoakPoint;
        points.push(p);
        onLine?.(p);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(points) : reject(new Error(`bench/soak.ts exited with ${code} after ${points.length} points`))));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const steps = Number(process.argv[2] ?? 2000);
  const at = new Set(process.argv.slice(3).map(Number));
  if (at.size === 0) for (const s of [1, 100, 500, 1000, 2000]) at.add(s);
  const { ourUNet } = await import('./unet.ts');
  const u = ourUNet('wasm');
  const t0 = performance.now(), mib = (bytes: number): number => Number((bytes / 2 ** 20).toFixed(1));
  for (let i = 1; i <= steps; i++) {
    u.trainStep();
    if (!at.has(i)) continue;
    const m = process.memoryUsage();
    const p: SoakPoint = { step: i, rssMiB: mib(m.rss), maxRssMiB: mib(peakRssBytes()), heapMiB: mib(m.heapUsed), seconds: Number(((performance.now() - t0) / 1000).toFixed(1)) };
    console.log(JSON.stringify(p));
  }
}
