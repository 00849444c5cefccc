// The README's sample-quality tables, measured by the shipped MNIST classifier (or --judge):
//  (1) Fréchet distance and class accuracy: the unconditional run, the conditional run at classifier-free
//      guidance scales 0, 1, 2, 4, and classifier guidance (a noised classifier) at a few scales;
//  (2) Fréchet distance against NFE for each sampler (the real-data companion of bench/samplers).
// Each row is skipped when its run is not given. Prints Markdown to stdout, progress to stderr.
//
//   npx tsx scripts/quality-tables.ts --uncond runs/digits-u --cond runs/digits-c --classifier runs/noised \
//     [--judge file] [--n 5000] [--steps 2,4,8,16,32,64] [--seed 0]   (Heun at 64 steps: 127 NFE)
//     [--table 1|2] (one table only: run the two in parallel processes) [--uncond-steps k] [--cond-steps k]
//     [--samplers ddim,heun] (table 2's rows; default every sampler of EDM's Figure 2 plus DDIM and ancestral Euler)
//     (table 1's step counts; default each sampler's own: DDIM 50 for a discrete run, Heun 18 for an EDM one)
import { parseArgs } from 'node:util';
import {
  checkJudgeFits, classAccuracy, fid, generateSet, loadJudge, loadSession, referenceSize, resolveCheckpoint, shippedClassifier, stepsFor, sweepableSamplers,
  type SampleOptions, type SamplerName, type Session,
} from '@diffusion-ts/cli';

const { values: v } = parseArgs({
  options: {
    uncond: { type: 'string' }, cond: { type: 'string' }, classifier: { type: 'string' }, judge: { type: 'string' },
    n: { type: 'string', default: '5000' }, seed: { type: 'string', default: '0' },
    steps: { type: 'string', default: '2,4,8,16,32,64' },
    'cfg-scales': { type: 'string', default: '0,1,2,4' }, 'classifier-scales': { type: 'string', default: '1,2,4,8' },
    table: { type: 'string' }, samplers: { type: 'string' }, 'uncond-steps': { type: 'string' }, 'cond-steps': { type: 'string' },
  },
});
const n = Number(v.n), seed = Number(v.seed);
if (v.table !== undefined && v.table !== '1' && v.table !== '2') throw new Error(`quality-tables: --table is 1 or 2, got ${v.table}`);
const [table1, table2] = [v.table !== '2', v.table !== '1'];
const stepsOr = (given: string | undefined): number | undefined => (given === undefined ? undefined : Number(given));
const list = (s: string): number[] => s.split(',').filter((x) => x !== '').map(Number);
const load = async (path: string | undefined): Promise<Session | undefined> => (path === undefined ? undefined : loadSession(resolveCheckpoint(path).checkpoint));
const [uncond, cond, classifier] = [await load(v.uncond), await load(v.cond), await load(v.classifier)];
const judge = await loadJudge(v.judge ?? shippedClassifier, '--judge');
const any = uncond ?? cond;
if (any === undefined) throw new Error('quality-tables: give --uncond and/or --cond');
checkJudgeFits(judge, any.config.data, '--judge');
const data = any.config.data;
const log = (s: string) => process.stderr.write(`${s}\n`);
const fmt = (x: number, digits = 2) => x.toFixed(digits);

