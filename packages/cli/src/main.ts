/**
 * The `diffusion-ts` command. This file owns the process: arguments, exit codes, and turning
 * errors into messages (usage mistakes exit 2, other failures 1).
 */
import { pathToFileURL } from 'node:url';
import { parseProgram, programHelp, UsageError } from './args.ts';
import { CliError } from './errors.ts';
import { processIo, type Io } from './io.ts';
import { demoCommand, runDemo } from './commands/demo.ts';
import { evalCommand, runEval } from './commands/eval.ts';
import { runSample, sampleCommand } from './commands/sample.ts';
import { runTrain, trainCommand } from './commands/train.ts';

export const program = {
  name: 'diffusion-ts',
  summary: 'Diffusion models from scratch in TypeScript: train, sample, evaluate.',
  commands: { train: trainCommand, sample: sampleCommand, eval: evalCommand, demo: demoCommand },
};

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  try {
    const parsed = parseProgram(program, argv);
    if (parsed.kind === 'help') {
      io.out.write(parsed.text);
      return 0;
    }
    switch (parsed.command) {
      case 'train': return await runTrain(parsed.values, io); // 130 when stopped by Ctrl-C, like a shell
      case 'sample': await runSample(parsed.values, io); return 0;
      case 'eval': await runEval(parsed.values, io); return 0;
      case 'demo': await runDemo(parsed.values, io); return 0;
      default: {
        const never: never = parsed;
        throw new UsageError(`unknown command ${JSON.stringify(never)}\n${programHelp(program)}`);
      }
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof CliError) {
      io.err.write(`diffusion-ts: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

// Run when executed directly (`tsx packages/cli/src/main.ts …`); the bin script imports `main` instead.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
