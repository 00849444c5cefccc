/**
 * Checks on where a command will write, made before any work: a sample that takes minutes must not
 * end in ENOENT, and a folder must not be created below a file.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError } from '../errors.ts';

/** The nearest existing path at or above `path` (the root always exists). */
function nearestExisting(path: string): string {
  let p = resolve(path);
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  return p;
}

/** Throw a CliError unless a folder can exist at `dir`: it is a folder, or can be made (no file on the way). */
export function checkFolderPath(flag: string, dir: string): void {
  const abs = resolve(dir);
  const existing = nearestExisting(abs);
  if (statSync(existing).isDirectory()) return;
  if (existing === abs) throw new CliError(`${flag} ${dir} is a file, not a folder`);
  throw new CliError(`${flag} ${dir}: ${existing} is a file, so no folder can be made below it`);
}

/** Throw a CliError unless `file` can be written: its folder exists, and it is absent (or `force`) and not a folder. */
export function checkOutputFile(flag: string, file: string, force: boolean): void {
  const abs = resolve(file);
  const parent = dirname(abs);
  if (!existsSync(parent)) throw new CliError(`${flag} ${file}: the folder ${parent} does not exist`);
  if (!statSync(parent).isDirectory()) throw new CliError(`${flag} ${file}: ${parent} is not a folder`);
  if (!existsSync(abs)) return;
  if (statSync(abs).isDirectory()) throw new CliError(`${flag} ${file} is a folder, not a file`);
  if (!force) throw new CliError(`${file} exists; pass --force to overwrite it`);
}
