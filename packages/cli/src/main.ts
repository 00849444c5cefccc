/**
 * The `diffusion-ts` command. This file owns the process: arguments, exit codes, and turning
 * errors into messages. Every failure is one line on stderr: usage mistakes exit 2, other failures
 * 1; an unexpected error names the command and says how to see its stack (`--verbose`, or the
 * DEBUG environment variable), which is printed only then.
 */
import { pathToFileURL } from 'node:url';
import { clip } from '@diffusion-ts/nn/internal';
import { parseProgram, programHelp, UsageError } from './args.ts';
import { CliError } from './errors.ts';
import { processIo, type Io } from './io.ts';
import { demoCommand, runDemo } from './commands/demo.ts';
import { evalCommand, runEval } from './commands/eval.ts';
import { exportCommand, runExport } from './commands/export.ts';
import { runSample, sampleCommand } from './commands/sample.ts';
import { runTrain, trainCommand } from './commands/train.ts';

export const program = {
  name: 'diffusion-ts',
  summary: 'Diffusion models from scratch in TypeScript: train, sample, evaluate.',
  commands: { train: trainCommand, sample: sampleCommand, eval: evalCommand, export: exportCommand, demo: demoCommand },
  epilogue: ['Any command also takes --verbose: print the stack trace of an unexpected error (as does DEBUG=1 in the environment).'],
};

/** The longest message printed for a failure; longer ones are cut (they come from untrusted files). */
const MAX_MESSAGE = 2000;

/** Whether the DEBUG environment variable asks for stacks (set, and not 0/false/empty). */
const debugFrom = (env: Record<string, string | undefined>): boolean => {
  const v = env['DEBUG'];
  return v !== undefined && !['', '0', 'false', 'no'].includes(v.toLowerCase());
};

export async function main(argv: readonly string[], io: Io = processIo, env: Record<string, string | undefined> = process.env): Promise<number> {
  const end = argv.indexOf('--');
  const isVerbose = (a: string, i: number) => a === '--verbose' && (end < 0 || i < end);
  const verbose = argv.some(isVerbose) || debugFrom(env);
  const args = argv.filter((a, i) => !isVerbose(a, i));
  let command = 'diffusion-ts';
  try {
    const parsed = parseProgram(program, args);
    if (parsed.kind === 'help') {
      io.out.write(parsed.text);
      return 0;
    }
    command = `diffusion-ts ${parsed.command}`;
    switch (parsed.command) {
      case 'train': return await runTrain(parsed.values, io, parsed.given); // 130 when stopped by Ctrl-C, like a shell
      case 'sample': await runSample(parsed.values, io); return 0;
      case 'eval': await runEval(parsed.values, io); return 0;
      case 'export': await runExport(parsed.values, io); return 0;
      case 'demo': await runDemo(parsed.values, io); return 0;
      default: {
        const never: never = parsed;
        throw new UsageError(`unknown command ${JSON.stringify(never)}; ${programHelp(program)}`);
      }
    }
  } catch (e) {
    const expected = e instanceof UsageError || e instanceof CliError;
    io.err.write(`${clip(failureLine(command, e, expected), MAX_MESSAGE)}\n`);
    if (verbose && e instanceof Error && e.stack !== undefined) io.err.write(`${e.stack}\n`);
    return expected ? e.exitCode : 1;
  }
}

/** The one line that reports a failure. */
function failureLine(command: string, e: unknown, expected: boolean): string {
  if (expected) return `diffusion-ts: ${(e as Error).message}`;
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as NodeJS.ErrnoException).code;
  // A system error (ENOSPC, EACCES, …) names its file; it is the user's to fix, not a bug.
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return `${command}: ${err.message}`;
  return `${command}: unexpected ${err.name}: ${err.message} (rerun with --verbose or DEBUG=1 for the stack trace; please report it)`;
}

// Run when executed directly (`tsx packages/cli/src/main.ts …`); the bin script imports `main` instead.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
