/**
 * `diffusion-ts demo` (also `npm start`): the whole method in about two minutes on a laptop CPU, then
 * the shipped models in seconds. Train a small MLP denoiser on the Swiss roll with EDM's loss, sample
 * with Heun's method, and write the samples, a GIF of x₀ emerging and the loss curve into ./out/; then
 * sample the shipped digit model (a grid per class and its trajectory) and the shipped video model
 * (clips drawn and clips continued) into the same folder (demo-models.ts). `--only` runs one part.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Generator } from '@diffusion-ts/tensor';
import { writeFileAtomic } from '@diffusion-ts/nn/node';
import { slicedWasserstein } from '@diffusion-ts/diffusion';
import { defineCommand, type OptionValues } from '../args.ts';
import { processIo, type Io } from '../io.ts';
import { heldOut } from '../data/registry.ts';
import { createProgress } from '../progress.ts';
import { encodePng } from '../render/index.ts';
import type { RunConfig } from '../run/config.ts';
import { lossPlot } from '../run/pictures.ts';
import { readBatch, renderSamples, trajectoryRecorder } from '../run/render-samples.ts';
import { checkFolderPath, checkOutputFile } from '../run/output-paths.ts';
import { checkRunFolder, createRunFolder, runPaths } from '../run/run-folder.ts';
import { createSession } from '../run/session.ts';
import { defaultSampler, generate, stepsFor } from '../run/samplers.ts';
import { modelsDir } from '../run/shipped-models.ts';
import { train } from '../run/trainer.ts';
import { clipFiles, digitFiles, sampleClips, sampleDigits } from './demo-models.ts';

/** The demo's parts, in the order they run. */
export const demoParts = ['2d', 'digits', 'video'] as const;
export type DemoPart = (typeof demoParts)[number];

const demoFiles = (dir: string) => ({ samples: join(dir, 'samples.png'), trajectory: join(dir, 'trajectory.gif'), loss: join(dir, 'loss.png') });

/** The names of the files a part writes, for the help. */
const fileNames = (files: (dir: string) => Record<string, string>): string => Object.values(files('')).join(', ');

export const demoCommand = defineCommand({
  summary: 'train on the Swiss roll and sample, then sample the shipped digit and video models, writing pictures into ./out/ (about 2 minutes)',
  options: {
    out: { type: 'string', placeholder: 'dir', default: 'out', description: 'where the pictures go (the files of the parts that run are replaced)' },
    only: {
      type: 'enum', choices: demoParts,
      description: `run one part (default: all three): 2d trains an MLP on the Swiss roll (${fileNames(demoFiles)}); digits samples models/mnist-cfg (${fileNames(digitFiles)}); video samples models/moving-mnist (${fileNames(clipFiles)}). A part whose model file is missing is skipped with a note`,
    },
    steps: { type: 'number', integer: true, min: 1, max: 1_000_000_000, default: 3000, description: 'training steps of the 2d part' },
    n: { type: 'number', integer: true, min: 2, max: 100_000, default: 1000, description: 'samples the 2d part draws' },
    models: { type: 'string', placeholder: 'dir', description: 'the folder of the shipped models, <dir>/mnist-cfg/model.safetensors and <dir>/moving-mnist/model.safetensors (default: this repository\'s models/)' },
  },
});

export const demoConfig: RunConfig = {
  version: 1, data: 'swiss-roll', model: 'mlp', objective: 'edm', timesteps: 1000, seed: 0, batch: 256, lr: 2e-3, ema: 0.995,
  trainSize: 8192, cond: false, labelDropout: 0, numClasses: 0, imageFrames: 0,
};

/** The distances the 2d part prints: samples to held-out data, and between two held-out sets of the same size. */
export interface SwissRollResult { samplesToHeldOut: number; heldOutHalves: number }

