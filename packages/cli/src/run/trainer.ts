/**
 * The training loop: Adam on the objective's loss, an EMA of the weights, checkpoints (atomic)
 * every `checkpointEvery` steps, at the end, and when asked to stop. A resumed run continues the
 * same random stream from the checkpoint, so its losses equal an uninterrupted run's.
 *
 * Each step runs in a `tidy` scope (the batch, the graph, the gradients: all released when it
 * returns; the optimizer and the EMA keep their own state), and the loss reaches JavaScript by
 * `await loss.data()`, so the loop runs on every backend and gpu memory stays flat.
 */
import { existsSync, readFileSync } from 'node:fs';
import { noGrad, tidy } from '@diffusion-ts/tensor';
import { Adam, EMA, release } from '@diffusion-ts/nn';
import { restoreCheckpoint, saveCheckpoint, writeFileAtomic } from '@diffusion-ts/nn/node';
import { encodePng } from '../render/index.ts';
import type { RunConfig } from './config.ts';
import type { RunPaths } from './run-folder.ts';
import { lossPlot } from './pictures.ts';
import { batchOf, createSession, streams, type Session } from './session.ts';
import { labelTensor } from './objectives.ts';
import { CliError } from '../errors.ts';

export interface TrainOptions {
  config: RunConfig;
  paths: RunPaths;
  /** Total optimizer steps (a resumed run continues up to this many). */
  steps: number;
  resume: boolean;
  checkpointEvery: number;
  /** Called after every step. */
  onStep?: (step: number, loss: number) => void;
  /** Called after each checkpoint (e.g. to draw samples). */
  onCheckpoint?: (session: Session, step: number) => Promise<void> | void;
  /** Polled after every step; when true, the loop checkpoints and returns. */
  shouldStop?: () => boolean;
}

export interface TrainResult {
  session: Session;
  ema: EMA;
  step: number;
  losses: number[];
  stopped: boolean;
}

function readLosses(path: string, upTo: number): number[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').trim().split('\n').slice(1).map((line) => Number(line.split(',')[1])).slice(0, upTo);
}

const lossCsv = (losses: readonly number[]): string => `step,loss\n${losses.map((l, i) => `${i + 1},${l}`).join('\n')}\n`;

export async function train({ config, paths, steps, resume, checkpointEvery, onStep, onCheckpoint, shouldStop }: TrainOptions): Promise<TrainResult> {
  const session = createSession(config);
  const { module, forward, objective, data } = session;
  const optimizer = new Adam(module.parameters(), { lr: config.lr });
  const ema = new EMA(module, { decay: config.ema });
  const g = streams.train(config.seed);
  let step = 0;
  let losses: number[] = [];
  if (resume) {
    try {
      step = (await restoreCheckpoint(paths.checkpoint, { model: module, ema, optimizer, generator: g })).step;
    } catch (e) {
      throw new CliError(`--resume: cannot continue from ${paths.checkpoint}: ${(e as Error).message}`);
    }
    losses = readLosses(paths.lossCsv, step);
  }

  const checkpoint = async () => {
    await saveCheckpoint(paths.checkpoint, { model: module, ema, optimizer, step, config, generatorState: g.getState() });
    await writeFileAtomic(paths.lossCsv, lossCsv(losses));
    if (losses.length > 1) await writeFileAtomic(paths.lossPlot, encodePng(lossPlot(losses.map((_, i) => i + 1), losses)));
    if (onCheckpoint) {
      module.eval();
      await onCheckpoint(session, step);
      module.train();
    }
  };

  const n = data.shape[0]!, nullClass = config.numClasses;
  let stopped = false;
  module.train();
  while (step < steps) {
    const loss = tidy(() => {
      const indices = Int32Array.from({ length: config.batch }, () => g.integer(0, n));
      const { x, labels } = batchOf(data, indices);
      // Label dropout (Ho & Salimans 2022): the null class teaches the same network the unconditional score.
      const y = config.cond && labels ? labelTensor(labels.map((l) => (g.random() < config.labelDropout ? nullClass : l))) : undefined;
      const loss = objective.loss(forward, x, g, y);
      module.zeroGrad();
      loss.backward();
      optimizer.step();
      noGrad(() => ema.update(module));
      return loss.detach();
    });
    step++;
    losses.push((await loss.data())[0]!);
    release(loss);
    onStep?.(step, losses[losses.length - 1]!);
    stopped = shouldStop?.() ?? false;
    if (stopped || step % checkpointEvery === 0 || step === steps) await checkpoint();
    if (stopped) break;
  }
  return { session, ema, step, losses, stopped };
}
