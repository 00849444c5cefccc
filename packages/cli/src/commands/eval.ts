/**
 * `diffusion-ts eval`: the variational bound in bits/dim on held-out data (--nll), sample quality
 * against the number of network evaluations for every sampler (--sweep), and, on labelled images,
 * the Fréchet distance of samples to held-out data in a classifier's features (--fid) and the class
 * accuracy of class-conditional samples (--accuracy; on a classifier run, its held-out accuracy).
 */
import { join } from 'node:path';
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { release } from '@diffusion-ts/nn/internal';
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
import { checkSampleOptions, defaultSampler, generate, samplerHelp, samplerNames, stepsFor, stepsHelp, sweepableSamplers } from '../run/samplers.ts';
import { isClassifier } from '../run/config.ts';
import { labelTensor } from '../run/objectives.ts';
import { heldOutAccuracy } from '../run/classify.ts';
import { checkJudgeFits, classAccuracy, fid, generateSet, loadJudge, referenceSize, shippedClassifier } from '../run/quality.ts';
import { comparisonTable, frameFeatureHelp, frameFeatureNames, frameFeaturesFor, videoEvaluation, videoTable, type VideoEvalOptions } from '../run/video-eval.ts';
import { DEFAULT_GUIDANCE_WEIGHT } from '../run/video-sampling.ts';
import { loadSession, type Session } from '../run/session.ts';
import { backendNames, chooseBackend, releaseBackend } from './backend.ts';

/** Bootstrap resamples of `eval --video` by default: enough for standard errors (Efron & Tibshirani 1993, Sec. 6.4). */
const DEFAULT_BOOTSTRAP = 200;

export const evalCommand = defineCommand({
  summary: 'evaluate a trained run: bits/dim on held-out data (--nll), error against NFE per sampler (--sweep), Fréchet distance (--fid) and class accuracy (--accuracy) of samples, video quality and temporal coherence (--video)',
  options: {
    ckpt: { type: 'string', placeholder: 'run-dir', description: 'the run folder written by train, or its checkpoint.safetensors (required)' },
    nll: { type: 'boolean', description: 'the variational bound in bits/dim on held-out data, with its terms (ddpm and iddpm runs on image data)' },
    sweep: { type: 'boolean', description: 'sliced Wasserstein distance to held-out data against NFE for every sampler: a table and a PNG plot in the run folder' },
    fid: { type: 'boolean', description: 'Fréchet distance of --n samples to the held-out data in the --judge classifier\'s features ("FID on MNIST"), with the floor (--n training examples) beside it' },
    accuracy: { type: 'boolean', description: 'how often the --judge classifies --n samples of a class-conditional (or --classifier guided) run as their requested class, per class; on a classifier run, its accuracy on held-out data' },
    judge: { type: 'string', placeholder: 'classifier', description: 'the clean-image classifier that measures --fid and --accuracy (and --video\'s frames with --features judge): a --model classifier run or its exported file (default: the shipped models/mnist-classifier, for mnist and mnist16, and Moving MNIST frames)' },
    guidance: { type: 'number', default: 1, description: 'classifier-free guidance scale of --fid and --accuracy (a --cond run)' },
    classifier: { type: 'string', placeholder: 'run', description: 'a --model noised-classifier run (or file) that guides --fid and --accuracy\'s samples (ADM classifier guidance; discrete samplers)' },
    'classifier-scale': { type: 'number', min: 0, default: 1, description: 'the classifier guidance scale s (with --classifier)' },
    video: { type: 'boolean', description: 'video runs: per-frame quality (Fréchet distance of frame --features to held-out clips) and temporal coherence (warping error, centroid acceleration, mass and size variation) for data against data, the model unconditional, continuing held-out clips by replacement and by reconstruction guidance, and every frame sampled independently (a table on stdout; try --n 16)' },
    sampler: { type: 'enum', choices: samplerNames, description: `with --fid, --accuracy or --video: the sampler (default ${defaultSampler}): ${samplerHelp}` },
    steps: { type: 'number', integer: true, min: 1, max: 100_000, description: `with --fid, --accuracy or --video: ${stepsHelp}` },
    features: { type: 'enum', choices: frameFeatureNames, description: `with --video: the frame features of the Fréchet distance: ${frameFeatureHelp}` },
    'frames-known': { type: 'number', integer: true, min: 1, max: 4096, description: 'with --video: frames known in the conditional rows (default half the run\'s frames)' },
    'guidance-weight': { type: 'number', min: 0, max: 1e6, description: `with --video: w_r of reconstruction guidance (default ${DEFAULT_GUIDANCE_WEIGHT})` },
    bootstrap: { type: 'number', integer: true, min: 0, max: 100_000, description: `with --video: bootstrap resamples of the clips (Efron & Tibshirani 1993) for each cell's standard error and the paired comparison of reconstruction guidance against replacement (default ${DEFAULT_BOOTSTRAP}; 0: none)` },
    n: { type: 'number', integer: true, min: 2, max: 100_000, default: 500, description: 'held-out examples (--nll, --accuracy of a classifier) or samples (--sweep and --video: per setting; --fid, --accuracy)' },
    seed: { type: 'number', integer: true, min: 0, max: MAX_SEED, default: 0, description: 'seed of the held-out draw and the noise' },
    backend: { type: 'enum', choices: backendNames, default: 'js', description: 'tensor backend' },
  },
});

