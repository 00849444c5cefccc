/**
 * A thin typed layer over Node's `util.parseArgs` for a program with subcommands. Options are declared
 * once, with type, default, description and (for enumerations) choices; from that one declaration come
 * the typed values, the validation and the `--help` text. Every mistake on the command line becomes a
 * `UsageError` naming the flag, the bad value and what was expected; the CLI prints it and exits with
 * `exitCode` (2).
 */
import { parseArgs } from 'node:util';

/** A mistake on the command line (not a bug): print `message` and exit with `exitCode`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** 2, as argparse and most Unix tools use for usage errors. */
  readonly exitCode = 2;
}

interface OptionCommon {
  description: string;
  /** A one-letter alias, e.g. 'n' for `-n`. */
  short?: string;
}
export interface StringOption extends OptionCommon {
  type: 'string';
  default?: string;
  /** Shown in help as `--out <placeholder>`; default 'value'. */
  placeholder?: string;
}
export interface NumberOption extends OptionCommon {
  type: 'number';
  default?: number;
  integer?: boolean;
  min?: number;
  max?: number;
}
/** A switch: `--flag` sets it, `--no-flag` clears it. Its value is always a boolean (default false). */
export interface BooleanOption extends OptionCommon {
  type: 'boolean';
  default?: boolean;
}
export interface EnumOption<C extends string = string> extends OptionCommon {
  type: 'enum';
  choices: readonly C[];
  default?: C;
}
export type OptionSpec = StringOption | NumberOption | BooleanOption | EnumOption;
export type OptionSpecs = Record<string, OptionSpec>;

export interface PositionalSpec {
  name: string;
  description: string;
  /** Default true. Optional positionals must come after required ones. */
  required?: boolean;
}

export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  /** One line, shown in the program's command list. */
  summary: string;
  /** Longer text for the command's own help; defaults to the summary. */
  description?: string;
  options: O;
  positionals?: readonly PositionalSpec[];
}

/** The value type of one option: the enum's choices, number, boolean or string. */
export type OptionValue<S extends OptionSpec> = S extends { type: 'enum'; choices: readonly (infer C)[] }
  ? C
  : S extends { type: 'number' }
    ? number
    : S extends { type: 'boolean' }
      ? boolean
      : string;

/** Parsed values: options with a default (and switches) are always set, the others may be undefined. */
export type OptionValues<O extends OptionSpecs> = {
  -readonly [K in keyof O]: O[K] extends { type: 'boolean' } | { default: string | number | boolean }
    ? OptionValue<O[K]>
    : OptionValue<O[K]> | undefined;
};

export type CommandResult<O extends OptionSpecs> =
  | { help: true; text: string }
  | { help: false; values: OptionValues<O>; positionals: string[]; given: ReadonlySet<keyof O & string> };

/**
 * Declare a command. An identity at run time apart from checking the declaration itself (defaults
 * within their choices and bounds, no clash with `--help`); its `const` type parameter keeps the
 * choices as literal types, so `values.dataset` is typed `'moons' | 'ring' | …`, not string.
 */
export function defineCommand<const O extends OptionSpecs>(spec: CommandSpec<O>): CommandSpec<O> {
  const shorts = new Set<string>(['h']);
  for (const [name, o] of Object.entries(spec.options)) {
    const where = `defineCommand: option --${name}`;
    if (name === 'help') throw new Error(`${where}: --help is reserved`);
    if (name.startsWith('no-')) throw new Error(`${where}: names starting with 'no-' are reserved for negated switches`);
    if (o.short !== undefined) {
      if (o.short.length !== 1 || shorts.has(o.short)) throw new Error(`${where}: short alias '${o.short}' is not one free letter`);
      shorts.add(o.short);
    }
    if (o.type === 'enum') {
      if (o.choices.length === 0) throw new Error(`${where}: no choices`);
      if (o.default !== undefined && !o.choices.includes(o.default)) {
        throw new Error(`${where}: default '${o.default}' is not one of ${o.choices.join(', ')}`);
      }
    }
    if (o.type === 'number' && o.default !== undefined) checkNumber(`--${name}`, String(o.default), o);
  }
  const positionals = spec.positionals ?? [];
  for (let i = 1; i < positionals.length; i++) {
    if (positionals[i]!.required !== false && positionals[i - 1]!.required === false) {
      throw new Error(`defineCommand: required positional '${positionals[i]!.name}' follows an optional one`);
    }
  }
  return spec;
}

