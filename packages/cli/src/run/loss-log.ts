/**
 * The loss log, loss.csv: a `step,loss` header and one row per optimizer step. The trainer appends
 * and syncs a checkpoint's rows before it writes the checkpoint, so whenever a checkpoint exists the
 * log holds at least its steps: the checkpoint's step is the log's length. A crash can leave rows past
 * it (steps that the resumed run will take again, with the same losses) and a torn last line; resuming
 * cuts the log back to exactly the checkpoint's steps. Rows the log lacks (a log cut or deleted by
 * hand) are filled with an empty loss, so every later row keeps its true step number.
 */
import { existsSync, readFileSync } from 'node:fs';
import { appendFileSynced, writeFileAtomic } from '@diffusion-ts/nn/node';

const HEADER = 'step,loss\n';
const row = (step: number, loss: number): string => `${step},${Number.isNaN(loss) ? '' : loss}\n`;

/** Losses by step (index 0 is step 1) from the log's complete, well-formed rows; later rows win. */
function readRows(path: string): Map<number, number> {
  const rows = new Map<number, number>();
  if (!existsSync(path)) return rows;
  const text = readFileSync(path, 'utf8');
  const complete = text.slice(0, text.lastIndexOf('\n') + 1); // a torn last line has no newline
  for (const line of complete.split('\n')) {
    const m = /^([1-9]\d*),(.*)$/.exec(line);
    if (m === null) continue;
    const loss = m[2] === '' ? NaN : Number(m[2]);
    if (m[2] === '' || Number.isFinite(loss)) rows.set(Number(m[1]), loss);
  }
  return rows;
}

export interface ReconciledLog {
  /** One loss per step 1..step (NaN where the log had no row). */
  losses: number[];
  /** Rows past the checkpoint's step that were removed. */
  dropped: number;
  /** Steps that had no row and now have an empty one. */
  filled: number;
}

/** Make the log hold exactly steps 1..`step` (the checkpoint's), rewriting it atomically. */
export async function reconcileLossLog(path: string, step: number): Promise<ReconciledLog> {
  const rows = readRows(path);
  const losses = Array.from({ length: step }, (_, i) => rows.get(i + 1) ?? NaN);
  const filled = losses.filter((_, i) => !rows.has(i + 1)).length;
  const dropped = [...rows.keys()].filter((s) => s > step).length;
  await writeFileAtomic(path, HEADER + losses.map((l, i) => row(i + 1, l)).join(''));
  return { losses, dropped, filled };
}

/** Append the rows of steps `from`..`from + losses.length - 1` and sync them to disk (creating the log with its header). */
export function appendLosses(path: string, from: number, losses: readonly number[]): void {
  appendFileSynced(path, (existsSync(path) ? '' : HEADER) + losses.map((l, i) => row(from + i, l)).join(''));
}
