/** `diffusion-ts train`: fit a model to a data set, with checkpoints, sample grids and a loss plot. */
import { existsSync } from 'node:fs';
import { loadCheckpoint, removeStaleTempFiles, writeFileAtomic } from '@diffusion-ts/nn/node';
import { problemList, release } from '@diffusion-ts/nn/internal';
import { defineCommand, UsageError, type OptionValues } from '../args.ts';
import { CliError } from '../errors.ts';
import { processIo, type Io } from '../io.ts';
import { createProgress } from '../progress.ts';
import { encodePng } from '../render/index.ts';
import { isClassifier, configFromFlags, configProblems, parseRunConfig, resumeConflicts, runConfigOptions, scheduleOptions, type RunConfig, type TrainSchedule } from '../run/config.ts';
import { picture } from '../run/pictures.ts';
import { checkRunFolder, createRunFolder, forceRemoves, runPaths } from '../run/run-folder.ts';
import { defaultSampler, generate, stepsFor } from '../run/samplers.ts';
import { createSession } from '../run/session.ts';
import { train } from '../run/trainer.ts';
import { readBatch } from '../run/render-samples.ts';
import { heldOutAccuracy } from '../run/classify.ts';

/** Held-out digits a classifier run is scored on at each checkpoint. */
const HELD_OUT_CHECK = 2000;
import { chooseBackend, backendNames, releaseBackend } from './backend.ts';

/** Flags that may change when a run is resumed; every other flag must match the run's config. */
const resumable = ['steps', 'ckpt-every', 'preview', 'backend'] as const;

export const trainCommand = defineCommand({
  summary: 'train a diffusion model on a built-in data set',
  description: [
    'Train a model with Adam and an EMA of its weights. Checkpoints (safetensors, config inside) are written atomically every --ckpt-every steps, at the end and on Ctrl-C; a sample grid with each checkpoint; the loss as CSV and PNG.',
    `--resume continues the run in --out with its own config: of the flags, only --${resumable.join(', --')} may change; any other flag given must equal the run's value. Without --ckpt-every or --preview it keeps the run's own.`,
    `--force replaces a folder only if it is a diffusion-ts run (its config.json or checkpoint says so) holding nothing but run files, and it removes exactly those: ${forceRemoves}. Any other folder is refused and left as it is.`,
  ].join('\n\n'),
  options: {
    ...runConfigOptions,
    steps: { type: 'number', integer: true, min: 1, max: 1_000_000_000, default: 2000, description: 'optimizer steps in all (with --resume: the total to reach)' },
    out: { type: 'string', placeholder: 'dir', description: 'run folder (required)' },
    resume: { type: 'boolean', description: 'continue the run in --out from its checkpoint' },
    force: { type: 'boolean', description: 'replace the diffusion-ts run in --out (see above: nothing else is ever removed)' },
    ...scheduleOptions,
    backend: { type: 'enum', choices: backendNames, default: 'js', description: 'tensor backend' },
  },
});

type TrainValues = OptionValues<typeof trainCommand.options>;

/** The run's config: the checkpoint's when resuming (refusing flags that contradict it), else the flags'. */
async function runConfig(v: TrainValues, given: ReadonlySet<string>, checkpointPath: string) {
  if (!v.resume) {
    const config = configFromFlags(v);
    const problems = configProblems(config);
    if (problems.length > 0) throw new UsageError(`train: ${problemList(problems)}`);
    return { config };
  }
  if (!existsSync(checkpointPath)) throw new CliError(`--resume: no checkpoint at ${checkpointPath}`);
  let checkpoint;
  try {
    checkpoint = await loadCheckpoint(checkpointPath);
  } catch (e) {
    throw new CliError(`--resume: ${(e as Error).message}`);
  }
  let config: RunConfig;
  try {
    config = parseRunConfig(checkpoint.config);
  } catch (e) {
    throw new CliError(`--resume: cannot use ${checkpointPath}: ${(e as Error).message}`);
  }
  const conflicts = resumeConflicts(config, v, given);
  if (conflicts.length > 0) {
    throw new UsageError(`train --resume: ${problemList(conflicts)}; a resumed run keeps its config (only --${resumable.join(', --')} may change)`);
  }
  return { config, checkpoint };
}

