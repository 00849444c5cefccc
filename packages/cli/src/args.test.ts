import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { commandHelp, defineCommand, invalidValue, parseCommand, parseProgram, programHelp, UsageError } from './args.ts';

const train = defineCommand({
  summary: 'Train a model',
  description: 'Train a diffusion model on a generated dataset.',
  options: {
    dataset: { type: 'enum', choices: ['swiss-roll', 'moons', 'shapes16'], default: 'swiss-roll', description: 'training data', short: 'd' },
    steps: { type: 'number', integer: true, min: 1, default: 1000, description: 'optimizer steps' },
    lr: { type: 'number', default: 2e-4, description: 'learning rate' },
    out: { type: 'string', placeholder: 'dir', description: 'output folder' },
    ema: { type: 'boolean', default: true, description: 'keep an EMA of the weights' },
    verbose: { type: 'boolean', description: 'log more' },
    sampler: { type: 'enum', choices: ['ddpm', 'ddim', 'heun'], description: 'sampler for previews' },
  },
});
const sample = defineCommand({
  summary: 'Sample from a checkpoint',
  options: { n: { type: 'number', integer: true, default: 16, description: 'how many', short: 'n' } },
  positionals: [{ name: 'checkpoint', description: 'the .safetensors file' }],
});
const program = { name: 'diffusion-ts', summary: 'Diffusion models in TypeScript.', commands: { train, sample } };

function run(argv: string[]) {
  const r = parseCommand(train, argv, 'diffusion-ts train');
  assert.equal(r.help, false);
  if (r.help) throw new Error('unreachable');
  return r;
}

/** The UsageError thrown by `fn`; fails if it throws anything else or nothing. */
function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    assert.equal(e.name, 'UsageError');
    return e;
  }
  assert.fail('expected a UsageError');
}

