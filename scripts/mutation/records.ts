// Outcomes saved as JSON beside the report, so a later run can keep an earlier run's kills: a mutant of a
// file whose text is unchanged stays killed as long as the test that failed is still there.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Mutant } from './mutants.ts';
import type { Outcome } from './report.ts';

export interface OutcomeRecord {
  file: string;
  line: number;
  original: string;
  replacement: string;
  status: Outcome['status'];
  killer?: string;
  tests: number;
  seconds: number;
  /** sha256 of the mutated file's text when it ran. */
  source: string;
}

export const hashText = (text: string): string => createHash('sha256').update(text).digest('hex');

export const toRecord = ({ mutant: m, status, killer, tests, seconds }: Outcome, text: string): OutcomeRecord =>
  ({ file: m.file, line: m.line, original: m.original, replacement: m.replacement, status, killer, tests, seconds, source: hashText(text) });

export const readRecords = (path: string): OutcomeRecord[] => JSON.parse(readFileSync(path, 'utf8')) as OutcomeRecord[];

const key = (r: Pick<Mutant, 'file' | 'line' | 'original' | 'replacement'>): string => `${r.file}:${r.line}:${r.original}:${r.replacement}`;

/**
 * An earlier kill of the same mutant (same file, line and change, same file text), or undefined: survivors
 * are always rerun, and a key shared by two mutants of the sample is never carried.
 */
export function carriedOutcome(m: Mutant, sample: readonly Mutant[], records: readonly OutcomeRecord[], text: string): Outcome | undefined {
  if (sample.filter((s) => key(s) === key(m)).length !== 1) return undefined;
  const matches = records.filter((r) => key(r) === key(m) && r.source === hashText(text));
  const r = matches.length === 1 ? matches[0]! : undefined;
  if (r === undefined || r.status === 'survived') return undefined;
  return { mutant: m, status: r.status, tests: r.tests, seconds: 0, carried: true, ...(r.killer === undefined ? {} : { killer: r.killer }) };
}
