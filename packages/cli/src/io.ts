/** Where a command writes: results to `out`, progress and messages to `err`. Tests pass their own. */
import type { ProgressStream } from './progress.ts';

export interface Io {
  out: ProgressStream;
  err: ProgressStream;
}

export const processIo: Io = { out: process.stdout, err: process.stderr };
