/**
 * `diffusion-ts eval`: the variational bound in bits/dim on held-out data (--nll), and sample
 * quality against the number of network evaluations for every sampler (--sweep).
 */
import { join } from 'node:path';
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { release } from '@diffusion-ts/nn';
import { writeFileAtomic } from '@diffusion-ts/nn/node';
import { calcBpd, slicedWasserstein } from '@diffusion-ts/diffusion';
import { defineCommand, UsageError, type OptionValues } from '../args.ts';
import { processIo, type Io } from '../io.ts';
import { heldOut } from '../data/registry.ts';
import { createProgress } from '../progress.ts';
import { encodePng, linePlot } from '../render/index.ts';
import { MAX_SEED, sizeProblem } from '../run/config.ts';
import { checkOutputFile } from '../run/output-paths.ts';
import { resolveCheckpoint } from '../run/run-folder.ts';
import { checkSampleOptions, generate, samplerNames, stepsFor, sweepableSamplers } from '../run/samplers.ts';
import { videoRows, videoTable, type VideoEvalOptions } from '../run/video-eval.ts';
import { DEFAULT_GUIDANCE_WEIGHT } from '../run/video-sampling.ts';
import { loadSession, type Session } from '../run/session.ts';
import { backendNames, chooseBackend, releaseBackend } from './backend.ts';

export const evalCommand = defineCommand({
  summary: 'evaluate a trained run: bits/dim on held-out data (--nll), error against NFE per sampler (--sweep), video quality and temporal coherence (--video)',
  options: {
    ckpt: { type: 'string', placeholder: 'run-dir', description: 'the run folder written by train, or its checkpoint.safetensors (required)' },
    nll: { type: 'boolean', description: 'the variational bound in bits/dim on held-out data, with its terms (ddpm and iddpm runs on image data)' },
    sweep: { type: 'boolean', description: 'sliced Wasserstein distance to held-out data against NFE for every sampler: a table and a PNG plot in the run folder' },
    video: { type: 'boolean', description: 'video runs: per-frame quality (Fréchet distance of frame pixel statistics to held-out clips) and temporal coherence (warping error, centroid acceleration, mass and size variation) for data against data, the model unconditional, continuing held-out clips by replacement and by reconstruction guidance, and every frame sampled independently (a table on stdout; try --n 16)' },
    sampler: { type: 'enum', choices: samplerNames, description: 'with --video: the sampler (default heun)' },
    steps: { type: 'number', integer: true, min: 1, max: 100_000, description: 'with --video: sampling steps (default the sampler\'s)' },
    'frames-known': { type: 'number', integer: true, min: 1, max: 4096, description: 'with --video: frames known in the conditional rows (default half the run\'s frames)' },
    'guidance-weight': { type: 'number', min: 0, max: 1e6, description: `with --video: w_r of reconstruction guidance (default ${DEFAULT_GUIDANCE_WEIGHT})` },
    n: { type: 'number', integer: true, min: 2, max: 100_000, default: 500, description: 'held-out examples (--nll) or samples per setting (--sweep)' },
    seed: { type: 'number', integer: true, min: 0, max: MAX_SEED, default: 0, description: 'seed of the held-out draw and the noise' },
    backend: { type: 'enum', choices: backendNames, default: 'js', description: 'tensor backend' },
  },
});

export async function runEval(v: OptionValues<typeof evalCommand.options>, io: Io = processIo): Promise<void> {
  if (v.ckpt === undefined) throw new UsageError('eval: --ckpt <run-dir> is required');
  if (!v.nll && !v.sweep && !v.video) throw new UsageError('eval: choose --nll, --sweep or --video (one or more)');
  const videoOnly = (['sampler', 'steps', 'frames-known', 'guidance-weight'] as const).filter((k) => v[k] !== undefined);
  if (!v.video && videoOnly.length > 0) throw new UsageError(`eval: ${videoOnly.map((k) => `--${k}`).join(', ')} only ${videoOnly.length === 1 ? 'applies' : 'apply'} with --video`);
  await chooseBackend(v.backend, io);
  try {
    const { checkpoint, dir } = resolveCheckpoint(v.ckpt);
    const files = { table: join(dir, 'sweep.md'), plot: join(dir, 'sweep.png') };
    if (v.sweep) for (const file of Object.values(files)) checkOutputFile('--sweep', file, true);
    const session = await loadSession(checkpoint);
    if (session.warning !== undefined) io.err.write(`diffusion-ts: ${session.warning}\n`);
    const tooMany = sizeProblem('--n', v.n, session.config.data);
    if (tooMany !== undefined) throw new UsageError(`eval: ${tooMany}`);
    if (v.nll) checkNll(session);
    const videoOptions = v.video ? videoEvalOptions(session, v) : undefined;
    if (v.nll) io.out.write(await nll(session, v.n, v.seed));
    if (v.sweep) {
      const { table, plot } = await sweep(session, v.n, v.seed, io);
      await writeFileAtomic(files.table, table);
      await writeFileAtomic(files.plot, plot);
      io.out.write(`${table}\nwrote ${files.table} and ${files.plot}\n`);
    }
    if (videoOptions !== undefined) {
      const bar = createProgress({ total: 5, label: 'video rows', stream: io.err });
      const rows = await videoRows(session, { ...videoOptions, onRow: () => bar.increment() });
      bar.stop();
      io.out.write(`${v.n} clips per row, ${videoOptions.sampler} ${videoOptions.steps} steps, seed ${v.seed}\n\n${videoTable(rows)}`);
    }
  } finally {
    await releaseBackend(v.backend);
  }
}

