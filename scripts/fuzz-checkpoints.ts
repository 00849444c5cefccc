// `npm run fuzz`: the checkpoint fuzzer of packages/nn/src/checkpoint/checkpoint-fuzz.test.ts at
// length. FUZZ_RUNS cases (default 10,000) from seed FUZZ_SEED (default: a fresh one, printed first so
// a failure can be replayed); prints accepted/rejected counts by kind of mutation and the time taken.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { checkMutant, fuzzFiles, makeTargets, mutantArb } from '../packages/nn/src/testing/checkpoint-fuzz.ts';

const seed = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const numRuns = Number(process.env['FUZZ_RUNS'] ?? 10_000);
console.log(`checkpoint fuzzer: ${numRuns} cases, seed ${seed} (replay with FUZZ_SEED=${seed})`);

const dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-fuzz-'));
const counts = new Map<string, { accepted: number; rejected: number }>();
const started = performance.now();
try {
  const { base, others } = await fuzzFiles();
  const path = join(dir, 'mutant.safetensors');
  let targets = makeTargets();
  await fc.assert(
    fc.asyncProperty(mutantArb(base, others), async ({ kind, bytes }) => {
      const accepted = await checkMutant(path, bytes, targets);
      if (accepted) targets = makeTargets();
      const c = counts.get(kind) ?? { accepted: 0, rejected: 0 };
      c[accepted ? 'accepted' : 'rejected']++;
      counts.set(kind, c);
    }),
    { seed, numRuns, endOnFailure: true },
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const seconds = (performance.now() - started) / 1000;
const total = { accepted: 0, rejected: 0 };
console.log('| mutation | cases | loaded | rejected |\n|---|---:|---:|---:|');
for (const [kind, c] of [...counts].sort()) {
  total.accepted += c.accepted;
  total.rejected += c.rejected;
  console.log(`| ${kind} | ${c.accepted + c.rejected} | ${c.accepted} | ${c.rejected} |`);
}
console.log(`| all | ${total.accepted + total.rejected} | ${total.accepted} | ${total.rejected} |`);
console.log(`${numRuns} cases in ${seconds.toFixed(1)} s (${((1000 * seconds) / numRuns).toFixed(2)} ms each): every file loaded completely or was rejected with a CheckpointError naming it, nothing changed.`);
