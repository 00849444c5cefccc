/**
 * The parts of `diffusion-ts demo` that sample the shipped models instead of training: a grid of
 * digits per class with the x₀ estimates emerging (models/mnist-cfg), and Moving MNIST clips drawn
 * from nothing and continued from held-out clips (models/moving-mnist). Each part loads its model
 * file with loadSession, draws with generate / generateClips (the `sample` command's machinery) and
 * writes pictures with renderSamples; a missing file is one line on stderr and the part is skipped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { release } from '@diffusion-ts/nn/internal';
import { writeFileAtomic } from '@diffusion-ts/nn/node';
import { heldOut } from '../data/registry.ts';
import { CliError } from '../errors.ts';
import type { Io } from '../io.ts';
import { createProgress } from '../progress.ts';
import { encodePng, imageGrid } from '../render/index.ts';
import type { SampleBatch } from '../run/pictures.ts';
import { readBatch, renderSamples, trajectoryRecorder } from '../run/render-samples.ts';
import { generate, type SamplerName } from '../run/samplers.ts';
import { loadSession, type LoadedSession } from '../run/session.ts';
import { shippedMismatch, shippedModelFile, shippedModels, type ShippedModelName } from '../run/shipped-models.ts';
import { conditionClips, generateClips, planVideo } from '../run/video-sampling.ts';

/**
 * How the digits are drawn: DPM-Solver++(2M) (Lu et al. 2022) takes one network evaluation per step
 * (two with guidance); at 12 steps its digits are within 0.013 (mean absolute pixel difference) of
 * 25 steps' on the shipped model. Guidance at scale 3, D_u + 3·(D_c − D_u): the shipped judge
 * (models/mnist-classifier) read 100 of 100 such digits as their class, against 92 at scale 2 and 72
 * unguided (dpm2m, 12 steps, seeds 0–99, interim weights of step 2,500), and the grid stays varied.
 */
export interface DigitSettings { sampler: SamplerName; steps: number; guidance: number; perClass: number; seed: number }
export const digitSettings: DigitSettings = { sampler: 'dpm2m', steps: 12, guidance: 3, perClass: 10, seed: 0 };

/** How the clips are drawn: DPM-Solver++(2M) again; the continued clips keep the first half of each held-out clip. */
export interface ClipSettings { sampler: SamplerName; steps: number; n: number; seed: number; heldOutIndex: number }
export const clipSettings: ClipSettings = { sampler: 'dpm2m', steps: 10, n: 4, seed: 0, heldOutIndex: 0 };

export const digitFiles = (dir: string) => ({
  digits: join(dir, 'digits.png'),
  'digits-gif': join(dir, 'digits-trajectory.gif'),
  'digits-steps': join(dir, 'digits-steps.png'),
});

export const clipFiles = (dir: string) => ({ clips: join(dir, 'clips.gif'), continued: join(dir, 'clips-continued.gif') });

/**
 * The shipped model `name` from the models folder, or undefined (after saying so in one line) when its
 * file is missing. A file that holds another kind of run is an error: the demo would draw nonsense.
 */
async function loadShipped(name: ShippedModelName, models: string, part: string, io: Io): Promise<LoadedSession | undefined> {
  const file = shippedModelFile(name, models);
  if (!existsSync(file)) {
    io.err.write(`diffusion-ts demo: no ${file} (the ${shippedModels[name].summary}); skipping the ${part}\n`);
    return undefined;
  }
  const session = await loadSession(file);
  const mismatch = shippedMismatch(name, session.config);
  if (mismatch !== undefined) throw new CliError(`demo: ${file} should be the ${shippedModels[name].summary}, but its run has ${mismatch}`);
  if (session.warning !== undefined) io.err.write(`diffusion-ts: ${session.warning}\n`);
  return session;
}

/** Batches of the same shape after the first dimension, one after the other. */
function concat(batches: readonly SampleBatch[]): SampleBatch {
  const data = new Float32Array(batches.reduce((s, b) => s + b.data.length, 0));
  let at = 0;
  for (const b of batches) { data.set(b.data, at); at += b.data.length; }
  return { data, shape: [batches.reduce((s, b) => s + b.shape[0]!, 0), ...batches[0]!.shape.slice(1)] };
}

/** Row k of a batch of images or clips, as a batch of one. */
function row(batch: SampleBatch, k: number): SampleBatch {
  const size = batch.data.length / batch.shape[0]!;
  return { data: batch.data.subarray(k * size, (k + 1) * size), shape: [1, ...batch.shape.slice(1)] };
}

const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/**
 * models/mnist-cfg: `perClass` digits of each class, row k of class k (sample j of row k seeded
 * seed + k·perClass + j), as a PNG grid; a GIF of the whole grid's x₀ estimates step by step; and a
 * PNG of the first digit of each row, one row per class, its x₀ estimate at each step left to right.
 * Returns the files written, or nothing when the model file is missing.
 */