/**
 * Parse the arguments after the command name. `usageName` is what the help and errors call the command
 * ('diffusion-ts train'). `--help` / `-h` anywhere wins over every other check.
 */
export function parseCommand<O extends OptionSpecs>(spec: CommandSpec<O>, argv: readonly string[], usageName: string): CommandResult<O> {
  const parseConfig: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(spec.options)) {
    parseConfig[name] = { type: o.type === 'boolean' ? 'boolean' : 'string', ...(o.short !== undefined ? { short: o.short } : {}) };
  }
  const { tokens } = parseArgs({ args: [...argv], options: parseConfig, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true, text: commandHelp(spec, usageName) };

  const values: Record<string, string | number | boolean | undefined> = {};
  const given = new Set<string>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const { name, rawName, value } = token;
    const o = Object.hasOwn(spec.options, name) ? spec.options[name] : undefined;
    if (o === undefined) {
      const positive = name.startsWith('no-') ? name.slice(3) : undefined;
      if (positive !== undefined && Object.hasOwn(spec.options, positive) && spec.options[positive]?.type === 'boolean') {
        if (value !== undefined) throw new UsageError(`${rawName} takes no value, got '${value}'`);
        values[positive] = false;
        given.add(positive);
        continue;
      }
      throw new UsageError(unknownOptionMessage(rawName, spec, usageName));
    }
    values[name] = parseValue(`--${name}`, o, value, token.inlineValue);
    given.add(name);
  }

  for (const [name, o] of Object.entries(spec.options)) {
    if (values[name] === undefined) values[name] = o.default ?? (o.type === 'boolean' ? false : undefined);
  }
  const declared = spec.positionals ?? [];
  if (positionals.length > declared.length) {
    const extra = positionals.slice(declared.length).map((p) => `'${p}'`).join(', ');
    throw new UsageError(
      `unexpected argument ${extra} for '${usageName}'; it takes ${declared.length === 0 ? 'no arguments' : `at most ${declared.length}: ${declared.map((p) => p.name).join(' ')}`} (see '${usageName} --help')`,
    );
  }
  const missing = declared.slice(positionals.length).filter((p) => p.required !== false);
  if (missing.length > 0) {
    throw new UsageError(`missing argument <${missing.map((p) => p.name).join('> <')}> for '${usageName}' (see '${usageName} --help')`);
  }
  return { help: false, values: values as OptionValues<O>, positionals, given: given as ReadonlySet<keyof O & string> };
}

function parseValue(flag: string, o: OptionSpec, value: string | undefined, inline: boolean | undefined): string | number | boolean {
  if (o.type === 'boolean') {
    if (value !== undefined) throw new UsageError(`${flag} is a switch and takes no value, got '${value}' (use ${flag} or --no-${flag.slice(2)})`);
    return true;
  }
  const expected = describeExpected(o);
  if (value === undefined) throw new UsageError(`${flag} needs a value: ${expected}`);
  // parseArgs takes the next argument as the value even when it is another flag ('--steps --lr 1')
  if (!inline && value.startsWith('-') && value.length > 1 && (o.type !== 'number' || !Number.isFinite(Number(value)))) {
    const hint = o.type === 'string' ? `; write ${flag}=${value} if that is the value` : '';
    throw new UsageError(`${flag} needs a value (${expected}), got the flag '${value}'${hint}`);
  }
  switch (o.type) {
    case 'string':
      return value;
    case 'number':
      return checkNumber(flag, value, o);
    case 'enum': {
      if (o.choices.includes(value)) return value;
      const near = closest(value, o.choices);
      throw new UsageError(
        `${flag}: invalid choice '${value}'${near !== undefined ? ` (did you mean '${near}'?)` : ''}; choices: ${o.choices.join(', ')}`,
      );
    }
    default: {
      const unknown: never = o;
      throw new Error(`unknown option type ${JSON.stringify(unknown)}`);
    }
  }
}