export async function runTrain(v: TrainValues, io: Io = processIo, given: ReadonlySet<string> = new Set()): Promise<number> {
  if (v.out === undefined) throw new UsageError('train: --out <dir> is required (the run folder)');
  if (v.resume && v.force) throw new UsageError('train: --resume and --force contradict each other');
  await chooseBackend(v.backend, io);
  try {
    return await trainRun(v, v.out, io, given);
  } finally {
    await releaseBackend(v.backend);
  }
}

/** The flags' schedule, except that a resumed run keeps its own where the flag is not given. */
function scheduleOf(v: TrainValues, given: ReadonlySet<string>, saved: TrainSchedule | undefined): TrainSchedule {
  return {
    ckptEvery: saved === undefined || given.has('ckpt-every') ? v['ckpt-every'] : saved.ckptEvery,
    preview: saved === undefined || given.has('preview') ? v.preview : saved.preview,
  };
}

async function trainRun(v: TrainValues, out: string, io: Io, given: ReadonlySet<string>): Promise<number> {
  const paths = runPaths(out);
  if (!v.resume) await checkRunFolder(paths, v.force ? 'force' : 'new');
  const found = await runConfig(v, given, paths.checkpoint);
  const { checkpoint } = found;
  const schedule = scheduleOf(v, given, found.config.schedule);
  const config: RunConfig = { ...found.config, schedule };
  const session = createSession(config); // data and network: built before the folder is touched
  if (!v.resume) await createRunFolder(paths, v.force ? 'force' : 'new', config);
  const removed = removeStaleTempFiles(paths.dir);
  if (removed.length > 0) io.err.write(`removed ${removed.length} temp file${removed.length > 1 ? 's' : ''} of interrupted writes from ${paths.dir}\n`);

  let stop = false;
  const onSigint = () => { stop = true; };
  process.once('SIGINT', onSigint);
  const bar = createProgress({ total: v.steps, start: Math.min(checkpoint?.step ?? 0, v.steps), label: 'train', values: ['loss'], stream: io.err });
  try {
    const result = await train({
      session, paths, steps: v.steps, resumeFrom: checkpoint, checkpointEvery: schedule.ckptEvery,
      onStep: (step, loss) => bar.update(step, { loss }),
      shouldStop: () => stop,
      onNotice: (line) => io.err.write(`${line}\n`),
      onCheckpoint: isClassifier(config.model) ? async (s, step) => {
        // A classifier has no samples to draw: its held-out accuracy is the preview.
        const { correct, n } = await heldOutAccuracy(s, HELD_OUT_CHECK, 0);
        io.err.write(`step ${step}: held-out accuracy (raw weights) ${(100 * correct / n).toFixed(2)}% (${correct}/${n})\n`);
      } : schedule.preview === 0 ? undefined : async (s, step) => {
        const n = s.kind === '2d' ? 64 * schedule.preview : schedule.preview;
        const x = generate(s, { sampler: defaultSampler, steps: stepsFor(defaultSampler, s), n, seed: 0 });
        const samples = await readBatch(x);
        release(x);
        await writeFileAtomic(paths.samples(step), encodePng(picture(s.kind, samples, { reference: s.kind === '2d' ? s.data.data.subarray(0, 2000) : undefined })));
      },
    });
    bar.stop();
    io.err.write(`${result.stopped ? 'stopped' : 'finished'} at step ${result.step}; checkpoint ${paths.checkpoint}\n`);
    return result.stopped ? 130 : 0;
  } finally {
    bar.stop();
    process.off('SIGINT', onSigint);
  }
}