export async function sampleDigits(dir: string, models: string, io: Io, settings: DigitSettings = digitSettings): Promise<Record<string, string>> {
  const start = performance.now();
  const session = await loadShipped('mnist-cfg', models, 'digit grid', io);
  if (session === undefined) return {};
  const { sampler, steps, guidance, perClass, seed } = settings;
  const K = session.config.numClasses;
  io.err.write(`diffusion-ts demo: ${perClass} digits of each of ${K} classes from the ${shippedModels['mnist-cfg'].summary} (step ${session.step}): sampler ${sampler}, ${steps} steps, classifier-free guidance at scale ${guidance} (Ho & Salimans 2022)\n`);
  const bar = createProgress({ total: K * steps, label: 'digits', stream: io.err });
  const rows: SampleBatch[] = [], trajectories: SampleBatch[][] = [];
  for (let k = 0; k < K; k++) {
    const recorder = trajectoryRecorder();
    const onStep = (info: Parameters<typeof recorder.onStep>[0]) => { recorder.onStep(info); bar.update(k * steps + info.i + 1); };
    const x = generate(session, { sampler, steps, n: perClass, seed: seed + k * perClass, classLabel: k, guidance, onStep });
    rows.push(await readBatch(x));
    release(x);
    trajectories.push(await recorder.frames());
  }
  bar.stop();
  const grid = concat(rows);
  const gridFrames = trajectories[0]!.map((_, i) => concat(trajectories.map((t) => t[i]!)));
  // The strip: row k holds digit 0 of class k at steps 1 … steps.
  const strip = concat(trajectories.flatMap((t) => t.map((frame) => row(frame, 0))));
  const files = digitFiles(dir);
  await writeFileAtomic(files.digits, renderSamples(session, grid, 'png', [], { nrow: perClass }));
  await writeFileAtomic(files['digits-gif'], renderSamples(session, grid, 'gif', gridFrames, { nrow: perClass }));
  await writeFileAtomic(files['digits-steps'], encodePng(imageGrid(strip.data, strip.shape as [number, number, number, number], { nrow: gridFrames.length })));
  io.err.write(`digits: ${K}x${perClass} grid and its trajectory in ${seconds(start)}\n`);
  return files;
}

/**
 * models/moving-mnist: `n` clips drawn unconditionally, as a GIF; and `n` held-out clips (never seen
 * in training) beside the model's continuation of their first half by reconstruction guidance
 * (Ho et al. 2022, Eq. 7; `sample --condition`), as a GIF with one pair per row, real clip on the left.
 * Returns the files written, or nothing when the model file is missing.
 */
export async function sampleClips(dir: string, models: string, io: Io, settings: ClipSettings = clipSettings): Promise<Record<string, string>> {
  const start = performance.now();
  const session = await loadShipped('moving-mnist', models, 'clips', io);
  if (session === undefined) return {};
  const { sampler, steps, n, seed, heldOutIndex } = settings;
  const plan = planVideo(session, { condition: String(heldOutIndex) })!;
  if (plan.kind !== 'continue') throw new Error('demo: planVideo without --interpolate plans a continuation');
  io.err.write(`diffusion-ts demo: ${n} clips from the ${shippedModels['moving-mnist'].summary} (step ${session.step}), and ${n} held-out clips continued from their first ${plan.framesKnown} frames by reconstruction guidance (Ho et al. 2022, Eq. 7): sampler ${sampler}, ${steps} steps\n`);
  const bar = createProgress({ total: 2 * steps, label: 'clips', stream: io.err });
  const free = generate(session, { sampler, steps, n, seed, onStep: (info) => bar.update(info.i + 1) });
  const clips = await readBatch(free);
  release(free);
  const known = conditionClips(session, plan, n);
  const continued = generateClips(session, { sampler, steps, n, seed, onStep: (info) => bar.update(steps + info.i + 1) }, plan, known);
  const ends = await readBatch(continued);
  release(continued, known);
  bar.stop();
  // The same held-out clips whole (conditionClips keeps only their first frames), paired with their continuations.
  const real = heldOut(session.config.data, heldOutIndex + n, session.config.seed);
  const realBatch: SampleBatch = { data: real.data, shape: real.shape };
  const pairs = concat(Array.from({ length: n }, (_, k) => [row(realBatch, heldOutIndex + k), row(ends, k)]).flat());
  const files = clipFiles(dir);
  await writeFileAtomic(files.clips, renderSamples(session, clips, 'gif'));
  await writeFileAtomic(files.continued, renderSamples(session, pairs, 'gif', [], { nrow: 2 }));
  io.err.write(`clips: ${n} drawn and ${n} continued in ${seconds(start)}\n`);
  return files;
}
