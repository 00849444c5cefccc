/**
 * Checkpoints on disk (Node only; import from `@diffusion-ts/nn/node`): atomic writes, and reads
 * that validate everything before a model is touched. The byte format lives in module-checkpoint.ts.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './file.ts';
import type { EncodeOptions } from './safetensors.ts';
import { applyCheckpoint, CheckpointError, decodeCheckpoint, describeFailure, encodeCheckpoint, type Checkpoint, type CheckpointInput, type RestoreTargets } from './module-checkpoint.ts';

/** Write a checkpoint atomically: on any error, an existing file at `path` is left as it was. `options` as `encodeCheckpoint`'s. */
export async function saveCheckpoint(path: string, contents: CheckpointInput, options: EncodeOptions = {}): Promise<void> {
  await writeFileAtomic(path, await encodeCheckpoint(contents, options));
}

/**
 * Read, validate and decode a checkpoint file. Every problem, a failed read included, is a
 * `CheckpointError` naming the path (the read's own error is its `cause`, with its `code`).
 */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const source = `loadCheckpoint(${JSON.stringify(path)})`;
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new CheckpointError(`${source}: cannot read the file: ${describeFailure(e)}`, { cause: e });
  }
  return decodeCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), source);
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
