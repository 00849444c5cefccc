/** `diffusion-ts sample`: draw samples from a trained run with any sampler. */
import { extname } from 'node:path';
import { writeFileAtomic } from '@diffusion-ts/nn/node';
import { defineCommand, UsageError, type OptionValues } from '../args.ts';
import { processIo, type Io } from '../io.ts';
import { createProgress } from '../progress.ts';
import { readBatch, renderSamples, trajectoryRecorder } from '../run/render-samples.ts';
import { MAX_SEED, sizeProblem } from '../run/config.ts';
import { checkOutputFile } from '../run/output-paths.ts';
import { resolveCheckpoint } from '../run/run-folder.ts';
import { encodeSamples } from '../run/sample-file.ts';
import { checkSampleOptions, defaultSampler, generate, sampleLabels, samplerHelp, samplerNames, stepsFor, stepsHelp, type SampleOptions } from '../run/samplers.ts';
import { loadSession } from '../run/session.ts';
import { blocksOf, conditionClips, DEFAULT_GUIDANCE_WEIGHT, frameMethodNames, generateClips, planVideo } from '../run/video-sampling.ts';
import { backendNames, chooseBackend, releaseBackend } from './backend.ts';
import { edmStochasticDefaults, type StepInfo } from '@diffusion-ts/diffusion';

export const sampleCommand = defineCommand({
  summary: 'draw samples from a trained run (PNG grid, GIF of the trajectory, or the raw values as safetensors)',
  options: {
    ckpt: { type: 'string', placeholder: 'run-dir', description: 'the run folder written by train, or its checkpoint.safetensors (required)' },
    sampler: { type: 'enum', choices: samplerNames, default: defaultSampler, description: samplerHelp },
    steps: { type: 'number', integer: true, min: 1, max: 100_000, description: stepsHelp },
    eta: { type: 'number', min: 0, max: 1, default: 0, description: 'DDIM η (0 = deterministic, 1 = DDPM-like)' },
    churn: { type: 'number', min: 0, default: edmStochasticDefaults.sChurn, description: 'S_churn of the edm sampler (S_tmin, S_tmax, S_noise: NVlabs/edm\'s ImageNet-64 settings)' },
    guidance: { type: 'number', default: 1, description: 'classifier-free guidance scale (needs a --cond run)' },
    class: { type: 'number', integer: true, min: 0, max: 2 ** 31 - 2, description: 'class to draw (needs a --cond run or a --classifier); without it, sample k draws class (seed + k) mod the number of classes' },
    classifier: { type: 'string', placeholder: 'run', description: 'ADM classifier guidance (Dhariwal & Nichol 2021) by a --model noised-classifier run or its exported file, trained on this run\'s noise process; the ddpm, iddpm and ddim samplers' },
    'classifier-scale': { type: 'number', min: 0, default: 1, description: 'the classifier guidance scale s (with --classifier)' },
    n: { type: 'number', integer: true, min: 1, max: 100_000, default: 64, description: 'number of samples' },
    seed: { type: 'number', integer: true, min: 0, max: MAX_SEED, default: 0, description: 'sample k uses seed + k' },
    ema: { type: 'boolean', default: true, description: 'use the EMA weights, without the random initial weights\' share (--no-ema for the raw weights)' },
    out: { type: 'string', placeholder: 'file.png|file.gif|file.safetensors', description: 'output file (required): .png a grid; .gif the trajectory; .safetensors the raw samples, "samples" float32 [N, C, H, W] in the data\'s range ([-1, 1] for images), with "labels" int32 [N] for a class-conditional run and the sampler settings in its metadata' },
    force: { type: 'boolean', description: 'overwrite an existing output file' },
    condition: { type: 'string', placeholder: 'clip-file|index', description: 'video runs: continue real clips (Ho et al. 2022, Sec. 3.1): an index i takes held-out clips i..i+n-1 of the run\'s data; a file is a safetensors with "samples" (as --out writes) or "clips" [M, C, F, H, W] (one clip for all samples, or one per sample)' },
    'frames-known': { type: 'number', integer: true, min: 1, max: 4096, description: 'video: how many first frames of each --condition clip are known (default half the run\'s frames)' },
    method: { type: 'enum', choices: frameMethodNames, description: 'video: how to condition on the known frames: reconstruction (reconstruction guidance, Eq. 7 of Ho et al. 2022; the default) or replacement (overwrite the known frames with their noised versions at each step)' },
    'guidance-weight': { type: 'number', min: 0, max: 1e6, description: `video: the weight w_r of reconstruction guidance (default ${DEFAULT_GUIDANCE_WEIGHT})` },
    length: { type: 'number', integer: true, min: 2, max: 4096, description: 'video: frames of each clip; past the run\'s frames, blocks are added autoregressively, each conditioned on the last --frames-known frames (default the run\'s frames)' },
    interpolate: { type: 'number', integer: true, min: 2, max: 4096, description: 'video: temporal super-resolution (Ho et al. 2022, Sec. 3.1): every frame of the --condition clips is kept, s apart, and the s - 1 frames between each pair are sampled by --method; K frames give (K - 1)s + 1 (not with --frames-known or --length)' },
    backend: { type: 'enum', choices: backendNames, default: 'js', description: 'tensor backend' },
  },
});

