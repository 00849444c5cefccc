/**
 * A training run's folder: its files, and the rule that an existing folder is never overwritten
 * unless asked (`--resume` continues it, `--force` replaces it).
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from '../errors.ts';

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

export type FolderMode = 'new' | 'resume' | 'force';

/**
 * Prepare the folder for `mode`: a new run needs an absent or empty folder; resume needs the
 * checkpoint; force empties the folder first.
 */
export function prepareRunFolder(paths: RunPaths, mode: FolderMode): void {
  const exists = existsSync(paths.dir) && readdirSync(paths.dir).length > 0;
  switch (mode) {
    case 'new':
      if (exists) throw new CliError(`${paths.dir} already exists and is not empty; pass --resume to continue it or --force to replace it`);
      break;
    case 'resume':
      if (!existsSync(paths.checkpoint)) throw new CliError(`--resume: no checkpoint at ${paths.checkpoint}`);
      return;
    case 'force':
      if (exists) rmSync(paths.dir, { recursive: true, force: true });
      break;
    default: {
      const never: never = mode;
      throw new Error(`unknown folder mode ${String(never)}`);
    }
  }
  mkdirSync(paths.dir, { recursive: true });
}