/** The video evaluation's settings for this run, or a UsageError naming the flag that does not fit. */
function videoEvalOptions(session: Session, v: OptionValues<typeof evalCommand.options>): Omit<VideoEvalOptions, 'onRow'> {
  if (session.kind !== 'video') throw new UsageError(`eval: --video needs a video run; this run's data, ${session.config.data}, is ${session.kind} data`);
  const sampler = v.sampler ?? 'heun';
  const steps = stepsFor(sampler, session, v.steps);
  checkSampleOptions(session, { sampler, steps, n: v.n, seed: v.seed });
  const F = session.data.shape[2]!;
  const framesKnown = v['frames-known'] ?? Math.floor(F / 2);
  if (framesKnown >= F) throw new UsageError(`eval: --frames-known ${framesKnown} must be in [1, ${F - 1}]: the run's clips have ${F} frames`);
  return { n: v.n, seed: v.seed, sampler, steps, framesKnown, guidanceWeight: v['guidance-weight'] ?? DEFAULT_GUIDANCE_WEIGHT };
}

/** Throw a UsageError unless the run has a bound in bits/dim: a discrete model of 8-bit data. */
function checkNll(session: Session): void {
  if (session.objective.diffusion === undefined) throw new UsageError(`--nll needs a discrete-time model (ddpm or iddpm); this run is ${session.objective.name}, whose likelihood needs the probability-flow ODE, which is not implemented`);
  if (session.kind === '2d') throw new UsageError(`--nll measures bits/dim of 8-bit data with the discretized decoder (Ho et al. 2020, Eq. 13); '${session.config.data}' is continuous 2-D data`);
}

/** The value of a one-element tensor, read with `await t.data()` (every backend), which is then released. */
async function valueOf(t: Tensor): Promise<number> {
  const [value] = await t.data();
  release(t);
  return value!;
}

/** The bound of Ho et al. 2020 (Eq. 5) in bits/dim, with the prior term and the decoder term apart. */
async function nll(session: Session, n: number, seed: number): Promise<string> {
  const d = session.objective.diffusion!;
  const data = heldOut(session.config.data, n, seed);
  const x0 = tensor(data.data, { shape: data.shape });
  const r = calcBpd(d, (x, t) => session.forward(x, t), x0, { noise: new Generator(seed), clipDenoised: true });
  const decoder = await valueOf(r.vb.narrow(1, 0, 1).mean());
  const lines = [
    `held-out examples: ${n}`,
    `bound (bits/dim):  ${(await valueOf(r.total.mean())).toFixed(4)}`,
    `  prior L_T:       ${(await valueOf(r.priorBpd.mean())).toFixed(6)}`,
    `  decoder L_0:     ${decoder.toFixed(4)}`,
    `  L_1..L_{T-1}:    ${(await valueOf(r.vb.sum(1).mean()) - decoder).toFixed(4)}`,
    '',
  ].join('\n');
  release(x0, ...Object.values(r));
  return lines;
}

/** Sliced Wasserstein distance to held-out data against NFE, for every sampler this run supports. */
async function sweep(session: Session, n: number, seed: number, io: Io): Promise<{ table: string; plot: Uint8Array }> {
  const reference = heldOut(session.config.data, n, seed + 1);
  const dim = reference.data.length / n;
  const stepsList = [2, 4, 8, 16, 32, 64];
  const usable = sweepableSamplers(session);
  let calls = 0;
  const counted: Session = { ...session, forward: (x, t, y) => { calls++; return session.forward(x, t, y); } };
  const rows: { sampler: string; nfe: number[]; sw: number[] }[] = [];
  const bar = createProgress({ total: usable.length * stepsList.length, label: 'sweep', stream: io.err });
  for (const sampler of usable) {
    const row = { sampler, nfe: [] as number[], sw: [] as number[] };
    for (const steps of stepsList) {
      calls = 0;
      const x = generate(counted, { sampler, steps, n, seed });
      row.nfe.push(calls);
      const values = await x.data();
      release(x);
      row.sw.push(slicedWasserstein(values, reference.data, dim, { projections: 64, rand: new Generator(seed + 2) }));
      bar.increment();
    }
    rows.push(row);
  }
  bar.stop();
  const floor = slicedWasserstein(heldOut(session.config.data, n, seed + 3).data, reference.data, dim, { projections: 64, rand: new Generator(seed + 2) });
  const table = [
    `Sliced Wasserstein distance (64 projections) from ${n} samples to ${n} held-out examples; NFE = network evaluations per sample. Two held-out sets of this size are ${floor.toFixed(4)} apart.`,
    '',
    `| sampler | ${stepsList.map((s) => `${s} steps`).join(' | ')} |`,
    `|---|${stepsList.map(() => '---:').join('|')}|`,
    ...rows.map((r) => `| ${r.sampler} | ${r.sw.map((v, i) => `${v.toFixed(4)} (${r.nfe[i]})`).join(' | ')} |`),
    '',
  ].join('\n');
  const plot = encodePng(linePlot({
    series: rows.map((r) => ({ name: r.sampler, x: r.nfe, y: r.sw })),
    title: 'sample error against NFE', xLabel: 'network evaluations', yLabel: 'sliced W2', logX: true, logY: true, width: 640, height: 420,
  }));
  return { table, plot };
}
