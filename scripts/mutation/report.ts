// The Markdown page a mutation run writes: how it was run, the score per target, and every survivor.
import type { Mutant } from './mutants.ts';

export interface Outcome {
  mutant: Mutant;
  status: 'killed' | 'timed out' | 'survived';
  /** How many test files could reach the mutant (all of them ran when it survived). */
  tests: number;
  /** The test file that failed. */
  killer?: string;
  seconds: number;
  /** Kept from an earlier run (`--carry`) instead of rerun. */
  carried?: boolean;
}

export interface RunSummary {
  command: string;
  seed: number;
  candidates: number;
  files: number;
  outcomes: readonly Outcome[];
  minutes: number;
  baseline: ReadonlyMap<string, number>;
  targets: readonly string[];
}

const pct = (k: number, n: number): string => (n === 0 ? '–' : `${((100 * k) / n).toFixed(1)}%`);
const code = (s: string): string => {
  if (s === '') return '(nothing)';
  const flat = s.replace(/\s+/g, ' ');
  return `\`${(flat.length > 70 ? `${flat.slice(0, 67)}...` : flat).replaceAll('`', 'ˋ').replaceAll('|', '\\|')}\``;
};

export function formatReport({ command, seed, candidates, files, outcomes, minutes, baseline, targets }: RunSummary): string {
  const killed = (os: readonly Outcome[]) => os.filter((o) => o.status !== 'survived').length;
  const byDir = new Map<string, Outcome[]>();
  for (const o of outcomes) {
    const dir = o.mutant.file.split('/').slice(0, 4).join('/');
    byDir.set(dir, [...(byDir.get(dir) ?? []), o]);
  }
  const survivors = outcomes.filter((o) => o.status === 'survived').sort((a, b) => a.mutant.file.localeCompare(b.mutant.file) || a.mutant.line - b.mutant.line);
  const timedOut = outcomes.filter((o) => o.status === 'timed out').length;
  const carried = outcomes.filter((o) => o.carried).length;
  const lines = [
    '# Mutation testing',
    '',
    `Written by \`${command}\` (scripts/mutate.ts). Targets: ${targets.join(', ')}.`,
    '',
    `**Score: ${pct(killed(outcomes), outcomes.length)}** — ${killed(outcomes)} of ${outcomes.length} mutants killed (${timedOut} of them by a timeout), ` +
      `sampled with seed ${seed} from the ${candidates} single-token mutants of ${files} files; ${minutes.toFixed(1)} minutes. ` +
      'Equivalent mutants (a change that no input can observe) are counted as survivors.',
    '',
    '## How it is run',
    '',
    '- Mutants: operator swaps (`+ −`, `* /`, `% → *`, `** → *`, `< <=`, `> >=`, `=== !==`, `&& ||`, compound assignments), ' +
      'integer constants ±1, `true`/`false`, a dropped unary `-` or `!`, swapped calls (`add`/`sub`, `mul`/`div`, `max`/`min`, ' +
      '`floor`/`ceil`, `lt`/`le`, `gt`/`ge`, `sum`/`mean`, `exp`/`log`), and a negated boolean or numeric `return`. Found on the ' +
      'syntax tree: comments, types, imports, string concatenation and the messages of `throw` are not mutated; non-integer constants are not either.',
    '- Sources: `packages/diffusion/src` without `testing/` (the test oracles) and `index.ts` (re-exports), and `packages/tensor/src/ops`.',
    '- Each mutant is applied to a copy of the packages in a temporary folder and tested by the test files of its own ' +
      'target (diffusion: the `packages/diffusion/src` tests; tensor ops: the `packages/tensor/src` tests) that reach the ' +
      'mutated file through relative imports, its own test first, then its folder\'s, one `node --test` process per file, stopping at the first failure. ' +
      'A mutant is killed when a test fails or runs past max(factor × its unmutated time, that time + 20 s). Tests of other packages ' +
      '(nn, cli, test/) are not run, so a mutant they would catch still survives here.',
    ...(carried === 0 ? [] : [`- ${carried} kills were carried over from an earlier run (\`--carry\`): same mutant, same file text; only the survivors and the rest were run again.`]),
    `- Baseline: ${baseline.size} test files, ${[...baseline.values()].reduce((a, b) => a + b, 0).toFixed(0)} s unmutated.`,
    '',
    '## Per folder',
    '',
    '| folder | mutants | killed | score |',
    '|---|---:|---:|---:|',
    ...[...byDir].sort(([a], [b]) => a.localeCompare(b)).map(([dir, os]) => `| ${dir} | ${os.length} | ${killed(os)} | ${pct(killed(os), os.length)} |`),
    '',
    `## Survivors (${survivors.length})`,
    '',
    '| where | kind | original → mutant | test files run |',
    '|---|---|---|---:|',
    ...survivors.map((o) => `| ${o.mutant.file}:${o.mutant.line} | ${o.mutant.kind} | ${code(o.mutant.original)} → ${code(o.mutant.replacement)} | ${o.tests} |`),
    '',
  ];
  return lines.join('\n');
}
