/**
 * Node-only file helpers: atomic writes, synced appends, and safetensors checkpoints on disk.
 *
 * An atomic write goes to a fresh temporary file in the target's directory, is flushed with fsync,
 * and is renamed over the target. A crash or an error at any point leaves either the old file or
 * the new one, never a torn mix, and the temporary file is removed on failure.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, lstatSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from './safetensors.ts';
import type { DecodedSafetensors, StoredTensor } from './safetensors.ts';

/** A unique sibling of `path`: same directory (so rename stays on one filesystem), hidden, distinct. */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** The names `tempPathFor` makes: `.<target name>.<writer pid>.<12 hex digits>.tmp`. */
const TEMP_NAME = /^\.(.+)\.([1-9]\d*)\.[0-9a-f]{12}\.tmp$/;

/** Whether process `pid` still runs (a temp file of a live writer is not stale). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // it exists, but belongs to someone else
  }
}

/**
 * Remove what interrupted atomic writes left in `dir`: a writer killed before its rename leaves its
 * temporary file behind. Only regular files named exactly as `writeFileAtomic` names them, whose
 * writing process no longer runs, are removed; returns their names.
 */
export function removeStaleTempFiles(dir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const m = TEMP_NAME.exec(name);
    if (m === null || isRunning(Number(m[2]))) continue;
    const path = join(dir, name);
    if (!lstatSync(path).isFile()) continue;
    rmSync(path, { force: true });
    removed.push(name);
  }
  return removed.sort();
}

const toBytes = (data: Uint8Array | string): Uint8Array => (typeof data === 'string' ? new TextEncoder().encode(data) : data);

/** Make a rename durable by syncing its directory; some platforms cannot open directories, which is fine. */
function syncDirectorySync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Write `data` (bytes, or a string as UTF-8) to `path` atomically. On error the old file is untouched. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const bytes = toBytes(data);
  const tmp = tempPathFor(path);
  try {
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  syncDirectorySync(dirname(path));
}

/** Open `path` with `flags`, write all of `bytes`, fsync, close. */
function writeSyncedSync(path: string, flags: 'wx' | 'a', bytes: Uint8Array): void {
  const fd = openSync(path, flags);
  try {
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Synchronous `writeFileAtomic`, for code that cannot await (e.g. an exit handler). */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  const bytes = toBytes(data);
  const tmp = tempPathFor(path);
  try {
    writeSyncedSync(tmp, 'wx', bytes);
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the original error is the one worth reporting
    }
    throw e;
  }
  syncDirectorySync(dirname(path));
}

/**
 * Append `data` to `path` (creating it) and sync it to disk before returning, the directory too when
 * the file is new: for logs whose rows must be durable before something that depends on them.
 * A crash mid-append can leave a torn last line; readers should drop a line without its newline.
 */
export function appendFileSynced(path: string, data: Uint8Array | string): void {
  const fresh = !existsSync(path);
  writeSyncedSync(path, 'a', toBytes(data));
  if (fresh) syncDirectorySync(dirname(path));
}

/** Encode and write a safetensors checkpoint atomically. Invalid tensors throw before anything is written. */
export async function saveSafetensors(path: string, tensors: Record<string, StoredTensor>, metadata?: Record<string, string>): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Read and validate a safetensors checkpoint; a malformed file throws a `SafetensorsError` naming the path. */
export async function loadSafetensors(path: string): Promise<DecodedSafetensors> {
  const bytes = await readFile(path);
  try {
    return decodeSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    if (e instanceof SafetensorsError) throw new SafetensorsError(`loadSafetensors(${JSON.stringify(path)}): ${e.message}`, { cause: e });
    throw e;
  }
}