/** Fréchet distance (and class accuracy where samples have a requested class) of one setting; NFE counted on one extra sample. */
async function measure(session: Session, o: Omit<SampleOptions, 'n' | 'seed'>): Promise<{ fd: number; floor: number; accuracy?: number; nfe: number }> {
  let nfe = 0;
  await generateSet({ ...session, forward: (x, t, y) => { nfe++; return session.forward(x, t, y); } }, { ...o, n: 1, seed });
  const started = performance.now();
  const samples = await generateSet(session, { ...o, n, seed });
  const r = await fid(judge, data, samples, { reference: referenceSize(data, n), seed });
  const accuracy = samples.requested ? await classAccuracy(judge, samples) : undefined;
  log(`  ${o.sampler} ${o.steps} steps: d² ${fmt(r.samples)}, NFE ${nfe} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  return { fd: r.samples, floor: r.floor, nfe, ...(accuracy ? { accuracy: accuracy.correct / accuracy.n } : {}) };
}

const rows: string[] = [];
const defaultSampler = (s: Session): SamplerName => (s.objective.diffusion ? 'ddim' : 'heun');
let floor: number | undefined;
if (uncond && table1) {
  const sampler = defaultSampler(uncond), steps = stepsFor(sampler, uncond, stepsOr(v['uncond-steps']));
  log(`unconditional (${v.uncond})`);
  const r = await measure(uncond, { sampler, steps });
  floor = r.floor;
  rows.push(`| unconditional | ${sampler}, ${steps} steps | ${fmt(r.fd)} | – |`);
  if (classifier) {
    for (const scale of list(v['classifier-scales'])) {
      const g = await measure(uncond, { sampler, steps, classifier: { session: classifier, scale } });
      rows.push(`| unconditional + classifier guidance s = ${scale} | ${sampler}, ${steps} steps | ${fmt(g.fd)} | ${fmt(100 * g.accuracy!, 1)}% |`);
    }
  }
}
if (cond && table1) {
  const sampler = defaultSampler(cond), steps = stepsFor(sampler, cond, stepsOr(v['cond-steps']));
  log(`conditional (${v.cond})`);
  for (const guidance of list(v['cfg-scales'])) {
    const r = await measure(cond, { sampler, steps, guidance });
    floor ??= r.floor;
    rows.push(`| conditional, classifier-free guidance ${guidance} | ${sampler}, ${steps} steps | ${fmt(r.fd)} | ${fmt(100 * r.accuracy!, 1)}% |`);
  }
}
if (table1) {
  console.log(`Fréchet distance (d², features of the judge) from ${n} samples to the ${referenceSize(data, n)} held-out ${data} digits; floor (${n} training digits): ${fmt(floor!)}. Seed ${seed}.\n`);
  console.log('| model | sampler | Fréchet distance | class accuracy |\n|---|---|---:|---:|');
  console.log(rows.join('\n'));
}

// (2) against NFE: the unconditional run if given, else the conditional one (guidance 1).
const sweepRun = (uncond ?? cond)!;
const stepsList = list(v.steps);
const studied: SamplerName[] = ['euler', 'heun', 'dpm2m', 'ddim', 'euler-a', 'edm']; // EDM's Figure 2 line-up plus DDIM and ancestral Euler
const sweepable = sweepableSamplers(sweepRun);
const samplers = v.samplers === undefined ? studied.filter((s) => sweepable.includes(s)) : v.samplers.split(',') as SamplerName[];
for (const s of samplers) if (!sweepable.includes(s)) throw new Error(`quality-tables: --samplers ${s} does not sweep this run; it takes ${sweepable.join(', ')}`);
if (!table2) process.exit(0);
console.log(`\nFréchet distance against NFE (network evaluations per sample), ${n} samples per cell, ${uncond ? 'unconditional' : 'conditional'} run:\n`);
console.log(`| sampler | ${stepsList.map((s) => `${s} steps`).join(' | ')} |\n|---|${stepsList.map(() => '---:').join('|')}|`);
for (const sampler of samplers) {
  log(`sweep ${sampler}`);
  const cells: string[] = [];
  for (const steps of stepsList) {
    try {
      const r = await measure(sweepRun, { sampler, steps });
      cells.push(`${fmt(r.fd)} (${r.nfe})`);
    } catch (e) {
      cells.push('–');
      log(`  ${sampler} ${steps}: ${(e as Error).message}`);
    }
  }
  console.log(`| ${sampler} | ${cells.join(' | ')} |`);
}