function checkNumber(flag: string, raw: string, o: NumberOption): number {
  const x = Number(raw);
  const kind = o.integer ? 'an integer' : 'a number';
  if (raw.trim() === '' || !Number.isFinite(x)) throw new UsageError(`${flag}: expected ${kind}, got '${raw}'`);
  if (o.integer && !Number.isInteger(x)) throw new UsageError(`${flag}: expected ${kind}, got '${raw}'`);
  if (o.integer && !Number.isSafeInteger(x)) throw new UsageError(`${flag}: '${raw}' is out of range; expected ${describeExpected(o)} below 2^53`);
  if ((o.min !== undefined && x < o.min) || (o.max !== undefined && x > o.max)) {
    throw new UsageError(`${flag}: '${raw}' is out of range; expected ${describeExpected(o)}`);
  }
  return x;
}

/**
 * Why `value` is not a valid value of option `o`, or undefined when it is. For values that reach an
 * option from elsewhere than the command line, such as a config saved in a checkpoint.
 */
export function invalidValue(o: OptionSpec, value: unknown): string | undefined {
  switch (o.type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'expected true or false';
    case 'string':
      return typeof value === 'string' ? undefined : 'expected a string';
    case 'enum':
      return typeof value === 'string' && o.choices.includes(value) ? undefined : `expected ${describeExpected(o)}`;
    case 'number': {
      const ok = typeof value === 'number' && Number.isFinite(value) && (!o.integer || Number.isSafeInteger(value)) &&
        (o.min === undefined || value >= o.min) && (o.max === undefined || value <= o.max);
      return ok ? undefined : `expected ${describeExpected(o)}`;
    }
    default: {
      const unknown: never = o;
      throw new Error(`unknown option type ${JSON.stringify(unknown)}`);
    }
  }
}

function describeExpected(o: Exclude<OptionSpec, BooleanOption>): string {
  switch (o.type) {
    case 'string':
      return `a ${o.placeholder ?? 'value'}`;
    case 'number': {
      const kind = o.integer ? 'an integer' : 'a number';
      if (o.min !== undefined && o.max !== undefined) return `${kind} in [${o.min}, ${o.max}]`;
      if (o.min !== undefined) return `${kind} >= ${o.min}`;
      if (o.max !== undefined) return `${kind} <= ${o.max}`;
      return kind;
    }
    case 'enum':
      return `one of ${o.choices.join(', ')}`;
    default: {
      const unknown: never = o;
      throw new Error(`unknown option type ${JSON.stringify(unknown)}`);
    }
  }
}

function unknownOptionMessage(rawName: string, spec: CommandSpec, usageName: string): string {
  const known = Object.keys(spec.options).map((n) => `--${n}`);
  const near = rawName.startsWith('--') ? closest(rawName, known) : undefined;
  return (
    `unknown option '${rawName}' for '${usageName}'${near !== undefined ? ` (did you mean '${near}'?)` : ''}; ` +
    `options: ${known.length > 0 ? known.join(', ') : 'none'}, --help`
  );
}

/** Edit distance with adjacent transpositions (optimal string alignment), for "did you mean". */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!, up = d[i - 1]!;
      row[j] = Math.min(up[j]! + 1, row[j - 1]! + 1, up[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate within a third of the word's length in edits, if any. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined, bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function optionLabel(name: string, o: OptionSpec): string {
  const short = o.short !== undefined ? `-${o.short}, ` : '';
  switch (o.type) {
    case 'boolean':
      return `${short}--${name}, --no-${name}`;
    case 'string':
      return `${short}--${name} <${o.placeholder ?? 'value'}>`;
    case 'number':
      return `${short}--${name} <${o.integer ? 'int' : 'number'}>`;
    case 'enum':
      return `${short}--${name} <choice>`;
    default: {
      const unknown: never = o;
      throw new Error(`unknown option type ${JSON.stringify(unknown)}`);
    }
  }
}

/** Two aligned columns, the second continuing on indented lines. */
function table(rows: readonly (readonly [string, readonly string[]])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.flatMap(([left, lines]) => lines.map((line, i) => `  ${(i === 0 ? left : '').padEnd(width)}${line}`));
}

/** The `--help` text of a command: usage, description, arguments, and every option with choices and default. */
export function commandHelp(spec: CommandSpec, usageName: string): string {
  const positionals = spec.positionals ?? [];
  const usageArgs = positionals.map((p) => (p.required === false ? `[${p.name}]` : `<${p.name}>`)).join(' ');
  const lines = [`Usage: ${usageName} [options]${usageArgs ? ` ${usageArgs}` : ''}`, '', spec.description ?? spec.summary, ''];
  if (positionals.length > 0) {
    lines.push('Arguments:', ...table(positionals.map((p) => [p.name, [p.description]] as const)), '');
  }
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const text = [o.description];
    if (o.type === 'enum') text.push(`choices: ${o.choices.join(', ')}`);
    if (o.type === 'number' && (o.min !== undefined || o.max !== undefined)) text.push(`range: ${describeExpected(o)}`);
    const defaultValue = o.default ?? (o.type === 'boolean' ? false : undefined);
    if (defaultValue !== undefined) text.push(`default: ${String(defaultValue)}`);
    return [optionLabel(name, o), text] as const;
  });
  lines.push('Options:', ...table([...rows, ['-h, --help', ['show this help']]]));
  return lines.join('\n') + '\n';
}

