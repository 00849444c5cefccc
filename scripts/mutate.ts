// Mutation testing: a seeded sample of single-token mutants of packages/diffusion/src and
// packages/tensor/src/ops, each run against the tests of its package that import it; the score and the
// survivors go to a Markdown file. Usage (see parseArgs below for the options):
//   npm run mutate -- --mutants 200 --seed 1 --target diffusion,tensor-ops --out docs/mutation.md
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { applyMutant, loadProgram, mutantsOf, seededShuffle, type Mutant } from './mutation/mutants.ts';
import { importDistances, killCurrent, makeSandbox, removeSandbox, runTestFile } from './mutation/sandbox.ts';
import { formatReport, type Outcome } from './mutation/report.ts';
import { carriedOutcome, readRecords, toRecord } from './mutation/records.ts';

const root = join(import.meta.dirname, '..');

/** What is mutated, and which test files may kill its mutants. */
const targets = {
  diffusion: {
    sources: (f: string) => f.startsWith('packages/diffusion/src/') && !f.includes('/testing/') && !f.endsWith('/index.ts'),
    tests: (f: string) => f.startsWith('packages/diffusion/src/'),
  },
  'tensor-ops': {
    sources: (f: string) => f.startsWith('packages/tensor/src/ops/') && !f.endsWith('/index.ts'),
    tests: (f: string) => f.startsWith('packages/tensor/src/'), // groupNorm's test is composite/norm.test.ts
  },
} as const;
type Target = keyof typeof targets;

const { values: args } = parseArgs({
  options: {
    mutants: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    target: { type: 'string', default: 'diffusion,tensor-ops' },
    file: { type: 'string' }, // only mutate files whose path contains this
    'timeout-factor': { type: 'string', default: '3' },
    out: { type: 'string', default: 'docs/mutation.md' },
    'dry-run': { type: 'boolean', default: false }, // count the mutants per file and stop
    carry: { type: 'string' }, // an earlier run's .json: its kills of unchanged files are kept, the rest rerun
  },
});
const count = Number(args.mutants), seed = Number(args.seed), timeoutFactor = Number(args['timeout-factor']);
const chosen = args.target.split(',') as Target[];
for (const t of chosen) if (!(t in targets)) throw new Error(`unknown target ${t}; known: ${Object.keys(targets).join(', ')}`);

const walk = (dir: string): string[] => readdirSync(join(root, dir)).flatMap((name) => {
  const path = join(dir, name);
  return statSync(join(root, path)).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
});
const allFiles = walk('packages').filter((f) => !f.includes('node_modules'));
const isTest = (f: string) => f.endsWith('.test.ts');
const targetOf = (file: string): Target => chosen.find((t) => targets[t].sources(file))!;
const sources = allFiles.filter((f) => !isTest(f) && chosen.some((t) => targets[t].sources(f)) && (args.file === undefined || f.includes(args.file)));

const program = loadProgram(root, sources.map((f) => join(root, f)));
const checker = program.getTypeChecker();
const candidates = sources.flatMap((f) => mutantsOf(program.getSourceFile(join(root, f))!, f, checker));
const sample = seededShuffle(candidates, seed).slice(0, count);
console.log(`${candidates.length} mutants in ${sources.length} files; testing ${sample.length} (seed ${seed})`);
if (args['dry-run']) {
  for (const f of sources) console.log(`${String(candidates.filter((m) => m.file === f).length).padStart(5)} ${f}`);
  process.exit(0);
}

const testFiles = allFiles.filter((f) => isTest(f) && chosen.some((t) => targets[t].tests(f)));
const distances = importDistances(root, testFiles);
/**
 * The tests that reach a file, in the order most likely to fail first: its own test (x.test.ts for x.ts),
 * then its folder's, then by import distance, then fastest (once timed). Which tests run is not affected.
 */
const baseline = new Map<string, number>();
const folder = (f: string) => f.slice(0, f.lastIndexOf('/'));
const closeness = (t: string, file: string) => (t === file.replace(/\.ts$/, '.test.ts') ? 0 : folder(t) === folder(file) ? 1 : 2);
const testsFor = (m: Mutant): string[] => testFiles
  .filter((t) => targets[targetOf(m.file)].tests(t) && distances.get(t)!.has(m.file))
  .sort((a, b) => closeness(a, m.file) - closeness(b, m.file) || distances.get(a)!.get(m.file)! - distances.get(b)!.get(m.file)! ||
    (baseline.get(a) ?? 0) - (baseline.get(b) ?? 0));

const sandbox = makeSandbox(root);
const stop = (): never => { process.exitCode = 130; killCurrent(); removeSandbox(sandbox); process.exit(130); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const started = performance.now();
const outcomes: Outcome[] = [];
const sourceText = (file: string) => readFileSync(join(root, file), 'utf8');
const records = args.carry === undefined ? [] : readRecords(resolve(root, args.carry));
const carried = new Map(sample.map((m) => [m, carriedOutcome(m, sample, records, sourceText(m.file))] as const));
try {
  const needed = [...new Set(sample.filter((m) => carried.get(m) === undefined).flatMap(testsFor))].sort();
  console.log(`baseline: ${needed.length} test files, unmutated`);
  for (const t of needed) {
    const run = await runTestFile(sandbox, t, 600);
    if (!run.ok) throw new Error(`baseline: ${t} fails without any mutant; fix it first`);
    baseline.set(t, run.seconds);
  }
  for (const [k, m] of sample.entries()) {
    const earlier = carried.get(m);
    if (earlier !== undefined) { outcomes.push(earlier); continue; }
    const path = join(sandbox, m.file);
    const original = readFileSync(path, 'utf8');
    const tests = testsFor(m);
    let outcome: Outcome = { mutant: m, status: 'survived', tests: tests.length, seconds: 0 };
    try {
      writeFileSync(path, applyMutant(original, m));
      for (const t of tests) {
        const run = await runTestFile(sandbox, t, Math.max(timeoutFactor * baseline.get(t)!, baseline.get(t)! + 20));
        outcome.seconds += run.seconds;
        if (!run.ok) { outcome = { ...outcome, status: run.timedOut ? 'timed out' : 'killed', killer: t }; break; }
      }
    } finally {
      writeFileSync(path, original);
    }
    if (process.exitCode === 130) break; // interrupted: the test was killed, not failed
    outcomes.push(outcome);
    console.log(`${k + 1}/${sample.length} ${outcome.status.padEnd(9)} ${m.file}:${m.line} ${m.original} -> ${m.replacement} (${outcome.seconds.toFixed(1)} s)`);
  }
} finally {
  removeSandbox(sandbox);
}

const minutes = (performance.now() - started) / 60000;
const command = `npm run mutate -- ${process.argv.slice(2).join(' ')}`.trim();
const report = formatReport({ command, seed, candidates: candidates.length, files: sources.length, outcomes, minutes, baseline, targets: chosen });
writeFileSync(resolve(root, args.out), report);
writeFileSync(resolve(root, args.out).replace(/(\.md)?$/, '.json'), `${JSON.stringify(outcomes.map((o) => toRecord(o, sourceText(o.mutant.file))), null, 1)}\n`);
const killed = outcomes.filter((o) => o.status !== 'survived').length;
console.log(`score ${((100 * killed) / outcomes.length).toFixed(1)}% (${killed}/${outcomes.length}) in ${minutes.toFixed(1)} min; written to ${relative(root, resolve(root, args.out))}`);
