/**
 * A training run's folder: its files, and the rules that protect everything else. A new run needs an
 * absent or empty folder; `--resume` continues the run in it; `--force` replaces it, but only when
 * the folder is recognisably a diffusion-ts run (by its config.json or checkpoint) and holds nothing
 * but the files a run writes, and it removes exactly those files.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadCheckpoint, writeFileAtomic } from '@diffusion-ts/nn/node';
import { clip } from '@diffusion-ts/nn/internal';
import { CliError } from '../errors.ts';
import { parseRunConfig, type RunConfig } from './config.ts';
import { checkFolderPath } from './output-paths.ts';

export interface RunPaths {
  dir: string;
  checkpoint: string;
  config: string;
  lossCsv: string;
  lossPlot: string;
  samples: (step: number) => string;
}

export function runPaths(dir: string): RunPaths {
  const abs = resolve(dir);
  return {
    dir: abs,
    checkpoint: join(abs, 'checkpoint.safetensors'),
    config: join(abs, 'config.json'),
    lossCsv: join(abs, 'loss.csv'),
    lossPlot: join(abs, 'loss.png'),
    samples: (step) => join(abs, `samples-${String(step).padStart(6, '0')}.png`),
  };
}

/** The names of the files `train` and `eval` write into a run folder, and the temp files of their atomic writes. */
const RUN_FILE = /^(checkpoint\.safetensors|config\.json|loss\.csv|loss\.png|samples-\d{6,}\.png|sweep\.md|sweep\.png)$/;
const RUN_TEMP_FILE = /^\.(checkpoint\.safetensors|config\.json|loss\.csv|loss\.png|samples-\d{6,}\.png|sweep\.md|sweep\.png)\.\d+\.[0-9a-f]{12}\.tmp$/;

/** What `--force` removes, for its help text. */
export const forceRemoves = 'checkpoint.safetensors, config.json, loss.csv, loss.png, samples-*.png, sweep.md, sweep.png and the .*.tmp files of interrupted writes';

/**
 * A sample or eval command's `--ckpt`: a run folder, or the checkpoint file itself. Returns the
 * checkpoint's path and the folder that holds it.
 */
export function resolveCheckpoint(ckpt: string): { checkpoint: string; dir: string } {
  const abs = resolve(ckpt);
  if (existsSync(abs) && statSync(abs).isFile()) return { checkpoint: abs, dir: dirname(abs) };
  return { checkpoint: runPaths(abs).checkpoint, dir: abs };
}

/** A regular file (not a link or folder) named as a run names its files. */
const isRunFile = (dir: string, name: string): boolean => (RUN_FILE.test(name) || RUN_TEMP_FILE.test(name)) && lstatSync(join(dir, name)).isFile();

type FolderState =
  | { kind: 'absent' | 'empty' }
  | { kind: 'run'; files: string[] }
  /** Not a run folder: `foreign` names what no run writes. */
  | { kind: 'other'; foreign: string[] }
  /** Only files named as a run names them, but no config.json or checkpoint says it is one. */
  | { kind: 'unrecognised'; files: string[] };

/** Whether `paths.dir` holds a diffusion-ts run: its config.json or its checkpoint must say so. */
async function recognised(paths: RunPaths, files: readonly string[]): Promise<boolean> {
  if (files.includes('config.json')) {
    try {
      parseRunConfig(JSON.parse(readFileSync(paths.config, 'utf8')));
      return true;
    } catch {
      // not ours; the checkpoint may still be
    }
  }
  if (files.includes('checkpoint.safetensors')) {
    try {
      await loadCheckpoint(paths.checkpoint);
      return true;
    } catch {
      return false;
    }
  }
  return false;
}

/** Look at what the folder holds, following no links and changing nothing. */
export async function inspectRunFolder(paths: RunPaths): Promise<FolderState> {
  checkFolderPath('--out', paths.dir);
  if (!existsSync(paths.dir)) return { kind: 'absent' };
  const entries = readdirSync(paths.dir);
  if (entries.length === 0) return { kind: 'empty' };
  const foreign = entries.filter((name) => !isRunFile(paths.dir, name)).sort().map((name) => (lstatSync(join(paths.dir, name)).isDirectory() ? `${name}/` : name));
  if (foreign.length > 0) return { kind: 'other', foreign };
  if (!(await recognised(paths, entries))) return { kind: 'unrecognised', files: entries.sort() };
  return { kind: 'run', files: entries.sort() };
}

const listed = (names: readonly string[]): string => {
  const shown = names.slice(0, 5).map((n) => clip(n, 60)).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
};

export type FolderMode = 'new' | 'force';

/** Throw a CliError unless a run may be started in `paths.dir` with `mode`. Changes nothing. */
export async function checkRunFolder(paths: RunPaths, mode: FolderMode): Promise<void> {
  const state = await inspectRunFolder(paths);
  switch (state.kind) {
    case 'absent':
    case 'empty':
      return;
    case 'run':
      if (mode === 'new') throw new CliError(`${paths.dir} already exists and holds a run; pass --resume to continue it or --force to replace it`);
      return;
    case 'other':
      if (mode === 'new') throw new CliError(`${paths.dir} already exists and is not empty (${listed(state.foreign)}); choose another --out`);
      throw new CliError(`--force replaces only a diffusion-ts run folder, and ${paths.dir} holds ${listed(state.foreign)}; nothing was removed`);
    case 'unrecognised':
      if (mode === 'new') throw new CliError(`${paths.dir} already exists and is not empty (${listed(state.files)}); choose another --out`);
      throw new CliError(`--force replaces only a diffusion-ts run folder, and ${paths.dir} (${listed(state.files)}) has no config.json or checkpoint.safetensors of a diffusion-ts run; nothing was removed`);
    default: {
      const never: never = state;
      throw new Error(`unknown folder state ${String(never)}`);
    }
  }
}

/**
 * Make the run folder (after data and model are built, so a failure leaves nothing behind) and
 * write its config.json. With 'force', first remove the files of the run it holds, one by one, after
 * checking the folder again.
 */
export async function createRunFolder(paths: RunPaths, mode: FolderMode, config: RunConfig): Promise<void> {
  await checkRunFolder(paths, mode);
  if (mode === 'force' && existsSync(paths.dir)) {
    for (const name of readdirSync(paths.dir)) if (isRunFile(paths.dir, name)) rmSync(join(paths.dir, name));
  }
  mkdirSync(paths.dir, { recursive: true });
  await writeFileAtomic(paths.config, `${JSON.stringify(config, null, 2)}\n`);
}