/** Returns the files written (as listed on stdout) and, when the 2d part ran, its distances, so a test can hold the demo to its promise. */
export async function runDemo(v: OptionValues<typeof demoCommand.options>, io: Io = processIo): Promise<{ files: Record<string, string>; swissRoll?: SwissRollResult }> {
  const dir = resolve(v.out);
  const parts: readonly DemoPart[] = v.only === undefined ? demoParts : [v.only];
  const models = resolve(v.models ?? modelsDir);
  // Every output checked before any work, so a bad --out costs nothing.
  checkFolderPath('--out', dir);
  if (parts.includes('2d')) await checkRunFolder(runPaths(join(dir, 'run')), 'force');
  const planned = { ...(parts.includes('2d') ? demoFiles(dir) : {}), ...(parts.includes('digits') ? digitFiles(dir) : {}), ...(parts.includes('video') ? clipFiles(dir) : {}) };
  if (existsSync(dir)) for (const file of Object.values(planned)) checkOutputFile('--out', file, true); // a folder yet to be made holds none
  mkdirSync(dir, { recursive: true });

  const files: Record<string, string> = {};
  let swissRoll: SwissRollResult | undefined;
  for (const part of parts) {
    switch (part) {
      case '2d': swissRoll = await swissRollPart(v, dir, io); Object.assign(files, demoFiles(dir)); break;
      case 'digits': Object.assign(files, await sampleDigits(dir, models, io)); break;
      case 'video': Object.assign(files, await sampleClips(dir, models, io)); break;
      default: { const never: never = part; throw new Error(`unknown demo part ${String(never)}`); }
    }
  }
  for (const [what, path] of Object.entries(files)) io.out.write(`${what.padEnd(13)} ${path}\n`);
  return { files, ...(swissRoll ? { swissRoll } : {}) };
}

/** The 2d part: train the MLP on the Swiss roll, sample it, write its three pictures and print how close the samples are to the data. */
async function swissRollPart(v: OptionValues<typeof demoCommand.options>, dir: string, io: Io): Promise<SwissRollResult> {
  const paths = runPaths(join(dir, 'run'));
  const session = createSession(demoConfig);
  await createRunFolder(paths, 'force', demoConfig);
  const log = (line: string) => io.err.write(`${line}\n`);
  log(`diffusion-ts demo: ${v.steps} steps of EDM training (Karras et al. 2022) of a ${demoConfig.model.toUpperCase()} on the Swiss roll (Sohl-Dickstein et al. 2015)`);

  const bar = createProgress({ total: v.steps, label: 'train', values: ['loss'], stream: io.err });
  const { ema, losses } = await train({
    session, paths, steps: v.steps, checkpointEvery: v.steps,
    onStep: (step, loss) => bar.update(step, { loss }),
  });
  bar.stop();
  ema.copyTo(session.module);
  session.module.eval();

  const recorder = trajectoryRecorder();
  const samples = await readBatch(generate(session, { sampler: defaultSampler, steps: stepsFor(defaultSampler, session), n: v.n, seed: 1, onStep: recorder.onStep }));
  const files = demoFiles(dir);
  await writeFileAtomic(files.samples, renderSamples(session, samples, 'png'));
  await writeFileAtomic(files.trajectory, renderSamples(session, samples, 'gif', await recorder.frames()));
  await writeFileAtomic(files.loss, encodePng(lossPlot(losses.map((_, i) => i + 1), losses)));

  // Is it the data? Compare with the distance between two held-out sets of the same size.
  // Two held-out sets of n points each (2 numbers per point).
  const held = heldOut(demoConfig.data, 2 * v.n, 7);
  const [first, second] = [held.data.subarray(0, 2 * v.n), held.data.subarray(2 * v.n)];
  const sw = (a: ArrayLike<number>, b: ArrayLike<number>) => slicedWasserstein(a, b, 2, { projections: 256, rand: new Generator(11) });
  const samplesToHeldOut = sw(samples.data, first);
  const heldOutHalves = sw(second, first);
  log(`sliced Wasserstein distance, samples to held-out data: ${samplesToHeldOut.toFixed(4)}`);
  log(`                 between two held-out sets (n = ${v.n}): ${heldOutHalves.toFixed(4)}`);
  return { samplesToHeldOut, heldOutHalves };
}
