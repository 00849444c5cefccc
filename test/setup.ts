// Loaded into every test process (see the `test` script): fast-check runs reproducibly, with a
// fixed seed, and prints the seed and the shrunk counterexample when a property fails.
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 42), numRuns: Number(process.env.FC_NUM_RUNS ?? 25), endOnFailure: false });