export async function runSample(v: OptionValues<typeof sampleCommand.options>, io: Io = processIo): Promise<void> {
  if (v.ckpt === undefined) throw new UsageError('sample: --ckpt <run-dir> is required');
  if (v.out === undefined) throw new UsageError('sample: --out <file.png|file.gif|file.safetensors> is required');
  const format = extname(v.out).toLowerCase();
  if (format !== '.png' && format !== '.gif' && format !== '.safetensors') throw new UsageError(`sample: --out must end in .png, .gif or .safetensors, got '${v.out}'`);
  checkOutputFile('--out', v.out, v.force);
  if (v.classifier === undefined && v['classifier-scale'] !== 1) throw new UsageError(`sample: --classifier-scale ${v['classifier-scale']} needs --classifier <noised-classifier run>`);
  await chooseBackend(v.backend, io);
  try {
    const session = await loadSession(resolveCheckpoint(v.ckpt).checkpoint, { useEma: v.ema });
    if (session.warning !== undefined) io.err.write(`diffusion-ts: ${session.warning}\n`);
    const steps = stepsFor(v.sampler, session, v.steps);
    const tooMany = sizeProblem('--n', v.n, session.config.data);
    if (tooMany !== undefined) throw new UsageError(`sample: ${tooMany}`);
    const classifier = v.classifier === undefined ? undefined : { session: await loadSession(resolveCheckpoint(v.classifier).checkpoint), scale: v['classifier-scale'] };
    const options: SampleOptions = { sampler: v.sampler, steps, n: v.n, seed: v.seed, eta: v.eta, churn: v.churn, guidance: v.guidance, classLabel: v.class, ...(classifier ? { classifier } : {}) };
    checkSampleOptions(session, options); // before the bar and the work
    const video = planVideo(session, { condition: v.condition, framesKnown: v['frames-known'], method: v.method, guidanceWeight: v['guidance-weight'], length: v.length, interpolate: v.interpolate });
    const start = video === undefined ? undefined : conditionClips(session, video, v.n);
    const total = steps * (video === undefined ? 1 : blocksOf(video, start!));
    const bar = createProgress({ total, label: 'sample', stream: io.err });
    const recorder = trajectoryRecorder();
    const onStep = (info: StepInfo) => { bar.update(Math.min(info.i + 1, total)); if (format === '.gif' && video === undefined) recorder.onStep(info); };
    const samples = video === undefined ? generate(session, { ...options, onStep }) : generateClips(session, { ...options, onStep }, video, start!);
    bar.stop();
    const [batch, frames] = [await readBatch(samples), await recorder.frames()];
    const info = {
      data: session.config.data, kind: session.kind, sampler: v.sampler, steps, seed: v.seed, guidance: v.guidance, step: session.step,
      ...(video === undefined ? {} : {
        video: {
          condition: video.condition, ...(video.kind === 'continue' ? { framesKnown: video.framesKnown } : { interpolate: video.factor }),
          method: video.method.kind, ...(video.method.kind === 'reconstruction' ? { guidanceWeight: video.method.weight } : {}),
        },
      }),
    };
    await writeFileAtomic(v.out, format === '.safetensors' ? encodeSamples(batch, sampleLabels(session, options), info) : renderSamples(session, batch, format === '.gif' ? 'gif' : 'png', frames));
    io.err.write(`wrote ${v.out}\n`);
  } finally {
    await releaseBackend(v.backend);
  }
}