export async function runEval(v: EvalValues, io: Io = processIo): Promise<void> {
  if (v.ckpt === undefined) throw new UsageError('eval: --ckpt <run-dir> is required');
  if (!v.nll && !v.sweep && !v.video && !v.fid && !v.accuracy) throw new UsageError('eval: choose --nll, --sweep, --fid, --accuracy or --video (one or more)');
  if (v.classifier === undefined && v['classifier-scale'] !== 1) throw new UsageError(`eval: --classifier-scale ${v['classifier-scale']} needs --classifier <noised-classifier run>`);
  const samples = v.video || v.fid || v.accuracy;
  const videoOnly = (['frames-known', 'guidance-weight', 'features', 'bootstrap'] as const).filter((k) => v[k] !== undefined);
  if (!v.video && videoOnly.length > 0) throw new UsageError(`eval: ${videoOnly.map((k) => `--${k}`).join(', ')} only ${videoOnly.length === 1 ? 'applies' : 'apply'} with --video`);
  const samplerFlags = (['sampler', 'steps'] as const).filter((k) => v[k] !== undefined);
  if (!samples && samplerFlags.length > 0) throw new UsageError(`eval: ${samplerFlags.map((k) => `--${k}`).join(', ')} only ${samplerFlags.length === 1 ? 'applies' : 'apply'} with --fid, --accuracy or --video`);
  await chooseBackend(v.backend, io);
  try {
    const { checkpoint, dir } = resolveCheckpoint(v.ckpt);
    const files = { table: join(dir, 'sweep.md'), plot: join(dir, 'sweep.png') };
    if (v.sweep) for (const file of Object.values(files)) checkOutputFile('--sweep', file, true);
    const session = await loadSession(checkpoint);
    if (session.warning !== undefined) io.err.write(`diffusion-ts: ${session.warning}\n`);
    const tooMany = sizeProblem('--n', v.n, session.config.data);
    if (tooMany !== undefined) throw new UsageError(`eval: ${tooMany}`);
    if (isClassifier(session.config.model)) {
      if (v.nll || v.sweep || v.fid) throw new UsageError(`eval: --ckpt is a --model ${session.config.model} run; it takes --accuracy only (its held-out accuracy)`);
      const { correct, n } = await heldOutAccuracy(session, Math.min(v.n, referenceSize(session.config.data, v.n)), v.seed);
      io.out.write(`held-out accuracy: ${(100 * correct / n).toFixed(2)}% (${correct}/${n} ${session.config.data} held-out examples, seed ${v.seed})\n`);
      return;
    }
    if (v.nll) checkNll(session);
    // Checked (and the judge loaded) before any sampling, so a bad video flag costs nothing.
    const video = v.video ? { options: videoEvalOptions(session, v), features: await frameFeaturesFor(session.config.data, v.features, v.judge) } : undefined;
    if (v.fid || v.accuracy) io.out.write(await quality(session, v, io));
    if (v.nll) io.out.write(await nll(session, v.n, v.seed));
    if (v.sweep) {
      const { table, plot } = await sweep(session, v.n, v.seed, io);
      await writeFileAtomic(files.table, table);
      await writeFileAtomic(files.plot, plot);
      io.out.write(`${table}\nwrote ${files.table} and ${files.plot}\n`);
    }
    if (video !== undefined) {
      const bar = createProgress({ total: 5 + (video.options.bootstrap > 0 ? 1 : 0), label: 'video rows', stream: io.err });
      const { rows, comparison } = await videoEvaluation(session, { ...video.options, features: video.features, onRow: () => bar.increment() });
      bar.stop();
      const resampled = comparison ? `; ± is the bootstrap standard error over clips (B = ${comparison.replicates})` : '';
      io.out.write(`${v.n} clips per row, ${video.options.sampler} ${video.options.steps} steps, seed ${v.seed}${resampled}\n\n${videoTable(rows, video.features)}${comparison ? `\n${comparisonTable(comparison)}` : ''}`);
    }
  } finally {
    await releaseBackend(v.backend);
  }
}

type EvalValues = OptionValues<typeof evalCommand.options>;

