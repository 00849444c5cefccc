/**
 * The video table of issue 12 (per-frame quality and temporal coherence), from the same function as
 * `diffusion-ts eval --video` (packages/cli/src/run/video-eval.ts):
 *
 *   npx tsx bench/video-metrics.ts --data moving-mnist --n 64                  # the floor: data against data
 *   npx tsx bench/video-metrics.ts --ckpt runs/mm --n 64 --sampler heun        # every row, for a trained video run
 *
 * `--bootstrap B` (default 200; 0: none) resamples the clips for standard errors and the paired comparison
 * of reconstruction guidance against replacement, as `eval --video --bootstrap`.
 *
 * `--features judge|pixels` picks the frame features (default: the MNIST judge's on Moving MNIST, pixel
 * statistics elsewhere; `--judge <classifier>` replaces the shipped judge), as `eval --video --features`.
 *
 * Prints a Markdown table with the load average beside it. Not a speed benchmark: the numbers do not
 * depend on the machine, only the time taken does.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { defaultSampler, floorRow, frameFeatureNames, frameFeaturesFor, isDatasetName, loadSession, resolveCheckpoint, samplerNames, stepsFor, videoEvaluation, videoTable, comparisonTable, bootstrapRows, standardErrors, type FrameFeatureName, type SamplerName } from '@diffusion-ts/cli';

const { values } = parseArgs({
  options: {
    data: { type: 'string' }, ckpt: { type: 'string' }, n: { type: 'string', default: '64' }, seed: { type: 'string', default: '0' },
    sampler: { type: 'string', default: defaultSampler }, steps: { type: 'string' }, 'frames-known': { type: 'string' }, 'guidance-weight': { type: 'string', default: '2' },
    features: { type: 'string' }, judge: { type: 'string' }, bootstrap: { type: 'string', default: '200' },
  },
});
if (values.features !== undefined && !(frameFeatureNames as readonly string[]).includes(values.features)) throw new Error(`--features ${values.features} is not one of ${frameFeatureNames.join(', ')}`);
const featureChoice = values.features as FrameFeatureName | undefined;
const n = Number(values.n), seed = Number(values.seed);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const started = Date.now(), loadAtStart = load();

if (values.ckpt === undefined) {
  const data = values.data ?? 'moving-mnist';
  if (!isDatasetName(data)) throw new Error(`--data ${data} is not a data set`);
  const features = await frameFeaturesFor(data, featureChoice, values.judge);
  const { row, parts, reference } = await floorRow(data, n, seed, features);
  const B = Number(values.bootstrap);
  if (B > 0) row.standardError = standardErrors(bootstrapRows([parts], reference, { replicates: B, seed })[0]!);
  console.log(`${data}: ${n} held-out clips against ${n} others (seed ${seed})${B > 0 ? `; ± is the bootstrap standard error over clips (B = ${B})` : ''}; the model rows need a trained video run (--ckpt)\n`);
  console.log(videoTable([row], features));
} else {
  const session = await loadSession(resolveCheckpoint(values.ckpt).checkpoint);
  if (!(samplerNames as readonly string[]).includes(values.sampler!)) throw new Error(`--sampler ${values.sampler} is not one of ${samplerNames.join(', ')}`);
  const sampler = values.sampler as SamplerName;
  const steps = stepsFor(sampler, session, values.steps === undefined ? undefined : Number(values.steps));
  const F = session.data.shape[2]!;
  const framesKnown = values['frames-known'] === undefined ? Math.floor(F / 2) : Number(values['frames-known']);
  const features = await frameFeaturesFor(session.config.data, featureChoice, values.judge);
  const { rows, comparison } = await videoEvaluation(session, { n, seed, sampler, steps, framesKnown, guidanceWeight: Number(values['guidance-weight']), features, bootstrap: Number(values.bootstrap) });
  console.log(`${session.config.data}, run at step ${session.step}: ${n} clips per row, ${sampler} ${steps} steps, ${framesKnown} frames known (seed ${seed})${comparison ? `; ± is the bootstrap standard error over clips (B = ${comparison.replicates})` : ''}\n`);
  console.log(videoTable(rows, features));
  if (comparison) console.log(comparisonTable(comparison));
}
console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s; load average ${loadAtStart} at the start, ${load()} at the end`);