export interface ProgramSpec<C extends Record<string, CommandSpec>> {
  /** The executable's name, e.g. 'diffusion-ts'. */
  name: string;
  summary: string;
  commands: C;
  /** Lines printed at the end of the program's help (e.g. switches that every command accepts). */
  epilogue?: readonly string[];
}

/** What to do: print help, or run one command with its typed values (narrow on `command`). */
export type ProgramResult<C extends Record<string, CommandSpec>> =
  | { kind: 'help'; text: string }
  | {
      [K in keyof C & string]: { kind: 'run'; command: K; values: OptionValues<C[K]['options']>; positionals: string[]; given: ReadonlySet<string> };
    }[keyof C & string];

/** The program's help: usage and the list of commands with their summaries. */
export function programHelp(program: ProgramSpec<Record<string, CommandSpec>>): string {
  const rows = Object.entries(program.commands).map(([name, c]) => [name, [c.summary]] as const);
  return [
    `Usage: ${program.name} <command> [options]`,
    '',
    program.summary,
    '',
    'Commands:',
    ...table([...rows, ['help [command]', ['show this help, or the help of a command']]]),
    '',
    `Run '${program.name} <command> --help' for the options of a command.`,
    ...(program.epilogue ?? []),
    '',
  ].join('\n');
}

/**
 * Parse a whole command line (without node and the script: `process.argv.slice(2)`): the first
 * argument names the command, the rest are its options. `--help`, `-h`, `help` and `help <command>`
 * give help text; an unknown or missing command is a UsageError listing the commands.
 */
export function parseProgram<C extends Record<string, CommandSpec>>(program: ProgramSpec<C>, argv: readonly string[]): ProgramResult<C> {
  const [first, ...rest] = argv;
  const names = Object.keys(program.commands);
  const isCommand = (s: string | undefined): s is keyof C & string => s !== undefined && Object.hasOwn(program.commands, s);
  if (first === '--help' || first === '-h') return { kind: 'help', text: programHelp(program) };
  if (first === 'help') {
    const target = rest[0];
    if (target === undefined) return { kind: 'help', text: programHelp(program) };
    if (!isCommand(target)) throw new UsageError(unknownCommandMessage(target, names, program.name));
    return { kind: 'help', text: commandHelp(program.commands[target]!, `${program.name} ${target}`) };
  }
  if (first === undefined) {
    throw new UsageError(`missing command; commands: ${names.join(', ')} (see '${program.name} --help')`);
  }
  if (!isCommand(first)) throw new UsageError(unknownCommandMessage(first, names, program.name));
  const parsed = parseCommand(program.commands[first]!, rest, `${program.name} ${first}`);
  if (parsed.help) return { kind: 'help', text: parsed.text };
  return { kind: 'run', command: first, values: parsed.values, positionals: parsed.positionals, given: parsed.given } as ProgramResult<C>;
}

function unknownCommandMessage(word: string, names: readonly string[], programName: string): string {
  const near = closest(word, names);
  const what = word.startsWith('-') ? `expected a command before options, got '${word}'` : `unknown command '${word}'`;
  return `${what}${near !== undefined ? ` (did you mean '${near}'?)` : ''}; commands: ${names.join(', ')} (see '${programName} --help')`;
}