describe('parseCommand', () => {
  it('fills defaults and types the values', () => {
    const { values, positionals } = run([]);
    assert.deepEqual(values, { dataset: 'swiss-roll', steps: 1000, lr: 2e-4, out: undefined, ema: true, verbose: false, sampler: undefined });
    assert.deepEqual(positionals, []);
    // type-level checks: choices are literal unions, defaults make values non-optional
    const dataset: 'swiss-roll' | 'moons' | 'shapes16' = values.dataset;
    const steps: number = values.steps;
    const sampler: 'ddpm' | 'ddim' | 'heun' | undefined = values.sampler;
    // @ts-expect-error out has no default, so it may be undefined
    const out: string = values.out;
    void [dataset, steps, sampler, out];
  });

  it('parses every option form: --k v, --k=v, short, switches and --no-switches', () => {
    const { values } = run(['--dataset', 'moons', '--steps=20', '--lr', '-1e-3', '--out', 'runs/a', '--no-ema', '--verbose']);
    assert.deepEqual(values, { dataset: 'moons', steps: 20, lr: -1e-3, out: 'runs/a', ema: false, verbose: true, sampler: undefined });
    assert.equal(run(['-d', 'shapes16']).values.dataset, 'shapes16');
    assert.equal(run(['--out=-weird']).values.out, '-weird');
    assert.equal(run(['--steps', '5', '--steps', '7']).values.steps, 7); // the last one wins
  });

  it('accepts any in-range integer for --steps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), (n) => {
        assert.equal(run(['--steps', String(n)]).values.steps, n);
      }),
      { seed: 42, numRuns: 50 },
    );
  });

  it('unknown flag: names the flag, suggests the closest and lists the options', () => {
    const e = usageError(() => run(['--step', '3']));
    assert.match(e.message, /unknown option '--step'/);
    assert.match(e.message, /did you mean '--steps'/);
    for (const flag of ['--dataset', '--steps', '--lr', '--out', '--ema', '--verbose', '--sampler']) assert.ok(e.message.includes(flag));
    assert.match(usageError(() => run(['-x'])).message, /unknown option '-x'/);
    assert.match(usageError(() => run(['--no-dataset'])).message, /unknown option '--no-dataset'/);
  });

  it('missing value: at the end, or followed by another flag', () => {
    let e = usageError(() => run(['--steps']));
    assert.match(e.message, /--steps needs a value/);
    assert.match(e.message, /integer >= 1/);
    e = usageError(() => run(['--dataset', '--steps', '3']));
    assert.match(e.message, /--dataset needs a value/);
    assert.match(e.message, /--steps/);
    assert.match(e.message, /swiss-roll, moons, shapes16/);
    e = usageError(() => run(['--out']));
    assert.match(e.message, /--out needs a value: a dir/);
  });

  it('value outside the choices: names flag, value and every choice', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }).filter((s) => !['swiss-roll', 'moons', 'shapes16'].includes(s) && !s.startsWith('-')), (bad) => {
        const e = usageError(() => run(['--dataset', bad]));
        assert.ok(e.message.includes('--dataset'));
        assert.ok(e.message.includes(`'${bad}'`));
        assert.ok(e.message.includes('swiss-roll, moons, shapes16'));
      }),
      { seed: 42, numRuns: 50 },
    );
    assert.match(usageError(() => run(['--dataset', 'mons'])).message, /did you mean 'moons'/);
  });

  it('non-numeric, non-integer and out-of-range numbers', () => {
    for (const bad of ['abc', '', ' ', '1e', 'NaN', 'Infinity', '0x']) {
      const e = usageError(() => run(['--lr', bad]));
      assert.ok(e.message.includes('--lr') && e.message.includes(`'${bad}'`) && /a number/.test(e.message), e.message);
    }
    let e = usageError(() => run(['--steps', '2.5']));
    assert.match(e.message, /--steps: expected an integer, got '2.5'/);
    e = usageError(() => run(['--steps', '0']));
    assert.match(e.message, /--steps: '0' is out of range; expected an integer >= 1/);
    e = usageError(() => run(['--steps', '-3']));
    assert.match(e.message, /--steps/);
  });

  it('switches take no value, and stray positionals are rejected', () => {
    assert.match(usageError(() => run(['--ema=false'])).message, /--ema is a switch and takes no value, got 'false'/);
    assert.match(usageError(() => run(['extra'])).message, /unexpected argument 'extra'.*no arguments/);
  });

  it('positionals: required ones must be present, extra ones are rejected', () => {
    const r = parseCommand(sample, ['model.safetensors', '-n', '4'], 'diffusion-ts sample');
    assert.ok(!r.help);
    assert.deepEqual(r.positionals, ['model.safetensors']);
    assert.equal(r.values.n, 4);
    assert.match(usageError(() => parseCommand(sample, [], 'diffusion-ts sample')).message, /missing argument <checkpoint>/);
    assert.match(usageError(() => parseCommand(sample, ['a', 'b'], 'diffusion-ts sample')).message, /unexpected argument 'b'/);
    // after '--' a dash-led word is a positional
    const dashed = parseCommand(sample, ['--', '-odd-name'], 'diffusion-ts sample');
    assert.ok(!dashed.help);
    assert.deepEqual(dashed.positionals, ['-odd-name']);
  });

  it('--help wins over every other mistake', () => {
    for (const argv of [['--help'], ['-h'], ['--dataset', 'nope', '--help'], ['--bogus', '-h']]) {
      const r = parseCommand(train, argv, 'diffusion-ts train');
      assert.ok(r.help);
      assert.equal(r.text, commandHelp(train, 'diffusion-ts train'));
    }
  });
});

describe('commandHelp', () => {
  it('lists every option with its choices and default', () => {
    const text = commandHelp(train, 'diffusion-ts train');
    assert.match(text, /^Usage: diffusion-ts train \[options\]\n/);
    assert.ok(text.includes('Train a diffusion model on a generated dataset.'));
    for (const c of ['swiss-roll', 'moons', 'shapes16', 'ddpm', 'ddim', 'heun']) assert.ok(text.includes(c), c);
    for (const label of ['-d, --dataset <choice>', '--steps <int>', '--lr <number>', '--out <dir>', '--ema, --no-ema', '--verbose, --no-verbose', '--sampler <choice>', '-h, --help']) {
      assert.ok(text.includes(label), label);
    }
    for (const d of ['default: swiss-roll', 'default: 1000', 'default: 0.0002', 'default: true', 'default: false', 'range: an integer >= 1']) {
      assert.ok(text.includes(d), d);
    }
    assert.match(text, /choices: swiss-roll, moons, shapes16/);
    assert.match(text, /choices: ddpm, ddim, heun/);
    const sampleHelp = commandHelp(sample, 'diffusion-ts sample');
    assert.match(sampleHelp, /Usage: diffusion-ts sample \[options\] <checkpoint>/);
    assert.match(sampleHelp, /checkpoint +the \.safetensors file/);
  });
});

