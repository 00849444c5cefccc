/** `diffusion-ts train`: fit a model to a data set, with checkpoints, sample grids and a loss plot. */
import { Generator } from '@diffusion-ts/tensor';
import { release } from '@diffusion-ts/nn';
import { writeFileAtomic } from '@diffusion-ts/nn/node';
import { defineCommand, UsageError, type OptionValues } from '../args.ts';
import { processIo, type Io } from '../io.ts';
import { datasetNames, datasets } from '../data/registry.ts';
import { createProgress } from '../progress.ts';
import { encodePng } from '../render/index.ts';
import { modelNames, type RunConfig } from '../run/config.ts';
import { checkModelForData } from '../run/models.ts';
import { objectiveNames } from '../run/objectives.ts';
import { picture } from '../run/pictures.ts';
import { prepareRunFolder, runPaths } from '../run/run-folder.ts';
import { generate } from '../run/samplers.ts';
import { train } from '../run/trainer.ts';
import { readBatch } from '../run/render-samples.ts';
import { chooseBackend, backendNames, releaseBackend } from './backend.ts';

export const trainCommand = defineCommand({
  summary: 'train a diffusion model on a built-in data set',
  description: 'Train a model with Adam and an EMA of its weights. Checkpoints (safetensors, config inside) are written atomically every --ckpt-every steps, at the end and on Ctrl-C; a sample grid with each checkpoint; the loss as CSV and PNG.',
  options: {
    data: { type: 'enum', choices: datasetNames, default: 'swiss-roll', description: 'the data set' },
    model: { type: 'enum', choices: modelNames, default: 'mlp', description: 'the network: mlp for 2-D data, unet for images, video-unet for clips' },
    objective: { type: 'enum', choices: objectiveNames, default: 'edm', description: 'ddpm (Ho et al. 2020), iddpm (Nichol & Dhariwal 2021) or edm (Karras et al. 2022)' },
    timesteps: { type: 'number', integer: true, min: 25, default: 1000, description: 'T, diffusion steps of the ddpm and iddpm objectives (the linear schedule is scaled by 1000/T, so T = 20 would end at β = 1, where an ε-model cannot recover x0)' },
    steps: { type: 'number', integer: true, min: 1, default: 2000, description: 'optimizer steps' },
    batch: { type: 'number', integer: true, min: 1, default: 256, description: 'batch size' },
    lr: { type: 'number', min: 0, default: 1e-3, description: 'Adam learning rate' },
    ema: { type: 'number', min: 0, max: 1, default: 0.995, description: 'EMA decay of the weights used for sampling' },
    seed: { type: 'number', integer: true, min: 0, default: 0, description: 'seed of data, initialisation and noise' },
    'train-size': { type: 'number', integer: true, min: 1, default: 8192, description: 'training examples drawn from the data set' },
    cond: { type: 'boolean', description: 'class-conditional training with label dropout (for --guidance when sampling)' },
    'label-dropout': { type: 'number', min: 0, max: 1, default: 0.1, description: 'with --cond: probability of training on the null class' },
    out: { type: 'string', placeholder: 'dir', description: 'run folder (required)' },
    resume: { type: 'boolean', description: 'continue the run in --out from its checkpoint' },
    force: { type: 'boolean', description: 'replace an existing --out folder' },
    'ckpt-every': { type: 'number', integer: true, min: 1, default: 500, description: 'checkpoint (and sample grid) every this many steps' },
    preview: { type: 'number', integer: true, min: 0, default: 16, description: 'samples drawn with each checkpoint (×64 for 2-D data; 0: none)' },
    backend: { type: 'enum', choices: backendNames, default: 'js', description: 'tensor backend' },
  },
});

export async function runTrain(v: OptionValues<typeof trainCommand.options>, io: Io = processIo): Promise<number> {
  if (v.out === undefined) throw new UsageError('train: --out <dir> is required (the run folder)');
  if (v.resume && v.force) throw new UsageError('train: --resume and --force contradict each other');
  await chooseBackend(v.backend, io);
  try {
    return await trainRun(v, v.out, io);
  } finally {
    await releaseBackend(v.backend);
  }
}

async function trainRun(v: OptionValues<typeof trainCommand.options>, out: string, io: Io): Promise<number> {
  const probe = datasets[v.data].make(1, new Generator(0));
  if (v.cond && probe.labels === undefined) throw new UsageError(`train: --cond needs labelled data; '${v.data}' has no labels`);
  if (v.cond && v.model === 'mlp') throw new UsageError('train: --cond needs a network with a class embedding (--model unet or video-unet); the MLP takes no labels');
  const config: RunConfig = {
    version: 1, data: v.data, model: v.model, objective: v.objective, timesteps: v.timesteps, seed: v.seed, batch: v.batch, lr: v.lr, ema: v.ema,
    trainSize: v['train-size'], cond: v.cond, labelDropout: v['label-dropout'], numClasses: probe.numClasses ?? 0,
  };
  checkModelForData(config.model, config.data);
  const paths = runPaths(out);
  prepareRunFolder(paths, v.resume ? 'resume' : v.force ? 'force' : 'new');

  let stop = false;
  const onSigint = () => { stop = true; };
  process.once('SIGINT', onSigint);
  const bar = createProgress({ total: v.steps, label: 'train', values: ['loss'], stream: io.err });
  try {
    const result = await train({
      config, paths, steps: v.steps, resume: v.resume, checkpointEvery: v['ckpt-every'],
      onStep: (step, loss) => bar.update(step, { loss }),
      shouldStop: () => stop,
      onCheckpoint: v.preview === 0 ? undefined : async (session, step) => {
        const n = session.kind === '2d' ? 64 * v.preview : v.preview;
        const x = generate(session, { sampler: 'heun', steps: 18, n, seed: 0 });
        const samples = await readBatch(x);
        release(x);
        await writeFileAtomic(paths.samples(step), encodePng(picture(session.kind, samples, { reference: session.kind === '2d' ? session.data.data.subarray(0, 2000) : undefined })));
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
