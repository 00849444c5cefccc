// The checkpoint fuzzer, a few hundred cases per test run (FC_SEED picks the seed; `npm run fuzz`
// runs ten thousand): truncations, byte flips, header lengths, corrupted JSON (deep nesting, wrong
// types, overflowing shapes, bad offsets, repeated keys, prototype names), other architectures. Each
// file must load completely or be rejected with a CheckpointError naming it, leaving the model,
// EMA, optimizer and generator as they were.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { checkMutant, fuzzFiles, makeTargets, mutantArb } from '../testing/checkpoint-fuzz.ts';

const dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('checkpoint fuzzer', () => {
  it('every mutated checkpoint is loaded completely or rejected cleanly, naming the file', async (t) => {
    const seed = fc.readConfigureGlobal().seed ?? 42;
    const numRuns = 300;
    const { base, others } = await fuzzFiles();
    const path = join(dir, 'mutant.safetensors');
    let targets = makeTargets();
    const counts = new Map<string, [number, number]>();
    await fc.assert(
      fc.asyncProperty(mutantArb(base, others), async ({ kind, bytes }) => {
        const accepted = await checkMutant(path, bytes, targets);
        if (accepted) targets = makeTargets();
        const c = counts.get(kind) ?? [0, 0];
        c[accepted ? 0 : 1]++;
        counts.set(kind, c);
      }),
      { seed, numRuns },
    );
    const figures = [...counts].sort().map(([k, [a, r]]) => `${k} ${a}/${a + r}`).join(', ');
    t.diagnostic(`seed ${seed}, ${numRuns} cases; accepted/all by kind: ${figures}`);
    assert.equal(counts.size, 13, 'every kind of mutation was drawn');
    assert.equal(await checkMutant(path, base, makeTargets()), true, 'the unmutated file loads');
  });
});