describe('defineCommand', () => {
  it('rejects declarations that cannot work', () => {
    assert.throws(() => defineCommand({ summary: '', options: { help: { type: 'boolean', description: '' } } }), /reserved/);
    assert.throws(() => defineCommand({ summary: '', options: { m: { type: 'enum', choices: ['a'], default: 'b' as 'a', description: '' } } }), /default 'b'/);
    assert.throws(() => defineCommand({ summary: '', options: { k: { type: 'number', integer: true, default: 0.5, description: '' } } }));
    assert.throws(() => defineCommand({ summary: '', options: { a: { type: 'string', short: 'h', description: '' } } }), /short/);
  });
});

describe('parseProgram', () => {
  it('dispatches to the command with typed values', () => {
    const r = parseProgram(program, ['train', '--steps', '3']);
    assert.equal(r.kind, 'run');
    if (r.kind === 'run' && r.command === 'train') {
      const steps: number = r.values.steps;
      assert.equal(steps, 3);
    } else assert.fail('expected train');
    const s = parseProgram(program, ['sample', 'ckpt']);
    assert.ok(s.kind === 'run' && s.command === 'sample' && s.values.n === 16);
  });

  it('gives help for --help, -h, help and help <command>', () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = parseProgram(program, argv);
      assert.ok(r.kind === 'help' && r.text === programHelp(program));
      assert.ok(r.text.includes('train') && r.text.includes('Sample from a checkpoint'));
    }
    const r = parseProgram(program, ['help', 'train']);
    assert.ok(r.kind === 'help' && r.text === commandHelp(train, 'diffusion-ts train'));
    const r2 = parseProgram(program, ['train', '--help']);
    assert.ok(r2.kind === 'help' && r2.text === commandHelp(train, 'diffusion-ts train'));
  });

  it('unknown, misspelt or missing command: a UsageError listing the commands', () => {
    let e = usageError(() => parseProgram(program, ['trian']));
    assert.match(e.message, /unknown command 'trian' \(did you mean 'train'\?\); commands: train, sample/);
    e = usageError(() => parseProgram(program, []));
    assert.match(e.message, /missing command; commands: train, sample/);
    e = usageError(() => parseProgram(program, ['--steps', '3']));
    assert.match(e.message, /expected a command before options, got '--steps'/);
    e = usageError(() => parseProgram(program, ['help', 'nope']));
    assert.match(e.message, /unknown command 'nope'/);
    e = usageError(() => parseProgram(program, ['train', '--bogus']));
    assert.match(e.message, /unknown option '--bogus' for 'diffusion-ts train'/);
  });
});

describe('given flags, safe integers and values from elsewhere', () => {
  it('reports which options the command line set (defaults are not given)', () => {
    assert.deepEqual([...run(['--steps', '5', '--no-ema', '-d', 'moons']).given].sort(), ['dataset', 'ema', 'steps']);
    assert.deepEqual([...run([]).given], []);
  });

  it('an integer beyond 2^53 is out of range even without a max', () => {
    assert.match(usageError(() => run(['--steps', '1e20'])).message, /--steps: '1e20' is out of range; expected an integer >= 1 below 2\^53/);
  });

  it('invalidValue checks a value against an option as the command line would', () => {
    const { steps, dataset, ema, out } = train.options;
    assert.equal(invalidValue(steps, 5), undefined);
    for (const bad of [0, 1.5, NaN, Infinity, 2 ** 60, '5', null, [5]]) assert.equal(invalidValue(steps, bad), 'expected an integer >= 1', String(bad));
    assert.equal(invalidValue(dataset, 'moons'), undefined);
    assert.equal(invalidValue(dataset, 'toString'), 'expected one of swiss-roll, moons, shapes16');
    assert.equal(invalidValue(ema, 'true'), 'expected true or false');
    assert.equal(invalidValue(out, 3), 'expected a string');
  });
});
