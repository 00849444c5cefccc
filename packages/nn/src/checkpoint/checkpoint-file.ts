/**
 * Checkpoints on disk (Node only; import from `@diffusion-ts/nn/node`): atomic writes, and reads
 * that validate everything before a model is touched. The byte format lives in module-checkpoint.ts.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './file.ts';
import { applyCheckpoint, decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointInput, type RestoreTargets } from './module-checkpoint.ts';

/** Write a checkpoint atomically: on any error, an existing file at `path` is left as it was. */
export async function saveCheckpoint(path: string, contents: CheckpointInput): Promise<void> {
  await writeFileAtomic(path, await encodeCheckpoint(contents));
}

/** Read, validate and decode a checkpoint file. Every problem is a `CheckpointError` naming the path. */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const bytes = await readFile(path);
  return decodeCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), `loadCheckpoint(${JSON.stringify(path)})`);
}

/**
 * Load a checkpoint file into a model (and EMA, optimizer, generator when given); see
 * `applyCheckpoint`: all parts are checked first, and nothing changes if one does not fit.
 * Returns the decoded checkpoint (for `step` and `config`). To sample with the averaged weights:
 * `model.loadStateDict((await loadCheckpoint(path)).ema!.shadow)`.
 */
export async function restoreCheckpoint(path: string, targets: RestoreTargets): Promise<Checkpoint> {
  return applyCheckpoint(await loadCheckpoint(path), targets, `restoreCheckpoint(${JSON.stringify(path)})`);
}