/** --fid and --accuracy: one set of samples, measured by the judge. */
async function quality(session: Session, v: EvalValues, io: Io): Promise<string> {
  const judge = await loadJudge(v.judge ?? shippedClassifier, '--judge');
  checkJudgeFits(judge, session.config.data, '--judge');
  const classifier = v.classifier === undefined ? undefined : { session: await loadSession(resolveCheckpoint(v.classifier).checkpoint), scale: v['classifier-scale'] };
  if (classifier && classifier.session.config.model !== 'noised-classifier') throw new UsageError(`--classifier ${v.classifier} is a --model ${classifier.session.config.model} run; guidance needs a --model noised-classifier run`);
  if (v.accuracy && !session.config.cond && classifier === undefined) throw new UsageError('eval: --accuracy measures class-conditional samples: the run is unconditional (train with --cond, or guide it with --classifier)');
  const sampler = v.sampler ?? defaultSampler;
  const steps = stepsFor(sampler, session, v.steps);
  const options = { sampler, steps, n: v.n, seed: v.seed, guidance: v.guidance, ...(classifier ? { classifier } : {}) };
  checkSampleOptions(session, options);
  const bar = createProgress({ total: v.n, label: 'samples', unit: 'sample', stream: io.err });
  const samples = await generateSet(session, options, { onProgress: (done) => bar.update(done) });
  bar.stop();
  const setting = `${v.n} samples, ${sampler} ${steps} steps${session.config.cond ? `, guidance ${v.guidance}` : ''}${classifier ? `, classifier scale ${classifier.scale}` : ''}, seed ${v.seed}`;
  const lines: string[] = [];
  if (v.fid) {
    const r = await fid(judge, session.config.data, samples, { reference: referenceSize(session.config.data, v.n), seed: v.seed });
    lines.push(
      `Fréchet distance in the judge's features to ${r.reference} held-out ${session.config.data} examples:`,
      `  samples (${setting}): ${r.samples.toFixed(3)}`,
      `  floor (${r.n} training examples):  ${r.floor.toFixed(3)}`,
    );
  }
  if (v.accuracy) {
    const a = await classAccuracy(judge, samples);
    const pct = (k: number, n: number) => (n === 0 ? '–' : `${(100 * k / n).toFixed(1)}%`);
    lines.push(
      `class accuracy (${setting}): ${pct(a.correct, a.n)} (${a.correct}/${a.n})`,
      `| class | ${a.perClass.map((_, c) => c).join(' | ')} |`,
      `|---|${a.perClass.map(() => '---:').join('|')}|`,
      `| accuracy | ${a.perClass.map(([k, n]) => pct(k, n)).join(' | ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The video evaluation's settings for this run, or a UsageError naming the flag that does not fit. */
function videoEvalOptions(session: Session, v: OptionValues<typeof evalCommand.options>): Omit<VideoEvalOptions, 'onRow' | 'features'> {
  if (session.kind !== 'video') throw new UsageError(`eval: --video needs a video run; this run's data, ${session.config.data}, is ${session.kind} data`);
  const sampler = v.sampler ?? defaultSampler;
  const steps = stepsFor(sampler, session, v.steps);
  checkSampleOptions(session, { sampler, steps, n: v.n, seed: v.seed });
  const F = session.data.shape[2]!;
  const framesKnown = v['frames-known'] ?? Math.floor(F / 2);
  if (framesKnown >= F) throw new UsageError(`eval: --frames-known ${framesKnown} must be in [1, ${F - 1}]: the run's clips have ${F} frames`);
  const bootstrap = v.bootstrap ?? DEFAULT_BOOTSTRAP;
  if (bootstrap === 1) throw new UsageError('eval: --bootstrap 1: a standard error needs at least 2 resamples (or 0 for none)');
  return { n: v.n, seed: v.seed, sampler, steps, framesKnown, guidanceWeight: v['guidance-weight'] ?? DEFAULT_GUIDANCE_WEIGHT, bootstrap };
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
  // A class-conditional run's bound is log p(x | y) with each example's own label y.
  const labels = session.config.cond && data.labels ? labelTensor(data.labels) : undefined;
  const r = calcBpd(d, (x, t) => session.forward(x, t, labels), x0, { noise: new Generator(seed), clipDenoised: true });
  const decoder = await valueOf(r.vb.narrow(1, 0, 1).mean());
  const lines = [
    `held-out examples: ${n}${labels ? ' (the bound of log p(x | y), each with its own label)' : ''}`,
    `bound (bits/dim):  ${(await valueOf(r.total.mean())).toFixed(4)}`,
    `  prior L_T:       ${(await valueOf(r.priorBpd.mean())).toFixed(6)}`,
    `  decoder L_0:     ${decoder.toFixed(4)}`,
    `  L_1..L_{T-1}:    ${(await valueOf(r.vb.sum(1).mean()) - decoder).toFixed(4)}`,
    '',
  ].join('\n');
  release(x0, ...Object.values(r), ...(labels ? [labels] : []));
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
