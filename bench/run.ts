/**
 * diffusion-ts against TensorFlow.js (wasm backend), same process, same data sizes.
 *
 *   npm run bench              3 interleaved rounds per case, ~2 s per side per round
 *   npm run bench -- --quick   1 round, ~0.5 s per side, U-Net cases 1 warm-up + 2 samples, no U-Net
 *                              gradient check, RSS after 1 step (about a minute and a half)
 *   npm run bench -- --only U-Net   just the cases whose name contains the text (no RSS, nothing written)
 *   npm run bench -- --backend gpu  the gpu benchmark instead (bench/gpu-run.ts): our gpu backend beside
 *                              TF.js's WebGPU backend and our wasm engine; takes --quick, --only, --tiny
 *
 * Prints a table (medians, interquartile spread, ratio = ours / peer, higher is better) and writes
 * bench/results/latest.json (an array of {case, ours, peer, unit, ratio}), latest-run.json (the
 * machine, the load, and every summary) and the results table in bench/README.md.
 *
 * "cores got" is process CPU time over wall time while a side ran: on a shared machine it shows how
 * much of the machine each side actually had; a rate divided by it is a rate per CPU-second.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAgreement, checkPeerUNet } from './check.ts';
import { convCases } from './conv-cases.ts';
import { coreCases } from './core-cases.ts';
import { networkCases } from './network-cases.ts';
import { peakRss } from './rss.ts';
import { summarise, time } from './measure.ts';
import type { Summary } from './measure.ts';
import { initPeer, peerDescription } from './peer.ts';

interface Row {
  case: string;
  ours: number;
  peer: number | null;
  unit: string;
  ratio: number | null;
}

const quick = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] ?? '' : null;
const rounds = quick ? 1 : 3;
const maxTime = quick ? 0.5 : 2;
const backendAt = process.argv.indexOf('--backend');
const backend = backendAt >= 0 ? process.argv[backendAt + 1] ?? '' : 'wasm';
if (backend === 'gpu') {
  const { runGpuBench } = await import('./gpu-run.ts');
  process.exit(await runGpuBench({ quick, only, tiny: process.argv.includes('--tiny') }));
}
if (backend !== 'wasm') {
  console.error(`bench: --backend ${backend}: the benchmarks are 'wasm' (the default: ours against TF.js wasm) and 'gpu'`);
  process.exit(1);
}

await initPeer();
const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.availableParallelism(),
  node: process.version,
  v8: process.versions.v8,
  platform: `${os.platform()} ${os.arch()}`,
  loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  peer: peerDescription(),
  mode: quick ? 'quick' : 'full',
};
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node} (V8 ${machine.v8}), ${machine.platform}`);
console.log(`load average at start: ${machine.loadAverageAtStart.join(' ')}   peer: ${machine.peer}`);
console.log(`check: ours, the tuned peer and TF.js's own conv2d gradients agree to ${(await checkAgreement()).toExponential(1)}`);
if (quick) console.log('check: the peer U-Net gradient check runs in the full run only');
else console.log(`check: the peer U-Net's tuned gradients agree with TF.js's own to ${(await checkPeerUNet()).toExponential(1)} (relative)`);
console.log(`${rounds} round(s), ~${maxTime} s per side per round; spread = interquartile range of benchmark.js samples\n`);

const cases = [...coreCases(), ...convCases(), ...networkCases()].filter((c) => only === null || c.name.includes(only));
const summaries: { case: string; unit: string; ours: Summary; peer: Summary | null; oursCores: number; peerCores: number | null }[] = [];
const rows: Row[] = [];
const fmt = (v: number): string => v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3);
const spread = (s: Summary): string => `${fmt(s.median)} [${fmt(s.q1)}–${fmt(s.q3)}]`;
console.log(`${'case'.padEnd(40)} ${'ours'.padEnd(22)} ${'peer'.padEnd(22)} unit      ratio   cores got (ours / peer)`);

for (const c of cases) {
  c.setup();
  // Warm-up outside the clock: lets V8 tier the wasm code up to TurboFan on both sides.
  for (let i = 0; i < (c.slow ? (quick ? 1 : 2) : 3); i++) { c.ours(); c.peer?.(); }
  // Cases of a second or more per call: benchmark.js then takes one call per sample; ask for a few.
  const [caseTime, minSamples] = c.slow ? [quick ? 0.1 : 2, quick ? 2 : 4] : [maxTime, 5];
  const ours: number[] = [], peer: number[] = [], oursCores: number[] = [], peerCores: number[] = [];
  const rate = (seconds: number): number => c.work / seconds / c.scale;
  for (let r = 0; r < rounds; r++) {
    const o = time(`${c.name} ours`, c.ours, caseTime, minSamples);
    ours.push(...o.samples.map(rate));
    oursCores.push(o.cores);
    if (c.peer) {
      const p = time(`${c.name} peer`, c.peer, caseTime, minSamples);
      peer.push(...p.samples.map(rate));
      peerCores.push(p.cores);
    }
  }
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  c.teardown();
  const o = summarise(ours), p = c.peer ? summarise(peer) : null;
  const cores = { ours: mean(oursCores), peer: c.peer ? mean(peerCores) : null };
  summaries.push({ case: c.name, unit: c.unit, ours: o, peer: p, oursCores: cores.ours, peerCores: cores.peer });
  const ratio = p ? o.median / p.median : null;
  rows.push({ case: c.name, ours: round(o.median), peer: p ? round(p.median) : null, unit: c.unit, ratio: ratio === null ? null : round(ratio) });
  console.log(`${c.name.padEnd(40)} ${spread(o).padEnd(22)} ${(p ? spread(p) : '—').padEnd(22)} ${c.unit.padEnd(9)} ${(ratio === null ? '—' : ratio.toFixed(2) + '×').padEnd(7)} ${cores.ours.toFixed(2)} / ${cores.peer === null ? '—' : cores.peer.toFixed(2)}`);
}

// How close matmul 1024 comes to the two-thread ceiling measured in this same run.
const mm = summaries.find((s) => s.case === 'matmul 1024');
const ceiling = summaries.find((s) => s.case.startsWith('SIMD ceiling') && s.case.includes(`${Math.min(2, os.availableParallelism())} thread`));
if (mm && ceiling) {
  const share = (100 * mm.ours.median) / ceiling.ours.median;
  rows.push({ case: `matmul 1024 share of the ${ceiling.case.replace('SIMD ceiling, ', '')} SIMD ceiling`, ours: round(share), peer: null, unit: '%', ratio: null });
  console.log(`\nmatmul 1024 reaches ${share.toFixed(0)}% of the ${ceiling.case} (${fmt(ceiling.ours.median)} GFLOP/s, same run)`);
}

if (only !== null) process.exit(0); // a partial run neither measures memory nor overwrites the results

// Peak RSS of the training step, each library in its own process (lower is better: ratio = peer / ours).
const rssSteps = quick ? 1 : 4;
const rss = { ours: peakRss('ours', rssSteps), peer: peakRss('peer', rssSteps) };
rows.push({ case: `U-Net training step peak RSS (${rssSteps} steps, own process)`, ours: rss.ours.maxRssMiB, peer: rss.peer.maxRssMiB, unit: 'MiB', ratio: round(rss.peer.maxRssMiB / rss.ours.maxRssMiB) });
console.log(`\npeak RSS of the U-Net training step (own process, ${rssSteps} steps): ours ${rss.ours.maxRssMiB} MiB, peer ${rss.peer.maxRssMiB} MiB`);

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(benchDir, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(rows, null, 2) + '\n');
writeFileSync(path.join(dir, 'latest-run.json'), JSON.stringify({ machine, loadAverageAtEnd: os.loadavg(), summaries, rss }, null, 2) + '\n');
writeReadmeTable(path.join(benchDir, 'README.md'));
console.log(`\nwrote ${path.relative(process.cwd(), path.join(dir, 'latest.json'))} and the README table; load average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

/** Replace the part of the README between the results markers with this run's table. */
function writeReadmeTable(file: string): void {
  const start = '<!-- results:start -->', end = '<!-- results:end -->';
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const i = text.indexOf(start), j = text.indexOf(end);
  if (i < 0 || j < i) return;
  const lines = [
    `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.platform}; load average at start ${machine.loadAverageAtStart.join(' ')}, at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}.`,
    `Peer: ${machine.peer}. Command: \`npm run bench${quick ? ' -- --quick' : ''}\` (${new Date().toISOString().slice(0, 10)}).`,
    '',
    '| case | ours (median [q1–q3]) | TensorFlow.js wasm | unit | ratio | cores got (ours / peer) |',
    '|---|---|---|---|---|---|',
    ...summaries.map((s) => `| ${s.case} | ${spread(s.ours)} | ${s.peer ? spread(s.peer) : '—'} | ${s.unit} | ${s.peer ? (s.ours.median / s.peer.median).toFixed(2) + '×' : '—'} | ${s.oursCores.toFixed(2)} / ${s.peerCores === null ? '—' : s.peerCores.toFixed(2)} |`),
    ...rows.filter((r) => r.unit === '%').map((r) => `| ${r.case} | ${r.ours}% | — | % | — | — |`),
    ...rows.filter((r) => r.unit === 'MiB').map((r) => `| ${r.case} | ${r.ours} | ${r.peer} | MiB (lower is better) | ${r.ratio}× | — |`),
  ];
  writeFileSync(file, `${text.slice(0, i + start.length)}\n${lines.join('\n')}\n${text.slice(j)}`);
}

function round(v: number): number {
  return Number(v.toPrecision(4));
}

