/**
 * The training loop: Adam on the objective's loss, an EMA of the weights, checkpoints (atomic)
 * every `checkpointEvery` steps, at the end, and when asked to stop. A resumed run continues the
 * same random stream from the checkpoint, so its losses equal an uninterrupted run's. Each
 * checkpoint's loss rows reach the disk before the checkpoint does (see loss-log.ts).
 *
 * Each step runs in a recycling `tidy` scope (the batch, the graph, the gradients: all released when
 * it returns, on wasm into the engine's pool of buffers, which the next step's outputs reuse; the
 * optimizer and the EMA keep their own state), and the loss reaches JavaScript by
 * `await loss.data()`, so the loop runs on every backend and gpu memory stays flat.
 */
import { noGrad, tidy } from '@diffusion-ts/tensor';
import { Adam, applyCheckpoint, EMA, type Checkpoint } from '@diffusion-ts/nn';
import { release } from '@diffusion-ts/nn/internal';
import { saveCheckpoint, writeFileAtomic } from '@diffusion-ts/nn/node';
import { encodePng } from '../render/index.ts';
import type { RunPaths } from './run-folder.ts';
import { appendLosses, reconcileLossLog } from './loss-log.ts';
import { lossPlot } from './pictures.ts';
import { streams, type Session } from './session.ts';
import { CliError } from '../errors.ts';

export interface TrainOptions {
  /** The run's data, objective and freshly initialised network. */
  session: Session;
  paths: RunPaths;
  /** Total optimizer steps (a resumed run continues up to this many). */
  steps: number;
  /** The checkpoint to continue from (already read and validated). */
  resumeFrom?: Checkpoint;
  checkpointEvery: number;
  /** Called after every step. */
  onStep?: (step: number, loss: number) => void;
  /** Called after each checkpoint (e.g. to draw samples). */
  onCheckpoint?: (session: Session, step: number) => Promise<void> | void;
  /** Polled after every step; when true, the loop checkpoints and returns. */
  shouldStop?: () => boolean;
  /** Something the user should know (e.g. loss rows repaired on resume); the CLI prints it. */
  onNotice?: (line: string) => void;
}

export interface TrainResult {
  session: Session;
  ema: EMA;
  step: number;
  /** One per step (NaN where a repaired log had lost the row). */
  losses: number[];
  stopped: boolean;
}

export async function train({ session, paths, steps, resumeFrom, checkpointEvery, onStep, onCheckpoint, shouldStop, onNotice }: TrainOptions): Promise<TrainResult> {
  const { module, data, config } = session;
  const optimizer = new Adam(module.parameters(), { lr: config.lr });
  const ema = new EMA(module, { decay: config.ema });
  const g = streams.train(config.seed);
  let step = 0;
  let losses: number[] = [];
  if (resumeFrom !== undefined) {
    try {
      step = applyCheckpoint(resumeFrom, { model: module, ema, optimizer, generator: g }, paths.checkpoint).step;
    } catch (e) {
      throw new CliError(`--resume: cannot continue from ${(e as Error).message}`);
    }
    const log = await reconcileLossLog(paths.lossCsv, step);
    losses = log.losses;
    if (log.dropped > 0) onNotice?.(`loss.csv: removed ${log.dropped} rows past the checkpoint's step ${step} (those steps run again)`);
    if (log.filled > 0) onNotice?.(`loss.csv: ${log.filled} of the checkpoint's ${step} steps had no row; they are left empty`);
  }
  let logged = losses.length;

  const checkpoint = async () => {
    appendLosses(paths.lossCsv, logged + 1, losses.slice(logged));
    logged = losses.length;
    await saveCheckpoint(paths.checkpoint, { model: module, ema, optimizer, step, config, generatorState: g.getState() });
    const known = losses.flatMap((l, i) => (Number.isFinite(l) ? [[i + 1, l] as const] : []));
    if (known.length > 1) await writeFileAtomic(paths.lossPlot, encodePng(lossPlot(known.map(([s]) => s), known.map(([, l]) => l))));
    if (onCheckpoint) {
      module.eval();
      await onCheckpoint(session, step);
      module.train();
    }
  };

  const n = data.shape[0]!;
  let stopped = false;
  module.train();
  while (step < steps) {
    const loss = tidy(() => {
      const indices = Int32Array.from({ length: config.batch }, () => g.integer(0, n));
      const loss = session.loss(indices, g);
      module.zeroGrad();
      loss.backward();
      optimizer.step();
      noGrad(() => ema.update(module));
      return loss.detach();
    }, { recycle: true });
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
